"""Team and competition rules: names, durations, standings for both scorings, winners. Pure.

A competition scores ``total`` (the team's points) or ``average`` (the team's points divided by
its *active* members, those who answered at least once during the competition), so that in
average mode a big team does not win by size alone. A team nobody on which answered averages 0.
Ranks are competition style (1, 2, 2, 4); every team sharing the first rank wins, unless nobody
scored at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import Literal

from bot.core.errors import ConflictError, UserFacingError
from bot.core.i18n import N_
from bot.core.inputs import clean_name, parse_span  # one grammar for names and durations
from bot.core.ranking import competition_ranks

Scoring = Literal["total", "average"]
SCORINGS: tuple[Scoring, ...] = ("total", "average")

MAX_TEAM_NAME = 32
MAX_COMPETITION_NAME = 50
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=366)
MIN_TEAMS = 2
BEST_MEMBERS = 3


class CompetitionRunningError(ConflictError):
    def __init__(self, name: str) -> None:
        super().__init__(
            N_(
                "The competition **{name}** is still running; one runs at a time. "
                "`/competition end` it first."
            ),
            name=name,
        )
        self.name = name


class NoCompetitionError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            N_("No competition is running in this server. An admin can `/competition start` one.")
        )


def clean_team_name(name: str) -> str:
    """A team name as stored: trimmed, inner spaces collapsed, 1 to 32 characters."""
    return clean_name(name, what="team", example="Owls", limit=MAX_TEAM_NAME)


def clean_competition_name(name: str) -> str:
    return clean_name(name, what="competition", example="March cup", limit=MAX_COMPETITION_NAME)


def name_key(name: str) -> str:
    """What names are compared on: unique per server whatever the case."""
    return " ".join(name.split()).casefold()


def parse_duration(text: str) -> timedelta:
    """How long a competition runs: ``90m``, ``12h``, ``3d``, ``2w`` (1 minute to a year)."""
    duration = parse_span(text)
    if duration is None:
        raise UserFacingError(
            N_("I couldn't read `{text}` as a duration. Use e.g. `90m`, `12h`, `3d`, `2w`."),
            text=text.strip(),
        )
    if duration < MIN_DURATION:
        raise UserFacingError(N_("A competition lasts at least a minute."))
    if duration > MAX_DURATION:
        raise UserFacingError(N_("A competition can last at most a year."))
    return duration


def parse_scoring(text: str | None) -> Scoring:
    value = (text or "total").strip().lower()
    if value == "total":
        return "total"
    if value == "average":
        return "average"
    raise UserFacingError(N_("Scoring is `total` (team points) or `average` (points per active member)."))


@dataclass(frozen=True, slots=True)
class TeamTotal:
    """A team's points in a competition and how many of its members answered at least once."""

    team_id: int
    name: str
    points: int
    active_members: int


@dataclass(frozen=True, slots=True)
class TeamStanding:
    rank: int
    team_id: int
    name: str
    points: int
    active_members: int
    score: Fraction  # what the table is ranked on: points, or points per active member

    def shown_score(self, scoring: Scoring) -> str:
        if scoring == "total":
            return f"{self.points:,}"
        return f"{float(self.score):,.1f}"


def team_score(total: TeamTotal, scoring: Scoring) -> Fraction:
    if scoring == "total":
        return Fraction(total.points)
    if total.active_members <= 0:
        return Fraction(0)
    return Fraction(total.points, total.active_members)


def team_standings(totals: Iterable[TeamTotal], scoring: Scoring) -> list[TeamStanding]:
    """Teams best first; equal scores share a rank (exact fractions, so averages tie exactly)."""
    scored = [(team_score(t, scoring), t) for t in totals]
    scored.sort(key=lambda st: (-st[0], st[1].name.casefold(), st[1].team_id))
    ranks = competition_ranks([score for score, _t in scored])
    return [
        TeamStanding(rank, t.team_id, t.name, t.points, t.active_members, score)
        for rank, (score, t) in zip(ranks, scored, strict=True)
    ]


def winners(standings: list[TeamStanding]) -> list[TeamStanding]:
    """The teams at rank 1 (ties share the win); nobody wins when no team scored."""
    return [s for s in standings if s.rank == 1 and s.score > 0]

"""Competitions between a server's teams: start, end (by command or when due), standings. No discord import.

While a competition runs, every accepted answer of a member on a team also scores for the team
(``competition_scores``, written with the answer; see :meth:`TeamService.team_of`). The running
competition of each server is cached in the team service. The database decides when one is due;
the bot's one wake-up job calls :meth:`CompetitionService.end_due`, which ends each exactly once
and hands the final table to the presenter (the cog) to announce where it was started.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.competitions import (
    BEST_MEMBERS,
    MIN_TEAMS,
    CompetitionRunningError,
    NoCompetitionError,
    Scoring,
    TeamStanding,
    TeamTotal,
    clean_competition_name,
    parse_duration,
    parse_scoring,
    team_standings,
    winners,
)
from bot.core.errors import ConflictError, NotFoundError
from bot.core.i18n import N_
from bot.core.shards import Ownership
from bot.services.answer_writer import AnswerWriter
from bot.services.endings import announce_safely, end_each
from bot.services.teams import TeamService
from bot.storage.competitions import (
    CompetitionNameTakenError,
    CompetitionRepository,
    CompetitionRow,
    MemberScoreRow,
)
from bot.storage.database import Database

log = logging.getLogger(__name__)

LATE_GRACE_S = 120  # ended more than two wake-ups after its time: the bot was down when it was due


@dataclass(frozen=True, slots=True)
class Standings:
    competition: CompetitionRow
    table: tuple[TeamStanding, ...]
    best: dict[int, tuple[MemberScoreRow, ...]]  # team id -> its best members, best first
    winners: tuple[TeamStanding, ...]

    @property
    def scoring(self) -> Scoring:
        return parse_scoring(self.competition.scoring)

    @property
    def final(self) -> bool:
        return not self.competition.running


@dataclass(frozen=True, slots=True)
class CompetitionEnded:
    standings: Standings
    on_schedule: bool
    late: bool = False  # announced well after its end (the bot was down when it was due)

    @property
    def competition(self) -> CompetitionRow:
        return self.standings.competition


class CompetitionPresenter(Protocol):
    async def announce_end(self, ended: CompetitionEnded) -> None:
        """Post the final table and the winners where the competition was started."""
        ...


class CompetitionService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        writer: AnswerWriter,
        teams: TeamService,
        *,
        owner: Ownership | None = None,
    ) -> None:
        self.db = db
        self.owner = owner  # the servers whose competitions this process ends when due (None: all)
        self.clock = clock
        self.writer = writer
        self.teams = teams
        self.repo = CompetitionRepository(db)
        self.presenter: CompetitionPresenter | None = None
        self._lock = asyncio.Lock()

    def running(self, guild_id: int) -> CompetitionRow | None:
        return self.teams.running_competition(guild_id)

    # -- commands ---------------------------------------------------------------------------------

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int | None,
        user_id: int,
        name: str,
        duration: str,
        scoring: str | None = None,
    ) -> CompetitionRow:
        name = clean_competition_name(name)
        length = parse_duration(duration)
        how = parse_scoring(scoring)
        await self.end_due()  # one whose time has come does not block the next
        if len(self.teams.teams(guild_id)) < MIN_TEAMS:
            raise ConflictError(
                N_("A competition needs at least {n} teams; create them with `/team create`."), n=MIN_TEAMS
            )
        now = self.clock.now()
        async with self._lock:
            try:
                async with self.db.transaction() as conn:
                    running = await CompetitionRepository.running_in(conn, guild_id)
                    if running is not None:
                        raise CompetitionRunningError(running.name)
                    competition = await CompetitionRepository.create(
                        conn,
                        guild_id=guild_id,
                        name=name,
                        scoring=how,
                        started_at=to_ms(now),
                        ends_at=to_ms(now + length),
                        channel_id=channel_id,
                        started_by=user_id,
                    )
            except CompetitionNameTakenError:
                raise ConflictError(
                    N_("This server already had a competition named **{name}**; pick another name."),
                    name=name,
                ) from None
            self.teams.set_running(guild_id, competition)
        log.info(
            "guild %s started competition %s (%s, %s) for %s", guild_id, competition.id, name, how, length
        )
        return competition

    async def end(self, guild_id: int) -> CompetitionEnded:
        """End the running competition now (``/competition end``)."""
        competition = self.running(guild_id)
        if competition is None:
            raise NoCompetitionError()
        ended = await self._end(competition, on_schedule=False)
        if ended is None:  # the wake-up ended it a moment ago
            raise NoCompetitionError()
        return ended

    # -- the wake-up ------------------------------------------------------------------------------

    async def end_due(self) -> list[CompetitionEnded]:
        """End every competition whose time has come and announce each. Safe to call any time."""
        return await end_each(
            await self.repo.due(to_ms(self.clock.now()), self.owner),
            lambda competition: self._end(competition, on_schedule=True),
            self._announce,
            lambda competition: f"competition {competition.id} of guild {competition.guild_id}",
        )

    async def _announce(self, ended: CompetitionEnded) -> None:
        await announce_safely(
            self.presenter,
            ended,
            f"competition {ended.competition.id}",
            lost="its final table stays readable with /competition standings",
        )

    async def _end(self, competition: CompetitionRow, *, on_schedule: bool) -> CompetitionEnded | None:
        async with self._lock:
            # Answers taken from now on score for no team; those already queued are saved first.
            cached = self.teams.running_competition(competition.guild_id)
            if cached is not None and cached.id == competition.id:
                self.teams.set_running(competition.guild_id, None)
            try:
                await self.writer.flush()
                now = self.clock.now()
                async with self.db.transaction() as conn:
                    row = await CompetitionRepository.mark_ended(conn, competition.id, to_ms(now))
            except BaseException:
                if cached is not None and cached.id == competition.id:
                    self.teams.set_running(competition.guild_id, cached)
                raise
        if row is None:
            return None
        log.info(
            "competition %s (%s) of guild %s ended%s",
            row.id,
            row.name,
            row.guild_id,
            " on schedule" if on_schedule else "",
        )
        return CompetitionEnded(
            standings=await self.standings_of(row),
            on_schedule=on_schedule,
            late=on_schedule and _overdue(row.ends_at, now),
        )

    # -- reading ----------------------------------------------------------------------------------

    async def standings(self, guild_id: int, name: str | None = None) -> Standings:
        """The named competition's table, else the running one, else the one that ended last."""
        if name:
            competition = await self.repo.by_name(guild_id, " ".join(name.split()))
            if competition is None:
                raise NotFoundError(
                    N_("There is no competition named **{name}** in this server."), name=name.strip()
                )
        else:
            competition = self.running(guild_id) or await self.repo.latest(guild_id)
            if competition is None:
                raise NotFoundError(
                    N_("This server has had no competition yet. An admin can `/competition start` one.")
                )
        if competition.running:
            await self.writer.flush()  # the answers just given count on the table
        return await self.standings_of(competition)

    async def standings_of(self, competition: CompetitionRow) -> Standings:
        scoring = parse_scoring(competition.scoring)
        totals = await self.repo.team_totals(competition.id, competition.guild_id)
        table = team_standings(
            (TeamTotal(t.team_id, t.name, t.points, t.active_members) for t in totals), scoring
        )
        best: dict[int, list[MemberScoreRow]] = {}
        for row in await self.repo.best_members(competition.id, BEST_MEMBERS):
            best.setdefault(row.team_id, []).append(row)
        return Standings(
            competition=competition,
            table=tuple(table),
            best={team: tuple(rows) for team, rows in best.items()},
            winners=tuple(winners(table)),
        )

    async def names(self, guild_id: int) -> list[CompetitionRow]:
        """For autocomplete: the running competition first, then the latest."""
        return await self.repo.of_guild(guild_id)


def _overdue(ends_at_ms: int, now: datetime) -> bool:
    return (now - from_ms(ends_at_ms)).total_seconds() > LATE_GRACE_S

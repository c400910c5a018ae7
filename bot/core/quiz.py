"""Quiz rules: when an answer counts and what it scores. Pure; the clock is passed in."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import ConflictError, UserFacingError
from bot.core.i18n import N_
from bot.core.scoring import points_for
from bot.core.typed import matches

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 50, 5
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 5, 300, 20
TYPED_CHOICE = -1  # the stored choice of a typed answer, which has no letter


class QuestionClosedError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(N_("This question is closed; wait for the next one."))


class AlreadyAnsweredError(UserFacingError):
    def __init__(self, letter: str) -> None:
        super().__init__(N_("You already answered {letter}; your first answer counts."), letter=letter)
        self.letter = letter


class AlreadyTypedError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(N_("You already answered this question; your first answer counts."))


class InvalidChoiceError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(N_("That is not one of this question's choices."))


class QuizAlreadyRunningError(ConflictError):
    def __init__(self) -> None:
        super().__init__(N_("A quiz is already running in this channel; `/quiz stop` ends it."))


@dataclass(frozen=True, slots=True)
class RoundRules:
    """What judging one answer needs to know about its round.

    Choice indexes are as posted (what the member reacted or clicked): ``correct_index`` is where
    the key was shown, ``accepted`` where the item's also-accepted choices were.
    """

    opens_at: datetime
    closes_at: datetime
    n_choices: int
    correct_index: int
    speed_bonus: bool = True
    accepted: frozenset[int] = frozenset()

    @property
    def window_ms(self) -> int:
        return int((self.closes_at - self.opens_at) / timedelta(milliseconds=1))

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True, slots=True)
class Judged:
    choice: int
    correct: bool
    points: int
    latency_ms: int


def judge(rules: RoundRules, choice: int, at: datetime) -> Judged:
    """Judge an answer given at ``at``. Raises when it cannot count."""
    if not 0 <= choice < rules.n_choices:
        raise InvalidChoiceError()
    if not rules.is_open(at):
        raise QuestionClosedError()
    latency_ms = max(0, int((at - rules.opens_at) / timedelta(milliseconds=1)))
    # An also-accepted choice is right, and scores by the same rule as the key.
    correct = choice == rules.correct_index or choice in rules.accepted
    points = points_for(
        correct=correct, latency_ms=latency_ms, window_ms=rules.window_ms, speed_bonus=rules.speed_bonus
    )
    return Judged(choice=choice, correct=correct, points=points, latency_ms=latency_ms)


def judge_typed(rules: RoundRules, text: str, accepted: Sequence[str], at: datetime) -> Judged:
    """Judge a typed answer given at ``at`` against the question's accepted answers."""
    if not rules.is_open(at):
        raise QuestionClosedError()
    latency_ms = max(0, int((at - rules.opens_at) / timedelta(milliseconds=1)))
    correct = matches(text, accepted)
    points = points_for(
        correct=correct, latency_ms=latency_ms, window_ms=rules.window_ms, speed_bonus=rules.speed_bonus
    )
    return Judged(choice=TYPED_CHOICE, correct=correct, points=points, latency_ms=latency_ms)


def draw_items(
    pool: Sequence[str], usage: Mapping[str, int], count: int, rng: random.Random | None = None
) -> list[str]:
    """Draw ``count`` distinct item ids, least-used first, so nothing repeats until the pool is used up.

    ``usage`` maps item id to how many times this server has seen it. Ties are broken at random.
    """
    rng = rng or random.Random()
    shuffled = list(dict.fromkeys(pool))
    rng.shuffle(shuffled)
    shuffled.sort(key=lambda item: usage.get(item, 0))  # stable: random order within a usage level
    return shuffled[:count]


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    points: int
    correct: int
    answered: int
    rank: int


def standings(totals: Mapping[int, tuple[int, int, int]]) -> list[Standing]:
    """Rank members by points (ties share a rank, competition style 1, 2, 2, 4).

    ``totals`` maps user id to (points, correct, answered).
    """
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    result: list[Standing] = []
    previous: int | None = None
    rank = 0
    for position, (user_id, (points, correct, answered)) in enumerate(ordered, start=1):
        if points != previous:
            rank = position
            previous = points
        result.append(Standing(user_id, points, correct, answered, rank))
    return result

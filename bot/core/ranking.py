"""Leaderboard maths: tie ranks, accuracy, pages and streaks. Pure; no I/O, no discord.

Ranks are competition style (1, 2, 2, 4): a member's rank is one more than the number of members
strictly ahead of them, so a page can be ranked from one COUNT and the rows themselves.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

PAGE_SIZE = 10


# --- ranks -------------------------------------------------------------------------------------


def competition_ranks(
    keys: Sequence[Hashable], *, offset: int = 0, first_rank: int | None = None
) -> list[int]:
    """Ranks for rows already sorted best first, ``offset`` rows into the whole board.

    ``keys`` are what ties are judged on (equal keys share a rank). ``first_rank`` is the rank of
    the first row (1 + how many are strictly ahead of it); it defaults to ``offset + 1``, which is
    right unless the first row ties with the last row of the page before.
    """
    ranks: list[int] = []
    for index, key in enumerate(keys):
        if index == 0:
            ranks.append(offset + 1 if first_rank is None else first_rank)
        elif key == keys[index - 1]:
            ranks.append(ranks[-1])
        else:
            # Every row before this one sorts strictly ahead of it.
            ranks.append(offset + index + 1)
    return ranks


def topic_key(correct: int, answered: int) -> tuple[int, int]:
    """What a topic board sorts and ties on: most correct answers, then the best accuracy.

    With the same number of correct answers, better accuracy means fewer answers; with none
    correct, everyone has 0% and ties whatever they answered.
    """
    return (correct, -answered if correct > 0 else 0)


# --- accuracy ----------------------------------------------------------------------------------


def accuracy(correct: int, answered: int) -> float | None:
    """Share of right answers in 0..1, or None when nothing was answered."""
    if answered <= 0:
        return None
    return correct / answered


def percent(correct: int, answered: int) -> str:
    """``"75%"`` (rounded down, so 99.6% is not shown as 100%), or ``"–"`` without answers."""
    share = accuracy(correct, answered)
    if share is None:
        return "–"
    return f"{math.floor(share * 100 + 1e-9)}%"


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page of a board: its 0-based number, how many pages there are, where its rows start."""

    page: int
    pages: int
    offset: int
    size: int


def page_spec(requested: int, total: int, size: int = PAGE_SIZE) -> PageSpec:
    """Clamp a 0-based page number to the board (which may have shrunk since a button was drawn)."""
    if size <= 0:
        raise ValueError("page size must be positive")
    pages = max(1, math.ceil(total / size))
    page = min(max(requested, 0), pages - 1)
    return PageSpec(page=page, pages=pages, offset=page * size, size=size)


# --- streaks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DailyStreak:
    current: int
    best: int
    last_date: date | None


def correct_streak_after(current: int, best: int, correct: bool) -> tuple[int, int]:
    """A correct answer extends the run; a wrong one ends it. Returns (current, best)."""
    current = current + 1 if correct else 0
    return current, max(best, current)


def daily_streak_after(streak: DailyStreak, today: date) -> DailyStreak:
    """The streak after a correct daily answer on ``today`` (the server's local date).

    Answering again the same day changes nothing; the day after extends the run; a gap starts over.
    """
    if streak.last_date == today:
        return streak
    if streak.last_date is not None and streak.last_date == today - timedelta(days=1):
        current = streak.current + 1
    else:
        current = 1
    return DailyStreak(current=current, best=max(streak.best, current), last_date=today)


def visible_daily_streak(streak: DailyStreak, today: date) -> int:
    """The current daily run as of ``today``: still alive if the last correct day is today or yesterday.

    The stored value is only updated when a member answers, so a missed day is applied on read.
    """
    if streak.last_date is None:
        return 0
    if streak.last_date >= today - timedelta(days=1):
        return streak.current
    return 0

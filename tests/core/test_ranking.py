"""Leaderboard maths and season rules: tie ranks, topic ordering, pages, accuracy, streaks, end times."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.core.ranking import (
    DailyStreak,
    accuracy,
    competition_ranks,
    correct_streak_after,
    daily_streak_after,
    page_spec,
    percent,
    topic_key,
    visible_daily_streak,
)
from bot.core.seasons import clean_name, parse_ends_at


@pytest.mark.parametrize(
    ("keys", "offset", "first_rank", "expected"),
    [
        ([], 0, None, []),
        ([900, 800, 700], 0, None, [1, 2, 3]),
        ([900, 800, 800, 700], 0, None, [1, 2, 2, 4]),  # competition ranking: 1, 2, 2, 4
        ([900, 900, 900], 0, None, [1, 1, 1]),
        ([500, 400], 10, None, [11, 12]),
        ([500, 500, 400], 10, 9, [9, 9, 13]),  # the first row ties with the previous page's last
    ],
)
def test_competition_ranks(keys: list[int], offset: int, first_rank: int | None, expected: list[int]) -> None:
    assert competition_ranks(keys, offset=offset, first_rank=first_rank) == expected


@given(st.lists(st.integers(min_value=0, max_value=30), max_size=60), st.integers(min_value=1, max_value=7))
def test_ranking_a_board_page_by_page_equals_ranking_it_whole(points: list[int], size: int) -> None:
    board = sorted(points, reverse=True)
    whole = competition_ranks(board)
    # Each rank is 1 + how many are strictly ahead (what the COUNT query returns).
    assert whole == [1 + sum(1 for q in board if q > p) for p in board]
    paged: list[int] = []
    for offset in range(0, len(board), size):
        rows = board[offset : offset + size]
        first = 1 + sum(1 for q in board if q > rows[0])
        paged += competition_ranks(rows, offset=offset, first_rank=first)
    assert paged == whole


def test_topic_boards_rank_by_correct_answers_then_accuracy() -> None:
    members = {"ann": (8, 10), "ben": (8, 9), "cat": (9, 20), "dan": (0, 3), "eve": (0, 1), "fay": (8, 9)}
    order = sorted(members, key=lambda m: topic_key(*members[m]), reverse=True)
    assert order[:1] == ["cat"]  # most correct answers wins, whatever the accuracy
    assert set(order[1:3]) == {"ben", "fay"} and order[3] == "ann"  # same correct: better accuracy first
    ranks = competition_ranks([topic_key(*members[m]) for m in order])
    assert ranks == [1, 2, 2, 4, 5, 5]  # ben and fay tie; nobody right ties at 0% whatever they answered


@pytest.mark.parametrize(
    ("requested", "total", "expected"),
    [
        (0, 0, (0, 1, 0)),
        (0, 10, (0, 1, 0)),
        (1, 10, (0, 1, 0)),  # past the end: the last page
        (1, 11, (1, 2, 10)),
        (5, 25, (2, 3, 20)),
        (-3, 25, (0, 3, 0)),
    ],
)
def test_page_spec_clamps_to_the_board(requested: int, total: int, expected: tuple[int, int, int]) -> None:
    spec = page_spec(requested, total, 10)
    assert (spec.page, spec.pages, spec.offset) == expected


def test_accuracy_and_percent() -> None:
    assert accuracy(0, 0) is None and percent(0, 0) == "–"
    assert accuracy(3, 4) == 0.75 and percent(3, 4) == "75%"
    assert percent(249, 250) == "99%"  # never rounded up to a perfect score
    assert percent(7, 7) == "100%"


def test_correct_streak() -> None:
    current, best = 0, 0
    for correct in (True, True, False, True, True, True, False):
        current, best = correct_streak_after(current, best, correct)
    assert (current, best) == (0, 3)


D = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("before", "today", "after"),
    [
        (DailyStreak(0, 0, None), D, DailyStreak(1, 1, D)),
        (DailyStreak(4, 6, D - timedelta(days=1)), D, DailyStreak(5, 6, D)),  # the next day extends it
        (DailyStreak(6, 6, D - timedelta(days=1)), D, DailyStreak(7, 7, D)),
        (DailyStreak(4, 6, D), D, DailyStreak(4, 6, D)),  # twice the same day: once
        (DailyStreak(4, 6, D - timedelta(days=2)), D, DailyStreak(1, 6, D)),  # a missed day starts over
    ],
)
def test_daily_streak(before: DailyStreak, today: date, after: DailyStreak) -> None:
    assert daily_streak_after(before, today) == after


def test_a_daily_streak_shows_zero_once_a_day_was_missed() -> None:
    streak = DailyStreak(5, 9, D)
    assert visible_daily_streak(streak, D) == 5
    assert visible_daily_streak(streak, D + timedelta(days=1)) == 5  # today's answer may still come
    assert visible_daily_streak(streak, D + timedelta(days=2)) == 0
    assert visible_daily_streak(DailyStreak(0, 0, None), D) == 0


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("30d", "UTC", NOW + timedelta(days=30)),
        ("2w", "UTC", NOW + timedelta(weeks=2)),
        ("12h", "Asia/Tokyo", NOW + timedelta(hours=12)),
        ("90m", "UTC", NOW + timedelta(minutes=90)),
        ("2026-04-01", "UTC", datetime(2026, 4, 1, tzinfo=UTC)),
        ("2026-04-01", "Asia/Tokyo", datetime(2026, 3, 31, 15, 0, tzinfo=UTC)),  # local midnight
        ("2026-04-01 18:30", "Europe/Berlin", datetime(2026, 4, 1, 16, 30, tzinfo=UTC)),  # CEST
        ("2026-03-05T09:00", "America/New_York", datetime(2026, 3, 5, 14, 0, tzinfo=UTC)),  # EST
    ],
)
def test_parse_ends_at(text: str, tz: str, expected: datetime) -> None:
    assert parse_ends_at(text, NOW, tz) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-01", "in the past"),
        ("soon", "couldn't read"),
        ("2029-01-01", "two years"),
        ("0d", "in the past"),
    ],
)
def test_parse_ends_at_refuses_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_ends_at(text, NOW, "UTC")


def test_season_names_are_trimmed_and_bounded() -> None:
    assert clean_name("  Spring   2026 ") == "Spring 2026"
    with pytest.raises(UserFacingError):
        clean_name("   ")
    with pytest.raises(UserFacingError):
        clean_name("x" * 51)


def test_random_boards_rank_like_the_quiz_standings() -> None:
    from bot.core.quiz import standings

    rng = random.Random(3)
    totals = {u: (rng.choice([0, 500, 750, 1000]), 0, 1) for u in range(40)}
    expected = {s.user_id: s.rank for s in standings(totals)}
    ordered = sorted(totals, key=lambda u: (-totals[u][0], u))
    ranks = competition_ranks([totals[u][0] for u in ordered])
    assert dict(zip(ordered, ranks, strict=True)) == expected

"""The pure core: scoring, periods, answer rules, draws and ranks. Table-driven, fake clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock, from_ms, to_ms
from bot.core.letters import REACTIONS, index_of_reaction
from bot.core.periods import period_keys, zone
from bot.core.quiz import InvalidChoiceError, QuestionClosedError, RoundRules, draw_items, judge, standings
from bot.core.scoring import points_for

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("correct", "latency", "window", "bonus", "expected"),
    [
        (True, 0, 20_000, True, 1000),
        (True, 10_000, 20_000, True, 750),
        (True, 20_000, 20_000, True, 500),
        (True, 99_000, 20_000, True, 500),  # clamped at the deadline
        (True, -5, 20_000, True, 1000),
        (False, 0, 20_000, True, 0),
        (True, 15_000, 20_000, False, 1000),
    ],
)
def test_points(correct: bool, latency: int, window: int, bonus: bool, expected: int) -> None:
    assert points_for(correct=correct, latency_ms=latency, window_ms=window, speed_bonus=bonus) == expected


def test_judge_within_the_window() -> None:
    rules = RoundRules(opens_at=T0, closes_at=T0 + timedelta(seconds=20), n_choices=4, correct_index=2)
    judged = judge(rules, 2, T0 + timedelta(seconds=4))
    assert (judged.correct, judged.points, judged.latency_ms) == (True, 900, 4000)
    assert judge(rules, 1, T0).points == 0


@pytest.mark.parametrize(
    ("choice", "correct", "points"),
    [(2, True, 900), (0, True, 900), (1, False, 0), (3, False, 0)],
)
def test_an_also_accepted_choice_scores_like_the_key(choice: int, correct: bool, points: int) -> None:
    rules = RoundRules(
        opens_at=T0,
        closes_at=T0 + timedelta(seconds=20),
        n_choices=4,
        correct_index=2,
        accepted=frozenset({0}),
    )
    judged = judge(rules, choice, T0 + timedelta(seconds=4))
    assert (judged.correct, judged.points) == (correct, points)


def test_judge_refuses_late_and_invalid_answers() -> None:
    rules = RoundRules(opens_at=T0, closes_at=T0 + timedelta(seconds=20), n_choices=2, correct_index=0)
    with pytest.raises(QuestionClosedError):
        judge(rules, 0, T0 + timedelta(seconds=20))
    with pytest.raises(InvalidChoiceError):
        judge(rules, 2, T0)


@pytest.mark.parametrize(
    ("when", "tz", "week", "month"),
    [
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "UTC", "2026-W09", "2026-03"),
        # 23:30 UTC on Sunday is already Monday 00:30 in Berlin: a new week there.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Berlin", "2026-W10", "2026-03"),
        # 03:00 UTC on the 1st is still the previous month in New York.
        (datetime(2026, 4, 1, 3, 0, tzinfo=UTC), "America/New_York", "2026-W14", "2026-03"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "Asia/Shanghai", "2026-W53", "2027-01"),
    ],
)
def test_period_keys_in_the_server_zone(when: datetime, tz: str, week: str, month: str) -> None:
    keys = period_keys(when, tz)
    assert (keys.week, keys.month) == (week, month)


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="IANA"):
        zone("Mars/Olympus")


def test_reaction_letters() -> None:
    assert REACTIONS[:4] == ("🇦", "🇧", "🇨", "🇩")
    assert index_of_reaction("🇧", 4) == 1
    assert index_of_reaction("🇩", 2) is None  # true/false has only A and B
    assert index_of_reaction("👍", 4) is None


def test_draw_prefers_unused_items_and_never_repeats_within_a_draw() -> None:
    pool = [f"q{i}" for i in range(10)]
    usage = {f"q{i}": 1 for i in range(7)}
    drawn = draw_items(pool, usage, 5, random.Random(1))
    assert len(set(drawn)) == 5
    assert set(drawn) >= {"q7", "q8", "q9"}


def test_draws_cycle_through_the_whole_pool() -> None:
    pool = [f"q{i}" for i in range(9)]
    usage: dict[str, int] = {}
    seen: list[str] = []
    rng = random.Random(3)
    for _ in range(3):
        drawn = draw_items(pool, usage, 3, rng)
        seen += drawn
        for item in drawn:
            usage[item] = usage.get(item, 0) + 1
    assert sorted(seen) == sorted(pool)


def test_standings_share_ranks_on_ties() -> None:
    ranked = standings({1: (900, 1, 1), 2: (1000, 1, 1), 3: (900, 1, 2), 4: (0, 0, 1)})
    assert [(s.user_id, s.rank) for s in ranked] == [(2, 1), (1, 2), (3, 2), (4, 4)]


async def test_fake_clock_wakes_sleepers() -> None:
    import asyncio

    clock = FakeClock(T0)
    task = asyncio.create_task(clock.sleep_until(T0 + timedelta(seconds=5)))
    await asyncio.sleep(0)
    clock.advance(4)
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(1)
    await asyncio.wait_for(task, 1)
    assert to_ms(from_ms(to_ms(T0))) == to_ms(T0)

"""The question of the day's pure rules: local post times across daylight saving, and which question."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.daily import (
    DailyError,
    check_reveal_hours,
    choose_daily_item,
    is_late,
    local_date,
    next_post_at,
    parse_post_time,
    parse_zone,
    post_instant,
    topic_accuracy,
    weakest_first,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9, 0)), ("9:05", time(9, 5)), (" 23:59 ", time(23, 59)), ("00:00", time(0, 0))],
)
def test_post_times_are_read_as_24_hour_hh_mm(text: str, expected: time) -> None:
    assert parse_post_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "9", "9am", "09:00:00", "", "-1:00"])
def test_anything_else_is_refused_with_the_format_to_use(text: str) -> None:
    with pytest.raises(DailyError, match=r"HH:MM|hours go from"):
        parse_post_time(text)


def test_zones_are_iana_names_and_unknown_ones_are_refused_by_name() -> None:
    assert parse_zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(DailyError, match="Mars/Olympus"):
        parse_zone("Mars/Olympus")
    with pytest.raises(DailyError):
        parse_zone("../etc/passwd")


@pytest.mark.parametrize("hours", [1, 12, 23])
def test_reveal_after_1_to_23_hours(hours: int) -> None:
    assert check_reveal_hours(hours) == hours


@pytest.mark.parametrize("hours", [0, 24, -3])
def test_other_reveal_delays_are_refused(hours: int) -> None:
    with pytest.raises(DailyError, match="1 to 23"):
        check_reveal_hours(hours)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Berlin, spring forward on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after.
        (utc(2026, 3, 27, 12, 0), utc(2026, 3, 28, 8, 0)),
        (utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0)),
        (utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)),
        # Autumn, fall back on 2026-10-25: 07:00 UTC before, 08:00 UTC after.
        (utc(2026, 10, 24, 6, 0), utc(2026, 10, 24, 7, 0)),
        (utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0)),
        (utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)),
        # Just before and exactly at the time: strictly after.
        (utc(2026, 3, 28, 7, 59, 59), utc(2026, 3, 28, 8, 0)),
    ],
)
def test_0900_berlin_is_0900_local_on_both_sides_of_each_change(after: datetime, expected: datetime) -> None:
    got = next_post_at(after, time(9, 0), BERLIN)
    assert got == expected
    assert got.astimezone(BERLIN).time() == time(9, 0)


def test_new_york_changes_on_its_own_dates() -> None:
    # 2026-03-08 spring forward, 2026-11-01 fall back: 08:30 is 13:30 UTC (EST) or 12:30 UTC (EDT).
    assert next_post_at(utc(2026, 3, 7, 14, 0), time(8, 30), NEW_YORK) == utc(2026, 3, 8, 12, 30)
    assert next_post_at(utc(2026, 3, 6, 14, 0), time(8, 30), NEW_YORK) == utc(2026, 3, 7, 13, 30)
    assert next_post_at(utc(2026, 10, 31, 13, 0), time(8, 30), NEW_YORK) == utc(2026, 11, 1, 13, 30)
    # 02:15 does not exist on 2026-03-08 (02:00 -> 03:00): posted at 03:00 EDT.
    assert post_instant(date(2026, 3, 8), time(2, 15), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    # 01:30 occurs twice on 2026-11-01: the first (EDT, 05:30 UTC).
    assert post_instant(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_a_0230_post_on_the_spring_gap_day_goes_out_at_the_first_valid_minute_after() -> None:
    at = post_instant(date(2026, 3, 29), time(2, 30), BERLIN)
    assert at == utc(2026, 3, 29, 1, 0)
    assert at.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"
    assert next_post_at(utc(2026, 3, 28, 12, 0), time(2, 30), BERLIN) == at
    assert next_post_at(at, time(2, 30), BERLIN) == utc(2026, 3, 30, 0, 30)  # 02:30 CEST


def test_a_0230_post_on_the_autumn_fold_day_posts_once_at_the_first_occurrence() -> None:
    first = next_post_at(utc(2026, 10, 24, 12, 0), time(2, 30), BERLIN)
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second_occurrence = utc(2026, 10, 25, 1, 30)  # 02:30 CET, the same wall time again
    assert second_occurrence.astimezone(BERLIN).time() == time(2, 30)
    after_first = next_post_at(first, time(2, 30), BERLIN)
    assert after_first == utc(2026, 10, 26, 1, 30)  # the next day, not the second 02:30
    assert next_post_at(second_occurrence, time(2, 30), BERLIN) == after_first
    assert local_date(first, BERLIN) == local_date(second_occurrence, BERLIN) == date(2026, 10, 25)


def test_a_day_the_zone_skipped_entirely_posts_at_the_next_valid_minute() -> None:
    # Samoa skipped 2011-12-30 (the 29th was followed by the 31st).
    apia = ZoneInfo("Pacific/Apia")
    at = post_instant(date(2011, 12, 30), time(9, 0), apia)
    assert at.astimezone(apia).strftime("%Y-%m-%d %H:%M") == "2011-12-31 00:00"


def test_every_day_of_a_year_has_exactly_one_post_instant_in_order() -> None:
    for tz in (BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")):
        for at in (time(0, 0), time(2, 30), time(9, 0), time(23, 59)):
            when = utc(2025, 12, 31, 12, 0)
            seen: list[date] = []
            for _ in range(366):
                nxt = next_post_at(when, at, tz)
                assert nxt > when and nxt - when <= timedelta(hours=26)
                seen.append(local_date(nxt, tz))
                when = nxt
            assert len(set(seen)) == len(seen), f"a date posted twice in {tz}"
            assert (seen[-1] - seen[0]).days == len(seen) - 1, f"a date skipped in {tz}"


def test_next_post_at_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_post_at(datetime(2026, 1, 1), time(9, 0), BERLIN)  # noqa: DTZ001


def test_late_means_claimed_ten_minutes_or_more_after_its_time() -> None:
    due = utc(2026, 3, 26, 8, 0)
    assert not is_late(due, due + timedelta(minutes=9, seconds=59))
    assert is_late(due, due + timedelta(minutes=10))
    # Due while the bot ran and queued behind the rate limit: not late, however long it waited.
    assert not is_late(due, due + timedelta(minutes=40), up_since=due - timedelta(hours=1))
    assert is_late(due, due + timedelta(minutes=40), up_since=due + timedelta(minutes=39))


# --- which question ----------------------------------------------------------------------------


def test_topic_accuracy_is_smoothed_so_untried_topics_sit_at_half() -> None:
    assert topic_accuracy(0, 0) == 0.5
    assert topic_accuracy(2, 2) == 0.75
    assert topic_accuracy(10, 1) == pytest.approx(2 / 12)


def test_weakest_topic_first_untried_between_strong_and_weak() -> None:
    sums = {"lora": (20, 18), "sft": (20, 4), "rlhf": (0, 0)}
    assert weakest_first(["lora", "sft", "rlhf", "dpo"], sums) == ["sft", "dpo", "rlhf", "lora"]


def test_the_weakest_topic_among_the_least_used_items_is_asked() -> None:
    pool = [("a1", "lora"), ("a2", "lora"), ("b1", "sft"), ("b2", "sft")]
    sums = {"lora": (10, 9), "sft": (10, 2)}
    rng = random.Random(1)
    assert choose_daily_item(pool, {}, sums, rng) in {"b1", "b2"}
    # Both sft items asked once: no repeat until the pool is used up, so lora it is.
    assert choose_daily_item(pool, {"b1": 1, "b2": 1}, sums, rng) in {"a1", "a2"}
    # Every item asked once: the weakest topic again.
    assert choose_daily_item(pool, dict.fromkeys(["a1", "a2", "b1", "b2"], 1), sums, rng) in {"b1", "b2"}


def test_with_a_topic_set_no_weakness_is_weighed_and_nothing_repeats_until_used_up() -> None:
    pool = [(f"q{i}", "lora") for i in range(5)]
    usage: dict[str, int] = {}
    rng = random.Random(7)
    asked = []
    for _ in range(10):
        chosen = choose_daily_item(pool, usage, None, rng)
        assert chosen is not None
        asked.append(chosen)
        usage[chosen] = usage.get(chosen, 0) + 1
    assert sorted(asked[:5]) == sorted(asked[5:]) == [f"q{i}" for i in range(5)]


def test_an_empty_pool_has_no_question() -> None:
    assert choose_daily_item([], {}, {}) is None

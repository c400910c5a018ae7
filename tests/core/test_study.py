"""The tutor's pure rules, checked against the fsrs package where they meet it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import fsrs
import pytest

from bot.core.study import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    StudyError,
    check_cards,
    check_new_per_day,
    check_retention,
    day_start,
    forecast,
    format_interval,
    next_reminder_at,
    order_session,
    rating_for_choice,
    study_streak,
)


def test_ratings_are_the_fsrs_package_ratings() -> None:
    assert tuple(int(r) for r in fsrs.Rating) == (AGAIN, HARD, GOOD, EASY)
    assert fsrs.Rating(rating_for_choice(False)) is fsrs.Rating.Again
    assert fsrs.Rating(rating_for_choice(True)) is fsrs.Rating.Good


@pytest.mark.parametrize(
    ("correct", "state", "due_after"), [(False, fsrs.State.Learning, timedelta(minutes=1))]
)
def test_a_wrong_choice_puts_a_new_card_on_its_first_learning_step(correct, state, due_after) -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = scheduler.review_card(
        fsrs.Card(card_id=1, due=now), fsrs.Rating(rating_for_choice(correct)), now
    )
    assert card.state is state
    assert card.due - now == scheduler.learning_steps[0] == due_after


def test_a_right_choice_moves_a_new_card_to_the_next_step_not_the_first() -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    wrong, _ = scheduler.review_card(
        fsrs.Card(card_id=1, due=now), fsrs.Rating(rating_for_choice(False)), now
    )
    right, _ = scheduler.review_card(fsrs.Card(card_id=1, due=now), fsrs.Rating(rating_for_choice(True)), now)
    assert right.due > wrong.due


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (check_retention, [0.8, 0.9, 0.97], [0.79, 0.98, 1.0]),
        (check_new_per_day, [0, 10, 50], [-1, 51]),
        (check_cards, [1, 10, 50], [0, 51]),
    ],
)
def test_limits_accept_their_range_and_refuse_outside_it(check, good, bad) -> None:
    for value in good:
        assert check(value) == value
    for value in bad:
        with pytest.raises(StudyError):
            check(value)


def _retrievability(days_since: float, stability: float, now: datetime) -> float:
    card = fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        stability=stability,
        difficulty=5.0,
        due=now,
        last_review=now - timedelta(days=days_since),
    )
    return fsrs.Scheduler().get_card_retrievability(card, now)


def test_session_order_puts_the_least_likely_remembered_due_card_first_then_new_by_weakest_topic() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    due = [
        ("fresh", _retrievability(2, 30.0, now)),
        ("fading", _retrievability(40, 3.0, now)),
        ("middling", _retrievability(10, 10.0, now)),
    ]
    assert sorted(r for _i, r in due) == [due[1][1], due[2][1], due[0][1]]
    new = [("lora-1", "lora"), ("dpo-1", "dpo"), ("lora-2", "lora"), ("sft-1", "sft")]
    sums = {"lora": (10, 9), "dpo": (10, 2), "sft": (0, 0)}  # dpo weakest, then sft (unseen, 50 %)
    plan = order_session(due, new, sums, cards=10, new_allowed=3)
    assert plan.item_ids == ("fading", "middling", "fresh", "dpo-1", "sft-1", "lora-1")
    assert plan.new_ids == ("dpo-1", "sft-1", "lora-1")


def test_session_order_respects_the_card_count_and_the_new_card_limit() -> None:
    due = [(f"d{i}", i / 10) for i in range(5)]
    new = [(f"n{i}", "lora") for i in range(5)]
    assert order_session(due, new, {}, cards=3, new_allowed=5).item_ids == ("d0", "d1", "d2")
    assert order_session(due, new, {}, cards=7, new_allowed=1).item_ids == (
        "d0",
        "d1",
        "d2",
        "d3",
        "d4",
        "n0",
    )
    assert order_session([], new, {}, cards=10, new_allowed=0).item_ids == ()


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(seconds=20), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=4), "4d"),
        (timedelta(days=65), "2mo"),
        (timedelta(days=550), "1.5y"),
    ],
)
def test_intervals_are_button_sized(delta: timedelta, label: str) -> None:
    assert str(format_interval(delta)) == label


def test_streak_counts_days_in_a_row_ending_today_or_yesterday() -> None:
    today = date(2026, 3, 10)
    days = {date(2026, 3, 9), date(2026, 3, 8), date(2026, 3, 6)}
    assert study_streak(days, today) == 2
    assert study_streak(days | {today}, today) == 3
    assert study_streak({date(2026, 3, 7)}, today) == 0


def test_forecast_puts_overdue_cards_on_today() -> None:
    today = date(2026, 3, 10)
    counts = forecast([date(2026, 3, 1), today, date(2026, 3, 12), date(2026, 3, 30)], today)
    assert len(counts) == 14 and counts[0] == 2 and counts[2] == 1 and sum(counts) == 3


def test_reminders_follow_the_question_of_the_days_dst_rules() -> None:
    # Europe/Berlin springs forward on 2026-03-29: 02:30 does not exist, the reminder goes at 03:00.
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    at = next_reminder_at(before, time(2, 30), "Europe/Berlin")
    assert at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # Falls back on 2026-10-25: 02:30 happens twice; one reminder, at the first.
    at = next_reminder_at(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), time(2, 30), "Europe/Berlin")
    assert at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert next_reminder_at(at, time(2, 30), "Europe/Berlin").date() == date(2026, 10, 26)


def test_day_start_is_local_midnight() -> None:
    now = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    assert day_start(now, "America/New_York") == datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


def test_weakest_items_have_the_lowest_mean_retrievability_over_their_holders() -> None:
    from bot.core.study import weakest_items

    found = {"a": [0.9, 0.5], "b": [0.6], "c": [0.5, 0.9], "d": [], "e": [0.95]}
    # a and c tie at 0.7 (two holders each, by id); b at 0.6 is weakest; d is held by nobody.
    assert weakest_items(found, 3) == ["b", "a", "c"]
    assert weakest_items(found, 10) == ["b", "a", "c", "e"]
    assert weakest_items({}, 5) == []


def test_intervals_read_with_the_catalogues_units() -> None:
    assert format_interval(timedelta(minutes=10)).render("zh") == "10分钟"
    assert format_interval(timedelta(days=4)).render("zh-CN") == "4天"
    assert format_interval(timedelta(days=550)).render("zh") == "1.5年"

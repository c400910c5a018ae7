"""Competition rules: durations, names, both scorings, tie ranks and winners."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from bot.core.competitions import (
    TeamTotal,
    clean_team_name,
    name_key,
    parse_duration,
    parse_scoring,
    team_standings,
    winners,
)
from bot.core.errors import UserFacingError

# A big team of five that scores more in all, and a small team of two that scores more each.
BIG = TeamTotal(team_id=1, name="Big", points=5000, active_members=5)  # 1,000 per member
SMALL = TeamTotal(team_id=2, name="Small", points=3000, active_members=2)  # 1,500 per member
IDLE = TeamTotal(team_id=3, name="Idle", points=0, active_members=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("12h", timedelta(hours=12)),
        (" 3d ", timedelta(days=3)),
        ("2W", timedelta(weeks=2)),
        ("45min", timedelta(minutes=45)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "couldn't read"),
        ("0m", "at least a minute"),
        ("60w", "at most a year"),
        ("2026-06-30", "duration"),
    ],
)
def test_parse_duration_refuses_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_duration(text)


def test_scoring_defaults_to_total_and_refuses_anything_else() -> None:
    assert parse_scoring(None) == "total"
    assert parse_scoring(" Average ") == "average"
    with pytest.raises(UserFacingError):
        parse_scoring("median")


def test_team_names_are_trimmed_limited_and_compared_without_case() -> None:
    assert clean_team_name("  Night   Owls ") == "Night Owls"
    assert clean_team_name("x" * 32) == "x" * 32
    for bad in ("", "   ", "x" * 33):
        with pytest.raises(UserFacingError):
            clean_team_name(bad)
    assert name_key("Night  OWLS") == name_key("night owls")


def test_the_big_team_wins_on_total_and_the_small_one_on_average() -> None:
    total = team_standings([SMALL, IDLE, BIG], "total")
    assert [(s.rank, s.name, s.score) for s in total] == [
        (1, "Big", 5000),
        (2, "Small", 3000),
        (3, "Idle", 0),
    ]
    assert [w.name for w in winners(total)] == ["Big"]

    average = team_standings([SMALL, IDLE, BIG], "average")
    assert [(s.rank, s.name, s.score) for s in average] == [
        (1, "Small", 1500),
        (2, "Big", 1000),
        (3, "Idle", 0),
    ]
    assert [w.name for w in winners(average)] == ["Small"]
    assert average[0].shown_score("average") == "1,500.0" and average[1].shown_score("total") == "5,000"


def test_a_team_without_active_members_averages_zero() -> None:
    (row,) = team_standings([TeamTotal(1, "Ghosts", 0, 0)], "average")
    assert row.score == 0 and winners([row]) == []


def test_equal_averages_tie_exactly_and_share_the_win() -> None:
    # 1000/3 and 2000/6 are the same number; floats could disagree, fractions do not.
    a = TeamTotal(1, "A", 1000, 3)
    b = TeamTotal(2, "B", 2000, 6)
    c = TeamTotal(3, "C", 300, 1)
    table = team_standings([c, b, a], "average")
    assert [(s.rank, s.name) for s in table] == [(1, "A"), (1, "B"), (3, "C")]
    assert table[0].score == Fraction(1000, 3)
    assert [w.name for w in winners(table)] == ["A", "B"]


def test_nobody_wins_when_no_team_scored() -> None:
    table = team_standings([TeamTotal(1, "A", 0, 2), TeamTotal(2, "B", 0, 0)], "total")
    assert [s.rank for s in table] == [1, 1] and winners(table) == []

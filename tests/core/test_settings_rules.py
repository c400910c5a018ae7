"""What /settings set accepts, table-driven; every bad value is named at once."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bank.schema import TOPICS
from bot.core.errors import UserFacingError
from bot.core.settings_rules import (
    InvalidSettingsError,
    parse_topics,
    show,
    timezone_suggestions,
    validate_changes,
)


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ({"answer_mode": "buttons"}, {"answer_mode": "buttons"}),
        (
            {"default_seconds": 5, "default_language": "any"},
            {"default_seconds": 5, "default_language": "any"},
        ),
        ({"default_seconds": 300, "show_counts": False}, {"default_seconds": 300, "show_counts": False}),
        ({"timezone": "asia/tokyo"}, {"timezone": "Asia/Tokyo"}),
        ({"topics_enabled": " DPO, lora,dpo "}, {"topics_enabled": ("lora", "dpo")}),
        ({"topics_enabled": "All", "speed_bonus": None}, {"topics_enabled": None}),
        ({"hidden_answers": True, "speed_bonus": False}, {"hidden_answers": True, "speed_bonus": False}),
    ],
)
def test_valid_values_are_cleaned(given: dict[str, Any], clean: dict[str, Any]) -> None:
    assert validate_changes(given) == clean


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"answer_mode": "smoke signals"}, "Answer mode: must be one of reactions, buttons"),
        ({"default_seconds": 4}, "Seconds per question: must be a whole number from 5 to 300"),
        ({"default_seconds": 301}, "from 5 to 300"),
        ({"default_seconds": True}, "from 5 to 300"),
        ({"default_language": "fr"}, "Language: must be one of en, zh, any"),
        ({"timezone": "Mars/Olympus"}, "Time zone: unknown time zone 'Mars/Olympus'"),
        ({"timezone": "../etc/passwd"}, "unknown time zone"),
        ({"topics_enabled": "lora, knitting"}, "Topics enabled: unknown topic(s) knitting"),
        ({"topics_enabled": " , "}, "give topics separated by commas"),
        ({"show_counts": "yes"}, "must be on or off"),
    ],
)
def test_bad_values_are_refused_with_the_reason(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSettingsError) as caught:
        validate_changes(given)
    assert message in caught.value.message and caught.value.message.startswith("Nothing was changed")


def test_every_bad_value_is_listed_and_nothing_given_is_refused() -> None:
    with pytest.raises(InvalidSettingsError) as caught:
        validate_changes({"default_seconds": 1, "timezone": "Nowhere", "answer_mode": "buttons"})
    assert len(caught.value.problems) == 2
    with pytest.raises(UserFacingError, match="at least one"):
        validate_changes({"answer_mode": None, "timezone": None})


def test_topics_keep_the_taxonomy_order_and_show_reads_back() -> None:
    assert parse_topics(",".join(reversed(TOPICS))) == TOPICS
    assert (
        show("topics_enabled", None) == "all"
        and show("topics_enabled", ("sft", "data-prep")) == "SFT, Data preparation"
    )
    assert show("speed_bonus", False) == "off" and show("default_seconds", 30) == "30 s"


def test_time_zone_suggestions() -> None:
    assert timezone_suggestions("berl") == ["Europe/Berlin"]
    assert timezone_suggestions("")[0] == "UTC"
    found = timezone_suggestions("america/")
    assert len(found) == 25 and all(z.startswith("America/") for z in found)

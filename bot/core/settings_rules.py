"""What a server's settings may be: validation and display of each value. No discord import.

``validate_changes`` turns what an admin typed into clean values (or one error listing every bad
value); ``show`` renders a value the way ``/settings`` shows it. The settings themselves are
stored by ``bot.storage.guild_settings``.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserFacingError
from bot.core.i18n import N_, UI_LANGUAGES, translator
from bot.core.periods import zone
from bot.core.quiz import MAX_SECONDS, MIN_SECONDS
from bot.core.topics import TOPICS
from bot.core.vocabulary import AnswerMode

# A server's default answer mode; ``typed`` is chosen per quiz (only short-answer questions take it).
ANSWER_MODES = (AnswerMode.REACTIONS, AnswerMode.BUTTONS)
LANGUAGES = ("en", "zh", "any")
ALL_TOPICS = "all"


@dataclass(frozen=True, slots=True)
class SettingInfo:
    field: str  # GuildSettings attribute
    label: str  # how /settings shows it (in English; the catalogues translate it)


# In the order /settings show lists them; field names are GuildSettings' attributes.
SETTINGS: tuple[SettingInfo, ...] = (
    SettingInfo("answer_mode", N_("Answer mode")),
    SettingInfo("hidden_answers", N_("Hidden reaction answers")),
    SettingInfo("default_seconds", N_("Seconds per question")),
    SettingInfo("default_language", N_("Language")),
    SettingInfo("topics_enabled", N_("Topics enabled")),
    SettingInfo("timezone", N_("Time zone")),
    SettingInfo("speed_bonus", N_("Speed bonus")),
    SettingInfo("show_counts", N_("Counts per choice at the reveal")),
    SettingInfo("ui_language", N_("Interface language")),
)
LABELS = {s.field: s.label for s in SETTINGS}


class InvalidSettingsError(UserFacingError):
    """One or more values an admin gave cannot be used; the message lists each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("Nothing was changed:\n" + "\n".join(f"• {p}" for p in problems))
        self.problems = list(problems)


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def canonical_timezone(name: str) -> str:
    """The IANA name as the zone database spells it (case-insensitive input); ValueError if unknown."""
    text = name.strip()
    found = _zones_by_folded_name().get(text.casefold())
    if found is None:
        raise ValueError(f"unknown time zone {text!r}; use an IANA name such as Europe/Berlin")
    zone(found)  # loadable here, not only listed
    return found


def timezone_suggestions(typed: str, limit: int = 25) -> list[str]:
    """Zone names containing what was typed (spaces read as underscores: "new york"), those that
    start with it first."""
    needle = typed.strip().casefold().replace(" ", "_")
    names = sorted(_zones_by_folded_name().values())
    if not needle:
        preferred = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Shanghai"]
        return preferred[:limit]
    starts = [n for n in names if n.casefold().startswith(needle)]
    contains = [n for n in names if needle in n.casefold() and n not in starts]
    return (starts + contains)[:limit]


def parse_topics(text: str) -> tuple[str, ...] | None:
    """``all`` -> None (every topic); else a comma-separated list of known topics, in taxonomy order."""
    if text.strip().casefold() == ALL_TOPICS:
        return None
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    if not wanted:
        raise ValueError(f"give topics separated by commas, or `{ALL_TOPICS}`")
    unknown = sorted(wanted - set(TOPICS))
    if unknown:
        raise ValueError(f"unknown topic(s) {', '.join(unknown)}; known topics: {', '.join(TOPICS)}")
    return tuple(t for t in TOPICS if t in wanted)


def validate_changes(given: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values for the settings given (field name -> raw value; None means not given).

    Raises :class:`InvalidSettingsError` listing every bad value, or a UserFacingError when
    nothing was given at all."""
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in given.items():
        if value is None:
            continue
        if name not in LABELS:
            raise KeyError(name)
        try:
            changes[name] = _clean(name, value)
        except ValueError as exc:
            problems.append(f"{LABELS[name]}: {exc}")
    if problems:
        raise InvalidSettingsError(problems)
    if not changes:
        raise UserFacingError("Give at least one setting to change; `/settings show` lists them.")
    return changes


def _clean(name: str, value: Any) -> Any:
    if name == "answer_mode":
        if value not in ANSWER_MODES:
            raise ValueError(f"must be one of {', '.join(ANSWER_MODES)}")
        return value
    if name == "default_language":
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value
    if name == "ui_language":
        if value not in UI_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(UI_LANGUAGES)}")
        return value
    if name == "default_seconds":
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_SECONDS <= value <= MAX_SECONDS:
            raise ValueError(f"must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}")
        return value
    if name in ("hidden_answers", "speed_bonus", "show_counts"):
        if not isinstance(value, bool):
            raise ValueError("must be on or off")
        return value
    if name == "timezone":
        return canonical_timezone(str(value))
    if name == "topics_enabled":
        return parse_topics(str(value))
    raise KeyError(name)


def show(name: str, value: Any, lang: str = "en") -> str:
    """A setting's value as /settings shows it, in ``lang``."""
    _ = translator(lang).gettext
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if name == "topics_enabled":
        return _("all") if value is None else ", ".join(value)
    if name == "default_seconds":
        return _("{seconds} s").format(seconds=value)
    if name in ("default_language", "ui_language"):
        if value is None:
            return _("the server's language")
        names = {"en": N_("English"), "zh": N_("Chinese"), "any": N_("any")}
        return _(names[value]) if value in names else str(value)
    return str(value)

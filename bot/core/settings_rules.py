"""What a server's settings may be: validation and display of each value. No discord import.

``validate_changes`` turns what an admin typed into clean values (or one error listing every bad
value); ``show`` renders a value the way ``/settings`` shows it. The settings themselves are
stored by ``bot.storage.guild_settings``.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserFacingError
from bot.core.i18n import N_, UI_LANGUAGES, Translator, translator
from bot.core.periods import zone
from bot.core.quiz import MAX_SECONDS, MIN_SECONDS
from bot.core.topics import TOPICS, topic_label
from bot.core.vocabulary import AnswerMode

# A server's default answer mode; ``typed`` is chosen per quiz (only short-answer questions take it).
ANSWER_MODES = (AnswerMode.REACTIONS, AnswerMode.BUTTONS)
LANGUAGES = ("en", "zh", "any")
ALL_TOPICS = "all"
# How answer modes and question languages read (msgids; the stored value is the key).
MODE_NAMES = {
    AnswerMode.REACTIONS.value: N_("reactions"),
    AnswerMode.BUTTONS.value: N_("buttons"),
    AnswerMode.TYPED.value: N_("typed answers"),
}
LANGUAGE_NAMES = {"en": N_("English"), "zh": N_("Chinese"), "any": N_("any")}
# A question language beside a count ("19 en, 4 zh"): its code in English, its name in a catalogue.
LANGUAGE_CODES = {"en": N_("en"), "zh": N_("zh"), "any": N_("any")}


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


class BadValue(ValueError):
    """Why one value cannot be used: an English template and what fills it, so it reads translated."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template.format(**params) if params else template)
        self.template = template
        self.params = params

    def translated(self, gettext: Callable[[str], str]) -> str:
        found = gettext(self.template)
        return found.format(**self.params) if self.params else found


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    why: BadValue


class InvalidSettingsError(UserFacingError):
    """One or more values an admin gave cannot be used; the message lists each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text(lambda text: text))

    def _text(self, gettext: Callable[[str], str]) -> str:
        lines = [
            gettext("{setting}: {problem}").format(
                setting=gettext(LABELS[p.field]), problem=p.why.translated(gettext)
            )
            for p in self.problems
        ]
        return gettext("Nothing was changed:") + "\n" + "\n".join(f"• {line}" for line in lines)

    def translated(self, lang: object) -> str:
        """Each problem in ``lang`` (a language, a Discord locale, a :class:`Translator` or a bare
        ``gettext``), like :meth:`UserFacingError.translated`."""
        if isinstance(lang, Translator):
            return self._text(lang.gettext)
        if callable(lang):
            return self._text(lang)
        return self._text(translator(lang).gettext)


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
        raise BadValue(N_("give topics separated by commas, or `{all}`"), all=ALL_TOPICS)
    unknown = sorted(wanted - set(TOPICS))
    if unknown:
        raise BadValue(
            N_("unknown topic(s) {unknown}; known topics: {known}"),
            unknown=", ".join(unknown),
            known=", ".join(TOPICS),
        )
    return tuple(t for t in TOPICS if t in wanted)


def validate_changes(given: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values for the settings given (field name -> raw value; None means not given).

    Raises :class:`InvalidSettingsError` listing every bad value, or a UserFacingError when
    nothing was given at all."""
    changes: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in given.items():
        if value is None:
            continue
        if name not in LABELS:
            raise KeyError(name)
        try:
            changes[name] = _clean(name, value)
        except BadValue as exc:
            problems.append(Problem(name, exc))
    if problems:
        raise InvalidSettingsError(problems)
    if not changes:
        raise UserFacingError(N_("Give at least one setting to change; `/settings show` lists them."))
    return changes


def _clean(name: str, value: Any) -> Any:
    one_of = N_("must be one of {values}")
    if name == "answer_mode":
        if value not in ANSWER_MODES:
            raise BadValue(one_of, values=", ".join(ANSWER_MODES))
        return value
    if name == "default_language":
        if value not in LANGUAGES:
            raise BadValue(one_of, values=", ".join(LANGUAGES))
        return value
    if name == "ui_language":
        if value not in UI_LANGUAGES:
            raise BadValue(one_of, values=", ".join(UI_LANGUAGES))
        return value
    if name == "default_seconds":
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_SECONDS <= value <= MAX_SECONDS:
            raise BadValue(
                N_("must be a whole number from {low} to {high}"), low=MIN_SECONDS, high=MAX_SECONDS
            )
        return value
    if name in ("hidden_answers", "speed_bonus", "show_counts"):
        if not isinstance(value, bool):
            raise BadValue(N_("must be on or off"))
        return value
    if name == "timezone":
        try:
            return canonical_timezone(str(value))
        except ValueError:
            text = str(value).strip()
            shown = text if len(text) <= 64 else text[:63] + "…"
            raise BadValue(
                N_("unknown time zone '{zone}'; use an IANA name such as Europe/Berlin"), zone=shown
            ) from None
    if name == "topics_enabled":
        return parse_topics(str(value))
    raise KeyError(name)


def show(name: str, value: Any, lang: str = "en") -> str:
    """A setting's value as /settings shows it, in ``lang``."""
    _ = translator(lang).gettext
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if name == "topics_enabled":
        return _("all") if value is None else ", ".join(topic_label(t, lang) for t in value)
    if name == "default_seconds":
        return _("{seconds} s").format(seconds=value)
    if name in ("default_language", "ui_language"):
        if value is None:
            return _("the server's language")
        return _(LANGUAGE_NAMES[value]) if value in LANGUAGE_NAMES else str(value)
    if name == "answer_mode":
        return mode_name(value, lang)
    return str(value)


def mode_name(mode: str, lang: str = "en") -> str:
    """An answer mode as members read it: "buttons", "按钮"."""
    return translator(lang).gettext(MODE_NAMES[mode]) if mode in MODE_NAMES else str(mode)


def language_code(code: str, lang: str = "en") -> str:
    """A question language where space is short (``en`` in English, 英文 in Chinese)."""
    return translator(lang).gettext(LANGUAGE_CODES[code]) if code in LANGUAGE_CODES else code


def language_counts(per_lang: Mapping[str, int], lang: str = "en") -> str:
    """Questions per language: "19 en, 4 zh" in English, "英文 19，中文 4" in Chinese."""
    tr = translator(lang)
    return tr.gettext(", ").join(
        tr.gettext("{count} {language}").format(count=n, language=language_code(code, lang))
        for code, n in per_lang.items()
    )

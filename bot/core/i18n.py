"""Interface languages through gettext: which catalogue a Discord locale reads, and the lookups.

Pure (the standard library's :mod:`gettext` only; no discord import), so the core, the services and
the cogs share it. The catalogues are ``bot/locale/<lang>/LC_MESSAGES/quizbot.po``, compiled with
Babel to the ``.mo`` files shipped beside them (``tests/test_i18n.py`` fails when a ``.mo`` is older
than its ``.po``, or a string used in code has no ``zh`` entry). A string a catalogue lacks reads
in English, the language of the ``msgid`` s: English needs no catalogue.

Messages use ``str.format`` placeholders *after* the lookup (``_("Question {n}").format(n=3)``), so
a translation may move them; the coverage test checks it keeps the same ones.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DOMAIN = "quizbot"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"  # bot/locale, shipped as package data
ENGLISH = "en"
UI_LANGUAGES: tuple[str, ...] = ("en", "zh")  # what /settings set ui_language accepts
# Discord locales that read a catalogue. zh_TW (Traditional) is the zh one converted by OpenCC
# (tests/i18n_tools); a server's ui_language picks between en and zh only.
_BY_LOCALE = {"zh-CN": "zh", "zh": "zh", "zh-TW": "zh_TW", "zh_TW": "zh_TW"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction where it is looked up later (module-level tables)."""
    return message


@dataclass(frozen=True, slots=True)
class Plural:
    """A message with a singular and a plural English form; ``count`` names the parameter that
    picks the form. Written with :func:`Nn_` so Babel extracts both forms."""

    singular: str
    plural: str
    count: str = "count"


def Nn_(singular: str, plural: str, count: str = "count") -> Plural:
    """Mark a plural message for extraction where it is looked up later (``tests/i18n_tools`` knows
    the keyword)."""
    return Plural(singular, plural, count)


@dataclass(frozen=True, slots=True)
class Text:
    """A message to show later, in a language not known where it is made (a service's reply, a
    note in a report): an English msgid (or :class:`Plural`) and its ``str.format`` parameters.

    A parameter that is itself a :class:`Text` (or :class:`Joined`) is rendered in the same
    language (a reason's label inside a sentence)."""

    message: str | Plural
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang_or_translator: object = ENGLISH) -> str:
        tr = _translator_of(lang_or_translator)
        params = {k: v.render(tr) if isinstance(v, Text | Joined) else v for k, v in self.params.items()}
        if isinstance(self.message, Plural):
            found = tr.ngettext(self.message.singular, self.message.plural, int(params[self.message.count]))  # type: ignore[call-overload]
        else:
            found = tr.gettext(self.message)
        return found.format(**params) if params else found

    def __str__(self) -> str:
        return self.render(ENGLISH)


@dataclass(frozen=True, slots=True)
class Joined:
    """Several messages shown as one list (permission names), each rendered in the same language."""

    parts: tuple[Text, ...]
    separator: str = ", "

    def render(self, lang_or_translator: object = ENGLISH) -> str:
        tr = _translator_of(lang_or_translator)
        return self.separator.join(part.render(tr) for part in self.parts)

    def __str__(self) -> str:
        return self.render(ENGLISH)


def reread(stored: str, templates: Iterable[str], *, lists: Collection[str] = ()) -> Text:
    """A sentence that was stored in English (a pause reason, an archive's label), back as the
    :class:`Text` it was written from, so it reads in any language.

    The first of ``templates`` (msgids with ``{name}`` placeholders) that matches ``stored`` whole
    gives the parameters; those named in ``lists`` held msgids joined by ", " (permission names),
    and each is looked up too. A sentence no template matches is looked up as it is (English where
    the catalogue lacks it: text quoted from Discord, a reason from an older version).
    """
    for template in templates:
        found = _pattern(template).fullmatch(stored)
        if found is None:
            continue
        params: dict[str, object] = {}
        for name, value in found.groupdict().items():
            params[name] = Joined(tuple(Text(p) for p in value.split(", "))) if name in lists else value
        return Text(template, params)
    return Text(stored)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as a regular expression with a named group per placeholder (a repeated one must
    hold the same value)."""
    parts, seen, at = [], set(), 0
    for placeholder in re.finditer(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template):
        parts.append(re.escape(template[at : placeholder.start()]))
        name = placeholder[1]
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        at = placeholder.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.S)


def language_of(locale: object) -> str:
    """The interface language for a Discord locale (``"zh-CN"``, a ``discord.Locale``, None): ``en``,
    ``zh`` or ``zh_TW``; English for every locale without a catalogue."""
    text = str(getattr(locale, "value", locale) or "")
    return _BY_LOCALE.get(text, _BY_LOCALE.get(text.split("-")[0], ENGLISH))


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


@dataclass(frozen=True, slots=True)
class Translator:
    """The lookups of one language. Bind them to the names Babel extracts:
    ``_, ngettext = t.gettext, t.ngettext``."""

    lang: str
    catalogue: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.catalogue.pgettext(context, message)


def _translator_of(lang_or_translator: object) -> Translator:
    if isinstance(lang_or_translator, Translator):
        return lang_or_translator
    return translator(lang_or_translator)


def translator(lang_or_locale: object) -> Translator:
    """The lookups for ``"zh"``, ``"zh-CN"``, a ``discord.Locale``...; English for anything else."""
    lang = language_of(lang_or_locale)
    return Translator(lang, _catalogue(lang))

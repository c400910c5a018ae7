"""Question files in other people's formats -> draft bank items, one module per format.

``import_text(text, file_name, fmt=None, lang=None, topic=None, known=None)`` detects the format
from the content (or takes ``fmt``), parses, then applies what every format shares: ``--lang``
and ``--topic`` overrides, and duplicates (of an earlier question in the file, or of ``known``
prompts already in a bank) skipped. The result separates **errors** (the file is malformed:
import nothing) from **skips** (``FILE:LINE: skipped: reason``; the rest imports).

The three seed shapes of ``bot.bank.importers`` keep their parsers; their per-question problems
(messages ending in ``; skipped``) become skips, the others errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.bank.formats import aiken, anki_csv, gift, moodle_xml, opentdb, red_trivia, tasklist_md
from bot.bank.formats.common import (
    FormatResult,
    Skip,
    category_topic,
    detect_lang,
    slugify,
)
from bot.bank.importers import (
    _ANSWER_MD_SIGNAL,
    _ARRAY_START,
    _CHECKBOX_SIGNAL,
    _JSON_QUESTION_KEY,
    PARSERS,
    ImportFormat,
)
from bot.bank.loader import Problem, normalise_prompt
from bot.bank.schema import TRUE_FALSE_CHOICES, ItemType

log = logging.getLogger(__name__)

__all__ = [
    "FORMATS",
    "FormatResult",
    "Skip",
    "category_topic",
    "detect_format",
    "detect_lang",
    "import_text",
    "slugify",
]


class Parser(Protocol):
    def __call__(
        self, text: str, file_name: str, *, lang: str | None = ..., topic: str | None = ...
    ) -> FormatResult: ...


def _legacy(fmt: ImportFormat) -> Parser:
    def parse(
        text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
    ) -> FormatResult:
        result = PARSERS[fmt](text, file_name)
        errors: list[Problem] = []
        skips: list[Skip] = []
        for problem in result.problems:
            if problem.message.endswith("; skipped"):
                reason = problem.message.removesuffix("; skipped")
                skips.append(Skip(problem.line, "question that could not be read", reason))
            else:
                errors.append(problem)
        items = [_override(item, lang, topic) for item in result.items]
        return FormatResult(fmt.value, items, list(result.lines), errors, skips, file_name)

    return parse


def _override(item: dict[str, Any], lang: str | None, topic: str | None) -> dict[str, Any]:
    item = dict(item)
    if topic:
        item["topics"] = [topic]
    if lang and item["lang"] != lang:
        item["lang"] = lang
        if item["type"] == ItemType.TRUE_FALSE.value:
            item["choices"] = list(TRUE_FALSE_CHOICES[lang])
    return item


def _tasklist_or_checkbox(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    if tasklist_md.looks_like(text) and not _CHECKBOX_SIGNAL.search(text):
        return tasklist_md.parse_tasklist_md(text, file_name, lang=lang, topic=topic)
    return _legacy(ImportFormat.CHECKBOX_MD)(text, file_name, lang=lang, topic=topic)


FORMATS: dict[str, Parser] = {
    "json-mc": _legacy(ImportFormat.JSON_MC),
    "checkbox-md": _tasklist_or_checkbox,
    "answer-md": _legacy(ImportFormat.ANSWER_MD),
    "gift": gift.parse_gift,
    "aiken": aiken.parse_aiken,
    "moodle-xml": moodle_xml.parse_moodle_xml,
    "opentdb": opentdb.parse_opentdb,
    "red-trivia": red_trivia.parse_red_trivia,
    "anki-csv": anki_csv.parse_anki_csv,
}


def _json_mc(text: str) -> bool:
    start = _ARRAY_START.search(text)
    return bool(start and _JSON_QUESTION_KEY.search(text, start.start()))


# Most specific first: each test looks for marks another format cannot have by accident.
_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("moodle-xml", moodle_xml.looks_like),
    ("opentdb", opentdb.looks_like),
    ("json-mc", _json_mc),
    ("anki-csv", lambda t: bool(anki_csv._SIGNAL_HEADER.match(t))),
    ("checkbox-md", lambda t: tasklist_md.looks_like(t) or bool(_CHECKBOX_SIGNAL.search(t))),
    ("aiken", aiken.looks_like),
    ("gift", gift.looks_like),
    ("answer-md", lambda t: bool(_ANSWER_MD_SIGNAL.search(t))),
    ("red-trivia", red_trivia.looks_like),
    ("anki-csv", anki_csv.looks_like),
)


def detect_format(text: str) -> str | None:
    """The format a text is in, from its content; None when it looks like none of them."""
    for name, looks_like in _DETECTORS:
        try:
            if looks_like(text):
                return name
        except (ValueError, RecursionError):  # a detector must never fail the import
            log.debug("detector %s gave up", name, exc_info=True)
    return None


def not_recognised(file_name: str) -> Problem:
    return Problem(
        file_name,
        1,
        "cannot tell which format this is: it looks like none of " + ", ".join(FORMATS),
    )


def import_text(
    text: str,
    file_name: str,
    fmt: str | None = None,
    *,
    lang: str | None = None,
    topic: str | None = None,
    known: Mapping[str, str] | None = None,
) -> FormatResult:
    """Parse ``text`` (its format detected unless ``fmt``); never raises on bad text.

    ``known`` maps normalised prompts already in a bank to where they are (an id): such
    questions are skipped as duplicates, like a question the file repeats.
    """
    chosen = fmt or detect_format(text)
    if chosen is None:
        return FormatResult(None, errors=[not_recognised(file_name)], file_name=file_name)
    if chosen not in FORMATS:
        raise ValueError(f"unknown format {chosen!r}; known: {', '.join(FORMATS)}")
    slug = slugify(topic) if topic else None
    result = FORMATS[chosen](text, file_name, lang=lang, topic=slug)
    items: list[dict[str, Any]] = []
    lines: list[int] = []
    skips = list(result.skips)
    first_at: dict[str, int] = {}
    for line, item in zip(result.lines, result.items, strict=True):
        key = normalise_prompt(item["prompt"])
        if key in first_at:
            skips.append(
                Skip(
                    line,
                    "duplicate question",
                    f"duplicate question: it repeats the one at line {first_at[key]}",
                )
            )
            continue
        where = (known or {}).get(key)
        if where:
            skips.append(
                Skip(line, "duplicate question", f"duplicate question: the bank already has it ({where})")
            )
            continue
        first_at[key] = line
        items.append(item)
        lines.append(line)
    result = FormatResult(
        chosen,
        items,
        lines,
        result.errors,
        sorted(skips, key=lambda s: s.line),
        file_name,
    )
    log.debug(
        "%s as %s: %d items, %d skipped, %d errors",
        file_name,
        chosen,
        len(items),
        len(result.skips),
        len(result.errors),
    )
    return result


def known_prompts(items: Any) -> dict[str, str]:
    """Normalised prompt -> item id, for ``import_text(known=...)``."""
    return {normalise_prompt(item.prompt): item.id for item in items}

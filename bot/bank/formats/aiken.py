"""Moodle Aiken: the question on one or more lines, options ``A) ...``/``A. ...``, ``ANSWER: X``.

Text is plain: ``<html class="cool"> &`` stays as written. Malformed (import nothing, every error
listed): an option before any question, fewer than two options, a question without its
``ANSWER:`` line, an answer letter that is no option. Skipped: more than 5 options, several
answer letters (a multiple-answer question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.bank.formats.common import Drafts, FormatResult, tidy
from bot.bank.importers import _lines
from bot.bank.schema import LETTERS

FORMAT = "aiken"

_OPTION = re.compile(r"^([A-Z])\s*[.)]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class _Q:
    line: int
    prompt: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)
    broken: bool = False


def parse_aiken(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    current: _Q | None = None
    number = 0

    def unfinished(q: _Q) -> None:
        if not q.broken:
            drafts.error(q.line, f"question {number}: no `ANSWER: X` line after its options")

    for lineno, raw in enumerate(_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        if answer := _ANSWER.match(line):
            if current is None or not current.options:
                drafts.error(lineno, "an `ANSWER:` line with no question and options before it")
                current = None
                continue
            _finish(drafts, current, answer.group(1).strip(), lineno, number)
            current = None
            continue
        option = _OPTION.match(line)
        if option and current is not None and current.prompt and not current.broken:
            current.options.append((option.group(1), option.group(2).strip()))
            continue
        if current is not None and current.options:
            unfinished(current)
            current = None
        if current is None:
            number += 1
            current = _Q(lineno, [])
            if option and option.group(1) == "A":
                # An option where the question should be (Moodle's "question not started").
                drafts.error(lineno, f"question {number}: an option `{line[:40]}` before any question text")
                current.broken = True
        current.prompt.append(line)
    if current is not None:
        if current.options:
            unfinished(current)
        elif not current.broken:
            drafts.error(current.line, f"question {number}: no options and no `ANSWER:` line")
    if not drafts.items and not drafts.errors and not drafts.skips:
        drafts.error(1, "no Aiken questions (`question`, `A) option`, `ANSWER: A`) found")
    return drafts.result()


def _finish(drafts: Drafts, q: _Q, key: str, key_line: int, number: int) -> None:
    label = f"question {number}"
    if q.broken:
        return
    letters = [letter for letter, _ in q.options]
    if len(q.options) < 2:
        drafts.error(q.line, f"{label}: fewer than two options")
        return
    if letters != [chr(ord("A") + i) for i in range(len(letters))]:
        drafts.error(q.line, f"{label}: options are lettered {', '.join(letters)}, not A, B, C, ... in order")
        return
    keys = [k for k in re.split(r"[\s,;]+", key.upper()) if k]
    if len(keys) > 1 and all(k in letters for k in keys):
        drafts.skip(q.line, "multiple-answer question", label)
        return
    if len(keys) != 1 or keys[0] not in letters:
        drafts.error(
            key_line, f"{label}: ANSWER {key!r} is not one of the option letters {', '.join(letters)}"
        )
        return
    index = letters.index(keys[0])
    drafts.add(
        line=q.line,
        locator=f"q{number:02d}",
        prompt=tidy("\n".join(q.prompt)),
        choices=[text for _, text in q.options],
        answer=LETTERS[index] if index < len(LETTERS) else "?",
        label=label,
    )


_SIGNAL = re.compile(r"^\s*ANSWER\s*:\s*[A-Z]\b", re.MULTILINE | re.IGNORECASE)
_SIGNAL_OPTION = re.compile(r"^\s*[A-Z]\s*[.)]", re.MULTILINE)


def looks_like(text: str) -> bool:
    return bool(_SIGNAL.search(text)) and bool(_SIGNAL_OPTION.search(text))

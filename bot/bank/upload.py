"""Read an uploaded question file: the bank's own YAML format or any format bot.bank.formats reads.

``parse_upload(data, file_name)`` decodes the bytes, tells the format apart (a bank file by
its top-level ``version:``/``items:`` keys or a ``.yaml``/``.yml`` name that is no Red trivia
list; otherwise the format ``bot.bank.formats.detect_format`` recognises), and returns every
item it could validate with the line it starts on, every problem as ``file:line: message``
(any problem: import nothing) and every skipped question as ``file:line: skipped: reason``
(the rest imports). Never raises on bad content.
Used by ``/bank import``; the loader and the importers do the parsing, as for ``quizbot bank``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import ValidationError

from bot.bank.formats import FORMATS, detect_format, import_text
from bot.bank.loader import BANK_SUFFIX, Problem, check_text, decode_text
from bot.bank.schema import SERVER_TOPICS, BankItem

BANK_FORMAT = "bank"
# Seed shapes carry no explanation (answer-md) or not always; the reveal shows this instead.
NO_EXPLANATION = "No explanation came with this question."

_BANK_KEYS = re.compile(r"^(version|items)\s*:", re.MULTILINE)


@dataclass(frozen=True)
class ParsedUpload:
    format: str | None  # "bank", a seed shape's name, or None when it could not be told
    items: list[tuple[int, BankItem]] = field(default_factory=list)  # (line, item), in file order
    problems: list[Problem] = field(default_factory=list)
    without_explanation: int = 0  # seed items given NO_EXPLANATION
    skipped: list[Problem] = field(default_factory=list)  # `skipped: reason`; the rest imports


def is_bank_file(text: str, file_name: str) -> bool:
    if _BANK_KEYS.search(text):
        return True
    # A Red trivia list is YAML too; any other .yaml is read (and checked) as a bank file.
    suffix = PurePath(file_name).suffix.lower()
    return suffix in (BANK_SUFFIX, ".yml") and detect_format(text) != "red-trivia"


def parse_upload(
    data: bytes, file_name: str, *, topic: str | None = None, known: Mapping[str, str] | None = None
) -> ParsedUpload:
    text, problem = decode_text(data, file_name)
    if text is None:
        assert problem is not None
        return ParsedUpload(None, problems=[problem])
    if is_bank_file(text, file_name):
        result = check_text(text, file_name)
        found = []
        for item in result.bank:
            origin = result.bank.origin(item.id) or f"{file_name}:1"
            found.append((int(origin.rsplit(":", 1)[1]), item))
        return ParsedUpload(BANK_FORMAT, found, list(result.problems))

    imported = import_text(text, file_name, topic=topic, known=known)
    problems = list(imported.errors)
    if imported.format is None:
        formats = ", ".join([BANK_FORMAT + " (YAML)", *FORMATS])
        problems = [Problem(file_name, 1, f"cannot tell which format this is; accepted: {formats}")]
    items: list[tuple[int, BankItem]] = []
    filled = 0
    for line, draft in zip(imported.lines, imported.items, strict=True):
        if not draft["explanation"]:
            draft = {**draft, "explanation": NO_EXPLANATION}
            filled += 1
        try:
            items.append((line, BankItem.model_validate(draft, context={SERVER_TOPICS: True})))
        except ValidationError as exc:  # the importers validated the draft; kept for safety
            problems.extend(Problem(file_name, line, str(e["msg"])) for e in exc.errors(include_url=False))
    if imported.format is not None and not items and not problems:
        problems.append(Problem(file_name, 1, f"nothing to import: {imported.why_nothing()}"))
    return ParsedUpload(
        imported.format,
        items,
        sorted(problems, key=lambda p: p.line),
        filled,
        imported.skipped,
    )

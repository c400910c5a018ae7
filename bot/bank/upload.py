"""Read an uploaded question file: the bank's own YAML format or one of the three seed shapes.

``parse_upload(data, file_name)`` decodes the bytes, tells the format apart (a bank file by its
``.yaml``/``.yml`` name or its top-level ``version:``/``items:`` keys; otherwise the seed shape
``bot.bank.importers.detect_format`` recognises), and returns every item it could validate with
the line it starts on, plus every problem as ``file:line: message``. Never raises on bad content.
Used by ``/bank import``; the loader and the importers do the parsing, as for ``quizbot bank``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import ValidationError

from bot.bank.importers import ImportFormat, import_text
from bot.bank.loader import BANK_SUFFIX, Problem, check_text, decode_text
from bot.bank.schema import BankItem

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


def is_bank_file(text: str, file_name: str) -> bool:
    suffix = PurePath(file_name).suffix.lower()
    return suffix in (BANK_SUFFIX, ".yml") or bool(_BANK_KEYS.search(text))


def parse_upload(data: bytes, file_name: str) -> ParsedUpload:
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

    imported = import_text(text, file_name)
    problems = list(imported.problems)
    if imported.format is None:
        formats = ", ".join([BANK_FORMAT + " (YAML)", *(f.value for f in ImportFormat)])
        problems = [Problem(file_name, 1, f"cannot tell which format this is; accepted: {formats}")]
    items: list[tuple[int, BankItem]] = []
    filled = 0
    for line, draft in zip(imported.lines, imported.items, strict=True):
        if not draft["explanation"]:
            draft = {**draft, "explanation": NO_EXPLANATION}
            filled += 1
        try:
            items.append((line, BankItem.model_validate(draft)))
        except ValidationError as exc:  # the importers validated the draft; kept for safety
            problems.extend(Problem(file_name, line, str(e["msg"])) for e in exc.errors(include_url=False))
    if imported.format is not None and not items and not problems:
        problems.append(Problem(file_name, 1, "no questions found"))
    return ParsedUpload(
        imported.format.value if imported.format else None,
        items,
        sorted(problems, key=lambda p: p.line),
        filled,
    )

"""Detection from content: every fixture is told apart, and a file that is none says so."""

from __future__ import annotations

import pytest

from bot.bank.formats import FORMATS, detect_format, import_text

from . import fixtures as F

CASES = [
    (F.GIFT, "gift"),
    (F.GIFT_ONLY_ESSAY, "gift"),
    (F.AIKEN, "aiken"),
    (F.MOODLE_XML, "moodle-xml"),
    (F.OPENTDB, "opentdb"),
    (F.RED, "red-trivia"),
    (F.ANKI_HEADER, "anki-csv"),
    (F.ANKI_PLAIN_TAB, "anki-csv"),
    (F.ANKI_COMMA, "anki-csv"),
    (F.TASKLIST_MD, "checkbox-md"),
    ('[{"question": "Q?", "answer_a": "a", "answer_b": "b", "correct_answer": "A"}]', "json-mc"),
    ("1. Q?\n- ☐ a\n- ☒ b\n✓ Correct\n", "checkbox-md"),
    ("### 1. 问题？\nA. 甲\nB. 乙\n答案：A\n", "answer-md"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_format_is_detected_from_its_content_and_then_parses(text: str, expected: str) -> None:
    assert detect_format(text) == expected
    result = import_text(text, "file.txt")
    # Detection never picks a format that then fails: it parses without a syntax error.
    assert result.format == expected and not result.errors
    assert result.items or result.skips


@pytest.mark.parametrize(
    "text",
    ["just some notes\n", "", "{}", '{"a": 1}', "<html><body>hi</body></html>", "a,b\n"],
)
def test_a_file_in_no_format_says_so_without_suggesting_one(text: str) -> None:
    result = import_text(text, "notes.txt")
    assert result.format is None and result.items == []
    [problem] = result.errors
    assert str(problem).startswith("notes.txt:1: cannot tell which format this is")
    assert "--format" not in problem.message and problem.message.endswith(", ".join(FORMATS))

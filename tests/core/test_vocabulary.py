"""The typed vocabulary holds exactly the words the schema allows."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus

SCHEMA = (Path(__file__).resolve().parents[2] / "migrations" / "0001_initial.sql").read_text(encoding="utf-8")


def allowed(table: str, column: str) -> set[str]:
    body = re.search(rf"CREATE TABLE {table} \((.*?)\n\);", SCHEMA, re.S)
    assert body is not None, f"no table {table}"
    check = re.search(rf"\b{column}\b[^\n]*CHECK \({column} IN \(([^)]*)\)\)", body.group(1))
    assert check is not None, f"no CHECK on {table}.{column}"
    return set(re.findall(r"'([^']+)'", check.group(1)))


def test_round_words_are_the_schemas() -> None:
    assert {s.value for s in RoundStatus} == allowed("rounds", "status")
    assert allowed("rounds", "kind") | allowed("quiz_sessions", "kind") == {k.value for k in QuizKind}
    # ``typed`` is stored as ``buttons`` with the ``typed`` flag (bot.storage.quizzes).
    stored = {m.value for m in AnswerMode} - {AnswerMode.TYPED.value}
    assert stored == allowed("rounds", "mode") == allowed("quiz_sessions", "mode")


def test_the_words_compare_as_the_stored_strings() -> None:
    assert (
        RoundStatus.OPEN == "open"
        and f"{QuizKind.DAILY}" == "daily"
        and AnswerMode("buttons") is AnswerMode.BUTTONS
    )

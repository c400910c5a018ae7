"""The typed-answers migration (issue 18): what was stored before reads as it did.

Found by name, so the test holds whatever number the migration gets when branches merge.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.core.vocabulary import AnswerMode, QuizKind
from bot.storage.database import connect
from bot.storage.migrations import current_version, discover, migrate
from bot.storage.quizzes import QuizRepository


async def test_old_sessions_rounds_and_answers_are_not_typed(tmp_path: Path) -> None:
    typed = next(m for m in discover() if m.name == "typed_answers")
    before = tmp_path / "migrations"
    before.mkdir()
    for migration in discover():
        if migration.version < typed.version:
            shutil.copy(migration.path, before / migration.path.name)
    conn = await connect(tmp_path / "quiz.db")
    try:
        await migrate(conn, before)
        assert await current_version(conn) == typed.version - 1
        await conn.execute(
            "INSERT INTO quiz_sessions (id, guild_id, channel_id, started_by, lang, mode, seconds, "
            "total_questions, item_ids, created_at) VALUES (1, 1, 1, 5, 'en', 'buttons', 20, 1, "
            "'[\"s000-q01\"]', 0)"
        )
        await conn.execute(
            "INSERT INTO rounds (id, guild_id, channel_id, session_id, kind, item_id, mode, message_id, "
            "opens_at, closes_at, status) VALUES (1, 1, 1, 1, 'quiz', 's000-q01', 'buttons', 99, 0, 1000, "
            "'revealed')"
        )
        await conn.execute(
            "INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms, "
            "answered_at, bank_choice) VALUES (1, 7, 1, 's000-q01', 2, 0, 0, 10, 10, 2)"
        )
        await conn.commit()

        applied = await migrate(conn)
        assert [m.version for m in applied][:1] == [typed.version]
        async with conn.execute("SELECT mode, typed FROM quiz_sessions") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("buttons", 0)]
        async with conn.execute("SELECT mode, typed FROM rounds") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("buttons", 0)]
        async with conn.execute("SELECT choice, typed_text FROM answers") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(2, None)]
        # The flag is a flag: the schema refuses anything else.
        with pytest.raises(sqlite3.IntegrityError):
            await conn.execute("UPDATE rounds SET typed = 2")
    finally:
        await conn.close()


async def test_a_typed_session_is_stored_as_buttons_with_the_flag_and_read_back_typed(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "quiz.db")
    try:
        await migrate(conn)
        session = await QuizRepository.create_session(
            conn,
            guild_id=1,
            channel_id=1,
            started_by=5,
            kind=QuizKind.QUIZ,
            topic=None,
            lang="en",
            mode=AnswerMode.TYPED,
            seconds=20,
            item_ids=["g-x-q01"],
            now_ms=0,
        )
        assert session.mode == AnswerMode.TYPED
        async with conn.execute("SELECT mode, typed FROM quiz_sessions") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("buttons", 1)]
    finally:
        await conn.close()

"""Migration 0005 (issue 12): a database with rounds and answers from before keeps its meaning."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.storage.database import connect
from bot.storage.migrations import MIGRATIONS_DIR, current_version, migrate


async def test_old_answers_get_their_bank_index_and_old_rounds_read_as_bank_order(tmp_path: Path) -> None:
    up_to_4 = tmp_path / "migrations"
    up_to_4.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-4]_*.sql")):
        shutil.copy(path, up_to_4 / path.name)
    conn = await connect(tmp_path / "quiz.db")
    try:
        await migrate(conn, up_to_4)
        assert await current_version(conn) == 4
        await conn.execute(
            "INSERT INTO rounds (id, guild_id, channel_id, kind, item_id, mode, message_id, opens_at, "
            "closes_at, status) VALUES (1, 1, 1, 'quiz', 's000-q01', 'reactions', 99, 0, 1000, 'revealed')"
        )
        await conn.executemany(
            "INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms, "
            "answered_at) VALUES (1, ?, 1, 's000-q01', ?, 0, 0, 10, 10)",
            [(7, 2), (8, 0)],
        )
        await conn.commit()

        applied = await migrate(conn)
        assert [m.version for m in applied][:1] == [5]
        async with conn.execute("SELECT user_id, choice, bank_choice FROM answers ORDER BY user_id") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(7, 2, 2), (8, 0, 0)]
        async with conn.execute("SELECT choice_order FROM rounds") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(None,)]
    finally:
        await conn.close()

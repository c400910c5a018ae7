"""Migrations: applied from empty, idempotent, atomic, and a newer database refused."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.database import Connection, Database, connect
from bot.storage.migrations import (
    MIGRATIONS_DIR,
    MigrationError,
    NewerDatabaseError,
    current_version,
    discover,
    migrate,
    status,
)
from bot.storage.sql import SuspendedError, fetch_one


async def table_names(conn: aiosqlite.Connection) -> set[str]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
        return {row[0] for row in await cur.fetchall()}


def test_migration_numbers_run_without_gaps() -> None:
    migrations = discover()
    assert migrations, "no migrations found"
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_every_migration_has_its_postgresql_twin() -> None:
    """migrations/postgresql has the same numbers and names; tests/test_pg_schema.py compares the schemas."""
    from bot.storage.pg_migrations import PG_MIGRATIONS_DIR

    sqlite = [(m.version, m.name) for m in discover()]
    postgresql = [(m.version, m.name) for m in discover(PG_MIGRATIONS_DIR)]
    assert postgresql == sqlite
    assert PG_MIGRATIONS_DIR.parent == MIGRATIONS_DIR


async def test_migrates_an_empty_database(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "quiz.db")
    try:
        applied = await migrate(conn)
        assert [m.version for m in applied] == [m.version for m in discover()]
        assert await current_version(conn) == discover()[-1].version
        tables = await table_names(conn)
        for expected in (
            "guild_settings",
            "quiz_sessions",
            "rounds",
            "answers",
            "scores",
            "question_usage",
            "daily_schedules",
            "daily_posts",
            "seasons",
            "teams",
            "team_members",
            "competitions",
        ):
            assert expected in tables
    finally:
        await conn.close()


async def test_rerun_is_idempotent(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "quiz.db")
    try:
        await migrate(conn)
        before = await table_names(conn)
        assert await migrate(conn) == []
        assert await table_names(conn) == before
        assert (await status(conn)).pending == ()
    finally:
        await conn.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quiz.db"
    conn = await connect(path)
    try:
        await conn.execute("PRAGMA user_version = 999")
        with pytest.raises(NewerDatabaseError) as excinfo:
            await migrate(conn, where=path)
        assert "999" in str(excinfo.value)
        assert "newer" in str(excinfo.value)
        assert str(path) in str(excinfo.value)
    finally:
        await conn.close()


async def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE b (x INTEGER);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;", encoding="utf-8"
    )
    conn = await connect(tmp_path / "quiz.db")
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql"):
            await migrate(conn, folder)
        assert await current_version(conn) == 1
        assert "b" not in await table_names(conn)  # the half of 0002 that ran was undone
        async with conn.execute("SELECT count(*) FROM a") as cur:
            assert (await cur.fetchone())[0] == 0
    finally:
        await conn.close()


def test_gap_in_numbers_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("", encoding="utf-8")
    (tmp_path / "0003_c.sql").write_text("", encoding="utf-8")
    with pytest.raises(MigrationError, match="0002"):
        discover(tmp_path)


async def test_connection_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        for conn in (db.writer, db._reader):
            async with conn.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1
            async with conn.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"
            async with conn.execute("PRAGMA busy_timeout") as cur:
                assert (await cur.fetchone())[0] > 0
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        await migrate(db.writer)
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO command_sync (scope, hash, synced_at) VALUES ('global', 'x', 1)"
                )
                raise RuntimeError("boom")
        assert await db.fetch_all("SELECT * FROM command_sync") == []
    finally:
        await db.close()


def test_shipped_migrations_live_beside_the_package() -> None:
    assert MIGRATIONS_DIR.is_dir()
    assert (MIGRATIONS_DIR / "0001_initial.sql").exists()


async def test_a_cancelled_transaction_leaves_the_writer_usable(tmp_path: Path) -> None:
    import asyncio

    db = await Database.open(tmp_path / "quiz.db")
    try:
        await migrate(db.writer)
        started = asyncio.Event()

        async def slow_write() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO command_sync (scope, hash, synced_at) VALUES ('a', 'x', 1)")
                started.set()
                await asyncio.sleep(10)

        for cancel_after_begin in (False, True):
            task = asyncio.create_task(slow_write())
            if cancel_after_begin:
                await started.wait()
            else:
                await asyncio.sleep(0)  # cancelled while BEGIN is queued in aiosqlite's thread
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not db.writer.in_transaction
            async with db.transaction() as conn:  # the next transaction works
                await conn.execute(
                    "INSERT INTO command_sync (scope, hash, synced_at) VALUES ('b', 'y', 1) "
                    "ON CONFLICT (scope) DO NOTHING"
                )
        assert [r["scope"] for r in await db.fetch_all("SELECT scope FROM command_sync")] == ["b"]
    finally:
        await db.close()


async def test_batch_writes_run_on_their_own_connection_with_the_same_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        await migrate(db.writer)

        async def pragmas(conn: Connection) -> tuple[int, str, int, str]:
            fk = (await fetch_one(conn, "PRAGMA foreign_keys"))[0]
            mode = (await fetch_one(conn, "PRAGMA journal_mode"))[0]
            busy = (await fetch_one(conn, "PRAGMA busy_timeout"))[0]
            return fk, mode, busy, threading.current_thread().name

        fk, mode, busy, thread = await db.write(pragmas)
        assert (fk, mode) == (1, "wal") and busy > 0
        assert (
            db.batch_thread is not None and thread == db.batch_thread.name != threading.current_thread().name
        )
    finally:
        await db.close()


async def test_a_failing_batch_rolls_back_and_the_next_transaction_still_writes(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        await migrate(db.writer)

        async def half_then_fail(conn: Connection) -> None:
            await conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (1, 0)")
            raise RuntimeError("midway")

        with pytest.raises(RuntimeError, match="midway"):
            await db.write(half_then_fail)
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (2, 0)")
        rows = await db.fetch_all("SELECT guild_id FROM guild_settings ORDER BY guild_id")
        assert [r[0] for r in rows] == [2]
    finally:
        await db.close()


async def test_batch_work_that_awaits_anything_but_its_connection_is_refused(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        await db.migrate()

        async def sleeps(conn: Connection) -> None:
            await conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (3, 0)")
            await asyncio.sleep(0)  # would need an event loop on the batch thread

        with pytest.raises(SuspendedError):
            await db.write(sleeps)
        assert await db.fetch_all("SELECT guild_id FROM guild_settings") == []  # rolled back
    finally:
        await db.close()


async def test_a_cancelled_batch_finishes_on_its_thread_before_the_next_write(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "quiz.db")
    try:
        await migrate(db.writer)
        started = threading.Event()

        async def slow(conn: Connection) -> None:
            started.set()
            time.sleep(0.3)  # noqa: ASYNC251  (blocks the batch thread, as a long batch would)
            await conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (7, 0)")

        task = asyncio.create_task(db.write(slow))
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The cancelled call returned only once the batch had committed on its thread (the write
        # lock was held until then), so the row is there at once and the next transaction writes.
        rows = await db.fetch_all("SELECT guild_id FROM guild_settings")
        assert [r[0] for r in rows] == [7]
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (8, 0)")
    finally:
        await db.close()

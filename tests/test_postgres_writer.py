"""PostgreSQL's writes go through one connection held for them (warm staging tables and prepared
statements, like SQLite's one writer); a cancelled or broken write never leaves it unusable."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase
from bot.storage.sql import fetch_one

INSERT = "INSERT INTO command_sync (scope, hash, synced_at) VALUES (?, 'x', 1)"


async def scopes(db: Database) -> list[str]:
    return [r["scope"] for r in await db.fetch_all("SELECT scope FROM command_sync ORDER BY scope")]


async def backend_pid(db: Database) -> int:
    async with db.transaction() as conn:
        return int((await fetch_one(conn, "SELECT pg_backend_pid()"))[0])


async def test_writes_share_one_connection(pg_url: str) -> None:
    db = await Database.open(pg_url)
    try:
        assert isinstance(db, PostgresDatabase)
        await db.migrate()
        first = await backend_pid(db)
        assert await db.write(lambda conn: fetch_one(conn, "SELECT pg_backend_pid()")) == (first,)
        assert await backend_pid(db) == first
    finally:
        await db.close()


async def test_a_cancelled_write_leaves_writing_usable(pg_url: str) -> None:
    db = await Database.open(pg_url)
    try:
        await db.migrate()
        started = asyncio.Event()

        async def slow_write() -> None:
            async with db.transaction() as conn:
                await conn.execute(INSERT, ("a",))
                started.set()
                await conn.execute("SELECT pg_sleep(10)")

        task = asyncio.create_task(slow_write())
        await started.wait()
        await asyncio.sleep(0.05)  # inside pg_sleep
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:
            await conn.execute(INSERT, ("b",))
        assert await scopes(db) == ["b"]  # the cancelled transaction was rolled back
    finally:
        await db.close()


async def test_a_writer_connection_killed_on_the_server_is_replaced(pg_url: str) -> None:
    db = await Database.open(pg_url)
    try:
        await db.migrate()
        pid = await backend_pid(db)
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await asyncio.sleep(0.1)
        try:  # the write that meets the dead connection fails (nothing half-done)...
            async with db.transaction() as conn:
                await conn.execute(INSERT, ("lost",))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            pass
        async with db.transaction() as conn:  # ...and the next one gets a new connection
            await conn.execute(INSERT, ("kept",))
        assert "kept" in await scopes(db)
        assert await backend_pid(db) != pid
    finally:
        await db.close()

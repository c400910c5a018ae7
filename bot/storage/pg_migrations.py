"""The numbered migrations for PostgreSQL, tracked in a one-row ``schema_version`` table.

Files are ``migrations/postgresql/NNNN_name.sql``: the PostgreSQL twins of ``migrations/NNNN_name.sql``
(same numbers and names; ``tests/test_pg_schema.py`` checks the two schemas agree). Discovery and the
error types are the SQLite runner's (:mod:`bot.storage.migrations`).

Each migration runs in one transaction together with its version bump, so a failure rolls the whole
file back. The run holds a session-level advisory lock from the first read of the version to the
last commit: two bot processes starting at once migrate once, and the second, let in after the
first is done, finds nothing pending. PostgreSQL drops the lock with the session if a process dies.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.storage.migrations import (
    MIGRATIONS_DIR,
    Migration,
    MigrationError,
    MigrationStatus,
    NewerDatabaseError,
    discover,
)

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

PG_MIGRATIONS_DIR: Path = MIGRATIONS_DIR / "postgresql"
# The advisory lock's key: "QuizTuto" in ASCII, one 64-bit number no other program is likely to pick.
MIGRATION_LOCK_KEY = int.from_bytes(b"QuizTuto", "big")

_CREATE_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"


async def current_pg_version(conn: asyncpg.Connection) -> int:
    """The schema version; 0 for a database the bot never migrated (no ``schema_version`` table)."""
    if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    version = await conn.fetchval("SELECT max(version) FROM schema_version")
    return int(version) if version is not None else 0


async def pg_status(conn: asyncpg.Connection, directory: Path = PG_MIGRATIONS_DIR) -> MigrationStatus:
    migrations = discover(directory)
    current = await current_pg_version(conn)
    latest = migrations[-1].version if migrations else 0
    return MigrationStatus(current, latest, tuple(m for m in migrations if m.version > current))


async def migrate_postgres(
    conn: asyncpg.Connection, directory: Path = PG_MIGRATIONS_DIR, *, where: str = "the database"
) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns what was applied.

    ``where`` names the database in the refusal of a newer schema (never put a password in it).
    """
    migrations = discover(directory)  # a misnamed file fails before the database is touched
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_CREATE_VERSION_TABLE)
        await conn.execute(
            "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)"
        )
        state = await pg_status(conn, directory)
        if state.current > state.latest:
            raise NewerDatabaseError(state.current, state.latest, where)
        applied: list[Migration] = []
        for migration in migrations:
            if migration.version <= state.current:
                continue
            try:
                async with conn.transaction():
                    # No arguments: asyncpg sends it as a simple query, so a file may hold many statements.
                    await conn.execute(migration.sql())
                    await conn.execute("UPDATE schema_version SET version = $1", migration.version)
            except Exception as exc:
                raise MigrationError(
                    f"migration {migration.path.name} failed and was rolled back: {exc}"
                ) from exc
            log.info("applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration)
        return applied
    finally:
        if not conn.is_closed():  # a lost connection has lost its lock with it
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)

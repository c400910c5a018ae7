"""Numbered plain-SQL migrations tracked with ``PRAGMA user_version``.

Files are ``migrations/NNNN_name.sql``; version N is the number. Each file is applied
atomically: ``executescript`` commits any pending transaction before it runs, so the
``BEGIN``/``COMMIT`` and the ``user_version`` bump go inside the script itself, and a failure
part-way rolls the whole file back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.shipped import shipped_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = shipped_dir("migrations")  # migrations/ in a checkout, inside the package when installed
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The database cannot be brought to this version of the code."""


class NewerDatabaseError(MigrationError):
    def __init__(self, found: int, known: int, path: Path | str) -> None:
        super().__init__(
            f"{path} is at schema version {found}, written by a newer Quiz Tutor; this version knows "
            f"migrations up to {known}. Upgrade the bot (or restore a backup) instead of running an "
            "older version against it."
        )
        self.found = found
        self.known = known


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    current: int
    latest: int
    pending: tuple[Migration, ...]


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in version order; numbers must run 1, 2, 3... without gaps."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_snake_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{migration.path}: expected migration number {expected:04d}; numbers run without gaps"
            )
    return found


async def current_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def status(conn: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> MigrationStatus:
    migrations = discover(directory)
    current = await current_version(conn)
    latest = migrations[-1].version if migrations else 0
    return MigrationStatus(current, latest, tuple(m for m in migrations if m.version > current))


async def migrate(
    conn: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR, *, where: Path | str = "the database"
) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns what was applied.

    ``where`` names the database in the refusal of a newer schema.
    """
    state = await status(conn, directory)
    if state.current > state.latest:
        raise NewerDatabaseError(state.current, state.latest, where)
    applied: list[Migration] = []
    for migration in state.pending:
        script = f"BEGIN IMMEDIATE;\n{migration.sql()}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except Exception as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.path.name} failed and was rolled back: {exc}"
            ) from exc
        log.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration)
    return applied

"""Seasons: at most one running per server (a partial unique index); the database says what is due."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.shards import Ownership
from bot.storage.database import Connection, Database, Row
from bot.storage.shards import owned

_COLUMNS = "id, guild_id, name, started_at, ends_at, ended_at, channel_id, started_by"


@dataclass(frozen=True, slots=True)
class SeasonRow:
    id: int
    guild_id: int
    name: str
    started_at: int
    ends_at: int | None
    ended_at: int | None
    channel_id: int | None
    started_by: int | None

    @property
    def running(self) -> bool:
        return self.ended_at is None


def _season(row: Row) -> SeasonRow:
    def opt(name: str) -> int | None:
        return None if row[name] is None else int(row[name])

    return SeasonRow(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        started_at=int(row["started_at"]),
        ends_at=opt("ends_at"),
        ended_at=opt("ended_at"),
        channel_id=opt("channel_id"),
        started_by=opt("started_by"),
    )


class SeasonNameTakenError(Exception):
    """The server already has a season of that name (running or ended)."""


class SeasonRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def running_all(self) -> list[SeasonRow]:
        """Every running season of every server (loaded into memory at start-up)."""
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM seasons WHERE ended_at IS NULL")
        return [_season(r) for r in rows]

    async def running(self, guild_id: int) -> SeasonRow | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM seasons WHERE guild_id = ? AND ended_at IS NULL", (guild_id,)
        )
        return None if row is None else _season(row)

    async def by_name(self, guild_id: int, name: str) -> SeasonRow | None:
        """Exact name first, else the one name that matches ignoring case."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM seasons WHERE guild_id = ? AND lower(name) = lower(?)", (guild_id, name)
        )
        found = [_season(r) for r in rows]
        exact = [s for s in found if s.name == name]
        if exact:
            return exact[0]
        return found[0] if len(found) == 1 else None

    async def by_id(self, season_id: int) -> SeasonRow | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM seasons WHERE id = ?", (season_id,))
        return None if row is None else _season(row)

    async def of_guild(self, guild_id: int, limit: int = 25) -> list[SeasonRow]:
        """The server's seasons, the running one and then the most recent first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM seasons WHERE guild_id = ? "
            "ORDER BY ended_at IS NOT NULL, started_at DESC, id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_season(r) for r in rows]

    async def due(self, now_ms: int, owner: Ownership | None = None) -> list[SeasonRow]:
        """Running seasons whose end time has come (uses the partial index seasons_due)."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM seasons WHERE ended_at IS NULL AND ends_at <= ?{owned(owner)} "
            "ORDER BY ends_at, id",
            (now_ms,),
        )
        return [_season(r) for r in rows]

    @staticmethod
    async def create(
        conn: Connection,
        *,
        guild_id: int,
        name: str,
        started_at: int,
        ends_at: int | None,
        channel_id: int | None,
        started_by: int | None,
    ) -> SeasonRow:
        """Insert a running season. Raises SeasonNameTakenError for a name already used here.

        A second running season violates ``seasons_one_active``; the caller checks first, inside
        the same transaction, so that only happens on a bug.
        """
        async with conn.execute(
            "SELECT 1 FROM seasons WHERE guild_id = ? AND name = ?", (guild_id, name)
        ) as cur:
            if await cur.fetchone() is not None:
                raise SeasonNameTakenError(name)
        async with conn.execute(
            f"""
            INSERT INTO seasons (guild_id, name, started_at, ends_at, ended_at, channel_id, started_by)
            VALUES (?, ?, ?, ?, NULL, ?, ?) RETURNING {_COLUMNS}
            """,
            (guild_id, name, started_at, ends_at, channel_id, started_by),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return _season(row)

    @staticmethod
    async def running_in(conn: Connection, guild_id: int) -> SeasonRow | None:
        """The running season, read on the writer inside a transaction (to check before creating)."""
        async with conn.execute(
            f"SELECT {_COLUMNS} FROM seasons WHERE guild_id = ? AND ended_at IS NULL", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _season(row)

    @staticmethod
    async def mark_ended(conn: Connection, season_id: int, now_ms: int) -> bool:
        """End a running season; False if it had already ended (someone else got there first)."""
        cur = await conn.execute(
            "UPDATE seasons SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (now_ms, season_id)
        )
        return cur.rowcount == 1

"""A server's own questions: one row per (server, item id), the item as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Connection, Database, Row


@dataclass(frozen=True, slots=True)
class GuildItemRow:
    guild_id: int
    item_id: str
    payload: dict[str, object]  # a BankItem as JSON (model_dump(mode="json"))
    created_by: int
    created_at: int


def _row(row: Row) -> GuildItemRow:
    return GuildItemRow(
        guild_id=int(row["guild_id"]),
        item_id=str(row["item_id"]),
        payload=json.loads(row["payload"]),
        created_by=int(row["created_by"]),
        created_at=int(row["created_at"]),
    )


class GuildItemRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[GuildItemRow]:
        """Every server's items, oldest first (loaded into memory at start-up)."""
        rows = await self._db.fetch_all(
            "SELECT guild_id, item_id, payload, created_by, created_at FROM guild_items "
            "ORDER BY guild_id, created_at, item_id"
        )
        return [_row(r) for r in rows]

    @staticmethod
    async def insert_many(
        conn: Connection,
        guild_id: int,
        items: Sequence[tuple[str, dict[str, object]]],
        created_by: int,
        now_ms: int,
    ) -> None:
        """Add (item id, payload) pairs; a repeated id fails the whole transaction."""
        await conn.executemany(
            "INSERT INTO guild_items (guild_id, item_id, payload, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (guild_id, item_id, json.dumps(payload, ensure_ascii=False), created_by, now_ms)
                for item_id, payload in items
            ],
        )

    @staticmethod
    async def delete(conn: Connection, guild_id: int, item_id: str) -> bool:
        cursor = await conn.execute(
            "DELETE FROM guild_items WHERE guild_id = ? AND item_id = ?", (guild_id, item_id)
        )
        return cursor.rowcount > 0

"""How often each server has seen each question, for no-repeat draws."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.storage.database import Connection, Database


class UsageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def counts(self, guild_id: int, item_ids: Iterable[str] | None = None) -> dict[str, int]:
        """item id -> times used in this server (items never used are absent)."""
        rows = await self._db.fetch_all(
            "SELECT item_id, times_used FROM question_usage WHERE guild_id = ?", (guild_id,)
        )
        counts = {str(r["item_id"]): int(r["times_used"]) for r in rows}
        if item_ids is None:
            return counts
        wanted = set(item_ids)
        return {k: v for k, v in counts.items() if k in wanted}

    @staticmethod
    async def mark_used(conn: Connection, guild_id: int, item_ids: Sequence[str], now_ms: int) -> None:
        await conn.executemany(
            """
            INSERT INTO question_usage (guild_id, item_id, times_used, last_used_at) VALUES (?, ?, 1, ?)
            ON CONFLICT (guild_id, item_id) DO UPDATE SET
                times_used = question_usage.times_used + 1, last_used_at = excluded.last_used_at
            """,
            [(guild_id, item_id, now_ms) for item_id in item_ids],
        )

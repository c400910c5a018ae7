"""Which slash command definitions were last synced, per scope ('global' or a guild id)."""

from __future__ import annotations

from bot.storage.database import Connection, Database


class CommandSyncRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_hash(self, scope: str) -> str | None:
        """The hash of the definitions last synced to ``scope``, or None if never synced."""
        row = await self._db.fetch_one("SELECT hash FROM command_sync WHERE scope = ?", (scope,))
        return None if row is None else str(row["hash"])

    @staticmethod
    async def record(conn: Connection, scope: str, digest: str, synced_at_ms: int) -> None:
        """Remember that ``digest`` is what Discord now has for ``scope``."""
        await conn.execute(
            """
            INSERT INTO command_sync (scope, hash, synced_at) VALUES (?, ?, ?)
            ON CONFLICT (scope) DO UPDATE SET hash = excluded.hash, synced_at = excluded.synced_at
            """,
            (scope, digest, synced_at_ms),
        )

"""/privacy forget-me: what is kept about a member in a server, and deleting all of it. No discord."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.services.answer_writer import AnswerWriter
from bot.storage.database import Database
from bot.storage.privacy import PrivacyRepository

log = logging.getLogger(__name__)


def _nobody_to_tell(guild_id: int, user_id: int) -> None:
    return None


class PrivacyService:
    def __init__(
        self, db: Database, writer: AnswerWriter, *, forgotten: Callable[[int, int], None] | None = None
    ) -> None:
        self.db = db
        self.writer = writer
        self.repo = PrivacyRepository(db)
        # Told after a member was forgotten, so in-memory caches drop them too (the team service's).
        self.forgotten: Callable[[int, int], None] = forgotten or _nobody_to_tell

    async def footprint(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Rows kept about the member here, by kind (empty when there is nothing)."""
        return await self.repo.footprint(guild_id, user_id)

    async def forget(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Delete everything kept about the member in this server, in one transaction."""
        # Answers the member gave a moment ago are saved first, so they are deleted too.
        await self.writer.flush()
        async with self.db.transaction() as conn:
            deleted = await PrivacyRepository.forget(conn, guild_id, user_id)
        self.forgotten(guild_id, user_id)
        log.info("forgot member %s in guild %s: %s", user_id, guild_id, deleted)
        return deleted

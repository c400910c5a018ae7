"""Per-server settings: read, change (validated, saved at once), describe what changed. No discord import.

The quiz service reads the settings at every quiz start and every round, so a change applies to
the next question without a restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock, to_ms
from bot.core.settings_rules import LABELS, show, validate_changes
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SettingChange:
    field: str
    label: str  # English; ``old`` and ``new`` are shown in English too
    old: str
    new: str
    before: Any = None  # the values themselves, to show in another language
    after: Any = None


@dataclass(frozen=True, slots=True)
class SettingsUpdate:
    settings: GuildSettings
    changes: tuple[SettingChange, ...]  # only the values that differ from before


class GuildSettingsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.repo = GuildSettingsRepository(db)
        self._lock = asyncio.Lock()

    async def get(self, guild_id: int) -> GuildSettings:
        return await self.repo.get(guild_id)

    async def update(self, guild_id: int, given: Mapping[str, Any]) -> SettingsUpdate:
        """Validate every given value (None: not given), then save them together."""
        clean = validate_changes(given)
        async with self._lock:  # read-modify-write: two admins' changes must not undo each other
            current = await self.repo.get(guild_id)
            updated = dataclasses.replace(current, **clean)
            changes = tuple(
                SettingChange(
                    name,
                    LABELS[name],
                    show(name, getattr(current, name)),
                    show(name, value),
                    getattr(current, name),
                    value,
                )
                for name, value in clean.items()
                if getattr(current, name) != value
            )
            if changes:
                async with self.db.transaction() as conn:
                    await GuildSettingsRepository.save(conn, updated, to_ms(self.clock.now()))
            log.info(
                "guild %s settings changed: %s", guild_id, ", ".join(f"{c.field}={c.new}" for c in changes)
            )
        return SettingsUpdate(updated, changes)

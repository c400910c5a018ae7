"""Issue 19: a server's interface language is a setting, unset until an admin chooses one."""

from __future__ import annotations

import pytest

from bot.core.clock import FakeClock
from bot.core.settings_rules import InvalidSettingsError
from bot.services.guild_settings import GuildSettingsService
from bot.storage.database import Database, IntegrityErrors


async def test_ui_language_is_unset_until_chosen_then_kept(db: Database) -> None:
    service = GuildSettingsService(db, FakeClock())
    assert (await service.get(7)).ui_language is None  # follow the server's Discord locale
    update = await service.update(7, {"ui_language": "zh"})
    assert [(c.label, c.old, c.new) for c in update.changes] == [
        ("Interface language", "the server's language", "Chinese")
    ]
    assert (await service.get(7)).ui_language == "zh"
    with pytest.raises(InvalidSettingsError, match="Interface language: must be one of en, zh"):
        await service.update(7, {"ui_language": "fr"})
    assert (await service.get(7)).ui_language == "zh"


async def test_the_database_refuses_a_language_without_a_catalogue(db: Database) -> None:
    with pytest.raises(IntegrityErrors):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, ui_language, updated_at) VALUES (8, 'fr', 0)"
            )

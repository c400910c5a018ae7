"""Slash command sync: to DEV_GUILD_ID at every start, globally only when definitions change."""

from __future__ import annotations

import pytest

from tests.fakediscord import FakeDiscord, StudyServer

pytestmark = pytest.mark.e2e


def global_syncs(fake: FakeDiscord) -> int:
    return sum(
        1
        for r in fake.requests
        if r.method == "PUT" and r.path.endswith("/commands") and "/guilds/" not in r.path
    )


def guild_syncs(fake: FakeDiscord) -> int:
    return sum(
        1
        for r in fake.requests
        if r.method == "PUT" and "/guilds/" in r.path and r.path.endswith("/commands")
    )


async def test_global_commands_are_synced_once_then_only_on_change(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    first = await start_bot(dev_guild_id=None)
    assert global_syncs(fake) == 1
    assert {"about", "quiz"} <= set(fake.synced_command_names(None))
    await first.close()

    second = await start_bot(dev_guild_id=None)  # same database, same definitions: no sync
    assert global_syncs(fake) == 1
    await second.close()

    def add_command(bot) -> None:
        from discord import app_commands

        @app_commands.command(name="extra", description="A new command")
        async def extra(interaction) -> None:  # pragma: no cover - only its definition matters
            await interaction.response.send_message("extra")

        bot.tree.add_command(extra)

    await start_bot(prepare=add_command, dev_guild_id=None)  # definitions changed: synced again
    assert global_syncs(fake) == 2
    assert "extra" in fake.synced_command_names(None)
    assert guild_syncs(fake) == 0


async def test_dev_guild_is_synced_at_every_start(fake: FakeDiscord, world: StudyServer, start_bot) -> None:
    first = await start_bot()
    await first.close()
    await start_bot()
    assert guild_syncs(fake) == 2
    assert global_syncs(fake) == 0
    assert {"about", "quiz"} <= set(fake.synced_command_names(world.guild))

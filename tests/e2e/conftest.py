"""Fixtures shared by the end-to-end tests that run the real entry point as a process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.processes import BotProcess
from tests.fakediscord import FakeDiscord, StudyServer


@pytest.fixture
async def launch(fake: FakeDiscord, world: StudyServer, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """``python -m bot`` on a SQLite file in tmp_path, syncing its commands to the study server."""
    fake.reaction_rate = None  # the bot's four answer reactions at once: this is not about rate limits
    bot = await BotProcess.start(fake, tmp_path, DEV_GUILD_ID=str(world.guild.id))
    try:
        yield bot
    finally:
        await bot.kill()  # only if a test failed before stopping it

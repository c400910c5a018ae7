"""Fixtures for the stand-in's own tests: a plain discord.py bot instead of the project's.

The stand-in is tested with the real discord.py client, not with hand-written HTTP calls, so
these tests prove that discord.py accepts every payload shape it serves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from . import BotHarness, FakeDiscord, Guild, StudyServer, discord_py_endpoints

StartPlainBot = Callable[..., Awaitable[commands.Bot]]


@pytest.fixture
async def start_plain_bot(fake: FakeDiscord, world: StudyServer) -> AsyncIterator[StartPlainBot]:
    """``await start_plain_bot(*app_commands, intents=..., guilds=[...])``: a connected plain bot.

    The given commands are added to each guild's tree (default: the study server) and synced
    there in ``setup_hook``, the way the project's bot syncs to its development guild.
    """
    harnesses: list[BotHarness] = []

    async def start(
        *cmds: app_commands.Command[Any, ..., Any] | app_commands.Group,
        intents: discord.Intents | None = None,
        guilds: Iterable[Guild] | None = None,
        **client_kwargs: Any,
    ) -> commands.Bot:
        targets = [discord.Object(id=g.id) for g in (guilds or [world.guild])]
        bot = commands.Bot(
            command_prefix="!plain ",
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            **client_kwargs,
        )
        for target in targets:
            for cmd in cmds:
                bot.tree.add_command(cmd, guild=target)

        async def setup_hook() -> None:
            for target in targets:
                await bot.tree.sync(guild=target)

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        harness = BotHarness(fake, bot)
        harnesses.append(harness)
        await harness.start()
        return bot

    with discord_py_endpoints(fake):
        yield start
        for harness in reversed(harnesses):
            await harness.stop()

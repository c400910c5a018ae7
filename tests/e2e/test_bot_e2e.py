"""The real bot against the Discord stand-in: start, sync, answer, resume, deadlines."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest
from discord import app_commands

from tests.fakediscord import FakeDiscord, NoResponse, StudyServer

pytestmark = pytest.mark.e2e


async def test_bot_starts_logs_in_and_syncs_its_commands_to_the_dev_guild(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    started = time.perf_counter()
    bot = await start_bot()
    elapsed = time.perf_counter() - started

    assert bot.is_ready()
    assert elapsed < 1.0, f"a start against the stand-in took {elapsed:.2f} s"
    assert fake.gateway.identifies == 1
    assert "about" in fake.synced_command_names(world.guild)
    # Development start-ups sync to DEV_GUILD_ID only, never globally.
    assert [scope for scope, _names in fake.sync_calls] == [world.guild.id]
    assert fake.synced_command_names(None) == []


async def test_about_answers_with_an_ephemeral_embed(fake: FakeDiscord, world: StudyServer, bot) -> None:
    reply = await world.alice.slash("about")

    assert reply.message.ephemeral
    assert "Quiz Tutor" in reply.message.embeds[0]["title"]
    assert reply.ephemeral_replies == [reply.message]
    # Ephemeral: nobody else sees it, nothing lands in the channel.
    assert fake.channel_messages(world.channel) == []
    assert world.alice.ephemeral_messages == [reply.message]
    assert world.bob.ephemeral_messages == []


async def test_after_a_gateway_disconnect_the_bot_resumes_and_keeps_answering(
    fake: FakeDiscord, world: StudyServer, bot
) -> None:
    await world.alice.slash("about")

    await fake.disconnect_gateway()
    await fake.wait_for(lambda: fake.gateway.resumes == 1)
    reply = await world.bob.slash("about")

    assert "Quiz Tutor" in reply.message.embeds[0]["title"]
    assert fake.gateway.identifies == 1, "the bot identified again instead of resuming"
    assert ("/resume-gateway", 6) in fake.gateway.received_ops, "RESUME did not use resume_gateway_url"


async def test_a_handler_slower_than_three_seconds_fails_as_on_discord(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    @app_commands.command(name="slow", description="Test only: answers after the deadline")
    async def slow(interaction: discord.Interaction) -> None:
        started.set()
        await release.wait()
        await interaction.response.send_message("too late")

    def add_slow(bot) -> None:
        bot.tree.add_command(slow, guild=discord.Object(id=world.guild.id))

    # What Discord does, and what the bot's error handler then does about it.
    fake.expect_http_error(404, 10062)
    fake.expect_tree_error(discord.NotFound, times=1)
    fake.expect_log(r"error [0-9A-F]+ in slow", logger="cogs.errors", times=1)

    await start_bot(prepare=add_slow)
    record = await world.alice.slash("slow", wait=False)
    await asyncio.wait_for(started.wait(), 5)
    fake.clock.advance(3.5)  # the handler "took" 3.5 s without the test sleeping
    release.set()

    # The late answer, then the error handler's own reply, are both refused with 10062.
    await record.wait_for(lambda r: len(r.late_callbacks) >= 2)
    assert not record.acknowledged
    assert record.failed, "the member sees 'The application did not respond'"
    assert record.replies == []
    assert fake.channel_messages(world.channel) == []


async def test_a_member_waiting_on_a_silent_bot_gets_no_response(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    @app_commands.command(name="silent", description="Test only: never answers")
    async def silent(interaction: discord.Interaction) -> None:
        return None

    await start_bot(prepare=lambda bot: bot.tree.add_command(silent, guild=discord.Object(id=world.guild.id)))
    fake.interaction_deadline = 0.2  # keep the wait short; the rule is the same at 3 s

    with pytest.raises(NoResponse, match="did not respond"):
        await world.alice.slash("silent")

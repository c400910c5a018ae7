"""The stand-in's gateway, exercised by the real discord.py client."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest
from discord import app_commands

from . import FakeDiscord, Intent, StudyServer
from .strict import GATEWAY

pytestmark = pytest.mark.e2e


@app_commands.command(name="ping", description="Answers pong")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


async def test_a_bot_starts_in_well_under_a_second_over_compressed_frames(
    fake: FakeDiscord, start_plain_bot
) -> None:
    started = time.perf_counter()
    bot = await start_plain_bot(ping)

    assert time.perf_counter() - started < 1.0
    assert bot.user is not None and bot.user.id == fake.bot_user.id
    assert bot.application_id == fake.application_id
    conn = fake.gateway.connections[0]
    assert conn.compressor is not None, "discord.py asked for zlib-stream; frames must be compressed"
    assert fake.gateway.received_ops[0] == ("/gateway", 1), "discord.py heartbeats right after HELLO"
    assert ("/gateway", 2) in fake.gateway.received_ops


async def test_guild_create_carries_the_member_count_so_the_client_does_not_chunk(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = await start_plain_bot(intents=intents)

    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    assert guild.member_count == len(world.guild.members)
    assert guild.chunked
    assert all(op != 8 for _path, op in fake.gateway.received_ops), "the client asked for member chunks"


async def test_without_the_members_intent_only_the_bot_member_is_sent(
    world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()

    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    assert [m.id for m in guild.members] == [bot.user.id]
    assert guild.member_count == len(world.guild.members)


async def test_heartbeats_are_acknowledged_and_carry_the_last_sequence(
    fake: FakeDiscord, start_plain_bot
) -> None:
    fake.gateway.heartbeat_interval = 0.05
    await start_plain_bot()

    await fake.wait_for(lambda: fake.gateway.heartbeats >= 4, timeout=5)
    beats = fake.gateway.connections[0].heartbeats
    assert beats[0] is None  # before READY nothing was sequenced
    session = fake.gateway.live_session
    assert session is not None and beats[-1] == session.seq


async def test_disconnect_then_resume_replays_the_events_missed_meanwhile(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(ping)
    gate = asyncio.Event()
    fake.gateway.resume_gate = gate  # hold the RESUME until the test has made an event

    await fake.disconnect_gateway()
    # Sent while the bot is away: it can only get it by replay.
    record = await world.alice.slash("ping", wait=False)
    gate.set()
    await record.wait_reply()

    assert fake.gateway.resumes == 1
    assert fake.gateway.identifies == 1
    assert ("/resume-gateway", 6) in fake.gateway.received_ops
    assert record.message.content == "pong"


async def test_an_abrupt_tcp_drop_is_resumed_too(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(ping)

    await fake.disconnect_gateway(abrupt=True)
    await fake.wait_for(lambda: fake.gateway.resumes == 1)

    assert (await world.alice.slash("ping")).message.content == "pong"


async def test_an_invalidated_session_makes_the_client_identify_again(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(ping)  # the harness skips discord.py's 5 s wait before re-identifying

    await fake.disconnect_gateway(resumable=False)
    await fake.wait_for(lambda: fake.gateway.identifies == 2)

    assert fake.gateway.resumes == 0
    assert (await world.alice.slash("ping")).message.content == "pong"


async def test_op7_reconnect_is_followed_by_a_resume(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(ping)

    await fake.gateway.request_reconnect()
    await fake.wait_for(lambda: fake.gateway.resumes == 1)

    assert (await world.alice.slash("ping")).message.content == "pong"


async def test_a_privileged_intent_not_enabled_in_the_portal_is_refused_with_4014(
    fake: FakeDiscord, start_plain_bot
) -> None:
    fake.privileged_intents = Intent.GUILD_MEMBERS
    fake.strict.expect(GATEWAY, match="4014")
    intents = discord.Intents.default()
    intents.message_content = True

    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start_plain_bot(intents=intents)


async def test_reaction_events_reach_only_a_bot_that_asked_for_them(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    intents = discord.Intents.default()
    intents.guild_reactions = False
    bot = await start_plain_bot(intents=intents)
    seen: list[discord.RawReactionActionEvent] = []

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append(payload)

    bot.add_listener(on_raw_reaction_add)
    later: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        later.append(message)

    bot.add_listener(on_message)
    message = await bot.get_channel(world.channel.id).send("react to me")

    await world.alice.react(message.id, "🇦")
    # Gateway events arrive in order: once this one is in, a reaction event would have been too.
    await bot.get_channel(world.channel.id).send("later")
    await fake.wait_for(lambda: any(m.content == "later" for m in later))

    assert seen == []
    assert fake.messages[message.id].reaction_count("🇦") == 1


async def test_message_content_is_hidden_without_the_message_content_intent(
    world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    seen: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    bot.add_listener(on_message)

    await world.alice.say("the answer is B")
    await world.alice.say(f"{bot.user.mention} the answer is C")
    await world.alice.fake.wait_for(lambda: len(seen) == 2)

    assert seen[0].content == ""
    assert seen[1].content.endswith("the answer is C")


@pytest.mark.parametrize("on_resume", [False, True], ids=["op9-live", "op9-on-resume"])
async def test_reactions_in_a_session_gap_are_never_delivered_and_the_client_identifies_afresh(
    on_resume: bool, fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()  # the harness skips discord.py's 5 s wait before re-identifying
    seen: list[tuple[int, str]] = []
    readies: list[int] = []

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append((payload.user_id, str(payload.emoji)))

    async def on_ready() -> None:
        readies.append(1)

    bot.add_listener(on_raw_reaction_add)
    bot.add_listener(on_ready)
    question = await bot.get_channel(world.channel.id).send("A or B?")
    await world.alice.react(question.id, "🇦")
    await fake.wait_delivered()

    async with fake.session_gap(on_resume=on_resume) as gap:
        await gap.react(world.bob, question.id, "🇧")
        await world.admin.react(question.id, "🇦")

    await world.alice.react(question.id, "🇧")
    await fake.wait_for(lambda: len(seen) == 2)
    # discord.py fires on_ready again once GUILD_CREATEs stop coming (guild_ready_timeout).
    await fake.wait_for(lambda: readies, what="on_ready after the fresh READY")

    assert seen == [(world.alice.id, "🇦"), (world.alice.id, "🇧")], "events of the gap are not replayed"
    assert gap.lost == ["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_ADD"]
    assert gap.new_session is not None and gap.new_session.id != gap.old_session.id
    assert fake.gateway.identifies == 2 and fake.gateway.resumes == 0
    assert readies == [1]
    assert bot.get_guild(world.guild.id) is not None
    # What Discord counted meanwhile is there for a bot that looks:
    fetched = await bot.get_channel(world.channel.id).fetch_message(question.id)
    assert {str(r.emoji): r.count for r in fetched.reactions} == {"🇦": 2, "🇧": 2}


async def test_a_session_gap_needs_a_connected_bot(fake: FakeDiscord) -> None:
    with pytest.raises(AssertionError, match="no bot is connected"):
        async with fake.session_gap():
            pass

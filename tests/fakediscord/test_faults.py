"""Injected faults: 5xx and 429 answers, exercised through discord.py's own HTTP client."""

from __future__ import annotations

import re
import time

import aiohttp
import discord
import pytest
from discord import app_commands

from . import FakeDiscord, StudyServer
from .strict import FAULT

pytestmark = pytest.mark.e2e

MESSAGES = "/channels/{channel_id}/messages"
OWN_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"


async def test_a_503_fails_the_send_at_once_and_posts_nothing(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fault = fake.inject_error("POST", MESSAGES, status=503)
    channel = bot.get_channel(world.channel.id)

    with pytest.raises(discord.DiscordServerError) as caught:
        await channel.send("lost")  # discord.py does not retry a 503
    await channel.send("after")

    assert caught.value.status == 503
    assert fault.hits == 1 and not fault.active
    assert [m.content for m in fake.channel_messages(world.channel)] == ["after"]


async def test_a_500_is_retried_by_discord_py_and_then_succeeds(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fake.inject_error("POST", MESSAGES, status=500, channel=world.channel)

    started = time.perf_counter()
    await bot.get_channel(world.channel.id).send("eventually")

    assert time.perf_counter() - started >= 1.0, "discord.py waits 1 s before its first retry"
    assert [m.content for m in fake.channel_messages(world.channel)] == ["eventually"]
    assert [r.status for r in fake.requests if r.method == "POST"] == [500, 200]


async def test_a_committed_502_makes_the_retry_post_twice(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fake.inject_error("POST", MESSAGES, status=502, commit=True)

    await bot.get_channel(world.channel.id).send("twice")

    assert [m.content for m in fake.channel_messages(world.channel)] == ["twice", "twice"]


async def test_a_fault_lasts_until_cleared_and_can_pick_requests_by_body(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)
    question = await channel.send("question")
    replies = fake.inject_error("POST", MESSAGES, times=None, when=lambda body: "message_reference" in body)

    for _ in range(2):
        with pytest.raises(discord.DiscordServerError):
            await question.reply("reveal")
    await channel.send("not a reply: not hit")
    replies.clear()
    await question.reply("reveal")

    assert replies.hits == 2
    assert [m.content for m in fake.channel_messages(world.channel)] == [
        "question",
        "not a reply: not hit",
        "reveal",
    ]


async def test_a_fault_can_be_narrowed_to_a_channel_and_delayed(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    other = fake.add_channel(world.guild, "other")
    bot = await start_plain_bot()
    fault = fake.inject_error("POST", MESSAGES, channel=world.channel, delay=0.2)

    await bot.get_channel(other.id).send("elsewhere: not hit")
    started = time.perf_counter()
    with pytest.raises(discord.DiscordServerError):
        await bot.get_channel(world.channel.id).send("held, then refused")

    assert time.perf_counter() - started >= 0.2
    assert fault.paths == [f"POST /api/v10/channels/{world.channel.id}/messages"]
    assert [m.content for m in fake.channel_messages(other)] == ["elsewhere: not hit"]


async def test_the_interaction_webhook_adapter_retries_a_5xx(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="slow", description="Defers, then follows up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.followup.send("done")

    await start_plain_bot(slow)
    fault = fake.inject_error("POST", "/webhooks/{app_id}/{token}", status=503)

    record = await world.alice.slash("slow")
    reply = await record.wait_reply(timeout=5)

    assert fault.hits == 1
    assert reply.content == "done"


async def test_a_per_route_429_is_waited_out_by_discord_py(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    message = await bot.get_channel(world.channel.id).send("react")
    fake.inject_429("PUT", OWN_REACTION, retry_after=0.3, times=2)

    started = time.perf_counter()
    await message.add_reaction("🇦")

    assert time.perf_counter() - started >= 0.6
    assert fake.messages[message.id].reaction_count("🇦") == 1
    assert [(h.scope, h.bucket, h.retry_after) for h in fake.rate_limited] == [("user", "reactions", 0.3)] * 2


async def test_a_per_route_429_has_discords_headers_and_body(fake: FakeDiscord, world: StudyServer) -> None:
    fake.inject_429("GET", "/channels/{channel_id}", retry_after=1.5, scope="shared")

    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{fake.api_base}/channels/{world.channel.id}", headers={"Authorization": f"Bot {fake.token}"}
        ) as resp,
    ):
        body, headers = await resp.json(content_type=None), resp.headers

    assert resp.status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 1.5, "global": False}
    assert headers["Content-Type"] == "application/json"
    assert headers["Via"]
    assert headers["Retry-After"] == "2"
    assert headers["X-RateLimit-Scope"] == "shared"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert float(headers["X-RateLimit-Reset-After"]) == 1.5
    assert headers["X-RateLimit-Bucket"]
    assert "X-RateLimit-Global" not in headers


async def test_a_global_429_stops_every_request_with_the_token_until_it_passes(
    fake: FakeDiscord, world: StudyServer
) -> None:
    fake.inject_429(retry_after=30, scope="global")
    auth = {"Authorization": f"Bot {fake.token}"}

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.api_base}/channels/{world.channel.id}", headers=auth) as first:
            body, headers = await first.json(content_type=None), first.headers
        async with session.get(f"{fake.api_base}/users/@me", headers=auth) as other_route:
            other = await other_route.json(content_type=None)
        fake.clock.advance(30)
        async with session.get(f"{fake.api_base}/users/@me", headers=auth) as later:
            later_status = later.status

    assert first.status == 429 and body["global"] is True and body["retry_after"] == 30
    assert headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global"
    assert headers["Retry-After"] == "30"
    assert "X-RateLimit-Bucket" not in headers
    assert other_route.status == 429 and other["global"] is True and 0 < other["retry_after"] <= 30
    assert later_status == 200
    assert [h.scope for h in fake.rate_limited] == ["global", "global"]


async def test_discord_py_waits_out_a_global_429(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fake.inject_429("POST", MESSAGES, retry_after=0.3, scope="global")

    started = time.perf_counter()
    await bot.get_channel(world.channel.id).send("after the global limit")

    assert time.perf_counter() - started >= 0.3
    assert [m.content for m in fake.channel_messages(world.channel)] == ["after the global limit"]
    assert [h.scope for h in fake.rate_limited] == ["global"]


async def test_429s_past_discord_pys_five_tries_fail_the_call(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fake.inject_429("POST", MESSAGES, retry_after=0.01, times=5)

    with pytest.raises(discord.HTTPException) as caught:
        await bot.get_channel(world.channel.id).send("never")

    assert caught.value.status == 429
    assert fake.channel_messages(world.channel) == []


async def test_interaction_callbacks_are_exempt_from_the_global_limit(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="ping", description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    await start_plain_bot(ping)
    fake.global_rate_limited_until = fake.clock() + 60

    record = await world.alice.slash("ping")

    assert record.message is not None and record.message.content == "pong"
    assert fake.rate_limited == []


async def test_a_misspelt_route_is_refused_when_injecting(fake: FakeDiscord) -> None:
    with pytest.raises(
        ValueError, match=re.escape("no route POST /channels/{channel_id}/message in the route table")
    ):
        fake.inject_error("POST", "/channels/{channel_id}/message")
    with pytest.raises(ValueError, match="scope"):
        fake.inject_429(scope="route")


async def test_a_fault_that_never_fired_fails_the_test(fake: FakeDiscord, world: StudyServer) -> None:
    fake.inject_error("POST", MESSAGES)
    optional = fake.inject_error("DELETE", "/channels/{channel_id}/messages/{message_id}", required=False)

    with pytest.raises(
        AssertionError, match=r"injected 503 on POST /channels/\{channel_id\}/messages.*never fired"
    ):
        fake.check()

    assert optional.hits == 0
    fake.strict.expect(FAULT, match="never fired", times=1)  # declared: the fixture's check passes

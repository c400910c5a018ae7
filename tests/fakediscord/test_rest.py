"""The stand-in's REST API, exercised through discord.py's own HTTP client."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
import discord
import pytest
from discord.http import Route

from . import FakeDiscord, Overwrite, Perm, StudyServer, discord_py_endpoints
from .strict import UNKNOWN_ROUTE

pytestmark = pytest.mark.e2e


def _send_raw(bot: discord.Client, channel_id: int, payload: dict[str, Any]) -> Any:
    """POST a raw message body through discord.py's HTTP client (its rate limiting included).

    discord.py checks some limits itself (25 select options, 5 rows in a View); raw bodies
    reach the stand-in unfiltered, so its own checks are what is tested.
    """
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    return bot.http.request(route, json=payload)


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": f"b{i}"}]}
        for i in range(n)
    ]


def _select(options: int, custom_id: str = "pick") -> list[dict[str, Any]]:
    opts = [{"label": f"o{i}", "value": f"v{i}"} for i in range(options)]
    return [{"type": 1, "components": [{"type": 3, "custom_id": custom_id, "options": opts}]}]


TOO_BIG: dict[str, tuple[dict[str, Any], str]] = {
    "content over 2000": ({"content": "x" * 2001}, "content"),
    "embed title over 256": ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
    "embed description over 4096": ({"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
    "26 embed fields": ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds.0.fields"),
    "field value over 1024": (
        {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        "embeds.0.fields.0.value",
    ),
    "embeds over 6000 in total": (
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        "embeds",
    ),
    "6 action rows": ({"content": "rows", "components": _rows(6)}, "components"),
    "26 select options": (
        {"content": "pick", "components": _select(26)},
        "components.0.components.0.options",
    ),
    "custom_id over 100": (
        {"content": "pick", "components": _select(2, "c" * 101)},
        "components.0.components.0.custom_id",
    ),
}

#: The cases whose limit Discord's OpenAPI description also states (the others are enforced by
#: Discord's servers beyond the description: content 2,000 for bots, 6,000 across embeds, 5 rows).
SPEC_AGREES = {
    "embed title over 256",
    "embed description over 4096",
    "26 embed fields",
    "field value over 1024",
    "26 select options",
    "custom_id over 100",
}


@pytest.mark.parametrize("case", list(TOO_BIG))
async def test_discord_size_limits_are_refused_with_invalid_form_body(
    case: str, fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    payload, field = TOO_BIG[case]
    bot = await start_plain_bot()
    fake.expect_http_error(400, 50035, times=1)
    if case in SPEC_AGREES:  # Discord's OpenAPI description states this limit too
        fake.expect_spec_violation(re.escape("$." + field.replace(".0", "[0]")), times=1)

    with pytest.raises(discord.HTTPException) as caught:
        await _send_raw(bot, world.channel.id, payload)

    assert caught.value.status == 400
    assert caught.value.code == 50035
    assert field in str(caught.value), "discord.py flattens the errors tree into the message"
    assert fake.channel_messages(world.channel) == []


async def test_messages_at_the_limits_are_accepted(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)
    embed = discord.Embed(title="t" * 256, description="d" * 3000)
    for i in range(5):
        embed.add_field(name=f"f{i}", value="v" * 500)

    await channel.send("x" * 2000)
    await channel.send(embed=embed)
    await _send_raw(bot, world.channel.id, {"content": "ok", "components": _rows(5)})
    await _send_raw(bot, world.channel.id, {"content": "ok", "components": _select(25, "c" * 100)})

    assert len(fake.channel_messages(world.channel)) == 4


async def test_an_empty_message_is_refused(fake: FakeDiscord, world: StudyServer, start_plain_bot) -> None:
    bot = await start_plain_bot()
    fake.expect_http_error(400, 50006, times=1)

    with pytest.raises(discord.HTTPException) as caught:
        await _send_raw(bot, world.channel.id, {"content": ""})

    assert caught.value.code == 50006


async def test_the_bot_paces_itself_by_the_rate_limit_headers(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    fake.message_rate = (5, 0.4)
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)

    started = time.perf_counter()
    await asyncio.gather(*(channel.send(f"m{i}") for i in range(7)))
    elapsed = time.perf_counter() - started

    assert sorted(m.content for m in fake.channel_messages(world.channel)) == [f"m{i}" for i in range(7)]
    assert elapsed >= 0.3, "7 messages at 5 per 0.4 s cannot all go out at once"
    assert fake.rate_limited == [], "discord.py should wait on X-RateLimit-Remaining: 0, not run into 429s"


async def test_a_429_is_retried_after_retry_after_and_succeeds(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    fake.inject_rate_limit(channel=world.channel, retry_after=0.2)

    started = time.perf_counter()
    message = await bot.get_channel(world.channel.id).send("after a 429")

    assert time.perf_counter() - started >= 0.2
    assert [(hit.retry_after, hit.scope, hit.bucket) for hit in fake.rate_limited] == [
        (0.2, "shared", "messages")
    ]
    assert [m.id for m in fake.channel_messages(world.channel)] == [message.id]


async def test_the_429_response_has_discords_shape(fake: FakeDiscord, world: StudyServer) -> None:
    fake.message_rate = (2, 60.0)
    url = f"{fake.api_base}/channels/{world.channel.id}/messages"
    headers = {"Authorization": f"Bot {fake.token}"}

    async with aiohttp.ClientSession() as session:
        statuses = []
        for i in range(3):
            async with session.post(url, json={"content": f"m{i}"}, headers=headers) as resp:
                statuses.append(resp.status)
                last_headers, body = resp.headers, await resp.json(content_type=None)

    assert statuses == [200, 200, 429]
    assert last_headers["Content-Type"] == "application/json"
    assert set(body) >= {"message", "retry_after", "global"}
    assert body["global"] is False
    assert 59 < body["retry_after"] <= 60
    assert last_headers["Retry-After"] == "60"
    assert last_headers["X-RateLimit-Remaining"] == "0"
    assert last_headers["Via"], "discord.py treats a 429 without Via as a Cloudflare ban"


async def test_responses_use_exactly_application_json(fake: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.api_base}/users/@me", headers={"Authorization": f"Bot {fake.token}"}) as resp,
    ):
        assert resp.headers["Content-Type"] == "application/json"


async def test_a_wrong_token_fails_login_with_401(fake: FakeDiscord) -> None:
    fake.expect_http_error(401, times=1)
    client = discord.Client(intents=discord.Intents.none())

    with discord_py_endpoints(fake), pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_an_unknown_route_is_a_strictness_failure(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()

    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/guilds/{guild_id}/bans", guild_id=world.guild.id))

    assert any(v.kind == UNKNOWN_ROUTE and "/bans" in v.message for v in fake.strict.unexpected())
    with pytest.raises(AssertionError, match=r"no route for GET /api/v10/guilds/\d+/bans"):
        fake.check()
    fake.strict.expect(UNKNOWN_ROUTE, match="/bans")  # declared after the fact: now the test may pass


async def test_edit_and_delete(fake: FakeDiscord, world: StudyServer, start_plain_bot) -> None:
    bot = await start_plain_bot()
    sent = await bot.get_channel(world.channel.id).send("first")

    await sent.edit(content="second", embed=discord.Embed(title="now with an embed"))
    shown = fake.messages[sent.id]
    assert (shown.content, shown.embeds[0]["title"], shown.edits) == ("second", "now with an embed", 1)
    assert shown.edited_timestamp is not None

    await sent.delete()
    assert fake.channel_messages(world.channel) == []
    fake.expect_http_error(404, 10008, times=1)
    with pytest.raises(discord.NotFound):
        await sent.edit(content="third")


async def test_the_bot_cannot_edit_a_members_message(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    said = await world.alice.say("mine")
    fake.expect_http_error(403, 50005, times=1)

    with pytest.raises(discord.Forbidden):
        await bot.get_channel(world.channel.id).get_partial_message(said.id).edit(content="yours")


async def test_reactions_add_and_remove_with_counts(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    added: list[tuple[int, str, int | None]] = []
    removed: list[tuple[int, str]] = []

    async def on_raw_reaction_add(p: discord.RawReactionActionEvent) -> None:
        added.append((p.user_id, str(p.emoji), p.member.id if p.member else None))

    async def on_raw_reaction_remove(p: discord.RawReactionActionEvent) -> None:
        removed.append((p.user_id, str(p.emoji)))

    bot.add_listener(on_raw_reaction_add)
    bot.add_listener(on_raw_reaction_remove)
    question = await bot.get_channel(world.channel.id).send("A or B?")
    await question.add_reaction("🇦")
    await question.add_reaction("🇧")

    await world.alice.react(question.id, "🇦")
    await world.bob.react(question.id, "🇦")
    await world.bob.react(question.id, "🇦")  # a second click on the same emoji changes nothing
    await world.bob.unreact(question.id, "🇦")
    await world.bob.react(question.id, "🇧")
    await fake.wait_for(lambda: len(added) == 5 and len(removed) == 1)

    shown = fake.messages[question.id]
    assert (shown.reaction_count("🇦"), shown.reaction_count("🇧")) == (2, 2)
    assert shown.reactors("🇦") == [fake.bot_user.id, world.alice.id]
    assert (world.alice.id, "🇦", world.alice.id) in added, "reaction add events carry the member"
    assert removed == [(world.bob.id, "🇦")]
    fetched = await bot.get_channel(world.channel.id).fetch_message(question.id)
    assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("🇦", 2, True), ("🇧", 2, True)]

    await fetched.clear_reactions()
    assert shown.reactions == {}


async def test_dms_reach_members_who_accept_them_only(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    closed = fake.add_member(world.guild, "carol", accepts_dms=False)
    bot = await start_plain_bot()

    await (await bot.fetch_user(world.alice.id)).send("your review is due")
    assert [m.content for m in world.alice.dms] == ["your review is due"]

    fake.expect_http_error(403, 50007, times=1)
    with pytest.raises(discord.Forbidden) as caught:
        await (await bot.fetch_user(closed.id)).send("hello?")
    assert caught.value.code == 50007


async def test_channel_overwrites_deny_the_bot_sending(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    guild = world.guild
    locked = fake.add_channel(
        guild, "announcements", overwrites=[Overwrite(guild.id, 0, deny=Perm.SEND_MESSAGES)]
    )
    bot = await start_plain_bot()
    fake.expect_http_error(403, 50013, times=1)

    with pytest.raises(discord.Forbidden):
        await bot.get_channel(locked.id).send("hi")


async def test_reactions_are_paced_at_one_per_quarter_second(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    fake.reaction_rate = (1, 0.1)  # Discord's is 1 per 0.25 s; shorter here, same rule
    bot = await start_plain_bot()
    question = await bot.get_channel(world.channel.id).send("A, B, C or D?")

    started = time.perf_counter()
    await asyncio.gather(*(question.add_reaction(e) for e in "🇦🇧🇨🇩"))

    assert time.perf_counter() - started >= 0.25, "4 reactions at 1 per 0.1 s take at least 0.3 s"
    assert len(fake.messages[question.id].reactions) == 4
    assert fake.rate_limited == []


async def test_a_deleted_channel_reaches_the_client_and_later_sends_get_unknown_channel(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    assert bot.get_channel(world.channel.id) is not None
    partial = bot.get_partial_messageable(world.channel.id)
    await fake.delete_channel(world.channel)
    await fake.wait_for(lambda: bot.get_channel(world.channel.id) is None, what="CHANNEL_DELETE")
    fake.expect_http_error(404, 10003, times=1)
    with pytest.raises(discord.NotFound) as caught:
        await partial.send("anyone there?")
    assert caught.value.code == 10003


async def test_changed_overwrites_reach_the_client_and_are_enforced(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    await fake.set_overwrites(
        world.channel, [Overwrite(id=fake.bot_user.id, type=1, deny=Perm.SEND_MESSAGES)]
    )

    def denied() -> bool:
        channel = bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        return not channel.permissions_for(channel.guild.me).send_messages

    await fake.wait_for(denied, what="CHANNEL_UPDATE with the new overwrite")
    fake.expect_http_error(403, 50013, times=1)
    with pytest.raises(discord.Forbidden):
        await bot.get_partial_messageable(world.channel.id).send("hello")


async def test_allowed_mentions_decide_which_mentioned_roles_are_pinged(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    bot = await start_plain_bot()
    quizzers = fake.add_role(world.guild, "quizzers", 0)
    others = fake.add_role(world.guild, "others", 0)
    channel = bot.get_partial_messageable(world.channel.id)
    text = f"<@&{quizzers.id}> <@&{others.id}> @everyone"
    only = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(quizzers.id)])
    await channel.send(text, allowed_mentions=only)
    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    await channel.send(text)  # discord.py's default: parse everything
    first, none, everything = fake.channel_messages(world.channel)
    assert (first.pinged_role_ids(), first.pings_everyone()) == ([quizzers.id], False)
    assert (none.pinged_role_ids(), none.pings_everyone()) == ([], False)
    assert (everything.pinged_role_ids(), everything.pings_everyone()) == ([quizzers.id, others.id], True)

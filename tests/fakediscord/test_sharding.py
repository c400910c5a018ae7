"""Sharding in the stand-in, exercised by real discord.py clients and by raw websockets.

Three servers split across two shards: alpha and gamma on shard 0, beta on shard 1. A server's
events must reach only the connection of its shard, ``(guild_id >> 22) % shard_count``; DMs go
to shard 0. IDENTIFYs are paced by ``max_concurrency`` per bucket and 5 s window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from . import BotHarness, FakeDiscord, Intent, StudyServer, discord_py_endpoints, study_server
from .gateway import Op, Session
from .strict import GATEWAY

pytestmark = pytest.mark.e2e

SHARD_CLIENT = Path(__file__).with_name("shard_client.py")


@app_commands.command(name="ping", description="Answers pong")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


@dataclass
class Servers:
    fake: FakeDiscord
    alpha: StudyServer  # shard 0
    beta: StudyServer  # shard 1
    gamma: StudyServer  # shard 0

    def on_shard(self, shard: int) -> set[int]:
        return {
            s.guild.id for s in (self.alpha, self.beta, self.gamma) if self.fake.shard_of(s.guild) == shard
        }


MakeFake = Callable[..., Awaitable[Servers]]
Launch = Callable[..., Awaitable[Any]]


@pytest.fixture
async def make_fake() -> AsyncIterator[MakeFake]:
    """``await make_fake(shard_count=2, max_concurrency=2, ...)``: a started stand-in with three
    servers split across the shards; stopped and strictness-checked at teardown."""
    fakes: list[FakeDiscord] = []

    async def make(**options: Any) -> Servers:
        fake = await FakeDiscord(**{"shard_count": 2, "max_concurrency": 2, **options}).start()
        fakes.append(fake)
        return Servers(
            fake,
            alpha=study_server(fake, shard=0, name="Alpha"),
            beta=study_server(fake, shard=1, name="Beta"),
            gamma=study_server(fake, shard=0, name="Gamma"),
        )

    yield make
    for fake in fakes:
        await fake.stop()
    for fake in fakes:
        fake.check()


@pytest.fixture
async def launch() -> AsyncIterator[Launch]:
    """``await launch(fake, client, **harness_options)``: the client connected and ready."""
    harnesses: list[BotHarness] = []
    with contextlib.ExitStack() as endpoints:

        async def start(
            fake: FakeDiscord,
            client: discord.Client,
            *,
            timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
            **options: Any,
        ) -> BotHarness:
            if not harnesses:
                endpoints.enter_context(discord_py_endpoints(fake))
            harness = BotHarness(fake, client, **options)
            harnesses.append(harness)
            await harness.start(timeout=timeout)
            return harness

        yield start
        for harness in reversed(harnesses):
            await harness.stop()


def plain_bot(
    servers: list[StudyServer], cls: type[commands.Bot] = commands.Bot, **options: Any
) -> commands.Bot:
    """A bot with /ping synced to ``servers`` (those it sees) in setup_hook."""
    intents = discord.Intents.default()
    bot = cls(command_prefix="!plain ", intents=intents, guild_ready_timeout=0.05, **options)
    for server in servers:
        bot.tree.add_command(ping, guild=discord.Object(id=server.guild.id))

    async def setup_hook() -> None:
        for server in servers:
            await bot.tree.sync(guild=discord.Object(id=server.guild.id))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def got(session: Session | None, event: str, **fields: str) -> bool:
    """Whether ``session`` was sent ``event`` whose data has these (string) fields."""
    assert session is not None
    return any(all(d.get(k) == v for k, v in fields.items()) for d in session.dispatched(event))


def shards_of(fake: FakeDiscord) -> tuple[Session, Session]:
    zero, one = fake.gateway.session_for_shard(0), fake.gateway.session_for_shard(1)
    assert zero is not None and one is not None, "both shards must be connected"
    return zero, one


# -- one process, discord.py's AutoShardedBot ----------------------------------------------------


async def test_an_auto_sharded_bot_gets_each_servers_events_on_its_own_shard(
    make_fake: MakeFake, launch: Launch
) -> None:
    w = await make_fake()
    fake = w.fake
    # No shard_count: discord.py asks GET /gateway/bot, which recommends 2.
    bot = plain_bot([w.alpha, w.beta, w.gamma], cls=commands.AutoShardedBot)
    await launch(fake, bot)

    assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
    assert [(a.shard, a.verdict) for a in fake.gateway.identify_attempts] == [
        ((0, 2), "accepted"),
        ((1, 2), "accepted"),
    ], "max_concurrency 2: the two shards identify at once in buckets 0 and 1"
    zero, one = shards_of(fake)
    for session, shard in ((zero, 0), (one, 1)):
        ready = session.dispatched("READY")[0]
        assert ready["shard"] == [shard, 2]
        assert {int(g["id"]) for g in ready["guilds"]} == w.on_shard(shard)
        assert {int(g["id"]) for g in session.dispatched("GUILD_CREATE")} == w.on_shard(shard)
    assert w.on_shard(0) == {w.alpha.guild.id, w.gamma.guild.id} and w.on_shard(1) == {w.beta.guild.id}
    assert {g.id: g.shard_id for g in bot.guilds} == {
        w.alpha.guild.id: 0,
        w.beta.guild.id: 1,
        w.gamma.guild.id: 0,
    }

    seen: list[tuple[int | None, str]] = []

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append((payload.guild_id, str(payload.emoji)))

    bot.add_listener(on_raw_reaction_add)
    on_beta = await bot.get_channel(w.beta.channel.id).send("beta question")
    on_alpha = await bot.get_channel(w.alpha.channel.id).send("alpha question")
    await w.beta.alice.react(on_beta.id, "🇦")
    await w.alpha.bob.react(on_alpha.id, "🇧")
    await fake.wait_delivered()

    assert sorted(seen) == sorted([(w.beta.guild.id, "🇦"), (w.alpha.guild.id, "🇧")])
    assert got(one, "MESSAGE_REACTION_ADD", message_id=str(on_beta.id))
    assert not got(zero, "MESSAGE_REACTION_ADD", message_id=str(on_beta.id))
    assert got(zero, "MESSAGE_REACTION_ADD", message_id=str(on_alpha.id))
    assert not got(one, "MESSAGE_REACTION_ADD", message_id=str(on_alpha.id))
    # The bot's own messages come back as MESSAGE_CREATE on the shard of their server only.
    assert got(one, "MESSAGE_CREATE", id=str(on_beta.id)) and not got(
        zero, "MESSAGE_CREATE", id=str(on_beta.id)
    )

    # Slash commands (the real one and a raw one) reach the owning shard's connection only.
    on_one = await w.beta.alice.slash("ping")
    on_zero = await w.gamma.bob.raw_slash("ping")
    assert on_one.message is not None and on_one.message.content == "pong"
    assert on_zero.message is not None and on_zero.message.content == "pong"
    assert got(one, "INTERACTION_CREATE", id=str(on_one.id))
    assert not got(zero, "INTERACTION_CREATE", id=str(on_one.id))
    assert got(zero, "INTERACTION_CREATE", id=str(on_zero.id))
    assert not got(one, "INTERACTION_CREATE", id=str(on_zero.id))
    # discord.py's shard websockets read exactly what was sent on them.
    assert bot.get_shard(0) is not None and bot.get_shard(1) is not None
    shard_ws = {i: bot._get_websocket(shard_id=i) for i in (0, 1)}
    await fake.wait_for(  # the last event sent may still be in the websocket's read loop
        lambda: (shard_ws[0].sequence, shard_ws[1].sequence) == (zero.seq, one.seq),
        what="each shard's websocket to have read every event sent on it",
    )


async def test_events_without_a_server_go_to_shard_0_only(make_fake: MakeFake, launch: Launch) -> None:
    w = await make_fake()
    fake = w.fake
    bot = plain_bot([], cls=commands.AutoShardedBot)
    await launch(fake, bot)
    dms: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        if message.guild is None:
            dms.append(message)

    bot.add_listener(on_message)
    user = w.beta.alice.user  # a member of a server on shard 1; her DM is still shard 0's
    sent = await fake.post_user_message(user, fake.dm_channel_with(user), "hello bot")
    await fake.wait_for(lambda: dms)

    zero, one = shards_of(fake)
    assert got(zero, "MESSAGE_CREATE", id=str(sent.id)) and not got(one, "MESSAGE_CREATE", id=str(sent.id))
    assert [m.id for m in dms] == [sent.id]


async def test_a_server_joined_later_and_channel_updates_reach_only_its_shard(
    make_fake: MakeFake, launch: Launch
) -> None:
    w = await make_fake()
    fake = w.fake
    late = fake.add_guild("Late", shard=1, with_bot=False)
    bot = plain_bot([], cls=commands.AutoShardedBot)
    await launch(fake, bot)
    joined: list[int] = []

    async def on_guild_join(guild: discord.Guild) -> None:
        joined.append(guild.id)

    bot.add_listener(on_guild_join)

    await fake.join_guild(late)
    await fake.delete_channel(w.gamma.channel)
    await fake.wait_for(lambda: joined == [late.id])
    await fake.wait_delivered()

    zero, one = shards_of(fake)
    assert got(one, "GUILD_CREATE", id=str(late.id)) and not got(zero, "GUILD_CREATE", id=str(late.id))
    deleted = str(w.gamma.channel.id)
    assert got(zero, "CHANNEL_DELETE", id=deleted) and not got(one, "CHANNEL_DELETE", id=deleted)
    assert bot.get_channel(w.gamma.channel.id) is None
    assert bot.get_guild(late.id) is not None and bot.get_guild(late.id).shard_id == 1


async def test_discord_py_paces_its_shards_by_itself_with_max_concurrency_1(
    make_fake: MakeFake, launch: Launch
) -> None:
    """discord.py's own before_identify_hook (kept here) waits 5 s before every IDENTIFY but the
    first: with max_concurrency 1 both shards share bucket 0, and that wait is what keeps
    them inside Discord's limit. The stand-in checks it with Discord's real 5 s window."""
    w = await make_fake(max_concurrency=1)
    fake = w.fake
    bot = plain_bot([], cls=commands.AutoShardedBot)
    started = time.monotonic()
    await launch(fake, bot, identify_wait=True, timeout=15.0)

    took = time.monotonic() - started
    attempts = fake.gateway.identify_attempts
    assert [(a.shard, a.bucket, a.verdict) for a in attempts] == [
        ((0, 2), 0, "accepted"),
        ((1, 2), 0, "accepted"),
    ]
    assert attempts[1].at - attempts[0].at >= fake.identify_window
    assert 5.0 <= took < 10.0
    assert {g.id for g in bot.guilds} == w.on_shard(0) | w.on_shard(1)


async def test_the_harness_skipping_discord_py_s_wait_is_excused_not_hidden(
    make_fake: MakeFake, launch: Launch
) -> None:
    """Without ``identify_wait`` the harness takes discord.py's 5 s wait away (tests stay fast);
    the stand-in notes that IDENTIFY as excused instead of failing the test for it."""
    w = await make_fake(max_concurrency=1)
    bot = plain_bot([], cls=commands.AutoShardedBot)
    await launch(w.fake, bot)

    assert [(a.shard, a.verdict) for a in w.fake.gateway.identify_attempts] == [
        ((0, 2), "accepted"),
        ((1, 2), "excused"),
    ]
    assert w.fake.strict.violations == []


# -- two clients, one shard each, as two processes would run them ---------------------------------


async def test_two_clients_of_one_shard_each_see_only_their_own_servers(
    make_fake: MakeFake, launch: Launch
) -> None:
    w = await make_fake()
    fake = w.fake
    first = plain_bot([w.alpha, w.gamma], shard_id=0, shard_count=2)
    second = plain_bot([w.beta], shard_id=1, shard_count=2)
    await launch(fake, first)
    await launch(fake, second)

    assert {g.id for g in first.guilds} == w.on_shard(0)
    assert {g.id for g in second.guilds} == w.on_shard(1)
    assert fake.synced_command_names(w.beta.guild) == ["ping"]
    seen: dict[int, list[int | None]] = {0: [], 1: []}
    for shard, client in ((0, first), (1, second)):

        async def on_raw_reaction_add(payload: discord.RawReactionActionEvent, shard: int = shard) -> None:
            seen[shard].append(payload.guild_id)

        client.add_listener(on_raw_reaction_add)
    on_beta = await second.get_channel(w.beta.channel.id).send("beta")
    on_gamma = await first.get_channel(w.gamma.channel.id).send("gamma")
    on_alpha = await first.get_channel(w.alpha.channel.id).send("alpha")

    await w.beta.bob.react(on_beta.id, "🇦")
    await w.gamma.alice.react(on_gamma.id, "🇦")
    await fake.wait_delivered()
    assert seen == {0: [w.gamma.guild.id], 1: [w.beta.guild.id]}
    assert (await w.beta.alice.slash("ping")).message.content == "pong"
    assert (await w.alpha.alice.slash("ping")).message.content == "pong"

    # Shard 0 drops and RESUMEs; shard 1's connection carries on untouched meanwhile.
    zero, one = shards_of(fake)
    one_conn = one.conn
    gate = asyncio.Event()
    fake.gateway.resume_gate = gate
    await fake.disconnect_gateway(shard=0)
    await w.alpha.bob.react(on_alpha.id, "🇧")  # shard 0 is away: it gets this by replay
    await w.beta.alice.react(on_beta.id, "🇧")  # delivered live on shard 1
    await fake.wait_for(lambda: len(seen[1]) == 2)
    gate.set()
    await fake.wait_for(lambda: zero.resumes == 1)
    await fake.wait_delivered()

    assert seen == {0: [w.gamma.guild.id, w.alpha.guild.id], 1: [w.beta.guild.id, w.beta.guild.id]}
    assert one.conn is one_conn and one.resumes == 0
    assert fake.gateway.identifies == 2 and fake.gateway.resumes == 1


async def test_two_clients_identifying_at_once_in_one_bucket_break_the_limit(
    make_fake: MakeFake, launch: Launch
) -> None:
    """Two processes started together with max_concurrency 1 share bucket 0: Discord answers the
    second IDENTIFY with op 9, and the stand-in fails the test naming it."""
    w = await make_fake(max_concurrency=1)
    fake = w.fake
    fake.expect_identify_limit(r"IDENTIFY of shard \[1, 2\] broke max_concurrency 1: bucket 0", times=1)
    await launch(fake, plain_bot([], shard_id=0, shard_count=2))
    second = plain_bot([], shard_id=1, shard_count=2)
    await launch(fake, second)  # op 9, then discord.py identifies again (the harness skips the wait)

    assert [(a.shard, a.verdict) for a in fake.gateway.identify_attempts] == [
        ((0, 2), "accepted"),
        ((1, 2), "refused"),
        ((1, 2), "excused"),
    ]
    assert {g.id for g in second.guilds} == w.on_shard(1)


# -- raw websockets: what discord.py would never send ---------------------------------------------


class RawGateway:
    """A bare websocket client speaking the gateway protocol in plain JSON."""

    def __init__(self, fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http

    async def identify(
        self, shard: Any = None, *, omit: bool = False
    ) -> tuple[aiohttp.ClientWebSocketResponse, Any]:
        """Connect, read HELLO, IDENTIFY; return the socket and the first answer (a frame, or
        the close code when the stand-in closed the connection)."""
        ws = await self.http.ws_connect(f"{self.fake.gateway_url}?v=10&encoding=json")
        hello = await ws.receive_json(timeout=2)
        assert hello["op"] == Op.HELLO
        d: dict[str, Any] = {
            "token": self.fake.token,
            "intents": Intent.GUILDS | Intent.GUILD_MESSAGES,
            "properties": {"os": "linux", "browser": "raw", "device": "raw"},
        }
        if not omit:
            d["shard"] = shard
        await ws.send_json({"op": Op.IDENTIFY, "d": d})
        msg = await ws.receive(timeout=2)
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return ws, ws.close_code
        return ws, json.loads(msg.data)


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[FakeDiscord], RawGateway]]:
    async with aiohttp.ClientSession() as http:
        yield lambda fake: RawGateway(fake, http)


@pytest.mark.parametrize(
    "shard", [[2, 2], [0, 0], [-1, 2], [1, 1], [0], [0, 2, 1], "0,2", [0.0, 2], [True, 2]], ids=str
)
async def test_an_identify_with_an_impossible_shard_is_closed_with_4010(
    shard: Any, make_fake: MakeFake, raw: Callable[[FakeDiscord], RawGateway]
) -> None:
    w = await make_fake()
    w.fake.strict.expect(GATEWAY, match="4010", times=1)

    ws, answer = await raw(w.fake).identify(shard)

    assert answer == 4010
    assert w.fake.gateway.identifies == 0 and w.fake.gateway.identify_attempts == []
    await ws.close()


async def test_discord_py_told_4010_stops_with_that_close_code(make_fake: MakeFake, launch: Launch) -> None:
    w = await make_fake()
    w.fake.strict.expect(GATEWAY, match="4010", times=1)

    with pytest.raises(discord.ConnectionClosed) as closed:
        await launch(w.fake, plain_bot([], shard_id=2, shard_count=2))
    assert closed.value.code == 4010


@pytest.mark.parametrize(("shard", "expected"), [(None, [0, 1]), ([0, 1], [0, 1]), ([1, 3], [1, 3])])
async def test_an_identify_without_shard_is_shard_0_of_1_and_any_count_is_served(
    shard: Any, expected: list[int], make_fake: MakeFake, raw: Callable[[FakeDiscord], RawGateway]
) -> None:
    w = await make_fake()
    fake = w.fake

    ws, ready = await raw(fake).identify(shard, omit=shard is None)

    assert ready["t"] == "READY"
    assert ready["d"].get("shard") == (None if shard is None else expected)
    owned = {g.id for g in fake.bot_guilds() if fake.shard_of(g, expected[1]) == expected[0]}
    assert {int(g["id"]) for g in ready["d"]["guilds"]} == owned
    session = fake.gateway.live_session
    assert session is not None and session.shard == tuple(expected)
    await ws.close()


async def test_identifies_over_max_concurrency_in_a_bucket_get_op9_and_fail_the_check(
    make_fake: MakeFake, raw: Callable[[FakeDiscord], RawGateway]
) -> None:
    w = await make_fake(shard_count=4, max_concurrency=2)
    fake = w.fake
    gateway = raw(fake)

    answers = [await gateway.identify([i, 4]) for i in (0, 1, 2, 3)]

    # Buckets: shard % 2. Shards 0 and 1 fill buckets 0 and 1; 2 and 3 come too soon.
    assert [a["t"] for _ws, a in answers[:2]] == ["READY", "READY"]
    assert [a["op"] for _ws, a in answers[2:]] == [Op.INVALID_SESSION, Op.INVALID_SESSION]
    assert [a.verdict for a in fake.gateway.identify_attempts] == [
        "accepted",
        "accepted",
        "refused",
        "refused",
    ]
    assert fake.gateway.identifies == 2
    with pytest.raises(AssertionError) as failed:
        fake.check()
    report = str(failed.value)
    assert "IDENTIFY of shard [2, 4] broke max_concurrency 2: bucket 0" in report
    assert "IDENTIFY of shard [3, 4] broke max_concurrency 2: bucket 1" in report
    fake.expect_identify_limit(times=2)  # declared now, so the fixture's own check passes
    for ws, _answer in answers:
        await ws.close()


async def test_the_identify_window_is_configurable_and_a_refused_identify_takes_no_place(
    make_fake: MakeFake, raw: Callable[[FakeDiscord], RawGateway]
) -> None:
    w = await make_fake(max_concurrency=1, identify_window=0.3)
    fake = w.fake
    fake.expect_identify_limit(times=1)
    gateway = raw(fake)

    first, ready = await gateway.identify([0, 2])
    second, refused = await gateway.identify([0, 2])
    await asyncio.sleep(0.35)
    third, again = await gateway.identify([1, 2])

    assert (ready["t"], refused["op"], again["t"]) == ("READY", Op.INVALID_SESSION, "READY")
    assert fake.gateway.identifies == 2
    for ws in (first, second, third):
        await ws.close()


async def test_gateway_bot_recommends_the_shard_count_and_says_max_concurrency(make_fake: MakeFake) -> None:
    w = await make_fake(shard_count=3, max_concurrency=4)
    fake = w.fake
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake.api_base}/gateway/bot", headers={"Authorization": f"Bot {fake.token}"}) as r,
    ):
        body = await r.json()

    assert body["shards"] == 3 and body["url"] == fake.gateway_url
    assert body["session_start_limit"]["max_concurrency"] == 4
    assert body["session_start_limit"]["remaining"] == body["session_start_limit"]["total"] == 1000
    if fake.spec is not None:  # the shape Discord's OpenAPI description gives
        fake.spec._validator("/components/schemas/GatewayBotResponse").validate(body)


async def test_guild_ids_can_be_made_for_any_shard(make_fake: MakeFake) -> None:
    w = await make_fake(shard_count=5)
    fake = w.fake

    made = {shard: fake.guild_id_for_shard(shard) for shard in range(5)}
    three = fake.guild_id_for_shard(2, 3)

    assert {shard: (gid >> 22) % 5 for shard, gid in made.items()} == {i: i for i in range(5)}
    assert (three >> 22) % 3 == 2
    assert len({*made.values(), three}) == 6
    with pytest.raises(ValueError, match="already a guild"):
        fake.add_guild("Again", guild_id=w.beta.guild.id)
    with pytest.raises(ValueError, match="not 0"):
        fake.add_guild("Wrong", guild_id=made[3], shard=0)


# -- separate OS processes, one killed with SIGKILL ---------------------------------------------------


class ShardProcess:
    """``shard_client.py`` in its own process: a plain discord.py client for one shard."""

    def __init__(self, proc: asyncio.subprocess.Process, shard: int) -> None:
        self.proc = proc
        self.shard = shard
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self._reader = asyncio.gather(self._read(), self._read_stderr())

    @classmethod
    async def start(cls, fake: FakeDiscord, shard: int, count: int) -> ShardProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SHARD_CLIENT),
            fake.api_base,
            fake.gateway_url,
            fake.token,
            str(shard),
            str(count),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc, shard)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.events.append(json.loads(line))

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace").rstrip())

    async def wait_ready(self, fake: FakeDiscord) -> list[int]:
        """Wait for ``on_ready``; returns the guild ids the client has then."""
        try:
            await fake.wait_for(lambda: self.of("ready"), timeout=30, what=f"shard {self.shard} ready")
        except AssertionError as e:
            log = "\n".join(self.stderr[-30:])
            raise AssertionError(
                f"{e}\nshard {self.shard} process ({self.proc.returncode}):\n{log}"
            ) from None
        return list(self.of("ready")[0]["guilds"])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()  # SIGKILL: no close frame, the socket just dies
            await self.proc.wait()
        await asyncio.gather(self._reader, return_exceptions=True)


async def test_shard_processes_are_independent_and_a_killed_one_identifies_again(make_fake: MakeFake) -> None:
    # A short window: the killed shard comes back within Discord's 5 s, and this is not about pacing.
    w = await make_fake(identify_window=1.0)
    fake = w.fake
    processes: list[ShardProcess] = []
    try:
        zero = await ShardProcess.start(fake, 0, 2)
        one = await ShardProcess.start(fake, 1, 2)
        processes += [zero, one]
        assert set(await zero.wait_ready(fake)) == w.on_shard(0)
        assert set(await one.wait_ready(fake)) == w.on_shard(1)

        in_alpha = await w.alpha.admin.say("alpha")
        in_beta = await w.beta.admin.say("beta")
        await w.alpha.alice.react(in_alpha, "🇦")
        await w.beta.alice.react(in_beta, "🇦")
        await fake.wait_for(lambda: zero.of("reaction") and one.of("reaction"))
        await fake.wait_delivered()
        assert [e["message"] for e in zero.of("reaction")] == [in_alpha.id]
        assert [e["message"] for e in one.of("reaction")] == [in_beta.id]

        kept = fake.gateway.session_for_shard(0)
        await one.kill()
        await fake.wait_for(
            lambda: fake.gateway.session_for_shard(1) is None, what="shard 1's connection to drop"
        )
        await w.beta.bob.react(in_beta, "🇧")  # nobody hears it: shard 1 is down
        await w.alpha.bob.react(in_alpha, "🇧")  # shard 0 carries on
        await fake.wait_for(lambda: len(zero.of("reaction")) == 2)
        assert fake.gateway.session_for_shard(0) is kept and kept is not None and kept.resumes == 0

        last = max(a.at for a in fake.gateway.identify_attempts if a.shard == (1, 2))
        await asyncio.sleep(max(0.0, last + fake.identify_window - fake.clock()))
        again = await ShardProcess.start(fake, 1, 2)
        processes.append(again)
        assert set(await again.wait_ready(fake)) == w.on_shard(1)
        await w.beta.admin.react(in_beta, "🇨")
        await fake.wait_for(lambda: again.of("reaction"))
        assert [e["emoji"] for e in again.of("reaction")] == ["🇨"]
        assert [e["emoji"] for e in zero.of("reaction")] == ["🇦", "🇧"]
        attempts = fake.gateway.identify_attempts
        assert sorted((a.shard, a.verdict) for a in attempts[:2]) == [
            ((0, 2), "accepted"),
            ((1, 2), "accepted"),
        ]
        assert (attempts[2].shard, attempts[2].verdict) == ((1, 2), "accepted")
    finally:
        for process in processes:
            await process.kill()


async def test_two_live_connections_of_one_shard_and_chunks_asked_on_the_wrong_shard_are_violations(
    make_fake: MakeFake, raw: Callable[[FakeDiscord], RawGateway]
) -> None:
    w = await make_fake(identify_window=0)
    fake = w.fake
    fake.strict.expect(
        GATEWAY, match=r"shard \[0, 2\] identified while a connection of shard \[0, 2\]", times=1
    )
    fake.strict.expect(GATEWAY, match=rf"op 8 .* guild {w.beta.guild.id} .* shard \[0, 2\]", times=1)
    gateway = raw(fake)

    first, _ready = await gateway.identify([0, 2])
    second, ready = await gateway.identify([0, 2])  # a second process configured as shard 0
    await second.send_json(
        {"op": Op.REQUEST_GUILD_MEMBERS, "d": {"guild_id": str(w.beta.guild.id), "limit": 0}}
    )
    await second.send_json({"op": Op.HEARTBEAT, "d": None})  # answered after op 8 was handled
    while (await second.receive_json(timeout=2))["op"] != Op.HEARTBEAT_ACK:
        pass

    assert ready["t"] == "READY"
    newest = fake.gateway.session_for_shard(0)
    assert newest is not None and newest.conn is fake.gateway.connections[-1], "the newer one gets the events"
    for ws in (first, second):
        await ws.close()

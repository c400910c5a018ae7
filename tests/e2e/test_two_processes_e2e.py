"""Two bot processes, shards 0 and 1 of 2, on one PostgreSQL database (issue 15, item 7).

Each is the real entry point, ``python -m bot``, as an OS process with the settings an operator
gives it (``DATABASE_URL``, ``SHARD_COUNT=2``, ``SHARD_IDS=0`` or ``1``), against a sharded
stand-in in this test's loop that sends every server's events to its shard's connection only.
Three servers: Alpha and Gamma on shard 0, Beta on shard 1. In one run:

- a quiz runs in each server, answered and revealed by the process that owns it;
- a question of the day is set for the same minute in all three: each is posted exactly once, at
  that minute, by its owner (two by shard 0's process, one by shard 1's);
- shard 1's process is killed (``kill -9``) while a question of Beta's quiz is open. Shard 0's
  process carries on (Alpha's quiz is answered and revealed meanwhile, on an untouched session);
  the reactions members add in Beta while it is down are counted when it comes back with the same
  settings: the open question is revealed with them, the quiz goes on to its end, and the question
  of the day it had posted takes answers again. Nothing is posted twice.

The bots run on the real clock, so the question of the day waits for the next whole minute (the
schedule's unit, and the due-work wake-up's): that wait is most of the test's time.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bank.loader import Bank, load_bank
from bot.bank.schema import BankItem
from bot.core.clock import to_ms
from bot.core.letters import REACTIONS
from bot.storage.database import Database
from tests.conftest import PgDatabases
from tests.e2e.posted import embed_field, key_index, wrong_index
from tests.e2e.processes import START_WITHIN, STOP_WITHIN, BotProcess
from tests.fakediscord import FakeDiscord, Message, StudyServer, study_server
from tests.fakediscord.models import Channel

pytestmark = pytest.mark.e2e

SHARDS = 2
QUIZ_SECONDS = 5  # the shortest a question may stay open
# Alpha's question while shard 1 is down: long enough to be answered after the kill on a slow machine.
ALPHA_SECONDS = 8
ROUND_WAIT = QUIZ_SECONDS + 10.0  # a reveal or the next question, from the bot's side of the wait
SETUP_MARGIN = 5.0  # seconds the three /daily setup commands may take before the chosen minute
POST_WITHIN = 10.0  # seconds after the minute by which the questions of the day are out


# --- the world and the processes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


@pytest.fixture
async def sharded() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(shard_count=SHARDS, max_concurrency=SHARDS) as fake:
        fake.reaction_rate = None  # the bots' answer reactions at once: this is not about rate limits
        yield fake
    fake.check()


class Servers:
    def __init__(self, fake: FakeDiscord) -> None:
        self.alpha = study_server(fake, shard=0, name="Alpha")
        self.gamma = study_server(fake, shard=0, name="Gamma")
        self.beta = study_server(fake, shard=1, name="Beta")

    def __iter__(self) -> Iterator[StudyServer]:
        return iter((self.alpha, self.gamma, self.beta))


class Cluster:
    """The bot's processes on one PostgreSQL database, each started with its shard's settings."""

    def __init__(self, fake: FakeDiscord, folder: Path, url: str) -> None:
        self.fake = fake
        self.folder = folder
        self.url = url
        self.started: list[BotProcess] = []

    async def start(self, shard: int) -> BotProcess:
        process = await BotProcess.start(
            self.fake,
            self.folder / f"shard-{shard}",
            name=f"shard {shard}'s process",
            DATABASE_URL=self.url,
            SHARD_COUNT=str(SHARDS),
            SHARD_IDS=str(shard),
        )
        self.started.append(process)
        return process

    async def restart(self, process: BotProcess) -> BotProcess:
        again = await process.again()
        self.started.append(again)
        return again

    def logs(self) -> str:
        return "\n\n".join(f"--- {p.name} (pid {p.proc.pid}):\n{p.log}" for p in self.started)


@pytest.fixture
async def cluster(
    sharded: FakeDiscord, tmp_path: Path, pg_url_factory: PgDatabases
) -> AsyncIterator[Cluster]:
    for shard in range(SHARDS):
        (tmp_path / f"shard-{shard}").mkdir()  # each process's working directory (its heartbeat file)
    url = await pg_url_factory.migrated()
    processes = Cluster(sharded, tmp_path, url)
    try:
        yield processes
    finally:
        for process in processes.started:
            await process.kill()  # only those a failed test left running
        print(processes.logs())  # pytest shows it when the test failed
        await pg_url_factory.drop(url)


@pytest.fixture
async def db(cluster: Cluster) -> AsyncIterator[Database]:
    """The test's own connection to the processes' database, to see what they saved."""
    database = await Database.open(cluster.url)
    yield database
    await database.close()


async def _ready(process: BotProcess, servers: int) -> None:
    await process.wait_log(
        rf"bot\.runner: ready: logged in as .+, in {servers} server\(s\)$", timeout=START_WITHIN
    )


# --- what Discord shows ------------------------------------------------------------------------------


def _title(m: Message) -> str:
    return str(m.embeds[0].get("title", "")) if m.embeds else ""


def _titled(fake: FakeDiscord, channel: Channel, prefix: str) -> list[Message]:
    return [m for m in fake.channel_messages(channel) if _title(m).startswith(prefix)]


def _item(bank: Bank, card: Message) -> BankItem:
    """The bank item a card shows (its id ends the footer: ``medium · s000-q02``)."""
    item = bank.by_id(card.embeds[0]["footer"]["text"].split(" · ")[-1])
    assert item is not None, card.embeds[0]["footer"]
    return item


def _letters(fake: FakeDiscord, bank: Bank, card: Message) -> bool:
    """Whether the bot's answer reactions are all on ``card`` (members can answer)."""
    return all(fake.bot_user.id in card.reactors(e) for e in REACTIONS[: len(_item(bank, card).choices)])


async def _card(
    fake: FakeDiscord,
    bank: Bank,
    channel: Channel,
    prefix: str,
    n: int = 1,
    *,
    timeout: float = ROUND_WAIT,  # noqa: ASYNC109 (a waiting helper; its failure shows the channels)
) -> Message:
    """The ``n``th card titled ``prefix`` in ``channel``, once members can answer it."""

    def ready() -> Message | None:
        cards = _titled(fake, channel, prefix)
        return cards[n - 1] if len(cards) >= n and _letters(fake, bank, cards[n - 1]) else None

    return await fake.wait_for(ready, timeout=timeout, what=f"{prefix!r} #{n} in #{channel.name}")


async def _posted(
    fake: FakeDiscord,
    channel: Channel,
    prefix: str,
    n: int = 1,
    *,
    timeout: float = ROUND_WAIT,  # noqa: ASYNC109 (a waiting helper; its failure shows the channels)
) -> Message:
    """The ``n``th message titled ``prefix`` in ``channel`` (a reveal, the results)."""
    return await fake.wait_for(
        lambda: len(_titled(fake, channel, prefix)) >= n and _titled(fake, channel, prefix)[n - 1],
        timeout=timeout,
        what=f"{prefix!r} #{n} in #{channel.name}",
    )


def _right(bank: Bank, card: Message) -> str:
    return REACTIONS[key_index(card, _item(bank, card))]


def _wrong(bank: Bank, card: Message) -> str:
    return REACTIONS[wrong_index(card, _item(bank, card))]


def _guilds_sent(fake: FakeDiscord, shard: int, event: str) -> set[int]:
    session = fake.gateway.session_for_shard(shard)
    assert session is not None, f"shard {shard} is not connected"
    return {int(d["guild_id"]) for d in session.dispatched(event) if d.get("guild_id")}


async def _answers_on(db: Database, message_id: int) -> dict[int, int]:
    """user id -> posted choice of the answers saved for the question on ``message_id``."""
    rows = await db.fetch_all(
        "SELECT a.user_id, a.choice FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.message_id = ?",
        (message_id,),
    )
    return {int(r["user_id"]): int(r["choice"]) for r in rows}


async def _saved(db: Database, card: Message, user_ids: set[int]) -> dict[int, int]:
    """Wait until the answers of ``user_ids`` to ``card`` are in the database; all its answers."""
    deadline = time.monotonic() + ROUND_WAIT
    while True:
        found = await _answers_on(db, card.id)
        if user_ids <= found.keys():
            return found
        assert time.monotonic() < deadline, f"answers saved for message {card.id}: {found}, not {user_ids}"
        await asyncio.sleep(0.1)


def _next_minute(margin: float) -> datetime:
    """The next whole UTC minute at least ``margin`` seconds away."""
    now = datetime.now(UTC)
    at = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (at - now).total_seconds() < margin:
        at += timedelta(minutes=1)
    return at


def _clean(process: BotProcess) -> None:
    assert "Traceback" not in process.log, f"{process.name}:\n{process.log}"
    for bad in (r" (ERROR|CRITICAL) ", r"Unclosed ", r"Task was destroyed", r"never retrieved"):
        assert not process.has(bad), f"{bad!r} in the log of {process.name}:\n{process.log}"


# --- the test ----------------------------------------------------------------------------------------


async def test_two_processes_share_the_servers_and_a_killed_one_recovers_its_rounds(
    sharded: FakeDiscord, cluster: Cluster, db: Database, bank: Bank
) -> None:
    fake = sharded
    servers = Servers(fake)
    alpha, gamma, beta = servers.alpha, servers.gamma, servers.beta
    assert [fake.shard_of(s.guild) for s in servers] == [0, 0, 1]
    began = time.monotonic()
    steps: list[str] = []

    def step(name: str) -> None:
        steps.append(f"{name} {time.monotonic() - began:.1f} s")

    # 1. Both processes start together on one database; each runs its shard and owns its servers.
    zero = await cluster.start(0)
    one = await cluster.start(1)
    await _ready(zero, 2)
    await _ready(one, 1)
    assert zero.has(r"this process runs shards 0 of 2 \(lease holder "), zero.log
    assert one.has(r"this process runs shards 1 of 2 \(lease holder "), one.log
    assert zero.has(r"synced \d+ global commands"), zero.log
    assert one.has(r"not syncing slash commands: the process running shard 0 does"), one.log
    assert sorted(s.shard for s in fake.gateway.live_sessions) == [(0, 2), (1, 2)]
    step("ready")

    # 2. A question of the day in every server, all at the same minute (set up first: the minute
    #    passes while the quizzes below run).
    due = _next_minute(SETUP_MARGIN)
    for server in servers:
        record = await server.admin.slash(
            "daily setup", named={"channel": server.channel}, time=due.strftime("%H:%M"), timezone="UTC"
        )
        assert record.message is not None and record.message.ephemeral
        assert "The question of the day will be posted" in record.message.content, record.message.content
    schedules = await db.fetch_all("SELECT guild_id, next_post_at FROM daily_schedules")
    assert {int(r["guild_id"]): int(r["next_post_at"]) for r in schedules} == {
        s.guild.id: to_ms(due) for s in servers
    }

    # 3. A quiz in every server: answered by its members, revealed by its owner.
    for server in servers:
        started = await server.alice.slash("quiz start", questions=1, seconds=QUIZ_SECONDS, mode="reactions")
        assert started.message is not None and "started a quiz" in started.message.content
    for server in servers:
        card = await _card(fake, bank, server.channel, "Question 1/1")
        await server.bob.react(card, _right(bank, card))
        await server.alice.react(card, _wrong(bank, card))
    for server in servers:
        reveal = await _posted(fake, server.channel, "Answer 1/1")
        assert embed_field(reveal, "Right (1)") == "bob", reveal.embeds[0]
        final = await _posted(fake, server.channel, "Quiz over: results")
        assert final.embeds[0]["description"].splitlines()[0].startswith("🥇 bob"), final.embeds[0]
    # Each server's commands and answers went to its shard's process alone.
    for event in ("INTERACTION_CREATE", "MESSAGE_REACTION_ADD"):
        assert _guilds_sent(fake, 0, event) == {alpha.guild.id, gamma.guild.id}, event
        assert _guilds_sent(fake, 1, event) == {beta.guild.id}, event

    step("quizzes")

    # 4. The minute comes: each process posts its servers' questions of the day, each exactly once.
    wait = (due - datetime.now(UTC)).total_seconds() + POST_WITHIN
    dailies = {
        s.guild.id: await _card(fake, bank, s.channel, "Question of the day", timeout=wait) for s in servers
    }
    await zero.wait_log(r"bot\.services\.daily: daily: 2 posted \(0 late\)", timeout=POST_WITHIN)
    await one.wait_log(r"bot\.services\.daily: daily: 1 posted \(0 late\)", timeout=POST_WITHIN)
    posts = await db.fetch_all("SELECT guild_id, status, late, due_at, posted_at FROM daily_posts")
    assert sorted(
        (int(p["guild_id"]), p["status"], int(p["late"]), int(p["due_at"])) for p in posts
    ) == sorted((s.guild.id, "posted", 0, to_ms(due)) for s in servers)
    for p in posts:
        assert to_ms(due) <= int(p["posted_at"]) < to_ms(due) + int(POST_WITHIN * 1000), p
    for server in servers:
        assert len(_titled(fake, server.channel, "Question of the day")) == 1, server.guild.name

    step("daily")

    # 5. Beta's quiz has a question open when shard 1's process is killed; Alpha's runs meanwhile.
    await beta.alice.slash("quiz start", questions=2, seconds=QUIZ_SECONDS, mode="reactions")
    await alpha.alice.slash("quiz start", questions=1, seconds=ALPHA_SECONDS, mode="reactions")
    beta_q1 = await _card(fake, bank, beta.channel, "Question 1/2")
    await beta.alice.react(beta_q1, _right(bank, beta_q1))
    await _saved(db, beta_q1, {beta.alice.id})
    alpha_q = await _card(fake, bank, alpha.channel, "Question 1/1", 2)
    kept = fake.gateway.session_for_shard(0)

    await one.kill()
    step("killed")
    await fake.wait_for(
        lambda: fake.gateway.session_for_shard(1) is None, what="shard 1's connection to drop"
    )
    beta_daily = dailies[beta.guild.id]
    await beta.bob.react(beta_q1, _right(bank, beta_q1))  # nobody hears these: shard 1 is down
    await beta.admin.react(beta_daily, _right(bank, beta_daily))

    # Shard 0's process carries on undisturbed: Alpha's question is answered and revealed.
    await alpha.bob.react(alpha_q, _right(bank, alpha_q))
    alpha_reveal = await _posted(fake, alpha.channel, "Answer 1/1", 2)
    assert embed_field(alpha_reveal, "Right (1)") == "bob", alpha_reveal.embeds[0]
    await _posted(fake, alpha.channel, "Quiz over: results", 2)
    assert fake.gateway.session_for_shard(0) is kept and kept is not None and kept.resumes == 0
    assert one.proc.returncode == -signal.SIGKILL
    assert _titled(fake, beta.channel, "Answer 1/2") == [], (
        "nobody revealed Beta's question while it was down"
    )

    # 6. Shard 1's process comes back with the same settings and picks up its rounds.
    one_again = await cluster.restart(one)
    await _ready(one_again, 1)
    await one_again.wait_log(r"cogs\.quiz: resumed 1 running quiz\(zes\)$", timeout=START_WITHIN)
    assert one_again.has(r"cogs\.daily: took answers again on 1 open question\(s\) of the day$"), (
        one_again.log
    )
    step("back")
    # The question closed while the process was down: revealed at once, with the answer made meanwhile.
    beta_r1 = await _posted(fake, beta.channel, "Answer 1/2")
    replied_to = beta_r1.message_reference
    assert replied_to is not None and replied_to["message_id"] == str(beta_q1.id), replied_to
    assert embed_field(beta_r1, "Right (2)") == "alice, bob", beta_r1.embeds[0]
    # ... and the quiz goes on, posted and revealed by the new process.
    beta_q2 = await _card(fake, bank, beta.channel, "Question 2/2")
    await beta.bob.react(beta_q2, _right(bank, beta_q2))
    beta_r2 = await _posted(fake, beta.channel, "Answer 2/2")
    assert embed_field(beta_r2, "Right (1)") == "bob", beta_r2.embeds[0]
    beta_final = await _posted(fake, beta.channel, "Quiz over: results", 2)
    assert beta_final.embeds[0]["footer"]["text"] == "2 of 2 questions asked"
    # The reaction to Beta's question of the day made while the process was down counts too.
    daily_answers = await _saved(db, beta_daily, {beta.admin.id})
    assert daily_answers == {beta.admin.id: key_index(beta_daily, _item(bank, beta_daily))}

    # Nothing was posted twice, and each process touched only its own servers' quizzes.
    for server in servers:
        assert len(_titled(fake, server.channel, "Question of the day")) == 1, server.guild.name
    assert len(_titled(fake, beta.channel, "Question 1/2")) == 1
    assert len(_titled(fake, beta.channel, "Question 2/2")) == 1
    assert not one_again.has(r"daily: \d+ posted"), one_again.log
    assert not zero.has(r"resum(ed|ing) .*quiz"), zero.log
    assert one_again.has(rf"resuming quiz \d+ in channel {beta.channel.id}$"), one_again.log

    step("recovered")

    # 7. Both stop cleanly.
    for process in (zero, one_again):
        code, took = await process.stop(signal.SIGTERM)
        assert code == 0 and took < STOP_WITHIN, (
            f"{process.name}: exit {code} after {took:.1f} s:\n{process.log}"
        )
    for process in cluster.started:
        _clean(process)
    step("stopped")
    print("two processes, end to end:", ", ".join(steps))

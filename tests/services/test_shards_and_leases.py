"""Several bot processes on one database (issue 15), on both backends.

A "process" here is a whole service graph on a :class:`Database` of its own (on PostgreSQL its own
connection pool, on SQLite its own connections to the same file), with its own lease holder and
the shards it runs. What is checked:

- each due-work path (questions of the day, their reveals, season and competition ends, study
  reminders, quiz and daily recovery at restart) takes the owned servers' work only;
- two processes racing the same due work: exactly one does it;
- leases: an unexpired one is never taken, an expired one is taken over, and a process that lost
  its lease does not send.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.bank.loader import Bank, load_bank
from bot.core.clock import FakeClock, to_ms
from bot.core.pacing import TokenBucket
from bot.core.shards import Ownership, shard_of
from bot.core.study import GOOD
from bot.services import leases as lease_names
from bot.services.competitions import CompetitionEnded
from bot.services.daily import DAILY_REQUESTS_PER_SECOND, DailyCard
from bot.services.leases import Leases
from bot.services.posting import SendFailure
from bot.services.quiz import QuestionCard, QuizOptions
from bot.services.reminders import REQUESTS_PER_SECOND, ReminderCard
from bot.services.seasons import SeasonEnded
from bot.services.tutor import review
from bot.storage.cards import CardRepository
from bot.storage.daily import DailyRepository
from bot.storage.database import Database
from bot.storage.leases import LeaseRepository
from bot.storage.quizzes import QuizRepository
from bot.storage.seasons import SeasonRepository
from bot.wiring import Services, build_services
from tests.helpers import wait_for
from tests.services.conftest import RecordingPresenter

START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
DUE = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
TTL_S = 60


def guild_on(shard: int, count: int = 2, n: int = 0) -> int:
    """A realistic guild id that Discord sends to ``shard`` of ``count``."""
    base = 300_000_000_000 - 300_000_000_000 % count
    guild = ((base + shard + n * count) << 22) + 4_194_000
    assert shard_of(guild, count) == shard
    return guild


A, B = guild_on(0), guild_on(1)  # one server on each shard of two
FIRST, SECOND = Ownership.of(2, [0]), Ownership.of(2, [1])


@dataclass
class Recorder:
    """Every presenter at once: what this process posted, ended, reminded."""

    clock: FakeClock
    posts: list[DailyCard] = field(default_factory=list)
    seasons: list[SeasonEnded] = field(default_factory=list)
    competitions: list[CompetitionEnded] = field(default_factory=list)
    reminders: list[ReminderCard] = field(default_factory=list)
    next_id: int = 50_000

    async def post_daily(self, card: DailyCard) -> int:
        self.posts.append(card)
        self.next_id += 1
        return self.next_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        return None

    def unavailable_reason(self, error: BaseException) -> str | None:
        return None

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        return None

    async def send_reminder(self, card: ReminderCard) -> None:
        self.reminders.append(card)


class SeasonAnnouncer:
    def __init__(self, out: list[SeasonEnded]) -> None:
        self.out = out

    async def announce_end(self, ended: SeasonEnded) -> None:
        self.out.append(ended)


class CompetitionAnnouncer:
    def __init__(self, out: list[CompetitionEnded]) -> None:
        self.out = out

    async def announce_end(self, ended: CompetitionEnded) -> None:
        self.out.append(ended)


class GatedPacer:
    """Lets requests through at once, or, while ``gate`` is set, only once it opens (a stalled process)."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.waiting = 0

    async def take(self, requests: int) -> None:
        if self.gate is not None:
            self.waiting += 1
            await self.gate.wait()


@dataclass
class Process:
    name: str
    db: Database
    own_db: bool
    services: Services
    recorder: Recorder
    rounds: RecordingPresenter
    pacer: GatedPacer

    async def close(self) -> None:
        await self.services.quizzes.shutdown()
        await self.services.answer_writer.stop()
        await self.services.tasks.drain(grace=1)
        if self.own_db:
            await self.db.close()


@dataclass
class Cluster:
    """The processes of a test, on one database (each with a Database of its own, or the test's)."""

    url: str
    db: Database
    bank: Bank
    clock: FakeClock
    processes: list[Process] = field(default_factory=list)

    async def start(self, name: str, owner: Ownership | None = None, *, shared: bool = False) -> Process:
        db = self.db if shared else await Database.open(self.url)
        pacer = GatedPacer()
        services = build_services(
            db,
            self.bank,
            self.clock,
            seed=7,
            pause_between_rounds=timedelta(0),
            pacer=pacer,
            owner=owner,
            leases=Leases(db, self.clock, holder=f"test-{name}", ttl=timedelta(seconds=TTL_S)),
        )
        services.answer_writer.start()
        await services.seasons.load()  # the caches these tests rely on
        await services.teams.load()
        n = len(self.processes) + 1  # message ids of its own: one Discord, several processes
        recorder = Recorder(self.clock, next_id=n * 10_000_000)
        rounds = RecordingPresenter(next_id=n * 10_000_000 + 5_000_000)
        services.quizzes.presenter = rounds
        services.rounds.presenter = rounds
        services.daily.presenter = recorder
        services.reminders.presenter = recorder
        services.seasons.presenter = SeasonAnnouncer(recorder.seasons)
        services.competitions.presenter = CompetitionAnnouncer(recorder.competitions)
        process = Process(name, db, not shared, services, recorder, rounds, pacer)
        self.processes.append(process)
        return process

    async def stop(self, process: Process) -> None:
        self.processes.remove(process)
        await process.close()


@pytest.fixture
async def cluster(db: Database, bank: Bank, database_url: str) -> AsyncIterator[Cluster]:
    c = Cluster(database_url, db, bank, FakeClock(START))
    yield c
    for process in list(c.processes):
        await process.close()


async def set_up_daily(p: Process, *guilds: int) -> None:
    for guild in guilds:
        await p.services.daily_schedules.setup(
            guild_id=guild, channel_id=guild + 1, post_time="09:00", timezone="Europe/Berlin"
        )


async def statuses(db: Database, *guilds: int, day: str = "2026-03-26") -> dict[int, list[str]]:
    """Each server's question of the day for ``day``: [its status], or [] when there is none."""
    repo = DailyRepository(db)
    return {g: [p.status for p in await repo.posts(g) if p.local_date == day] for g in guilds}


def posted_guilds(*processes: Process) -> list[int]:
    return sorted(card.question.guild_id for p in processes for card in p.recorder.posts)


async def gather(*work: Awaitable[Any]) -> list[Any]:
    return list(await asyncio.gather(*work))


# -- leases -------------------------------------------------------------------------------------


async def acquire(db: Database, name: str, holder: str, now_ms: int) -> bool:
    async with db.transaction() as conn:
        return await LeaseRepository.acquire(conn, name, holder, now_ms, TTL_S * 1000)


async def test_of_two_processes_taking_the_same_free_lease_exactly_one_gets_it(cluster: Cluster) -> None:
    other = await Database.open(cluster.url)
    try:
        for n in range(20):
            won = await gather(
                acquire(cluster.db, f"work:{n}", "one", 1_000), acquire(other, f"work:{n}", "two", 1_000)
            )
            assert won.count(True) == 1, won
            holder = (await LeaseRepository(other).lease(f"work:{n}")).holder  # type: ignore[union-attr]
            assert holder == ("one" if won[0] else "two")
    finally:
        await other.close()


async def test_an_unexpired_lease_is_kept_and_an_expired_one_taken_over(db: Database) -> None:
    repo = LeaseRepository(db)
    assert await acquire(db, "w", "one", 1_000)
    assert await acquire(db, "w", "one", 2_000)  # ours already: taken again (kept longer)
    assert (await repo.lease("w")).expires_at == 2_000 + TTL_S * 1000  # type: ignore[union-attr]
    assert not await acquire(db, "w", "two", 2_000 + TTL_S * 1000 - 1)  # one ms before it expires
    assert await acquire(db, "w", "two", 2_000 + TTL_S * 1000)  # expired: taken over
    assert (await repo.lease("w")).holder == "two"  # type: ignore[union-attr]
    async with db.transaction() as conn:
        # The first holder lost it: it cannot keep it, nor give it back.
        assert not await LeaseRepository.hold(conn, "w", "one", 70_000, TTL_S * 1000)
        assert not await LeaseRepository.release(conn, "w", "one")
        assert await LeaseRepository.hold(conn, "w", "two", 70_000, TTL_S * 1000)
    assert (await repo.lease("w")).expires_at == 70_000 + TTL_S * 1000  # type: ignore[union-attr]


async def test_the_heartbeat_keeps_a_process_s_leases_and_a_clean_stop_gives_them_back(
    cluster: Cluster,
) -> None:
    one, two = await cluster.start("one"), await cluster.start("two")
    leases_one, leases_two = one.services.leases, two.services.leases
    assert await leases_one.acquire("a") and await leases_one.acquire("b")
    for _ in range(5):  # five minutes of beats every 20 s: never expires while the process lives
        for _ in range(3):
            cluster.clock.advance(20)
            assert await leases_one.beat() == 2
        assert not await leases_two.acquire("a")
    cluster.clock.advance(TTL_S)  # the beats stop (the process died): the next minute it is free
    assert await leases_two.acquire("a")
    assert await leases_one.beat() == 1  # "a" is gone; "b" expired but nobody took it
    assert await leases_one.release_all() == 1
    assert [lease.name for lease in await LeaseRepository(cluster.db).held_by("test-two")] == ["a"]


# -- racing the same due work ---------------------------------------------------------------------


async def test_two_processes_racing_the_same_questions_of_the_day_post_each_once(cluster: Cluster) -> None:
    guilds = [guild_on(0, 1, n) for n in range(6)]
    one, two = await cluster.start("one"), await cluster.start("two")  # both own everything
    await set_up_daily(one, *guilds)
    cluster.clock.set(DUE)
    await gather(one.services.daily.run_due(), two.services.daily.run_due())
    assert posted_guilds(one, two) == sorted(guilds)
    assert await statuses(cluster.db, *guilds) == {g: ["posted"] for g in guilds}
    assert await LeaseRepository(cluster.db).held_by("test-one") == []  # sent: given back
    assert await LeaseRepository(cluster.db).held_by("test-two") == []

    # Their reveals, raced too: each revealed once.
    cluster.clock.advance(timedelta(hours=13))
    await gather(one.services.daily.run_due(), two.services.daily.run_due())
    assert len(one.rounds.reveals) + len(two.rounds.reveals) == len(guilds)
    assert sorted(r.guild_id for p in (one, two) for r in p.rounds.reveals) == sorted(guilds)
    assert await statuses(cluster.db, *guilds) == {g: ["revealed"] for g in guilds}


async def test_two_processes_racing_a_season_end_end_it_once(cluster: Cluster) -> None:
    one, two = await cluster.start("one"), await cluster.start("two")
    await one.services.seasons.start(guild_id=A, channel_id=1, user_id=9, name="Spring", ends_at="1d")
    await two.services.seasons.load()
    cluster.clock.advance(timedelta(days=2))
    ended = await gather(one.services.seasons.end_due(), two.services.seasons.end_due())
    assert sorted(len(e) for e in ended) == [0, 1]
    assert len(one.recorder.seasons) + len(two.recorder.seasons) == 1
    rows = await cluster.db.fetch_all("SELECT COUNT(*) FROM score_archives")
    assert rows[0][0] == 1


async def test_the_season_end_compare_and_set_lets_one_transaction_of_two_through(cluster: Cluster) -> None:
    """The claim itself: two transactions on two connections, interleaved on PostgreSQL (the second
    UPDATE waits for the first's row lock, then finds ``ended_at`` set and changes nothing)."""
    one = await cluster.start("one")
    season = await one.services.seasons.start(guild_id=A, channel_id=1, user_id=9, name="S", ends_at="1d")
    other = await Database.open(cluster.url)

    async def end(db: Database, now_ms: int) -> bool:
        async with db.transaction() as conn:
            won = await SeasonRepository.mark_ended(conn, season.id, now_ms)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            return won

    try:
        results = await gather(end(cluster.db, 1), end(other, 2))
    finally:
        await other.close()
    assert sorted(results) == [False, True]
    row = await cluster.db.fetch_one("SELECT ended_at FROM seasons WHERE id = ?", (season.id,))
    assert row is not None and row[0] == (1 if results[0] else 2)


async def test_two_processes_racing_a_competition_end_end_it_once(cluster: Cluster) -> None:
    one, two = await cluster.start("one"), await cluster.start("two")
    await one.services.teams.create(guild_id=A, name="Owls")
    await one.services.teams.create(guild_id=A, name="Larks")
    await one.services.competitions.start(guild_id=A, channel_id=1, user_id=9, name="Cup", duration="1h")
    cluster.clock.advance(timedelta(hours=2))
    ended = await gather(one.services.competitions.end_due(), two.services.competitions.end_due())
    assert sorted(len(e) for e in ended) == [0, 1]
    assert len(one.recorder.competitions) + len(two.recorder.competitions) == 1


async def give_due_card(db: Database, bank: Bank, guild: int, user: int, at: datetime) -> None:
    item = bank.items[0]
    write = review(None, (guild, user, item.id), item.main_topic, GOOD, at, duration_ms=None, source="quiz")
    await db.write(CardRepository.save_reviews, [write])


async def test_two_processes_racing_the_same_study_reminders_send_each_once(cluster: Cluster) -> None:
    one, two = await cluster.start("one"), await cluster.start("two")
    users = range(100, 110)
    for user in users:
        await give_due_card(cluster.db, cluster.bank, A, user, START - timedelta(days=30))
        await one.services.reminders.turn_on(A, user, time="09:00", timezone="Europe/Berlin")
    cluster.clock.set(DUE + timedelta(minutes=1))
    await gather(one.services.reminders.run_due(), two.services.reminders.run_due())
    sent = [c.user_id for p in (one, two) for c in p.recorder.reminders]
    assert sorted(sent) == list(users)


# -- a process that died, or stalled ---------------------------------------------------------------


class Crash(BaseException):
    """The process dies (nothing after this point runs in it)."""


async def test_a_dead_process_s_claimed_post_is_taken_over_once_its_lease_expires(cluster: Cluster) -> None:
    one = await cluster.start("one")
    await set_up_daily(one, A)
    cluster.clock.set(DUE)

    async def die(requests: int) -> None:
        raise Crash

    one.pacer.take = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await one.services.daily.run_due()  # claimed, then the process died before the send
    assert await statuses(cluster.db, A) == {A: ["claimed"]}
    lease = await LeaseRepository(cluster.db).lease(lease_names.daily_post(A, "2026-03-26"))
    assert lease is not None and lease.holder == "test-one"

    two = await cluster.start("two")
    cluster.clock.advance(TTL_S - 1)  # still held: the other process leaves it alone
    await two.services.daily.run_due()
    assert two.recorder.posts == []
    assert await statuses(cluster.db, A) == {A: ["claimed"]}

    cluster.clock.advance(1)  # expired: taken over and sent (late), once
    await two.services.daily.run_due()
    await two.services.daily.run_due()
    assert posted_guilds(two) == [A]
    assert await statuses(cluster.db, A) == {A: ["posted"]}
    assert await LeaseRepository(cluster.db).lease(lease_names.daily_post(A, "2026-03-26")) is None


async def test_a_stalled_process_that_lost_its_lease_does_not_send(cluster: Cluster) -> None:
    one = await cluster.start("one")
    await set_up_daily(one, A)
    cluster.clock.set(DUE)
    one.pacer.gate = asyncio.Event()
    stalled = asyncio.create_task(one.services.daily.run_due())  # claims, then waits for its turn
    await wait_for(lambda: one.pacer.waiting == 1, what="the claimed post to wait for the pacer")

    two = await cluster.start("two")
    cluster.clock.advance(TTL_S + 5)  # one's heartbeat stopped too (it is stuck): its lease expired
    await two.services.daily.run_due()
    assert posted_guilds(two) == [A]

    one.pacer.gate.set()  # the stalled process wakes up: it finds the lease taken over, sends nothing
    await stalled
    assert one.recorder.posts == []
    assert await statuses(cluster.db, A) == {A: ["posted"]}


async def test_a_live_process_s_claim_is_not_taken_over_while_its_heartbeat_runs(cluster: Cluster) -> None:
    one = await cluster.start("one")
    await set_up_daily(one, A)
    cluster.clock.set(DUE)
    one.pacer.gate = asyncio.Event()
    slow = asyncio.create_task(one.services.daily.run_due())
    await wait_for(lambda: one.pacer.waiting == 1, what="the claimed post to wait for the pacer")
    two = await cluster.start("two")
    for _ in range(6):  # two minutes in which one is slow but alive
        cluster.clock.advance(20)
        await one.services.leases.beat()
        await two.services.daily.run_due()
    assert two.recorder.posts == []
    one.pacer.gate.set()
    await slow
    assert posted_guilds(one) == [A]
    assert await statuses(cluster.db, A) == {A: ["posted"]}


@pytest.mark.parametrize("read", ["before the send", "during the send"])
async def test_a_post_sent_and_given_back_after_another_process_read_it_as_claimed_stays_posted(
    cluster: Cluster, read: str
) -> None:
    """Two processes own the server (bench/daily_due.py --overlap found this). The second reads the
    claimed posts at the start of its run while the first is sending one; the first finishes and gives
    its lease back; the second then takes the free lease. What it read is stale: the post is sent, so
    it must neither send it again nor settle it as skipped or failed (which would close its round and
    lose its reveal)."""
    one, two = await cluster.start("one"), await cluster.start("two")  # both own everything
    await set_up_daily(one, A)
    cluster.clock.set(DUE)
    gate, waiting = asyncio.Event(), asyncio.Event()
    if read == "before the send":
        one.pacer.gate = gate
    else:
        send = one.recorder.post_daily

        async def slow_send(card: DailyCard) -> int:
            waiting.set()
            await gate.wait()
            return await send(card)

        one.recorder.post_daily = slow_send  # type: ignore[method-assign]
    sending = asyncio.create_task(one.services.daily.run_due())
    await wait_for(
        lambda: one.pacer.waiting == 1 or waiting.is_set(), what="the first process to be sending the post"
    )
    daily = two.services.daily
    stale = await daily.repo.with_status("claimed", daily.owner)
    assert [(p.guild_id, p.posted_at is not None) for p in stale] == [(A, read == "during the send")]
    gate.set()
    await sending
    assert posted_guilds(one) == [A]
    assert await statuses(cluster.db, A) == {A: ["posted"]}

    async def stale_read(status: str, owner: Ownership | None = None) -> list[Any]:
        return stale if status == "claimed" else []

    daily.repo.with_status = stale_read  # type: ignore[method-assign]
    await daily.run_due()
    assert two.recorder.posts == []
    assert await statuses(cluster.db, A) == {A: ["posted"]}
    row = await QuizRepository(cluster.db).round(stale[0].round_id)  # type: ignore[arg-type]
    assert row is not None and row.status == "open"  # still taking answers, revealed at its time
    assert await LeaseRepository(cluster.db).lease(lease_names.daily_post(A, "2026-03-26")) is None


# -- each process takes its own servers' due work ----------------------------------------------------


async def test_questions_of_the_day_and_their_reveals_go_to_the_owning_process(cluster: Cluster) -> None:
    first, second = await cluster.start("first", FIRST), await cluster.start("second", SECOND)
    await set_up_daily(first, A, B)
    cluster.clock.set(DUE)
    await second.services.daily.run_due()
    assert posted_guilds(second) == [B]
    assert await statuses(cluster.db, A, B) == {A: [], B: ["posted"]}
    await first.services.daily.run_due()
    assert posted_guilds(first) == [A]

    cluster.clock.advance(timedelta(hours=13))
    await second.services.daily.run_due()
    assert [r.guild_id for r in second.rounds.reveals] == [B]
    assert await statuses(cluster.db, A, B) == {A: ["posted"], B: ["revealed"]}
    await first.services.daily.run_due()
    assert [r.guild_id for r in first.rounds.reveals] == [A]


async def test_open_questions_of_the_day_are_restored_by_their_owner_only(cluster: Cluster) -> None:
    everything = await cluster.start("all")
    await set_up_daily(everything, A, B)
    cluster.clock.set(DUE)
    await everything.services.daily.run_due()
    await cluster.stop(everything)
    first, second = await cluster.start("first", FIRST), await cluster.start("second", SECOND)
    assert await second.services.daily.restore() == 1
    assert second.services.rounds.active_round(second.recorder.next_id) is None  # its own ids differ
    assert await first.services.daily.restore() == 1


async def test_season_ends_go_to_the_owning_process(cluster: Cluster) -> None:
    first, second = await cluster.start("first", FIRST), await cluster.start("second", SECOND)
    for guild in (A, B):
        await first.services.seasons.start(guild_id=guild, channel_id=1, user_id=9, name="S", ends_at="1d")
    cluster.clock.advance(timedelta(days=2))
    assert [e.season.guild_id for e in await second.services.seasons.end_due()] == [B]
    assert [e.season.guild_id for e in await first.services.seasons.end_due()] == [A]


async def test_competition_ends_go_to_the_owning_process(cluster: Cluster) -> None:
    first, second = await cluster.start("first", FIRST), await cluster.start("second", SECOND)
    for guild in (A, B):
        await first.services.teams.create(guild_id=guild, name="Owls")
        await first.services.teams.create(guild_id=guild, name="Larks")
        await first.services.competitions.start(
            guild_id=guild, channel_id=1, user_id=9, name="Cup", duration="1h"
        )
    cluster.clock.advance(timedelta(hours=2))
    assert [e.competition.guild_id for e in await second.services.competitions.end_due()] == [B]
    assert [e.competition.guild_id for e in await first.services.competitions.end_due()] == [A]


async def test_study_reminders_go_to_the_owning_process_and_dm_decks_to_shard_zero(cluster: Cluster) -> None:
    first, second = await cluster.start("first", FIRST), await cluster.start("second", SECOND)
    for guild in (A, B, 0):  # 0: a private deck studied in DMs
        await give_due_card(cluster.db, cluster.bank, guild, 100, START - timedelta(days=30))
        await first.services.reminders.turn_on(guild, 100, time="09:00", timezone="Europe/Berlin")
    cluster.clock.set(DUE + timedelta(minutes=1))
    await second.services.reminders.run_due()
    assert [c.guild_id for c in second.recorder.reminders] == [B]
    await first.services.reminders.run_due()
    assert sorted(c.guild_id for c in first.recorder.reminders) == sorted([A, 0])


async def test_a_restarted_process_resumes_the_quizzes_of_its_own_servers_only(cluster: Cluster) -> None:
    everything = await cluster.start("all")
    options = QuizOptions(questions=2, seconds=20, lang="en")
    for guild in (A, B):
        await everything.services.quizzes.start(
            guild_id=guild, channel_id=guild + 1, user_id=9, options=options
        )
    await wait_for(lambda: len(everything.rounds.questions) == 2, what="both quizzes' first questions")
    await cluster.stop(everything)  # the process stops mid-question: both quizzes stay running

    second = await cluster.start("second", SECOND)
    assert await second.services.quizzes.resume() == 1
    assert second.services.quizzes.is_running(B + 1)
    assert not second.services.quizzes.is_running(A + 1)
    first = await cluster.start("first", FIRST)
    assert await first.services.quizzes.resume() == 1
    assert first.services.quizzes.is_running(A + 1)
    running = await QuizRepository(cluster.db).running_sessions(SECOND)
    assert [s.guild_id for s in running] == [B]


async def test_the_owned_filter_in_sql_agrees_with_the_formula(cluster: Cluster) -> None:
    """Many servers, four shards: every due schedule is read by exactly the process that owns it."""
    rng = random.Random(5)
    guilds = sorted({rng.randrange(0, 2**62) for _ in range(60)} | {0})
    p = await cluster.start("setup")
    await set_up_daily(p, *guilds)
    cluster.clock.set(DUE)
    now_ms = to_ms(cluster.clock.now())
    repo = DailyRepository(cluster.db)
    seen: list[int] = []
    for shard in range(4):
        owner = Ownership.of(4, [shard])
        read = [s.guild_id for s in await repo.due(now_ms, 1000, owner)]
        assert all(owner.owns(g) for g in read)
        seen.extend(read)
    assert sorted(seen) == guilds
    both = Ownership.of(4, [1, 3])
    assert sorted(s.guild_id for s in await repo.due(now_ms, 1000, both)) == [
        g for g in guilds if shard_of(g, 4) in (1, 3)
    ]


async def test_each_process_posts_at_its_shards_share_of_the_bots_rate_limit(db: Database) -> None:
    """Discord's global limit is per bot token: four processes of one shard each post at a quarter."""

    bank = load_bank()
    clock = FakeClock(START)
    alone = build_services(db, bank, clock)
    one_of_four = build_services(db, bank, clock, owner=Ownership.of(4, [2]))
    for services, share in ((alone, 1.0), (one_of_four, 0.25)):
        assert isinstance(services.daily.pacer, TokenBucket)
        assert services.daily.pacer.rate == DAILY_REQUESTS_PER_SECOND * share
        assert isinstance(services.reminders.pacer, TokenBucket)
        assert services.reminders.pacer.rate == REQUESTS_PER_SECOND * share

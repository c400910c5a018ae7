"""Questions of the day for 10,000 and 100,000 servers due in the same minute, in one process or several.

Every server has a schedule for 09:00 in its time zone (a mix of zones whose 09:00 is the same
instant), all due at once. The bot's one wake-up (:meth:`DailyService.run_due`, what the scheduler's
single ``due-work`` job calls) claims them from the database in chunks, posts each through a
counting presenter (a sender that answers at once, standing in for Discord) paced by the real
token bucket, and opens each question for answers on the real quiz service. Guild ids are
Discord-like snowflakes (creation time in the top bits), so Discord's shard formula
``(guild_id >> 22) % shards`` spreads them evenly.

Time: the pacer waits on a *virtual* clock that jumps to the moment a wait would end, so the run
takes as long as the work costs the CPU, while the figures in virtual time are what the rate limit
dictates on Discord (a sender with no latency).

One process (the default): a temporary SQLite file, or PostgreSQL with ``--database-url``; the
token bucket at the daily budget, 40 requests/s (:data:`DAILY_REQUESTS_PER_SECOND`, under Discord's
global 50/s per bot token).

Several processes (``--processes N``, PostgreSQL only): a scratch database is made on the server of
``--database-url`` (and dropped after), migrated and seeded once; then N OS processes (spawned),
each with its own event loop, connection pool, services and lease holder, run the due work of the
same minute from the same virtual start. Process i runs shard i of N (``Ownership`` of N shards,
ids [i]) and so reads only its servers; with ``--overlap`` every process owns every server, and only
the claim (a compare-and-set on ``next_post_at`` and the post's primary key) and the leases keep a
post from being made twice. Each process has its own virtual time line (its pacer waits on it, so
it sends at its rate whatever the others do); what the services read as now is the earliest time of
the processes still running (in shared memory), so a lease expires on one time line for all and
never because another process ran ahead in virtual time by getting more CPU. Each process renews
its leases every 20 s of that common time, as the bot's heartbeat does every 20 s. Each process
reports the guild ids it posted.

The rate budget across processes: Discord's global limit (50 requests/s) is per bot token, not per
process, and the bot's pacer is a token bucket in each process's memory: ``build_services`` makes
it at the process's shards' share of 40/s (``Ownership.share``), so N processes of one shard each
send 40/s together, the budget of one bot token. ``--pacing shared`` (the default) does the same
here; ``--pacing each`` runs them at 40/s apiece (over Discord's limit for N >= 2; the virtual
time is then N times shorter than Discord would allow), to see what the database alone takes.

What it prints:

- missed posts: servers whose post of the day was not made (target 0), from the presenters and
  from the database's post rows; doubled: servers posted more than once across all processes, and
  duplicate post rows or sent rounds in the database (target 0);
- event-loop lag: a real-time ticker every 5 ms; how late each tick ran, p50/p99/max (target p99
  at most 50 ms), per process;
- memory: peak RSS growth of the process and the scheduler's job count (1, whatever the servers);
- time to send everything: virtual (at the rate limit) and wall-clock, requests sent, and the delay
  from the due time to each post (p50/p99/max, virtual);
- on PostgreSQL: rows written and transactions per second and the server's CPU (``pg_stat_database``
  of the scratch database and /proc), deadlocks and rollbacks.

    python bench/daily_due.py                       # 10,000 then 100,000 servers, SQLite
    python bench/daily_due.py --servers 10000 --mode buttons
    python bench/daily_due.py --database-url postgresql://postgres@127.0.0.1:5432/postgres \\
        --processes 4 --servers 100000 [--overlap] [--pacing each]

Exit status 1 when a post was missed or doubled, or the loop lag target was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import multiprocessing
import random
import resource
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answers_e2e import drop_scratch, postgres_cpu, scratch_database
from bot.core.clock import to_ms
from bot.core.pacing import TokenBucket
from bot.core.shards import Ownership, shard_of
from bot.services.daily import DAILY_REQUESTS_PER_SECOND, DailyCard, DueReport
from bot.services.leases import BEAT_EVERY, Leases
from bot.services.rounds import QuestionCard
from bot.storage.database import Database
from bot.storage.sql import POSTGRESQL, insert_rows

# 2026-11-23 08:00 UTC is 09:00 in each of these zones (none observes DST in November).
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
START = DUE + timedelta(seconds=1)  # the minute's wake-up, just after 09:00
ZONES = ("Europe/Berlin", "Europe/Paris", "Africa/Lagos", "Europe/Rome", "Europe/Madrid")
DISCORD_EPOCH_MS = 1_420_070_400_000
CREATED_FROM_MS = to_ms(datetime(2019, 1, 1, tzinfo=UTC))
TARGET_LAG_P99_MS = 50.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def snowflake(created_ms: int, n: int) -> int:
    """A Discord-like id: creation time since Discord's epoch in the top bits, then worker, process, count."""
    return ((created_ms - DISCORD_EPOCH_MS) << 22) | ((n % 32) << 17) | (n % 4096)


def servers_of(count: int) -> list[tuple[int, int]]:
    """(guild id, channel id) of ``count`` servers, one created about every minute since 2019."""
    rng = random.Random(15)
    out = []
    for n in range(count):
        created = CREATED_FROM_MS + n * 60_000 + rng.randrange(60_000)
        out.append((snowflake(created, n), snowflake(created + 1 + rng.randrange(10_000), n)))
    return out


# --- the virtual clock, the sender, the loop-lag ticker --------------------------------------------


def us_of(when: datetime) -> int:
    return (when - EPOCH) // timedelta(microseconds=1)


FAR = us_of(datetime(9000, 1, 1, tzinfo=UTC))  # a finished process's slot: it holds nobody back
STEP_US = 5_000_000  # a finished process's time catches up with the others' 5 s at a time


def time_lines(processes: int, context: Any = multiprocessing) -> Any:
    """Every process's virtual time, µs since the epoch, in shared memory (a slot each, written only
    by its process; 8-byte aligned writes are atomic, so no lock)."""
    return context.Array("q", [us_of(START)] * processes, lock=False)


class VirtualClock:
    """This process's time line: a wait jumps it forward instead of sleeping (the sender has no
    latency). Its pacer runs on it, so each process sends at its own rate whatever the others do."""

    def __init__(self, lines: Any, index: int) -> None:
        self.lines = lines
        self._index = index
        self._end: int | None = None

    def now(self) -> datetime:
        return EPOCH + timedelta(microseconds=self._end or self.lines[self._index])

    async def sleep_until(self, when: datetime) -> None:
        target = us_of(when)
        if self._end is None and target > self.lines[self._index]:
            self.lines[self._index] = target
        await asyncio.sleep(0)

    async def finish(self) -> None:
        """This process's run is over: its time stops, and no longer holds the common time back.

        Its slot first steps up to the earliest of the others (a few seconds at a time, letting them
        run between steps) before it leaves: dropped at once, a process far behind would make the
        common time jump, and the leases the others renewed on it would all look expired at once.
        """
        self._end = self.lines[self._index]
        while True:
            others = min((t for i, t in enumerate(self.lines) if i != self._index), default=FAR)
            mine = self.lines[self._index]
            if mine >= others or others >= FAR:
                break
            self.lines[self._index] = min(others, mine + STEP_US)
            await asyncio.sleep(0.002)
        self.lines[self._index] = FAR


class CommonClock:
    """What the services read: the earliest time of the processes still running (this one's once
    the others are done). A lease taken by one process expires on this time line for all, so none
    expires because another process ran ahead in virtual time (the CPU share, not the rate limit,
    sets who is ahead). Waiting on it waits on this process's own time line."""

    def __init__(self, own: VirtualClock) -> None:
        self.own = own

    def now(self) -> datetime:
        earliest = min(self.own.lines)
        return self.own.now() if earliest >= FAR else EPOCH + timedelta(microseconds=earliest)

    async def sleep_until(self, when: datetime) -> None:
        await self.own.sleep_until(when)


class BeatingPacer:
    """The token bucket, and the lease heartbeat on the virtual clock: the bot's beat task sleeps in
    real time, which a virtual run never gives it; here a process renews its leases whenever it sends
    and the common time (the leases' clock) has moved :data:`BEAT_EVERY` on since its last beat. On
    its own time line instead, a process ahead of the others would lose its leases when a laggard
    caught up with it by more than a TTL between two of its beats."""

    def __init__(self, bucket: TokenBucket, leases: Leases) -> None:
        self.bucket = bucket
        self.leases = leases
        self._last = leases.clock.now()
        self.beats = 0

    async def take(self, requests: int) -> None:
        await self.bucket.take(requests)
        now = self.leases.clock.now()
        if now - self._last >= BEAT_EVERY:
            self._last = now
            self.beats += 1
            await self.leases.beat()


class CountingPresenter:
    """What Discord would be sent: counts requests, hands out message ids, records every post."""

    def __init__(self, clock: VirtualClock, first_id: int) -> None:
        self.clock = clock
        self.requests = 0
        self.posted: list[int] = []  # guild ids, one per post made (twice if posted twice)
        self.delays: list[float] = []  # seconds from the due time to each post, on this process's time
        self.last_post: datetime | None = None
        self._next_id = first_id

    async def post_daily(self, card: DailyCard) -> int:
        self.requests += 1
        self.posted.append(card.question.guild_id)
        self.last_post = self.clock.now()
        self.delays.append((self.last_post - DUE).total_seconds())
        self._next_id += 1
        return self._next_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        self.requests += len(card.item.choices)

    def unavailable_reason(self, error: BaseException) -> str | None:
        return None

    def describe_failure(self, error: BaseException) -> None:
        return None


class LagMonitor:
    """A real-time ticker: how late the loop let each 5 ms tick run."""

    def __init__(self, every: float = 0.005) -> None:
        self.every = every
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.every)
            self.lags.append(max(0.0, loop.time() - start - self.every))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class CountingHandler(logging.Handler):
    """Warnings and errors the bot logged (a take-over, a failed claim), by message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[f"{record.levelname} {record.msg}"] += 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the database: seeded once ---------------------------------------------------------------------


async def fill(db: Database, servers: list[tuple[int, int]], mode: str) -> float:
    """Every server's schedule (and, in buttons mode, its settings), in one transaction: COPY on
    PostgreSQL, then ANALYZE. Bench set-up only: the bot writes schedules through
    DailyRepository.save_schedule. Seconds it took."""
    started = time.perf_counter()
    due_ms = to_ms(DUE)
    made = to_ms(DUE - timedelta(days=1))
    rows = [
        (guild, channel, "09:00", ZONES[n % len(ZONES)], None, 12, None, 0, None, due_ms, made, made)
        for n, (guild, channel) in enumerate(servers)
    ]
    columns = (
        "guild_id", "channel_id", "post_time", "timezone", "role_id", "reveal_after_hours", "topic",
        "paused", "pause_reason", "next_post_at", "created_at", "updated_at",
    )  # fmt: skip
    async with db.transaction() as conn:
        await insert_rows(conn, "daily_schedules", columns, rows)
        if mode == "buttons":
            settings = [(guild, "buttons", made) for guild, _ in servers]
            await insert_rows(conn, "guild_settings", ("guild_id", "answer_mode", "updated_at"), settings)
    if db.dialect == POSTGRESQL:
        # The statistics autovacuum gathers within a minute of a bulk load. Without them the planner
        # takes the claim's compare-and-set (``guild_id = ? AND next_post_at = ?``) through the due
        # index, not the primary key, and reads every schedule still due at each claim.
        async with db.transaction() as conn:
            await conn.execute("ANALYZE daily_schedules")
            await conn.execute("ANALYZE guild_settings")
    return time.perf_counter() - started


async def db_check(db: Database, servers: int) -> dict[str, Any]:
    """What the database says was posted: missed and doubled from the post rows and the rounds."""
    statuses = {
        r[0]: r[1] for r in await db.fetch_all("SELECT status, COUNT(*) FROM daily_posts GROUP BY status")
    }
    posted = await db.fetch_one(
        "SELECT COUNT(DISTINCT guild_id) FROM daily_posts WHERE status IN ('posted', 'revealed')"
    )
    double_rows = await db.fetch_one(
        "SELECT COUNT(*) FROM (SELECT guild_id FROM daily_posts GROUP BY guild_id HAVING COUNT(*) > 1) d"
    )
    double_rounds = await db.fetch_one(
        "SELECT COUNT(*) FROM (SELECT guild_id FROM rounds WHERE kind = 'daily' AND message_id IS NOT NULL"
        " GROUP BY guild_id HAVING COUNT(*) > 1) d"
    )
    leases = await db.fetch_one("SELECT COUNT(*) FROM leases")
    assert posted is not None and double_rows is not None and double_rounds is not None and leases is not None
    return {
        "statuses": statuses,
        "missed": servers - posted[0],
        "double_rows": double_rows[0],
        "double_rounds": double_rounds[0],
        "leases_left": leases[0],
    }


# --- one process's run ------------------------------------------------------------------------------


@dataclass
class Job:
    """What a process is given."""

    index: int
    target: str  # a SQLite path or a postgresql:// URL
    mode: str
    owner: tuple[int, tuple[int, ...]]  # (shard count, shard ids)
    rate: float  # this process's requests per second


@dataclass
class Result:
    """What a process reports back."""

    index: int
    owner: str
    posted: list[int]
    report: DueReport
    runs: int
    requests: int
    wall: float
    cpu: float
    lag_ms: list[float]
    rss_growth: float
    rss: float
    jobs: int
    beats: int
    last_post: datetime | None
    virtual_end: datetime
    delays: list[float]
    logged: dict[str, int] = field(default_factory=dict)


async def work(job: Job, lines: Any, ready: Any = None) -> Result:
    """Open the database, build the bot's services, wait for the others (``ready``), run the due
    work of the minute until nothing more is due, and say what was posted."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.bank.loader import load_bank
    from bot.wiring import build_services

    handler = CountingHandler()
    logging.getLogger("bot").addHandler(handler)
    db = await Database.open(job.target)
    own = VirtualClock(lines, job.index)
    clock = CommonClock(own)
    count, ids = job.owner
    owner = Ownership(count, frozenset(ids))
    leases = Leases(db, clock)
    pacer = BeatingPacer(TokenBucket(own, job.rate), leases)
    services = build_services(db, load_bank(), clock, seed=7, pacer=pacer, owner=owner, leases=leases)
    tasks, writer, daily = services.tasks, services.answer_writer, services.daily
    # The bot was up before 09:00: posts queued behind the rate limit are not late (only posts that
    # came due while it was down are).
    daily.up_since = DUE - timedelta(minutes=5)
    writer.start()
    presenter = CountingPresenter(own, first_id=3 * 10**17 + job.index * 10**9)
    daily.presenter = presenter
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    # The bot's one job, however many servers (paused: the run below is the minute's wake-up).
    scheduler.add_job(daily.run_due, "interval", minutes=1, id="due-work", next_run_time=None)

    gc.collect()
    rss_before = rss_mb()
    if ready is not None:  # every process built: start together
        await asyncio.to_thread(ready.wait, 600)
    monitor = LagMonitor()
    monitor.start()
    started_wall, started_cpu = time.perf_counter(), cpu_s()
    report = await daily.run_due()
    runs = 1
    while report.more:  # each wake-up stops at its time budget; the next minute's carries on
        more = await daily.run_due()
        runs += 1
        for name in ("posted", "late", "revealed", "skipped", "failed"):
            setattr(report, name, getattr(report, name) + getattr(more, name))
        report.paused += more.paused
        report.more = more.more
    wall, cpu = time.perf_counter() - started_wall, cpu_s() - started_cpu
    virtual_end = own.now()
    await own.finish()
    await monitor.stop()
    rss_after = rss_mb()
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    await writer.stop()
    await tasks.drain()
    await leases.release_all()
    await db.close()
    logging.getLogger("bot").removeHandler(handler)
    return Result(
        index=job.index,
        owner=owner.describe(),
        posted=presenter.posted,
        report=report,
        runs=runs,
        requests=presenter.requests,
        wall=wall,
        cpu=cpu,
        lag_ms=[x * 1000 for x in monitor.lags],
        rss_growth=rss_after - rss_before,
        rss=rss_after,
        jobs=jobs,
        beats=pacer.beats,
        last_post=presenter.last_post,
        virtual_end=virtual_end,
        delays=presenter.delays,
        logged=dict(handler.counts),
    )


def child(job: Job, lines: Any, ready: Any, out: Any) -> None:
    """A spawned process: its own event loop, database pool and services."""
    logging.basicConfig(level=logging.WARNING, format=f"[p{job.index}] %(levelname)s %(name)s: %(message)s")
    try:
        out.send(asyncio.run(work(job, lines, ready)))
    except BaseException as exc:
        ready.abort()
        out.send(exc)
        raise
    finally:
        out.close()


# --- reports ----------------------------------------------------------------------------------------


def lag_line(lag_ms: list[float]) -> str:
    return (
        f"p50 {pct(lag_ms, 0.5):.2f} ms, p99 {pct(lag_ms, 0.99):.2f} ms, max {max(lag_ms, default=0):.1f} ms"
        f" over {len(lag_ms):,} ticks"
    )


def delay_line(delays: list[float]) -> str:
    return (
        f"p50 {pct(delays, 0.5):,.0f} s, p99 {pct(delays, 0.99):,.0f} s, max {max(delays, default=0):,.0f} s"
        " (virtual)"
    )


def doubled_of(results: list[Result]) -> int:
    return sum(1 for n in Counter(g for r in results for g in r.posted).values() if n > 1)


async def run_one(servers: int, mode: str, target: str, where: str) -> bool:
    """One process, as the bot runs by default (SQLite file, or one PostgreSQL process)."""
    db = await Database.open(target)
    await db.migrate()
    await fill(db, servers_of(servers), mode)
    await db.close()
    job = Job(0, target, mode, (1, (0,)), DAILY_REQUESTS_PER_SECOND)
    r = await work(job, time_lines(1))
    db = await Database.open(target)
    check = await db_check(db, servers)
    await db.close()
    missed = servers - len(set(r.posted))
    doubled = doubled_of([r]) + check["double_rows"] + check["double_rounds"]
    virtual = (r.virtual_end - START).total_seconds()
    print(f"\n== {servers:,} servers due at {DUE:%Y-%m-%d %H:%M} UTC (09:00 local), {mode}, {where} ==")
    print(
        f"missed posts:        {missed} (database: {check['missed']}; target 0); {r.runs} wake-up(s); "
        f"report: {r.report}"
    )
    print(
        f"doubled posts:       {doubled} (sent twice: {doubled_of([r])}, duplicate post rows: "
        f"{check['double_rows']}, rounds sent twice: {check['double_rounds']}; target 0)"
    )
    print(f"loop lag:            {lag_line(r.lag_ms)} (target p99 <= {TARGET_LAG_P99_MS:.0f} ms)")
    print(
        f"memory:              peak RSS +{r.rss_growth:.0f} MB (now {r.rss:.0f} MB); scheduler jobs: {r.jobs}"
    )
    print(
        f"time to send all:    {virtual:,.0f} s at {DAILY_REQUESTS_PER_SECOND:.0f} requests/s "
        f"({r.requests:,} requests, {r.requests / max(virtual, 1e-9):.1f}/s); "
        f"wall {r.wall:.1f} s ({r.wall / max(servers, 1) * 1e6:.0f} us per post)"
    )
    print(f"due -> posted:       {delay_line(r.delays)}")
    last = r.last_post or DUE
    print(f"last post at:        {last:%H:%M:%S} UTC ({last - DUE} after the due time)")
    if r.logged:
        print(f"bot warnings/errors: {r.logged}")
    return missed == 0 and check["missed"] == 0 and doubled == 0 and pct(r.lag_ms, 0.99) <= TARGET_LAG_P99_MS


async def pg_stats(url: str) -> dict[str, int]:
    """The scratch database's counters in ``pg_stat_database`` (flushed by backends as they go idle
    or exit, so read after the processes closed their pools)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await asyncio.sleep(1.1)  # PostgreSQL 15 flushes a backend's counters at most once a second
        row = await conn.fetchrow(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, deadlocks"
            " FROM pg_stat_database WHERE datname = current_database()"
        )
        tables = await conn.fetch(
            "SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch FROM pg_stat_user_tables"
        )
    finally:
        await conn.close()
    return dict(row) | {f"{t['relname']}.{k}": t[k] or 0 for t in tables for k in list(t.keys())[1:]}


def run_many(args: argparse.Namespace) -> bool:
    """N processes on a scratch PostgreSQL database, seeded once."""
    server_url = args.database_url
    n = args.processes
    servers = args.servers[0] if args.servers else 100_000
    url = asyncio.run(scratch_database(server_url))
    shown = url.rsplit("/", 1)[-1] + " on " + server_url.rsplit("/", 1)[0].split("@")[-1]
    try:
        return asyncio.run(_run_many(args, url, shown, n, servers))
    finally:
        asyncio.run(drop_scratch(server_url, url))


async def _run_many(args: argparse.Namespace, url: str, shown: str, n: int, servers: int) -> bool:
    ids = servers_of(servers)
    db = await Database.open(url)
    await db.migrate()
    seeded = await fill(db, ids, args.mode)
    await db.close()
    per_shard = Counter(shard_of(g, n) for g, _ in ids)
    rate = DAILY_REQUESTS_PER_SECOND / n if args.pacing == "shared" else DAILY_REQUESTS_PER_SECOND
    stats_before = await pg_stats(url)
    pg_cpu_before = postgres_cpu(exited=True)

    context = multiprocessing.get_context("spawn")
    lines = time_lines(n, context)
    ready = context.Barrier(n + 1)
    children = []
    for i in range(n):
        owner = (1, (0,)) if args.overlap else (n, (i,))
        here, there = context.Pipe(duplex=False)
        job = Job(i, url, args.mode, owner, rate)
        process = context.Process(target=child, args=(job, lines, ready, there), name=f"daily-due-{i}")
        process.start()
        there.close()
        children.append((process, here))
    # A process that failed while starting breaks the barrier; its error comes through its pipe below.
    with contextlib.suppress(threading.BrokenBarrierError):
        await asyncio.to_thread(ready.wait, 600)
    started = time.perf_counter()
    results: list[Result] = []
    failures: list[str] = []
    for i, (process, here) in enumerate(children):
        got: Result | BaseException = RuntimeError(f"exited ({process.exitcode}) without a result")
        try:
            while not await asyncio.to_thread(here.poll, 1.0):
                if not process.is_alive():
                    break
            else:
                got = here.recv()
        except EOFError:
            pass
        if isinstance(got, BaseException):
            failures.append(f"process {i}: {type(got).__name__}: {got}")
        else:
            results.append(got)
    wall = time.perf_counter() - started
    for process, _ in children:
        process.join(30)
    pg_cpu = postgres_cpu(exited=True)
    db = await Database.open(url)
    check = await db_check(db, servers)
    await db.close()
    stats = await pg_stats(url)
    for failure in failures:
        print(failure)

    posted = Counter(g for r in results for g in r.posted)
    missed = servers - len(posted)
    sent_twice = sum(1 for c in posted.values() if c > 1)
    doubled = sent_twice + check["double_rows"] + check["double_rounds"]
    virtual = (max((r.virtual_end for r in results), default=START) - START).total_seconds()
    requests = sum(r.requests for r in results)
    delta = {k: stats[k] - stats_before[k] for k in stats}
    written = delta["tup_inserted"] + delta["tup_updated"] + delta["tup_deleted"]
    transactions = delta["xact_commit"] + delta["xact_rollback"]
    lag_all = [x for r in results for x in r.lag_ms]
    how = "every process owns every server (--overlap)" if args.overlap else f"process i runs shard i of {n}"

    print(
        f"\n== {servers:,} servers due at {DUE:%Y-%m-%d %H:%M} UTC (09:00 local), {args.mode}, "
        f"{n} processes on PostgreSQL ({shown}) =="
    )
    print(
        f"servers:             {servers:,}, seeded in {seeded:.1f} s (COPY); per shard of {n}: "
        + ", ".join(f"{per_shard[i]:,}" for i in range(n))
    )
    print(f"processes:           {n}, {how}")
    print(f"posted:              {sum(posted.values()):,} posts to {len(posted):,} servers")
    print(
        f"missed:              {missed} (database: {check['missed']} servers without a post; "
        f"post rows by status: {check['statuses']}; target 0)"
    )
    print(
        f"doubled:             {doubled} (servers posted by more than one process or twice: {sent_twice}, "
        f"duplicate post rows: {check['double_rows']}, rounds sent twice: {check['double_rounds']}; "
        f"target 0); leases left: {check['leases_left']}"
    )
    print("per process:")
    for r in results:
        print(
            f"  p{r.index} ({r.owner}): {len(r.posted):,} posted, {r.requests:,} requests, "
            f"{r.runs} wake-ups, late {r.report.late}, skipped {r.report.skipped}, failed {r.report.failed}, "
            f"paused {len(r.report.paused)}; wall {r.wall:.1f} s, CPU {r.cpu:.1f} s; "
            f"loop lag {lag_line(r.lag_ms)}; peak RSS +{r.rss_growth:.0f} MB; {r.beats} lease beats"
        )
        if r.logged:
            print(f"    bot warnings/errors: {r.logged}")
    print(
        f"wall clock:          {wall:.1f} s from the common start to the last process's end "
        f"({wall / max(servers, 1) * 1e6:.0f} us per post across {n} processes)"
    )
    budget = (
        f"{rate:.0f} requests/s per process = {DAILY_REQUESTS_PER_SECOND:.0f}/s for the bot "
        "(--pacing shared: the per-token budget split N ways)"
        if args.pacing == "shared"
        else f"{rate:.0f} requests/s per process = {rate * n:.0f}/s for the bot (--pacing each: "
        f"over Discord's global 50/s per bot token; the database's pace alone)"
    )
    print(
        f"virtual time:        {virtual:,.0f} s to send all {requests:,} requests at {budget}; "
        f"{requests / max(virtual, 1e-9):.1f} requests/s achieved"
    )
    print(f"due -> posted:       {delay_line([d for r in results for d in r.delays])}")
    print(
        f"PostgreSQL:          {written:,} rows written ({written / wall:,.0f}/s: {delta['tup_inserted']:,} "
        f"inserted, {delta['tup_updated']:,} updated, {delta['tup_deleted']:,} deleted), "
        f"{transactions:,} transactions "
        f"({transactions / wall:,.0f}/s, {delta['xact_rollback']:,} rolled back), "
        f"{delta['deadlocks']} deadlocks; server CPU "
        + (
            f"{pg_cpu - pg_cpu_before:.1f} s"
            if pg_cpu is not None and pg_cpu_before is not None
            else "unknown"
        )
    )
    reads = Counter(
        {
            table: delta[f"{table}.seq_tup_read"] + delta[f"{table}.idx_tup_fetch"]
            for table in {k.split(".")[0] for k in delta if "." in k}
        }
    )
    print(
        "rows read by table:  "
        + ", ".join(
            f"{t} {n:,} ({delta[f'{t}.seq_scan']:,} seq scans, {delta[f'{t}.idx_scan']:,} index scans)"
            for t, n in reads.most_common(4)
        )
    )
    print(f"loop lag, all:       {lag_line(lag_all)} (target p99 <= {TARGET_LAG_P99_MS:.0f} ms)")
    return (
        not failures
        and len(results) == n
        and missed == 0
        and check["missed"] == 0
        and doubled == 0
        and pct(lag_all, 0.99) <= TARGET_LAG_P99_MS
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, action="append", help="servers due (repeatable)")
    parser.add_argument("--mode", choices=("reactions", "buttons"), default="reactions")
    parser.add_argument(
        "--database-url",
        help="postgresql://user@host:port/db names a server: the run uses a scratch database made on it "
        "and dropped after (default: a temporary SQLite file)",
    )
    parser.add_argument("--processes", type=int, default=1, help="bot processes (PostgreSQL only; default 1)")
    parser.add_argument(
        "--overlap", action="store_true", help="every process owns every server (the claims and leases race)"
    )
    parser.add_argument(
        "--pacing",
        choices=("shared", "each"),
        default="shared",
        help="shared: each of N processes paces at 40/N requests/s (one bot token's budget); "
        "each: 40/s apiece (over Discord's limit: what the database alone takes)",
    )
    args = parser.parse_args()
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.processes > 1 and not args.database_url:
        parser.error("--processes needs --database-url (several processes share a PostgreSQL database)")
    if args.database_url and not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url takes a postgresql:// URL")
    if args.processes > 1 and args.servers and len(args.servers) > 1:
        parser.error("with --processes, give one --servers")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Stopped with SIGTERM, still drop the scratch database (the finally blocks below run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.database_url and (args.processes > 1 or args.overlap):
        ok = run_many(args)
    elif args.database_url:
        ok = True
        for servers in args.servers or [10_000, 100_000]:
            url = asyncio.run(scratch_database(args.database_url))
            try:
                where = "1 process on PostgreSQL"
                ok = asyncio.run(run_one(servers, args.mode, url, where)) and ok
            finally:
                asyncio.run(drop_scratch(args.database_url, url))
    else:
        ok = True
        with tempfile.TemporaryDirectory() as tmp:
            for servers in args.servers or [10_000, 100_000]:
                target = str(Path(tmp) / f"daily-{servers}.db")
                ok = asyncio.run(run_one(servers, args.mode, target, "SQLite")) and ok
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Answers end to end: N members react through the Discord stand-in; the real bot saves them.

The real bot (``bot.app.create_bot``, a temporary SQLite file, a frozen quiz clock so the
question stays open) connects to the stand-in in ``tests.fakediscord`` over loopback. A member
starts ``/quiz question`` in reactions mode; then every one of N members reacts once with an
answer letter, open loop at ``--rate`` per second (``--rate 0``: as fast as the stand-in can
send). For each reaction the script takes the moment the member reacted (just before the
stand-in builds and sends the gateway event) and the moment the bot's answer writer resolved
that answer's ``saved`` future (observed by wrapping ``bot.rounds.answer``; no bot code is
changed), and prints answers/s and the reaction->saved percentiles.

By default the stand-in runs in a separate process, so the bot's CPU and latency are not
shared with the stand-in's; both read the same system-wide monotonic clock.
``--same-process`` runs both in one event loop, as the end-to-end tests do.

    python bench/answers_e2e.py                               # 5,000 members at 5,500/s
    python bench/answers_e2e.py --members 10000 --rate 0      # the ceiling
    python bench/answers_e2e.py --profile /tmp/bot.prof       # where the bot's loop spends it
    python bench/answers_e2e.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

With ``--database-url`` the bot uses PostgreSQL: a scratch database made on that server for the run
and dropped after it. PostgreSQL then shares the machine's cores with the bot and the stand-in, so
the report adds the CPU its server processes spent (target there: 4,000 answers/s, p99 150 ms).

Target (on the 2-core machine): at least 5,000 answers/s, reaction->saved p99 at most 150 ms.
The default rate is the target plus 10%, so a bot that keeps up shows at least the target end
to end. Every wait is bounded by ``--timeout``; loopback only; it stops by itself. The figures
are only the bot's on an otherwise idle machine: the ``machine:`` line says how much else ran.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATE = 5_000
TARGET_RATE_POSTGRES = 4_000
TARGET_P99_MS = 150.0
DEFAULT_RATE = 5_500
LETTERS = ("🇦", "🇧", "🇨", "🇩")
MAX_MEMBERS = 200_000

now = time.monotonic  # CLOCK_MONOTONIC: one clock for every process on the machine


# --- a message link between the bot side and the stand-in side ---------------------------------


class PipeLink:
    """One end of a multiprocessing pipe, read without blocking the event loop."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def recv(self, timeout: float) -> Any:  # noqa: ASYNC109 (bounded by design)
        loop = asyncio.get_running_loop()
        if not self.conn.poll():
            ready = loop.create_future()
            fd = self.conn.fileno()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, timeout)
            finally:
                loop.remove_reader(fd)
        return self.conn.recv()

    async def send(self, message: Any) -> None:
        self.conn.send(message)


class QueueLink:
    """The same, inside one event loop."""

    def __init__(self, inbox: asyncio.Queue[Any], outbox: asyncio.Queue[Any]) -> None:
        self.inbox = inbox
        self.outbox = outbox

    async def recv(self, timeout: float) -> Any:  # noqa: ASYNC109 (bounded by design)
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def send(self, message: Any) -> None:
        self.outbox.put_nowait(message)


def _pair() -> tuple[QueueLink, QueueLink]:
    a: asyncio.Queue[Any] = asyncio.Queue()
    b: asyncio.Queue[Any] = asyncio.Queue()
    return QueueLink(a, b), QueueLink(b, a)


# --- the stand-in side ---------------------------------------------------------------------------


class Stopped(Exception):
    """The bot side said stop before the run got that far (it failed): end quietly."""


async def expect(link: PipeLink | QueueLink, what: str, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    request: dict[str, Any] = await link.recv(timeout)
    if request.get("do") == "stop" and what != "stop":
        raise Stopped()
    if request.get("do") != what:
        raise AssertionError(f"expected {what!r} from the bot side, got {request!r}")
    return request


async def stand_in(link: PipeLink | QueueLink, members: int, timeout: float) -> None:  # noqa: ASYNC109
    """Run the stand-in and the members; answer the bot side's requests until told to stop."""
    from tests.fakediscord import FakeDiscord, Message, study_server

    fake = FakeDiscord()
    world = study_server(fake)
    people = [fake.add_member(world.guild, f"member{i:05d}") for i in range(members)]
    await fake.start()
    try:
        await link.send(
            {
                "api_base": fake.api_base,
                "gateway_url": fake.gateway_url,
                "token": fake.token,
                "guild_id": world.guild.id,
                "channel_id": world.channel.id,
            }
        )
        request = await expect(link, "start", timeout)
        started = await world.alice.slash(
            "quiz question", topic=request["topic"], seconds=request["seconds"], mode="reactions"
        )
        assert "started a question" in (started.message.content if started.message else ""), started

        def question() -> Message | None:
            for m in fake.channel_messages(world.channel):
                if m.embeds and m.embeds[0].get("title", "").startswith("Question") and len(m.reactions) == 4:
                    return m
            return None

        msg = await fake.wait_for(question, timeout=10, what="the question with its four reactions")
        await link.send({"message_id": msg.id})

        request = await expect(link, "go", timeout)
        rate: float = request["rate"]
        await fake.wait_delivered()  # the bot is reading: start from a quiet connection
        user_ids: list[int] = []
        sent_at: list[float] = []
        behind: list[float] = []
        cpu0 = time.process_time()
        t0 = now()
        for i, person in enumerate(people):
            if rate > 0:
                due = t0 + i / rate
                wait = due - now()
                if wait > 0.0005:
                    await asyncio.sleep(wait)
                behind.append(max(0.0, now() - due))
            at = now()
            await person.react(msg, LETTERS[i % 4])
            user_ids.append(person.id)
            sent_at.append(at)
        t1 = now()
        await fake.wait_delivered(timeout=timeout)
        cpu = time.process_time() - cpu0
        behind.sort()
        await link.send(
            {
                "user_ids": user_ids,
                "sent_at": sent_at,
                "send_seconds": t1 - t0,
                "cpu_seconds": cpu,
                "behind_p99_ms": behind[int(0.99 * (len(behind) - 1))] * 1000 if behind else 0.0,
                "behind_max_ms": behind[-1] * 1000 if behind else 0.0,
            }
        )
        await expect(link, "stop", timeout)
    except Stopped:
        pass
    finally:
        await fake.stop()
    violations = [str(v) for v in fake.strict.unexpected()]
    await link.send({"violations": violations})


def stand_in_process(conn: Any, members: int, timeout: float) -> None:
    """The child process: the stand-in and its members, nothing of the bot."""
    asyncio.run(stand_in(PipeLink(conn), members, timeout))


# --- the bot side --------------------------------------------------------------------------------


@dataclass
class Observed:
    """What the bot side saw, per member, on the shared monotonic clock."""

    taken: dict[int, float] = field(default_factory=dict)  # RoundService.answer called
    saved: dict[int, float] = field(default_factory=dict)  # its saved future resolved
    refused: dict[str, int] = field(default_factory=dict)  # answer statuses other than accepted
    failed: int = 0
    all_saved: asyncio.Event = field(default_factory=asyncio.Event)


def not_voice(record: logging.LogRecord) -> bool:
    """discord.py warns that voice is unsupported when a client is built: not about this run."""
    return "voice will NOT be supported" not in record.getMessage()


class CountingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not_voice(record):
            self.records.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def observe_answers(service: Any, expected: int, seen: Observed) -> None:
    """Wrap ``service.answer`` (an instance attribute; the cog looks it up at each call)."""
    from bot.services.rounds import AnswerStatus

    original: Callable[..., Any] = service.answer

    def answer(**kwargs: Any) -> Any:
        user_id = kwargs["user_id"]
        seen.taken.setdefault(user_id, now())
        result = original(**kwargs)
        if result.status is not AnswerStatus.ACCEPTED:
            seen.refused[result.status.value] = seen.refused.get(result.status.value, 0) + 1
        elif result.saved is not None:

            def done(fut: asyncio.Future[bool]) -> None:
                seen.saved[user_id] = now()
                if fut.cancelled() or fut.exception() is not None or not fut.result():
                    seen.failed += 1
                if len(seen.saved) >= expected:
                    seen.all_saved.set()

            result.saved.add_done_callback(done)
        return result

    service.answer = answer


def machine_busy() -> float | None:
    """CPU-seconds the whole machine has spent busy since boot (Linux), to spot other load."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(*, exited: bool = False) -> float | None:
    """CPU-seconds spent so far by every PostgreSQL server process on this machine (Linux /proc);
    ``exited``: with the backends that have ended since (the server's children, reaped by it)."""
    total, found, tick = 0.0, False, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name != "postgres" and not name.startswith("postgres:"):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if exited:
            total += (int(fields[13]) + int(fields[14])) / tick  # cutime + cstime: ended children
        found = True
    return total if found else None


def thread_cpu(thread: threading.Thread | None) -> float:
    if thread is None or thread.ident is None or not thread.is_alive():
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    except (OSError, AttributeError):
        return 0.0


async def drive(link: PipeLink | QueueLink, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from bot.app import create_bot
    from bot.core.clock import FakeClock
    from bot.settings import Settings

    world = await link.recv(args.timeout)
    settings = Settings(
        _env_file=None,
        discord_token=world["token"],
        database_path=args.database or folder / "bench.db",
        database_url=args.database_url,
        discord_api_base=world["api_base"],
        discord_gateway_url=world["gateway_url"],
        dev_guild_id=world["guild_id"],
        log_level="WARNING",
    )
    # A frozen quiz clock: the question stays open however long the run takes.
    quiz_bot = await create_bot(settings, clock=FakeClock(), guild_ready_timeout=0.05)
    seen = Observed()
    observe_answers(quiz_bot.rounds, args.members, seen)
    connection: asyncio.Task[None] | None = None
    try:
        await quiz_bot.login(world["token"])
        connection = asyncio.create_task(quiz_bot.connect(reconnect=False), name="bench-client")
        await asyncio.wait_for(quiz_bot.wait_until_ready(), args.timeout)
        await link.send({"do": "start", "topic": args.topic, "seconds": 300})
        question = await link.recv(args.timeout)
        if quiz_bot.rounds.active_round(question["message_id"]) is None:
            raise AssertionError("the bot has no open round for the question the stand-in shows")

        writer_thread = getattr(quiz_bot.db, "batch_thread", None)  # SQLite: where the batches are saved
        cpu0, loop0, sql0 = time.process_time(), time.thread_time(), thread_cpu(writer_thread)
        busy0, pg0 = machine_busy(), postgres_cpu()
        batches0 = quiz_bot.answer_writer.batches
        profiler = cProfile.Profile() if args.profile else None
        wall0 = now()
        if profiler is not None:
            profiler.enable()
        await link.send({"do": "go", "rate": args.rate})
        sent = await link.recv(args.timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(seen.all_saved.wait(), args.timeout)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        wall = now() - wall0
        busy1, pg1 = machine_busy(), postgres_cpu()
        cpu = time.process_time() - cpu0
        loop_cpu = time.thread_time() - loop0
        sql_cpu = thread_cpu(writer_thread) - sql0
        batches = quiz_bot.answer_writer.batches - batches0
        rows = await quiz_bot.db.fetch_one(
            "SELECT COUNT(*) AS n FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.message_id = ?",
            (question["message_id"],),
        )
    finally:
        await quiz_bot.close()
        if connection is not None:
            await asyncio.gather(connection, return_exceptions=True)
        await link.send({"do": "stop"})
    ended = await link.recv(args.timeout)
    return {
        "sent": sent,
        "seen": seen,
        "stored": rows["n"] if rows else 0,
        "wall": wall,
        "cpu": cpu,
        "loop_cpu": loop_cpu,
        "sql_cpu": sql_cpu,
        "batches": batches,
        "machine_busy": None if busy0 is None or busy1 is None else busy1 - busy0,
        "postgres_cpu": None if pg0 is None or pg1 is None else pg1 - pg0,
        "violations": ended["violations"],
    }


async def run_same_process(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    bot_end, stand_in_end = _pair()
    side = asyncio.create_task(stand_in(stand_in_end, args.members, args.timeout))
    try:
        return await drive(bot_end, args, folder)
    finally:
        await asyncio.wait_for(side, args.timeout)


async def run_two_processes(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(
        target=stand_in_process, args=(there, args.members, args.timeout), name="fakediscord", daemon=True
    )
    child.start()
    there.close()
    try:
        return await drive(PipeLink(here), args, folder)
    finally:
        await asyncio.get_running_loop().run_in_executor(None, child.join, 10)
        if child.is_alive():
            child.terminate()
            child.join(5)
        here.close()


async def scratch_database(server_url: str) -> str:
    """A new empty database on the server of ``server_url`` for this run; its URL."""
    import asyncpg

    name = f"quiz_bench_{os.getpid()}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name


async def drop_scratch(server_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')
    finally:
        await conn.close()


# --- a database that has lived a while ----------------------------------------------------------

PREFILL_MEMBERS = 100_000
PREFILL_GUILD = 1  # another server on the same file: the indexes are what a batch pays for
PREFILL_PER_ROUND = 100


def prefill(path: Path, answers: int) -> None:
    """``answers`` answers across 100,000 members (100 a round), their members/scores/topic rows, and
    the members' cards (120 each, reviewed once) with their review log, through the migrations'
    schema. Bulk-loaded in key order; secondary indexes rebuilt after."""
    import sqlite3

    from bench.study import fill_cards
    from bot.bank.loader import load_bank
    from bot.storage.database import Database

    async def schema() -> None:
        db = await Database.open(path)
        await db.migrate()
        await db.close()

    asyncio.run(schema())
    bank = load_bank()
    items = [(i.id, i.main_topic) for i in bank]
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    rounds = max(1, answers // PREFILL_PER_ROUND)
    t0 = 1_780_000_000_000 - rounds * 60_000  # a minute a round, ending about now (2026)
    conn.execute("DROP INDEX IF EXISTS answers_member")
    conn.execute("CREATE TEMP TABLE prefill_items (n INTEGER PRIMARY KEY, item_id TEXT, topic TEXT)")
    conn.executemany(
        "INSERT INTO prefill_items VALUES (?, ?, ?)", [(n, i, t) for n, (i, t) in enumerate(items)]
    )
    chunk = 2_000
    for start in range(0, rounds, chunk):
        last = min(rounds, start + chunk)
        conn.execute("BEGIN")
        conn.execute(
            f"""
            WITH RECURSIVE r(id) AS (SELECT {start + 1} UNION ALL SELECT id + 1 FROM r WHERE id < {last})
            INSERT INTO rounds (id, guild_id, channel_id, kind, position, item_id, mode, message_id, opens_at,
                closes_at, status)
            SELECT id, {PREFILL_GUILD}, 1, 'quiz', 1,
                   (SELECT item_id FROM prefill_items WHERE n = id % {len(items)}), 'reactions', id,
                   {t0} + id * 60000, {t0} + id * 60000 + 20000, 'revealed' FROM r
            """
        )
        conn.execute(
            f"""
            WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < {PREFILL_PER_ROUND - 1})
            INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms,
                answered_at)
            SELECT r.id, 10000 + (r.id * {PREFILL_PER_ROUND} + s.k) % {PREFILL_MEMBERS}, {PREFILL_GUILD},
                   r.item_id, abs(random()) % 4, abs(random()) % 2, 100, 5000, r.opens_at + 5000
            FROM rounds r CROSS JOIN s WHERE r.id BETWEEN {start + 1} AND {last}
            """
        )
        conn.execute("COMMIT")
        print(
            f"\r  answers: {last * PREFILL_PER_ROUND:,} of {rounds * PREFILL_PER_ROUND:,}", end="", flush=True
        )
    print()
    conn.execute("CREATE INDEX answers_member ON answers (guild_id, user_id, answered_at)")
    conn.execute(
        f"""
        INSERT INTO members (guild_id, user_id, display_name, updated_at)
        SELECT {PREFILL_GUILD}, 10000 + k, 'member', {t0} FROM (
            WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < {PREFILL_MEMBERS - 1})
            SELECT k FROM m)
        """
    )
    conn.execute(
        """
        INSERT INTO scores (guild_id, period_kind, period_key, user_id, points, answered, correct, updated_at)
        SELECT guild_id, 'all', 'all', user_id, SUM(points), COUNT(*), SUM(correct), MAX(answered_at)
        FROM answers GROUP BY guild_id, user_id
        """
    )
    conn.execute("DROP TABLE prefill_items")
    from datetime import UTC, datetime

    fill_cards(conn, PREFILL_MEMBERS, items, now=datetime.fromtimestamp((t0 + rounds * 60_000) / 1000, UTC))
    conn.execute("ANALYZE")
    conn.close()
    print(f"  prefilled in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 1e9:.1f} GB)")


async def copy_prefill(path: Path, url: str) -> None:
    """The prefilled SQLite file into the run's PostgreSQL database, by ``quizbot db copy``'s own
    code (which analyzes the copy after)."""
    from bot.storage.copy import copy_database
    from bot.storage.database import Database

    db = await Database.open(path)  # a reused file may predate a migration
    try:
        await db.migrate()
    finally:
        await db.close()

    def show(line: str) -> None:
        print(f"\r  {line:<60}", end="", flush=True)

    result = await copy_database(f"sqlite:///{path}", url, progress=show)
    print(f"\r  copied {result.rows:,} rows into PostgreSQL in {result.seconds:.0f} s{' ' * 30}")
    if result.differing:
        raise SystemExit(f"the copy's row counts differ: {result.differing}")


def settle_previous_run(path: Path) -> None:
    """A reused database: the last run's quiz (in a stand-in server that is gone) is over."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE quiz_sessions SET status = 'stopped' WHERE status = 'running'")
    conn.execute("UPDATE rounds SET status = 'revealed' WHERE status != 'revealed'")
    conn.close()


# --- report --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def report(args: argparse.Namespace, r: dict[str, Any], log_lines: list[str]) -> bool:
    sent, seen = r["sent"], r["seen"]
    sent_at: dict[int, float] = dict(zip(sent["user_ids"], sent["sent_at"], strict=True))
    latencies = sorted((seen.saved[u] - t) * 1000 for u, t in sent_at.items() if u in seen.saved)
    transport = sorted((seen.taken[u] - t) * 1000 for u, t in sent_at.items() if u in seen.taken)
    writer = sorted((seen.saved[u] - seen.taken[u]) * 1000 for u in seen.saved if u in seen.taken)
    saved = len(seen.saved)
    first = min(sent_at.values())
    last_saved = max(seen.saved.values()) if seen.saved else first
    span = last_saved - first
    rate = saved / span if span > 0 else 0.0
    offered = f"{args.rate:,.0f}/s open loop" if args.rate > 0 else "as fast as the stand-in sends"
    where = (
        "one process, one event loop (figures include the stand-in)"
        if args.same_process
        else ("stand-in in a separate process (figures are the bot's)")
    )
    ok = saved == args.members == r["stored"] and seen.failed == 0 and not seen.refused
    target_rate = TARGET_RATE_POSTGRES if args.database_url else TARGET_RATE
    print(f"setup:            {where}")
    print(
        f"database:         {'PostgreSQL (' + args.shown_url + ')' if args.database_url else 'SQLite file'}"
    )
    print(f"members:          {args.members:,}; offered {offered}")
    print(
        f"reactions sent:   {len(sent_at):,} in {sent['send_seconds']:.3f} s "
        f"({len(sent_at) / sent['send_seconds']:,.0f}/s; stand-in behind schedule p99 "
        f"{sent['behind_p99_ms']:.1f} ms, max {sent['behind_max_ms']:.1f} ms)"
    )
    print(
        f"answers saved:    {saved:,} (rows in the database: {r['stored']:,}; failed {seen.failed}; "
        f"refused {seen.refused or 0}) {'OK' if ok else 'MISMATCH'}"
    )
    print(f"answers/s:        {rate:,.0f} (first reaction to last saved, {span:.3f} s)")
    if latencies:
        print(
            f"reaction->saved:  p50 {pct(latencies, 0.5):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms, "
            f"max {latencies[-1]:.1f} ms, mean {statistics.fmean(latencies):.1f} ms"
        )
        print(
            f"  of which        reaction->bot took it p50 {pct(transport, 0.5):.1f} / p99 "
            f"{pct(transport, 0.99):.1f} ms; took->saved p50 {pct(writer, 0.5):.1f} / p99 "
            f"{pct(writer, 0.99):.1f} ms"
        )

        def p99_by_second(done: dict[int, float]) -> list[str]:
            """p99 of (done - sent) for each second of sending (the first 30), by when sent."""
            seconds: dict[int, list[float]] = {}
            for u, t in sent_at.items():
                if u in done:
                    seconds.setdefault(int(t - first), []).append((done[u] - t) * 1000)
            return [f"{pct(sorted(v), 0.99):.0f}" for _, v in sorted(seconds.items())[:30]]

        saved_by_second = p99_by_second(seen.saved)
        if len(saved_by_second) > 1:  # a stall shows as one bad second among good ones
            print(f"  p99 by second   {' '.join(saved_by_second)} ms (by when the reaction was sent)")
            print(f"    to bot took   {' '.join(p99_by_second(seen.taken))} ms")
    print(f"writer batches:   {r['batches']} (mean {saved / max(r['batches'], 1):,.0f} answers each)")
    other = max(0.0, r["cpu"] - r["loop_cpu"] - r["sql_cpu"])
    share = 100 * r["cpu"] / r["wall"]
    print(
        f"bot CPU:          {r['cpu']:.2f} s in {r['wall']:.2f} s ({share:.0f}% of one core; the GIL makes "
        "one process about one core's worth)" + (", stand-in included" if args.same_process else "")
    )
    if saved:
        per = 1e6 / saved
        print(
            f"  per answer      {r['cpu'] * per:.0f} us: event loop {r['loop_cpu'] * per:.0f} us, "
            f"{'SQLite writer thread' if not args.database_url else 'writer thread (none: asyncpg)'} "
            f"{r['sql_cpu'] * per:.0f} us, other threads {other * per:.0f} us "
            f"(~{saved / r['cpu']:,.0f} answers/s with a core to itself, at this batching)"
        )
    stand_in_cpu = 0.0 if args.same_process else sent["cpu_seconds"]
    if not args.same_process:
        print(f"stand-in CPU:     {stand_in_cpu:.2f} s (its own process)")
    pg_cpu = r["postgres_cpu"] or 0.0 if args.database_url else 0.0
    if args.database_url and r["postgres_cpu"] is not None:
        per_answer = 1e6 * pg_cpu / max(saved, 1)
        print(f"PostgreSQL CPU:   {pg_cpu:.2f} s ({per_answer:.0f} us per answer) in its server processes")
        total = r["cpu"] + stand_in_cpu + pg_cpu
        if total > 0:
            bot_share, stand_in_share = 100 * r["cpu"] / total, 100 * stand_in_cpu / total
            print(
                f"CPU split:        bot {bot_share:.0f}%, stand-in {stand_in_share:.0f}%, PostgreSQL "
                f"{100 * pg_cpu / total:.0f}% of {total:.2f} CPU-s on {multiprocessing.cpu_count()} cores"
            )
    if r["machine_busy"] is not None:
        others = max(0.0, r["machine_busy"] - r["cpu"] - stand_in_cpu - pg_cpu)
        print(
            f"machine:          {multiprocessing.cpu_count()} CPUs, busy {r['machine_busy']:.2f} CPU-s in "
            f"the run; other processes ~{others:.2f} CPU-s"
            + (" (loaded machine: latencies are not the bot's alone)" if others > 0.25 * r["wall"] else "")
        )
    if r["violations"]:
        print(f"stand-in violations: {len(r['violations'])}")
        for line in r["violations"][:5]:
            print(f"  {line}")
    if log_lines:
        print(f"bot warnings/errors logged: {len(log_lines)}")
        for line in log_lines[:5]:
            print(f"  {line}")
    met = bool(latencies) and ok and rate >= target_rate and pct(latencies, 0.99) <= TARGET_P99_MS
    print(
        f"target:           >= {target_rate:,} answers/s and p99 <= {TARGET_P99_MS:.0f} ms: "
        + ("met" if met else "NOT met")
        + (
            " (the offered rate caps answers/s; use --rate 0 for the ceiling)"
            if 0 < args.rate <= target_rate
            else ""
        )
    )
    return ok and not r["violations"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--members", type=int, default=5000, help="members, each reacting once (default 5000)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        help=f"reactions per second, open loop (default {DEFAULT_RATE:,}: the target plus 10%%, so a bot "
        "that keeps up shows at least the target end to end); 0: as fast as the stand-in sends",
    )
    parser.add_argument(
        "--uvloop", action="store_true", help="run the bot's event loop on uvloop (if installed)"
    )
    parser.add_argument("--topic", default="lora", help="the question's topic (default lora)")
    parser.add_argument(
        "--same-process", action="store_true", help="run the stand-in in the bot's event loop"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile the bot's event loop while answers flow, stats to FILE (slows it: not for figures)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="bound on every wait, seconds (default 60)"
    )
    parser.add_argument(
        "--prefill",
        type=int,
        default=0,
        metavar="ANSWERS",
        help="first give the database a past: this many answers (e.g. 10000000) across 100,000 members of "
        "another server, their scores, and their 120 cards each with a review apiece",
    )
    parser.add_argument(
        "--prefill-db",
        type=Path,
        default=None,
        metavar="FILE",
        help="build the prefilled database here once and reuse it (each run adds its answers to it)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=None,
        help="run on PostgreSQL: postgresql://user@host:port/db names the server; the run uses a scratch "
        "database made there and dropped after",
    )
    args = parser.parse_args()
    args.database = None
    if not 1 <= args.members <= MAX_MEMBERS:
        parser.error(f"--members must be 1..{MAX_MEMBERS}")
    if args.rate < 0:
        parser.error("--rate must be >= 0")

    handler = CountingHandler()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for each in logging.getLogger().handlers:
        each.addFilter(not_voice)
    logging.getLogger().addHandler(handler)
    loop_factory = None
    if args.uvloop:
        try:
            import uvloop
        except ImportError:
            parser.error("--uvloop needs uvloop (pip install uvloop); it is not a project dependency")
        loop_factory = uvloop.new_event_loop
    with tempfile.TemporaryDirectory() as folder, asyncio.Runner(loop_factory=loop_factory) as runner:
        if args.prefill:
            db_path = args.prefill_db or Path(folder) / "bench.db"
            if not db_path.exists():
                print(
                    f"prefilling {db_path}: {args.prefill:,} answers across {PREFILL_MEMBERS:,} members ..."
                )
                prefill(db_path, args.prefill)
            else:
                settle_previous_run(db_path)
            args.database = db_path
        run = run_same_process if args.same_process else run_two_processes
        server_url = args.database_url
        args.shown_url = ""
        if server_url:
            args.database_url = runner.run(scratch_database(server_url))
            args.shown_url = args.database_url.rsplit("/", 1)[-1] + " on " + server_url.rsplit("/", 1)[0]
        try:
            if server_url and args.database:
                runner.run(copy_prefill(args.database, args.database_url))
                args.database = None
            result = runner.run(run(args, Path(folder)))
        finally:
            if server_url:
                runner.run(drop_scratch(server_url, args.database_url))
    return 0 if report(args, result, handler.records) else 1


if __name__ == "__main__":
    raise SystemExit(main())

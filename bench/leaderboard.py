"""Leaderboard reads at 1 million and 10 million answers, and whether they stall the answer writer.

Fills a temporary SQLite file with answers (the largest server has 100,000 members, 99 more have
1,000 each; half the answers are in the largest one, over 26 weeks) and builds the aggregates the
answer writer keeps (``scores`` per all-time/week/month, ``topic_scores``, ``members``) from exactly
those answers. Then times, through aiosqlite and the project's own repository and service code,
reads on the largest server:

- top 10: one page of the all-time board (the query behind /leaderboard's list);
- own rank: a random member's place (a primary-key look-up plus a range count);
- whole page: what /leaderboard runs (board size, the page, the caller's place);
- week top 10: the current week's board.

Each is timed over ``--queries`` calls (p50/p99). Then the answer writer saves batches of 500 answers
alone and again while a reader loops on leaderboard reads, to show reads do not stall writes.

    python bench/leaderboard.py                       # 1M then 10M answers (a few minutes)
    python bench/leaderboard.py --answers 1000000     # one size only
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bank.loader import load_bank
from bot.core.clock import FakeClock, to_ms
from bot.core.periods import period_keys
from bot.core.topics import TOPICS
from bot.services.leaderboard import Period
from bot.storage.answers import NewAnswer
from bot.storage.database import Database
from bot.wiring import build_services

BIG_GUILD = 1
BIG_MEMBERS = 100_000
SMALL_GUILDS = 99
SMALL_MEMBERS = 1_000
PER_ROUND = 50  # members answering each question
WEEKS = 26
NOW = datetime(2026, 6, 29, 12, 0, tzinfo=UTC)  # a Monday: the current week has a few hours of answers
START = NOW - timedelta(weeks=WEEKS)
USER_BASE = 10**17  # snowflake-sized ids


def members_of(guild: int) -> int:
    return BIG_MEMBERS if guild == BIG_GUILD else SMALL_MEMBERS


def user_id(guild: int, index: int) -> int:
    return USER_BASE + guild * 1_000_000 + index


# --- filling ---------------------------------------------------------------------------------------


def fill(path: Path, first_round: int, rounds: int, total_rounds: int) -> None:
    """Insert rounds ``first_round`` .. ``first_round + rounds - 1`` of ``total_rounds`` spread over
    the 26 weeks, with PER_ROUND distinct answerers each. Answers are generated inside SQLite."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("BEGIN")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS plan (round_id INTEGER PRIMARY KEY, guild_id INTEGER, "
        "members INTEGER, base INTEGER, start INTEGER, step INTEGER, opens_at INTEGER)"
    )
    conn.execute("DELETE FROM plan")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS slot (j INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM slot")
    conn.executemany("INSERT INTO slot VALUES (?)", [(j,) for j in range(PER_ROUND)])
    span_ms = to_ms(NOW) - to_ms(START) - 3_600_000
    rng = random.Random(first_round)
    rows = []
    rounds_rows = []
    for r in range(first_round, first_round + rounds):
        guild = BIG_GUILD if r % 2 == 0 else 2 + (r // 2) % SMALL_GUILDS
        m = members_of(guild)
        # Rounds are spread evenly over the whole span whatever the batch, so 1M and 10M cover it alike.
        opens = to_ms(START) + (r * 7919 % total_rounds) * span_ms // total_rounds
        step = rng.choice((7919, 104_729, 1_299_709))  # primes: coprime to 100,000 and 1,000
        rows.append((r, guild, m, user_id(guild, 0), rng.randrange(m), step, opens))
        topic = TOPICS[r % len(TOPICS)]
        rounds_rows.append((r, guild, f"item-{topic}", opens, opens + 20_000))
    conn.executemany("INSERT INTO plan VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany(
        "INSERT INTO rounds (id, guild_id, channel_id, kind, item_id, mode, opens_at, closes_at, status) "
        "VALUES (?, ?, 1, 'quiz', ?, 'reactions', ?, ?, 'revealed')",
        rounds_rows,
    )
    # Deterministic pseudo-random per (round, slot): member skill varies (30% .. 90% right) and
    # points fall with the answer's latency like the real rule (1,000 at once, 500 at the deadline).
    conn.execute(
        """
        INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms,
            answered_at)
        SELECT round_id, user_id, guild_id, 'item', 1 - correct, correct,
               CASE WHEN correct = 1 THEN 1000 - latency / 40 ELSE 0 END, latency, opens_at + latency
        FROM (
            SELECT round_id, user_id, guild_id, opens_at,
                   (h % 100) < 30 + (user_id % 61) AS correct, (h / 100) % 20000 AS latency
            FROM (
                SELECT p.round_id, p.base + (p.start + s.j * p.step) % p.members AS user_id, p.guild_id,
                       p.opens_at, (p.round_id * 2654435761 + s.j * 40503) % 1000003 AS h
                FROM plan p CROSS JOIN slot s
            )
        )
        """
    )
    conn.execute("COMMIT")
    conn.close()


def build_aggregates(path: Path) -> None:
    """(Re)build every aggregate from the answers, as the answer writer would have kept them."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("BEGIN")
    for table in ("scores", "topic_scores", "members"):
        conn.execute(f"DELETE FROM {table}")
    # Period keys per round, computed with the project's own period rules (UTC servers).
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS keys (round_id INTEGER PRIMARY KEY, week TEXT, month TEXT)")
    conn.execute("DELETE FROM keys")
    rounds = conn.execute("SELECT id, opens_at FROM rounds").fetchall()
    keyed = []
    for rid, opens in rounds:
        k = period_keys(datetime.fromtimestamp(opens / 1000, tz=UTC))
        keyed.append((rid, k.week, k.month))
    conn.executemany("INSERT INTO keys VALUES (?, ?, ?)", keyed)
    conn.execute(
        """
        INSERT INTO scores (guild_id, period_kind, period_key, user_id, points, answered, correct, updated_at)
        SELECT guild_id, 'all', 'all', user_id, SUM(points), COUNT(*), SUM(correct), MAX(answered_at)
        FROM answers GROUP BY guild_id, user_id
        """
    )
    for kind in ("week", "month"):
        conn.execute(
            f"""
            INSERT INTO scores (guild_id, period_kind, period_key, user_id, points, answered, correct,
                updated_at)
            SELECT a.guild_id, '{kind}', k.{kind}, a.user_id, SUM(a.points), COUNT(*), SUM(a.correct),
                   MAX(a.answered_at)
            FROM answers a JOIN keys k ON k.round_id = a.round_id
            GROUP BY a.guild_id, k.{kind}, a.user_id
            """
        )
    conn.execute(
        """
        INSERT INTO topic_scores (guild_id, user_id, topic, answered, correct)
        SELECT a.guild_id, a.user_id, substr(r.item_id, 6), COUNT(*), SUM(a.correct)
        FROM answers a JOIN rounds r ON r.id = a.round_id
        GROUP BY a.guild_id, a.user_id, substr(r.item_id, 6)
        """
    )
    conn.execute(
        "INSERT INTO members (guild_id, user_id, display_name, updated_at) "
        "SELECT guild_id, user_id, 'member ' || (user_id % 1000000), 0 FROM scores WHERE period_kind = 'all'"
    )
    conn.execute("COMMIT")
    conn.close()


def check(path: Path) -> tuple[int, int, bool]:
    conn = sqlite3.connect(path)
    answers = conn.execute("SELECT COUNT(*), SUM(points) FROM answers").fetchone()
    scores = conn.execute(
        "SELECT SUM(answered), SUM(points) FROM scores WHERE period_kind = 'all'"
    ).fetchone()
    big = conn.execute(
        "SELECT COUNT(*) FROM scores WHERE guild_id = ? AND period_kind = 'all'", (BIG_GUILD,)
    ).fetchone()[0]
    conn.close()
    return int(answers[0]), int(big), tuple(answers) == tuple(scores)


# --- timing ----------------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(n: int, call: Callable[[int], Awaitable[object]], warmup: int = 50) -> tuple[float, float]:
    for i in range(warmup):
        await call(i)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        await call(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return pct(samples, 0.5), pct(samples, 0.99)


async def measure(path: Path, queries: int) -> dict[str, tuple[float, float]]:
    db = await Database.open(path)
    clock = FakeClock(NOW)
    service = build_services(db, load_bank(), clock).leaderboards
    rng = random.Random(42)
    members = [user_id(BIG_GUILD, rng.randrange(BIG_MEMBERS)) for _ in range(queries + 100)]
    try:
        board = await service.resolve(BIG_GUILD, period=Period.ALL_TIME)
        week = await service.resolve(BIG_GUILD, period=Period.WEEK)
        results = {
            "top 10": await timed(queries, lambda i: service.scores.page(board.key, 0, 10)),
            "own rank": await timed(queries, lambda i: service.place(board, members[i])),
            "whole /leaderboard page": await timed(queries, lambda i: service.page(board, 0, members[i])),
            "week top 10": await timed(queries, lambda i: service.scores.page(week.key, 0, 10)),
        }
    finally:
        await db.close()
    return results


async def _count_answers(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM answers")
    return int(row[0]) if row else 0


async def writer_stall(path: Path, batches: int = 40, size: int = 500) -> dict[str, tuple[float, float, int]]:
    """Batch save times (p50, p99 ms) with no reads, and with a reader looping on leaderboard reads."""
    db = await Database.open(path)
    clock = FakeClock(NOW)
    services = build_services(db, load_bank(), clock)
    writer, service = services.answer_writer, services.leaderboards
    writer.start()
    board = await service.resolve(BIG_GUILD, period=Period.ALL_TIME)
    rng = random.Random(7)
    # Rounds of their own, far above the filled ones (the next fill continues from those).
    next_round = 10**9 + await _count_answers(db)
    async with db.transaction() as conn:
        for r in range(next_round, next_round + 3 * batches):
            await conn.execute(
                "INSERT INTO rounds (id, guild_id, channel_id, kind, item_id, mode, opens_at, closes_at) "
                "VALUES (?, ?, 1, 'quiz', 'item-lora', 'buttons', ?, ?)",
                (r, BIG_GUILD, to_ms(NOW), to_ms(NOW) + 20_000),
            )
    keys = period_keys(NOW)

    async def one_batch(round_id: int) -> float:
        t0 = time.perf_counter()
        futures = [
            writer.submit(
                NewAnswer(
                    round_id=round_id,
                    guild_id=BIG_GUILD,
                    user_id=user_id(BIG_GUILD, rng.randrange(BIG_MEMBERS)),
                    display_name="bench",
                    item_id="item-lora",
                    topic="lora",
                    choice=0,
                    correct=True,
                    points=900,
                    latency_ms=2000,
                    answered_at=to_ms(NOW),
                    week_key=keys.week,
                    month_key=keys.month,
                )
            )
            for _ in range(size)
        ]
        await asyncio.gather(*futures)
        return (time.perf_counter() - t0) * 1000

    out: dict[str, tuple[float, float, int]] = {}
    try:
        alone = [await one_batch(next_round + i) for i in range(batches)]
        out["writes alone"] = (pct(alone, 0.5), pct(alone, 0.99), 0)
        for label, rate in (("writes during 20 reads/s", 20.0), ("writes during reads flat out", 0.0)):
            stop = asyncio.Event()
            reads = 0

            async def reader(rate: float = rate, stop: asyncio.Event = stop) -> None:
                nonlocal reads
                while not stop.is_set():
                    t0 = time.perf_counter()
                    await service.page(board, 0, user_id(BIG_GUILD, rng.randrange(BIG_MEMBERS)))
                    reads += 1
                    if rate:
                        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - t0)))

            # Two members paging at once (flat out: as fast as the reader connection answers).
            readers = [asyncio.create_task(reader()) for _ in range(1 if rate else 2)]
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            busy = [await one_batch(next_round + batches + i) for i in range(batches)]
            elapsed = time.perf_counter() - started
            stop.set()
            await asyncio.gather(*readers)
            next_round += batches
            out[label] = (pct(busy, 0.5), pct(busy, 0.99), round(reads / elapsed))

        # forget-me for members of the largest server: one transaction each on the writer.
        privacy = services.privacy
        forget = []
        for k in range(20):
            t0 = time.perf_counter()
            await privacy.forget(BIG_GUILD, user_id(BIG_GUILD, 1000 + k * 4999))
            forget.append((time.perf_counter() - t0) * 1000)
        out["forget-me (one member)"] = (pct(forget, 0.5), pct(forget, 0.99), 0)
    finally:
        await writer.stop()
        await services.tasks.drain(grace=1)
        await db.close()
    return out


# --- main ------------------------------------------------------------------------------------------


async def main(sizes: list[int], queries: int) -> None:
    print(
        f"largest server {BIG_MEMBERS:,} members, {SMALL_GUILDS} more with {SMALL_MEMBERS:,}; "
        f"{PER_ROUND} answers per question over {WEEKS} weeks; {queries:,} timed queries each"
    )
    figures: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = await Database.open(path)
        await db.migrate()
        await db.close()
        done_rounds = 0
        total_rounds = max(sizes) // PER_ROUND
        for size in sorted(sizes):
            t0 = time.perf_counter()
            rounds = size // PER_ROUND - done_rounds
            fill(path, done_rounds + 1, rounds, total_rounds)
            done_rounds += rounds
            t1 = time.perf_counter()
            build_aggregates(path)
            t2 = time.perf_counter()
            answers, big, consistent = check(path)
            print(
                f"\n== {answers:,} answers (filled in {t1 - t0:.0f} s, aggregates in {t2 - t1:.0f} s; "
                f"{big:,} members on the largest all-time board; aggregates match answers: {consistent}; "
                f"file {path.stat().st_size / 1e6:,.0f} MB)"
            )
            figures[size] = await measure(path, queries)
            for name, (p50, p99) in figures[size].items():
                print(f"{name:<29} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms")
            for name, (p50, p99, reads) in (await writer_stall(path)).items():
                extra = f"   ({reads:,} /leaderboard pages/s read meanwhile)" if reads else ""
                unit = "" if name.startswith("forget") else " per 500-answer batch"
                print(f"{name:<29} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms{unit}{extra}")
    if len(figures) >= 2:
        small, large = min(figures), max(figures)
        print(f"\ngrowth from {small:,} to {large:,} answers (p99):")
        for name in figures[small]:
            ratio = figures[large][name][1] / figures[small][name][1]
            print(f"{name:<29} x{ratio:.2f}")
        top = figures[large]["top 10"][1]
        rank = figures[large]["own rank"][1]
        ok = (
            top <= 1.0
            and rank <= 20.0
            and figures[large]["top 10"][1] / figures[small]["top 10"][1] < 2
            and figures[large]["own rank"][1] / figures[small]["own rank"][1] < 2
        )
        verdict = "met" if ok else "NOT met"
        print(f"targets (top 10 p99 <= 1 ms, own rank p99 <= 20 ms, each < 2x growth): {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.answers, args.queries))

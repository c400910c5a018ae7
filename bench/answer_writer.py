"""Throughput of the batching answer writer against a real SQLite file.

Submits answers at a target rate (open loop) from many members over several rounds and
prints answers/s and the submit-to-saved latency percentiles.

    python bench/answer_writer.py --rate 5000 --seconds 5 --members 5000
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.answer_writer import AnswerWriter
from bot.storage.answers import NewAnswer
from bot.storage.database import Database
from bot.tasks import TaskRunner


async def run(rate: int, seconds: float, members: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.db")
        await db.migrate()
        async with db.transaction() as conn:
            for r in range(1, rounds + 1):
                await conn.execute(
                    "INSERT INTO rounds (id, guild_id, channel_id, kind, item_id, mode, opens_at, closes_at) "
                    "VALUES (?, 1, 1, 'quiz', 's000-q01', 'reactions', 0, 1)",
                    (r,),
                )
        tasks = TaskRunner()
        writer = AnswerWriter(db, tasks)
        writer.start()
        latencies: list[float] = []
        pending: list[asyncio.Future[bool]] = []
        total = int(rate * seconds)
        started = time.perf_counter()

        def done(submitted: float, _fut: asyncio.Future[bool]) -> None:
            latencies.append(time.perf_counter() - submitted)

        for n in range(total):
            target = started + n / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            user = n % members
            round_id = 1 + (n // members) % rounds
            answer = NewAnswer(
                round_id=round_id,
                guild_id=1,
                user_id=user,
                display_name=f"member{user}",
                item_id="s000-q01",
                topic="sft",
                choice=n % 4,
                correct=n % 4 == 1,
                points=750 if n % 4 == 1 else 0,
                latency_ms=1234,
                answered_at=int(time.time() * 1000),
                week_key="2026-W47",
                month_key="2026-11",
            )
            fut = writer.submit(answer)
            fut.add_done_callback(functools.partial(done, time.perf_counter()))
            pending.append(fut)
        await asyncio.gather(*pending)
        elapsed = time.perf_counter() - started
        await writer.stop()
        await tasks.drain()
        rows = await db.fetch_one("SELECT COUNT(*) AS n FROM answers")
        await db.close()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"answers submitted: {total} at {rate}/s for {seconds:.1f} s ({members} members, {rounds} rounds)")
    print(f"answers stored:    {rows['n'] if rows else 0} (one per member per round)")
    print(f"throughput:        {total / elapsed:,.0f} answers/s")
    print(f"submit->saved:     p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"batches:           {writer.batches} (mean {total / max(writer.batches, 1):.0f} answers each)")
    print(f"mean latency:      {statistics.fmean(latencies) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds, args.members, args.rounds))


if __name__ == "__main__":
    main()

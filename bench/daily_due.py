"""Questions of the day for 10,000 and 100,000 servers due in the same minute.

Every server has a schedule for 09:00 in its time zone (a mix of zones whose 09:00 is the same
instant), all due at once. The bot's one wake-up (:meth:`DailyService.run_due`, what the scheduler's
single ``due-work`` job calls) claims them from the database in chunks, posts each through a
counting presenter (a sender that answers at once, standing in for Discord) paced by the real
token bucket at the daily budget (40 requests/s, under Discord's global 50/s), and opens each
question for answers on the real quiz service, with a real SQLite file.

Time: the pacer waits on a *virtual* clock that jumps to the moment a wait would end, so the run
takes as long as the work costs the CPU, while the figures in virtual time are what the rate limit
dictates on Discord (a sender with no latency). What it prints:

- missed posts: servers whose post of the day was not made (target 0);
- event-loop lag: a real-time ticker every 5 ms; how late each tick ran, p50/p99/max (target p99
  at most 50 ms): nothing in the run holds the loop;
- memory: peak RSS growth of the process and the scheduler's job count (1, whatever the servers);
- time to send everything: virtual (at the rate limit) and wall-clock, requests sent, and the delay
  from the due time to each post (p50/p99/max, virtual).

    python bench/daily_due.py                       # 10,000 then 100,000 servers
    python bench/daily_due.py --servers 10000 --mode buttons
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bank.loader import load_bank
from bot.core.clock import to_ms
from bot.services.daily import DAILY_REQUESTS_PER_SECOND, DailyCard, TokenBucket
from bot.services.rounds import QuestionCard
from bot.storage.database import Database
from bot.storage.migrations import migrate
from bot.wiring import build_services

# 2026-11-23 08:00 UTC is 09:00 in each of these zones (none observes DST in November).
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Europe/Paris", "Africa/Lagos", "Europe/Rome", "Europe/Madrid")
GUILD_BASE = 10**17
CHANNEL_BASE = 2 * 10**17


class VirtualClock:
    """Now is virtual; a wait jumps it forward instead of sleeping (the sender has no latency)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        if when > self._now:
            self._now = when
        await asyncio.sleep(0)


class CountingPresenter:
    """What Discord would be sent: counts requests, hands out message ids, records post times."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.requests = 0
        self.posted: dict[int, datetime] = {}  # guild id -> when posted (virtual)
        self._next_id = 3 * 10**17

    async def post_daily(self, card: DailyCard) -> int:
        self.requests += 1
        self.posted[card.question.guild_id] = self.clock.now()
        self._next_id += 1
        return self._next_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        self.requests += len(card.item.choices)

    def unavailable_reason(self, error: BaseException) -> str | None:
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def fill(db: Database, servers: int, mode: str) -> None:
    due_ms = to_ms(DUE)
    made = to_ms(DUE - timedelta(days=1))
    rows = [
        (GUILD_BASE + n, CHANNEL_BASE + n, "09:00", ZONES[n % len(ZONES)], None, 12, None, due_ms, made, made)
        for n in range(servers)
    ]
    # Bench set-up only: the bot writes schedules through DailyRepository.save_schedule.
    await db.writer.executemany(
        """
        INSERT INTO daily_schedules (guild_id, channel_id, post_time, timezone, role_id, reveal_after_hours,
            topic, paused, pause_reason, next_post_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
        """,
        rows,
    )
    if mode == "buttons":
        await db.writer.executemany(
            "INSERT INTO guild_settings (guild_id, answer_mode, updated_at) VALUES (?, 'buttons', ?)",
            [(GUILD_BASE + n, made) for n in range(servers)],
        )
    await db.writer.commit()


async def run(servers: int, mode: str, folder: Path) -> bool:
    db = await Database.open(folder / f"daily-{servers}.db")
    await migrate(db.writer, where=folder)
    await fill(db, servers, mode)
    bank = load_bank()
    clock = VirtualClock(DUE + timedelta(seconds=1))  # the minute's wake-up, just after 09:00
    pacer = TokenBucket(clock, DAILY_REQUESTS_PER_SECOND)
    services = build_services(db, bank, clock, seed=7, pacer=pacer)
    tasks, writer, daily = services.tasks, services.answer_writer, services.daily
    writer.start()
    presenter = CountingPresenter(clock)
    daily.presenter = presenter
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    # The bot's one job, however many servers (paused: the run below is the minute's wake-up).
    scheduler.add_job(daily.run_due, "interval", minutes=1, id="due-work", next_run_time=None)

    gc.collect()
    rss_before = rss_mb()
    monitor = LagMonitor()
    monitor.start()
    started_wall = time.perf_counter()
    started_virtual = clock.now()
    report = await daily.run_due()
    runs = 1
    while report.more:  # each wake-up stops at its time budget; the next minute's carries on
        more = await daily.run_due()
        runs += 1
        report.posted += more.posted
        report.more = more.more
    wall = time.perf_counter() - started_wall
    virtual = (clock.now() - started_virtual).total_seconds()
    await monitor.stop()
    rss_after = rss_mb()

    posted_rows = await db.fetch_all(
        "SELECT guild_id, due_at, posted_at FROM daily_posts WHERE status = 'posted'"
    )
    missed = servers - len(posted_rows)
    delays = [(r["posted_at"] - r["due_at"]) / 1000 for r in posted_rows if r["posted_at"] is not None]
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    await writer.stop()
    await tasks.drain()
    await db.close()

    lag_ms = [x * 1000 for x in monitor.lags]
    print(f"\n== {servers:,} servers due at {DUE:%Y-%m-%d %H:%M} UTC (09:00 local), {mode} ==")
    print(f"missed posts:        {missed} (target 0); {runs} wake-up(s); report: {report}")
    print(
        f"loop lag:            p50 {pct(lag_ms, 0.5):.2f} ms, p99 {pct(lag_ms, 0.99):.2f} ms, "
        f"max {max(lag_ms, default=0):.1f} ms over {len(lag_ms):,} ticks (target p99 <= 50 ms)"
    )
    print(
        f"memory:              peak RSS +{rss_after - rss_before:.0f} MB (now {rss_after:.0f} MB); "
        f"scheduler jobs: {jobs}"
    )
    print(
        f"time to send all:    {virtual:,.0f} s at {DAILY_REQUESTS_PER_SECOND:.0f} requests/s "
        f"({presenter.requests:,} requests, {presenter.requests / max(virtual, 1e-9):.1f}/s); "
        f"wall {wall:.1f} s ({wall / max(servers, 1) * 1e6:.0f} us of CPU per post)"
    )
    print(
        f"due -> posted:       p50 {pct(delays, 0.5):,.0f} s, p99 {pct(delays, 0.99):,.0f} s, "
        f"max {max(delays, default=0):,.0f} s (virtual)"
    )
    last = max(presenter.posted.values(), default=DUE)
    print(f"last post at:        {last:%H:%M:%S} UTC ({last - DUE} after the due time)")
    return missed == 0 and pct(lag_ms, 0.99) <= 50


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, action="append", help="servers due (repeatable)")
    parser.add_argument("--mode", choices=("reactions", "buttons"), default="reactions")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for servers in args.servers or [10_000, 100_000]:
            ok = asyncio.run(run(servers, args.mode, Path(tmp))) and ok
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

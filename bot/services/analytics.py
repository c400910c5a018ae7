"""Item analytics and the curator's queue: statistics, reports, Dismiss / Disable here / Remove.

No discord import. The statistics come from a snapshot the refresh leaves in the database
(:meth:`AnalyticsService.refresh`: one grouped scan of every answer on a read-only connection on a
thread, then a short transaction per scope), so the answer path gains not one statement and the
slash commands read a few hundred rows. The minute's wake-up starts a refresh in the background
when the snapshot is older than ``REFRESH_EVERY``; ``bench/analytics.py`` has the figures.

Disabled items are kept in memory (:class:`DisabledItems`, loaded at start and changed with every
Disable / Enable) and the question pool leaves them out of a server's draws.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from bot.bank.loader import Bank
from bot.bank.schema import BankItem
from bot.core.clock import Clock, to_ms
from bot.core.errors import ConflictError, NotFoundError, UserFacingError
from bot.core.i18n import N_
from bot.core.item_analysis import Flag, ItemStats, ItemTally, item_stats
from bot.core.pacing import TokenBucket
from bot.core.ranking import accuracy
from bot.services.guild_bank import GuildBankService
from bot.services.question_pool import CHOICE_TYPES, QuestionPool
from bot.storage.analytics import (
    ALL_SERVERS,
    DAY_MS,
    AnalyticsRepository,
    DayActivity,
    ItemSums,
    MemberAccuracy,
    MemberDue,
    MemberWindow,
    ReportRow,
    RunRow,
    SnapshotRow,
    TopicAccuracy,
    WeekPoint,
    scan_tallies,
    scan_tallies_postgres,
)
from bot.storage.cards import CardRepository
from bot.storage.database import Database, SqliteDatabase
from bot.storage.postgres import PostgresDatabase
from bot.storage.quizzes import QuizRepository
from bot.tasks import TaskRunner

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(hours=1)
SCAN_NICENESS = 10  # the scan's thread yields the CPU to the answer path (Linux: threads have their own)
# The labels are English msgids: the report flow and /bank review show them translated.
REASONS: dict[str, str] = {
    "wrong_key": N_("Wrong key"),
    "unclear": N_("Unclear"),
    "typo": N_("Typo"),
    "outdated": N_("Outdated"),
    "other": N_("Other"),
}
COMMENT_LIMIT = 500
# Reports per member: a burst of 3, then one every 2 minutes (a flood is refused, privately).
REPORT_BURST = 3
REPORT_EVERY_SECONDS = 120
OVERVIEW_DAYS = 30
IMPROVED_DAYS = 14  # the last 14 days against the 14 before
MIN_WINDOW_ANSWERS = 5  # answers in each window to count as improved
NEEDS_HELP_MIN_ANSWERS = 10
NEEDS_HELP_BELOW = 0.5
# Study cards due now from which a member is listed as falling behind: 20 is two days of the default
# 10 new cards a day left unreviewed, more than one default /study session (10 cards) clears.
NEEDS_HELP_DUE = 20
LIST_SIZE = 5

# Re-exported for the cogs (which never import bot.storage).
__all__ = [
    "REASONS",
    "AnalyticsService",
    "ClassOverview",
    "DayActivity",
    "DisabledItems",
    "ItemDetail",
    "MemberAccuracy",
    "MemberDue",
    "MemberWindow",
    "ReportRow",
    "ReviewEntry",
    "TopicAccuracy",
    "WeekPoint",
]


class DisabledItems:
    """Which items each server has disabled (in memory; the pool filters with :meth:`of`)."""

    def __init__(self) -> None:
        self._by_guild: dict[int, set[str]] = {}

    def of(self, guild_id: int) -> set[str]:
        return self._by_guild.get(guild_id, set())

    def replace(self, pairs: Iterable[tuple[int, str]]) -> None:
        by_guild: dict[int, set[str]] = {}
        for guild_id, item_id in pairs:
            by_guild.setdefault(guild_id, set()).add(item_id)
        self._by_guild = by_guild

    def add(self, guild_id: int, item_id: str) -> None:
        self._by_guild.setdefault(guild_id, set()).add(item_id)

    def discard(self, guild_id: int, item_id: str) -> None:
        self._by_guild.get(guild_id, set()).discard(item_id)


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    item: BankItem
    own: bool  # the server's own item (Remove applies)
    disabled: bool
    stats: ItemStats | None  # in this server
    everywhere: ItemStats | None  # a shared item across all servers
    reports: tuple[ReportRow, ...]  # not dismissed
    min_answers: int  # flags are shown from this many answers


@dataclass(frozen=True, slots=True)
class ItemDetail:
    item: BankItem
    own: bool
    disabled: bool
    stats: ItemStats | None
    everywhere: ItemStats | None
    weeks: tuple[WeekPoint, ...]  # this server's answers per week
    computed_at: int | None
    reports: int
    min_answers: int


@dataclass(frozen=True, slots=True)
class HardItem:
    item_id: str
    prompt: str
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class Improvement:
    user_id: int
    display_name: str
    before: float
    recent: float


@dataclass(frozen=True, slots=True)
class ClassOverview:
    start_day: int  # UTC day number of the first of the 30 days
    activity: tuple[DayActivity, ...]  # one per day, zeros filled in
    topics: tuple[TopicAccuracy, ...]
    hardest: tuple[HardItem, ...]
    needs_help: tuple[MemberAccuracy, ...]
    improved: tuple[Improvement, ...]
    behind: tuple[MemberDue, ...] = ()  # members with NEEDS_HELP_DUE or more study cards due

    @property
    def answers(self) -> int:
        return sum(d.answers for d in self.activity)


@dataclass(slots=True)
class _Built:
    per_scope: dict[int, dict[str, ItemTally]] = field(default_factory=dict)
    answers: int = 0


def tallies_from_sums(sums: Iterable[ItemSums], item_of: Callable[[int, str], BankItem | None]) -> _Built:
    """The scan's groups as tallies per scope: each server's items, and shared items across servers.

    ``item_of(guild_id, item_id)`` finds the item (None: no longer asked; its answers are skipped);
    an item the shared bank holds is also added up across servers (scope ``ALL_SERVERS``).
    """
    built = _Built()
    for s in sums:
        item = item_of(s.guild_id, s.item_id)
        if item is None or not item.choices:
            continue
        built.answers += s.answers
        k = len(item.choices)
        here = built.per_scope.setdefault(s.guild_id, {}).setdefault(s.item_id, ItemTally(k))
        here.add(_tally_of(s, k, all_servers=False))
        if not item.id.startswith("g-") and item_of(ALL_SERVERS, s.item_id) is not None:
            everywhere = built.per_scope.setdefault(ALL_SERVERS, {}).setdefault(s.item_id, ItemTally(k))
            everywhere.add(_tally_of(s, k, all_servers=True))
    return built


def _tally_of(s: ItemSums, k: int, *, all_servers: bool) -> ItemTally:
    """One scan group as a tally of a k-choice item (choice indexes past k are not counted)."""
    if all_servers:
        top, sums = s.top_all, (s.a_n, s.a_x, s.a_y, s.a_yy, s.a_xy)
    else:
        top, sums = s.top, (s.d_n, s.d_x, s.d_y, s.d_yy, s.d_xy)
    return ItemTally(
        k,
        answers=s.answers,
        correct=s.correct,
        choices=list(s.choices[:k]),
        top=list(top[:k]),
        latency_ms=s.latency_ms,
        late=s.late,
        d_n=sums[0],
        d_x=sums[1],
        d_y=sums[2],
        d_yy=sums[3],
        d_xy=sums[4],
    )


def _tally(row: SnapshotRow, n_choices: int) -> ItemTally:
    def fit(values: Sequence[int]) -> list[int]:
        return [*values[:n_choices], *([0] * max(0, n_choices - len(values)))]

    return ItemTally(
        n_choices,
        answers=row.answers,
        correct=row.correct,
        choices=fit(row.choices),
        top=fit(row.top),
        latency_ms=row.latency_ms,
        late=row.late,
        d_n=row.d_n,
        d_x=row.d_x,
        d_y=row.d_y,
        d_yy=row.d_yy,
        d_xy=row.d_xy,
    )


def stats_for(item: BankItem, t: ItemTally, min_answers: int) -> ItemStats:
    return item_stats(
        item.id, t, key=item.answer_index, also_accepted=item.also_accepted_indexes, min_answers=min_answers
    )


def shared_item_of(bank: Bank) -> Callable[[int, str], BankItem | None]:
    """``item_of`` for the shared bank alone (``quizbot bank stats``)."""

    def item_of(guild_id: int, item_id: str) -> BankItem | None:
        item = bank.by_id(item_id)
        return item if item is not None and item.type in CHOICE_TYPES else None

    return item_of


def _lower_priority() -> None:
    """Make the scan thread nice, so on a busy machine the event loop and the answer writer come first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SCAN_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the scan just runs at normal priority
        log.debug("could not lower the analytics scan's priority")


class AnalyticsService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        pool: QuestionPool,
        guild_bank: GuildBankService,
        disabled: DisabledItems,
        tasks: TaskRunner,
        *,
        min_answers: int = 30,
    ) -> None:
        self.db = db
        self.clock = clock
        self.pool = pool
        self.guild_bank = guild_bank
        self.disabled = disabled
        self.tasks = tasks
        self.min_answers = min_answers
        self.repo = AnalyticsRepository(db)
        self._refresh_lock = asyncio.Lock()
        # Its own thread, niced once: the shared default executor's threads are left alone.
        self._scanner = ThreadPoolExecutor(
            1, thread_name_prefix="analytics-scan", initializer=_lower_priority
        )
        self._buckets: dict[tuple[int, int], TokenBucket] = {}

    async def load(self) -> None:
        self.disabled.replace(await self.repo.disabled())

    # -- the snapshot ---------------------------------------------------------------------------

    def _item_of(self, guild_id: int, item_id: str) -> BankItem | None:
        if guild_id == ALL_SERVERS:
            return self.pool.bank.by_id(item_id)
        item = self.pool.item(guild_id, item_id)
        return item if item is not None and item.type in CHOICE_TYPES else None

    async def refresh(self) -> RunRow:
        """Recompute every item's sums from the answers and swap the snapshot, a scope at a time."""
        async with self._refresh_lock:
            started = time.perf_counter()
            loop = asyncio.get_running_loop()
            if isinstance(self.db, PostgresDatabase):
                sums = await scan_tallies_postgres(self.db)
            else:
                assert isinstance(self.db, SqliteDatabase)
                sums = await loop.run_in_executor(self._scanner, scan_tallies, self.db.path)
            built = tallies_from_sums(sums, self._item_of)
            now_ms = to_ms(self.clock.now())
            seconds = time.perf_counter() - started
            # One short transaction per scope: the answer writer never waits long for the lock, and a
            # reader sees a server's items all old or all new.
            for scope, tallies in built.per_scope.items():
                rows = [_snapshot_row(scope, item_id, t, now_ms) for item_id, t in tallies.items()]
                async with self.db.transaction() as conn:
                    await AnalyticsRepository.replace_scope(conn, scope, rows)
            async with self.db.transaction() as conn:
                await AnalyticsRepository.finish_run(
                    conn, kept=list(built.per_scope), answers=built.answers, seconds=seconds, now_ms=now_ms
                )
            log.info(
                "item analytics: %d answers in %d scopes, scanned in %.1f s",
                built.answers,
                len(built.per_scope),
                seconds,
            )
            return RunRow(now_ms, built.answers, seconds)

    async def refresh_if_stale(self) -> None:
        """For the minute's wake-up: start a refresh in the background when the snapshot is old."""
        if self._refresh_lock.locked():
            return
        last = await self.repo.last_run()
        now_ms = to_ms(self.clock.now())
        if last is not None and now_ms - last.computed_at < REFRESH_EVERY.total_seconds() * 1000:
            return
        self.tasks.spawn(self.refresh(), name="analytics-refresh")

    async def _stats(self, scope: int, item: BankItem) -> ItemStats | None:
        row = await self.repo.snapshot_item(scope, item.id)
        return None if row is None else stats_for(item, _tally(row, len(item.choices)), self.min_answers)

    # -- reports --------------------------------------------------------------------------------

    async def reportable_round(self, guild_id: int, round_id: int, user_id: int) -> BankItem:
        """The item of a revealed round a member may report (the reveal's 🚩 button)."""
        row = await QuizRepository(self.db).round(round_id)
        if row is None or row.guild_id != guild_id:
            raise NotFoundError(N_("That question is no longer known here."))
        return await self.reportable(guild_id, row.item_id, user_id)

    async def reportable_study(self, session_id: int, position: int, user_id: int) -> tuple[int, BankItem]:
        """The deck (server, or 0 for a DM's private deck) and item of a member's own study card."""
        session = await CardRepository(self.db).session(session_id)
        if session is None or session.user_id != user_id or not 1 <= position <= session.total:
            raise NotFoundError(N_("That study card is no longer known here."))
        deck = session.guild_id
        return deck, await self.reportable(deck, session.item_ids[position - 1], user_id)

    async def reportable(self, guild_id: int, round_item: str, user_id: int) -> BankItem:
        """The item a member may report from a reveal; refused when already reported."""
        item = self.pool.item(guild_id, round_item)
        if item is None:
            raise NotFoundError(N_("That question is no longer in this server's bank."))
        if await self.repo.has_reported(guild_id, item.id, user_id):
            raise ConflictError(N_("You already reported this question; the server's curators will see it."))
        return item

    async def report(
        self,
        *,
        guild_id: int,
        item_id: str,
        user_id: int,
        reason: str,
        comment: str | None,
        round_id: int | None = None,
    ) -> None:
        if reason not in REASONS:
            raise UserFacingError(N_("Pick one of the reasons offered."))
        item = await self.reportable(guild_id, item_id, user_id)
        now = self.clock.now()
        bucket = self._buckets.setdefault(
            (guild_id, user_id), TokenBucket(self.clock, 1 / REPORT_EVERY_SECONDS, burst=REPORT_BURST)
        )
        wait = bucket.admit(1, now)
        if wait:
            seconds = max(1, round(wait.total_seconds()))
            raise UserFacingError(
                N_("You have sent several reports just now; try again in {seconds} s."), seconds=seconds
            )
        text = (comment or "").strip()[:COMMENT_LIMIT] or None
        async with self.db.transaction() as conn:
            added = await AnalyticsRepository.add_report(
                conn, ReportRow(guild_id, item.id, user_id, round_id, reason, text, to_ms(now))
            )
        if not added:
            raise ConflictError(N_("You already reported this question; the server's curators will see it."))
        log.info("server %s: member %s reported %s (%s)", guild_id, user_id, item.id, reason)

    # -- the review queue -----------------------------------------------------------------------

    async def review_queue(self, guild_id: int) -> list[ReviewEntry]:
        """The server's flagged and reported items not dismissed since, most reported first."""
        reports: dict[str, list[ReportRow]] = {}
        for r in await self.repo.reports(guild_id):
            reports.setdefault(r.item_id, []).append(r)
        dismissed = await self.repo.dismissed(guild_id)
        disabled = self.disabled.of(guild_id)
        stats: dict[str, ItemStats] = {}
        for row in await self.repo.snapshot(guild_id):
            item = self._item_of(guild_id, row.item_id)
            if item is not None:
                stats[item.id] = stats_for(item, _tally(row, len(item.choices)), self.min_answers)
        entries: list[ReviewEntry] = []
        for item_id in set(reports) | {i for i, s in stats.items() if s.flags}:
            if item_id in disabled:
                continue
            item = self.pool.item(guild_id, item_id)
            if item is None:
                continue
            since = dismissed.get(item_id)
            fresh = tuple(r for r in reports.get(item_id, ()) if since is None or r.created_at > since)
            if since is not None and not fresh:
                continue  # dismissed, and nobody reported it since
            entries.append(await self._entry(guild_id, item, stats.get(item_id), fresh, disabled=False))
        entries.sort(
            key=lambda e: (
                -len(e.reports),
                not (e.stats and Flag.SUSPECT_KEY in e.stats.flags),
                -(len(e.stats.flags) if e.stats else 0),
                e.item.id,
            )
        )
        return entries

    async def disabled_entries(self, guild_id: int) -> list[ReviewEntry]:
        """The server's disabled items (to enable again)."""
        entries = []
        for item_id in sorted(self.disabled.of(guild_id)):
            item = self.pool.item(guild_id, item_id)
            if item is not None:
                entries.append(await self._entry(guild_id, item, None, (), disabled=True))
        return entries

    async def _entry(
        self,
        guild_id: int,
        item: BankItem,
        stats: ItemStats | None,
        reports: tuple[ReportRow, ...],
        *,
        disabled: bool,
    ) -> ReviewEntry:
        own = self.pool.bank.by_id(item.id) is None
        if stats is None:
            stats = await self._stats(guild_id, item)
        everywhere = None if own else await self._stats(ALL_SERVERS, item)
        return ReviewEntry(item, own, disabled, stats, everywhere, reports, self.min_answers)

    async def dismiss(self, guild_id: int, item_id: str, user_id: int) -> None:
        async with self.db.transaction() as conn:
            await AnalyticsRepository.dismiss(conn, guild_id, item_id, user_id, to_ms(self.clock.now()))

    async def disable(self, guild_id: int, item_id: str, user_id: int) -> BankItem:
        item = self.pool.item(guild_id, item_id)
        if item is None:
            raise NotFoundError(N_("This server has no question `{item_id}`."), item_id=item_id)
        async with self.db.transaction() as conn:
            await AnalyticsRepository.disable(conn, guild_id, item.id, user_id, to_ms(self.clock.now()))
        self.disabled.add(guild_id, item.id)
        log.info("server %s disabled %s", guild_id, item.id)
        return item

    async def enable(self, guild_id: int, item_id: str) -> None:
        async with self.db.transaction() as conn:
            await AnalyticsRepository.enable(conn, guild_id, item_id)
        self.disabled.discard(guild_id, item_id)
        log.info("server %s enabled %s again", guild_id, item_id)

    async def remove(self, guild_id: int, item_id: str) -> BankItem:
        """Remove one of the server's own items (the shared bank's are disabled instead)."""
        if self.pool.bank.by_id(item_id) is not None:
            raise UserFacingError(N_("Shared questions can't be removed here; use Disable here instead."))
        item = await self.guild_bank.remove(guild_id, item_id)
        async with self.db.transaction() as conn:
            await AnalyticsRepository.forget_item(conn, guild_id, item.id)
        self.disabled.discard(guild_id, item.id)
        return item

    # -- one item -------------------------------------------------------------------------------

    async def item_detail(self, guild_id: int, item_id: str) -> ItemDetail:
        item = self.pool.item(guild_id, item_id.strip())
        if item is None or item.type not in CHOICE_TYPES:
            raise NotFoundError(
                N_("No choice question `{item_id}` here. Item ids are in each question's footer."),
                item_id=item_id.strip(),
            )
        own = self.pool.bank.by_id(item.id) is None
        stats = await self._stats(guild_id, item)
        everywhere = None if own else await self._stats(ALL_SERVERS, item)
        weeks = await self.repo.item_weeks(guild_id, item.id)
        run = await self.repo.last_run()
        reports = sum(1 for r in await self.repo.reports(guild_id) if r.item_id == item.id)
        return ItemDetail(
            item=item,
            own=own,
            disabled=item.id in self.disabled.of(guild_id),
            stats=stats,
            everywhere=everywhere,
            weeks=tuple(weeks),
            computed_at=run.computed_at if run else None,
            reports=reports,
            min_answers=self.min_answers,
        )

    async def server_stats(self, guild_id: int) -> list[ItemStats]:
        """Every item's statistics here from the snapshot, most answered first."""
        found = []
        for row in await self.repo.snapshot(guild_id):
            item = self._item_of(guild_id, row.item_id)
            if item is not None:
                found.append(stats_for(item, _tally(row, len(item.choices)), self.min_answers))
        return sorted(found, key=lambda s: (-s.answers, s.item_id))

    async def computed_at(self) -> int | None:
        run = await self.repo.last_run()
        return run.computed_at if run else None

    def item_choices(self, guild_id: int, needle: str) -> list[BankItem]:
        """Choice items this server may ask whose id or prompt contains ``needle`` (autocomplete)."""
        wanted = needle.casefold().strip()
        items = [*self.pool.bank.filter(types=CHOICE_TYPES), *self.guild_bank.items_of(guild_id)]
        return [
            i for i in items if i.type in CHOICE_TYPES and (wanted in i.id or wanted in i.prompt.casefold())
        ]

    # -- the class overview -----------------------------------------------------------------------

    async def class_overview(self, guild_id: int) -> ClassOverview:
        now_ms = to_ms(self.clock.now())
        today = now_ms // DAY_MS
        start_day = today - OVERVIEW_DAYS + 1
        since = start_day * DAY_MS
        by_day = {d.day: d for d in await self.repo.activity(guild_id, since)}
        activity = tuple(by_day.get(day, DayActivity(day, 0, 0)) for day in range(start_day, today + 1))
        hardest = []
        for w in await self.repo.items_since(guild_id, since):
            item = self.pool.item(guild_id, w.item_id)
            if item is not None and w.answers >= MIN_WINDOW_ANSWERS:
                hardest.append(HardItem(w.item_id, item.prompt, w.answers, w.correct))
        hardest.sort(key=lambda h: (h.correct / h.answers, -h.answers, h.item_id))
        members = await self.repo.member_accuracy(guild_id)
        needs_help = sorted(
            (
                m
                for m in members
                if m.answered >= NEEDS_HELP_MIN_ANSWERS and m.correct / m.answered < NEEDS_HELP_BELOW
            ),
            key=lambda m: (m.correct / m.answered, -m.answered, m.user_id),
        )
        split = now_ms - IMPROVED_DAYS * DAY_MS
        improved = []
        for m in await self.repo.member_windows(guild_id, split - IMPROVED_DAYS * DAY_MS, split):
            before = accuracy(m.before_correct, m.before_answers)
            recent = accuracy(m.recent_correct, m.recent_answers)
            if (
                m.before_answers >= MIN_WINDOW_ANSWERS
                and m.recent_answers >= MIN_WINDOW_ANSWERS
                and before is not None
                and recent is not None
                and recent > before
            ):
                improved.append(Improvement(m.user_id, m.display_name, before, recent))
        improved.sort(key=lambda i: (-(i.recent - i.before), i.user_id))
        topics = sorted(await self.repo.topic_accuracy(guild_id), key=lambda t: t.topic)
        return ClassOverview(
            start_day=start_day,
            activity=activity,
            topics=tuple(topics),
            hardest=tuple(hardest[:LIST_SIZE]),
            needs_help=tuple(needs_help[:LIST_SIZE]),
            improved=tuple(improved[:LIST_SIZE]),
            behind=tuple(await self.repo.members_due(guild_id, now_ms, NEEDS_HELP_DUE, LIST_SIZE)),
        )


def _snapshot_row(scope: int, item_id: str, t: ItemTally, now_ms: int) -> SnapshotRow:
    return SnapshotRow(
        scope=scope,
        item_id=item_id,
        answers=t.answers,
        correct=t.correct,
        choices=tuple(t.choices),
        top=tuple(t.top),
        latency_ms=t.latency_ms,
        late=t.late,
        d_n=t.d_n,
        d_x=t.d_x,
        d_y=t.d_y,
        d_yy=t.d_yy,
        d_xy=t.d_xy,
        computed_at=now_ms,
    )

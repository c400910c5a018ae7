"""Question of the day, the due run: posts and reveals, restarts and faults. No discord import.

The schedule commands (set up, pause, resume, status) are
:class:`bot.services.daily_schedule.DailyScheduleService`'s; the pacing rule is
:class:`bot.core.pacing.TokenBucket`.

The database decides what is due; :meth:`DailyService.run_due` is called by the bot's one
minute wake-up (and once at start-up). It claims due schedules in chunks (a claim inserts the
``(server, local date)`` post row and moves ``next_post_at`` on in one transaction, so nothing
posts twice), posts them through the :class:`DailyPresenter` paced by a :class:`Pacer`, then
reveals what is due. A question of the day is an ordinary round (kind ``daily``) opened on the
rounds service, so reactions and buttons, leaderboards, seasons, teams and day streaks all work
through the quiz path.

Faults: a presenter error meaning the channel is gone or a permission is missing pauses that
server's schedule with the reason (shown by ``/daily status``); any other error is logged and
that server's post of the day is marked failed. One server's failure never stops the others.

Restarts: a post whose time passed while the bot was down is made late if it is still the
same local day, otherwise recorded as skipped and logged; overdue reveals are made. A post
claimed whose send never started is sent later (same rule: still that local day, or skipped);
one whose send started but was never recorded as done (the process died during the request) is
marked failed rather than sent again: exactly once means at most once when the two cannot be
told apart.

Several processes (issue 15): a process reads only the schedules and posts of the servers it owns
(``owner``), and every claimed post carries a lease (:mod:`bot.services.leases`) held until it is
sent. Each run takes over the claimed posts whose lease expired (their process died) or was given
back (a clean stop), and a process that lost its lease while it stalled does not send. Reveals
are leased too. See "Due work across processes" in bot/storage/README.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.bank.schema import BankItem
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.daily import (
    choose_daily_item,
    is_late,
    local_date,
    next_post_at,
    parse_post_time,
    parse_zone,
)
from bot.core.errors import ConflictError, NotFoundError
from bot.core.i18n import N_
from bot.core.pacing import Pacer, TokenBucket
from bot.core.shards import Ownership
from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus
from bot.services import leases as lease_names
from bot.services.daily_schedule import (
    INTERNAL_ERROR,
    NO_QUESTIONS,
    PAUSED_BY_ADMIN,
    DailyScheduleService,
    DailyStatus,
    pause_text,
)
from bot.services.leases import Leases
from bot.services.posting import PostingFailedError, SendFailure, post_with_retries
from bot.services.question_pool import QuestionPool
from bot.services.rounds import ActiveRound, QuestionCard, RoundService
from bot.storage.answers import AnswerRepository
from bot.storage.daily import DailyRepository, PostRow, ScheduleRow
from bot.storage.database import Connection, Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.quizzes import QuizRepository, RoundRow
from bot.storage.usage import UsageRepository

# Named here too for the daily service's users (the bucket is core's, the commands the schedule's).
__all__ = [
    "INTERNAL_ERROR",
    "NO_QUESTIONS",
    "PAUSED_BY_ADMIN",
    "ChannelUnavailableError",
    "DailyCard",
    "DailyPresenter",
    "DailyService",
    "DailyStatus",
    "DueReport",
    "Pacer",
    "TokenBucket",
]

log = logging.getLogger(__name__)

CHUNK = 200  # schedules claimed (or posts revealed) per database round trip
CONCURRENCY = 16  # posts in flight at once (each to its own channel)
# How long one wake-up keeps claiming new chunks; the rest is due at the next minute's.
RUN_BUDGET = timedelta(seconds=45)
DAILY_REQUESTS_PER_SECOND = 40.0  # under Discord's global 50 requests/s, leaving room for commands


class ChannelUnavailableError(Exception):
    """The presenter's way to say "this server's channel cannot take the post": pause with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DailyCard:
    question: QuestionCard
    local_date: str
    role_id: int | None
    late: bool


class DailyPresenter(Protocol):
    async def post_daily(self, card: DailyCard) -> int:
        """Post the question (with its buttons in buttons mode), pinging only the role; return its id."""
        ...

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        """Add the answer reactions (reactions mode)."""
        ...

    def unavailable_reason(self, error: BaseException) -> str | None:
        """Why the channel cannot take posts, if ``error`` says so (deleted channel, missing
        permission); None for any other error."""
        ...

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        """Why a post failed and whether to retry, for an error from Discord; None for a bug."""
        ...


@dataclass
class DueReport:
    posted: int = 0
    late: int = 0
    revealed: int = 0
    skipped: int = 0
    failed: int = 0
    paused: list[int] = field(default_factory=list)  # guild ids paused for a fault this run
    more: bool = False  # the run stopped at its time budget with posts still due


@dataclass
class _Plan:
    """What a due schedule needs, worked out before the claiming transaction."""

    schedule: ScheduleRow
    next_ms: int  # where next_post_at moves to
    missed: list[tuple[str, int]]  # (local date, due ms) whose day is over: skipped
    post_date: str | None = None  # the local date to post for now, if any
    due_ms: int = 0
    item: BankItem | None = None
    settings: GuildSettings | None = None
    pause_reason: str | None = None


@dataclass
class _Claimed:
    schedule: ScheduleRow
    local_date: str
    round: RoundRow
    item: BankItem
    settings: GuildSettings
    late: bool


class DailyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        pool: QuestionPool,
        rounds: RoundService,
        schedules: DailyScheduleService,
        *,
        pacer: Pacer | None = None,
        chunk: int = CHUNK,
        concurrency: int = CONCURRENCY,
        run_budget: timedelta = RUN_BUDGET,
        rng: random.Random | None = None,
        owner: Ownership | None = None,
        leases: Leases | None = None,
    ) -> None:
        self.db = db
        self.owner = owner or Ownership.everything()  # the servers whose posts this process makes
        self.leases = leases or Leases(db, clock)
        self.clock = clock
        self.pool = pool
        self.rounds = rounds
        self.schedules = schedules
        self.pacer: Pacer = pacer or TokenBucket(clock, DAILY_REQUESTS_PER_SECOND)
        self.chunk = chunk
        self.concurrency = concurrency
        self.run_budget = run_budget
        self.up_since = clock.now()  # a post due before this came due while the bot was down
        self.rng = rng or random.Random()
        self.repo = DailyRepository(db)
        self.round_rows = QuizRepository(db)
        self.settings = GuildSettingsRepository(db)
        self.usage = UsageRepository(db)
        self.presenter: DailyPresenter | None = None
        self._lock = asyncio.Lock()  # one run at a time (the start-up run and the minute's may meet)
        self._restored: list[ActiveRound] = []  # re-opened at start, reactions not yet counted
        self._recovered = False

    async def post_now(self, guild_id: int) -> PostRow:
        """Post today's question at once (an admin trying it out). It is today's post: the scheduled
        time later today then finds the date taken and posts nothing more."""
        schedule = await self.schedules.schedule(guild_id)
        tz = parse_zone(schedule.timezone)
        now = self.clock.now()
        today = local_date(now, tz).isoformat()
        async with self._lock:
            if await self.repo.post(guild_id, today) is not None:
                raise ConflictError(
                    N_(
                        "Today's question ({date}) has already been posted or attempted; the next one "
                        "comes <t:{unix}:R>."
                    ),
                    date=today,
                    unix=schedule.next_post_at // 1000,
                )
            plan = await self._plan_post(schedule, today, to_ms(now), schedule.next_post_at)
            if plan.pause_reason is not None:
                raise NotFoundError(pause_text(plan.pause_reason))
            async with self.db.transaction() as conn:
                claimed = await self._apply(conn, plan, now, advance=False)
            if claimed is None:
                raise ConflictError(N_("Today's question was posted a moment ago."))
            report = DueReport()
            await self._post(claimed, report)
        post = await self.repo.post(guild_id, today)
        assert post is not None
        if post.status != "posted":
            schedule = await self.schedules.schedule(guild_id)
            if schedule.paused and schedule.pause_reason:
                raise ConflictError(
                    N_("The question could not be posted: {reason}"), reason=pause_text(schedule.pause_reason)
                )
            raise ConflictError(N_("The question could not be posted (see the log)."))
        return post

    # -- start-up -------------------------------------------------------------------------------

    async def restore(self) -> int:
        """Take answers again on the questions of the day still open (before the gateway is ready,
        so nothing members do is missed). Reactions made while down are counted by the first run."""
        restored = 0
        for post in await self.repo.with_status("posted", self.owner):
            if post.round_id is None:
                continue
            row = await self.round_rows.round(post.round_id)
            if row is None or row.status != RoundStatus.OPEN or row.message_id is None:
                continue
            active = await self.rounds.reopen_round(row, daily_date=post.local_date)
            if active is not None:
                self._restored.append(active)
                restored += 1
        return restored

    async def _recover(self) -> None:
        """Before every run: take over the claimed posts nobody holds any more (left by a process
        that died, this one's previous life included, once their lease expired), and once per
        process count the reactions made while the bot was down."""
        now_ms = to_ms(self.clock.now())
        report = DueReport()
        for read in await self.repo.with_status("claimed", self.owner):
            name = lease_names.daily_post(read.guild_id, read.local_date)
            if not await self.leases.acquire(name):
                continue  # a live process holds it: its claim, its send
            # Read it again now that the lease is ours: the process that held it may have settled it
            # (sent, or failed) and given the lease back since the list was read, and the list's row
            # would then take a sent post for one never sent.
            post = await self.repo.post(read.guild_id, read.local_date)
            if post is None or post.status != "claimed":
                await self.leases.release(name)
                continue
            resend = await self._unsent(post) if post.posted_at is None else None
            if resend is not None:
                log.info("sending the claimed daily post of guild %s for %s", post.guild_id, post.local_date)
                await self._post(resend, report)
                continue
            if post.posted_at is not None:  # the send started: whether it reached Discord is unknown
                log.warning(
                    "daily post of guild %s for %s may have been sent before the restart; not sent again",
                    post.guild_id,
                    post.local_date,
                )
            else:
                log.warning(
                    "daily post of guild %s for %s was never sent; its day is over",
                    post.guild_id,
                    post.local_date,
                )
            async with self.db.transaction() as conn:
                await DailyRepository.set_status(
                    conn,
                    post.guild_id,
                    post.local_date,
                    "failed" if post.posted_at is not None else "skipped",
                )
                if post.round_id is not None:
                    await QuizRepository.close_round(conn, post.round_id, RoundStatus.REVEALED, now_ms)
                await self.leases.release_in(conn, name)
            if post.round_id is not None:  # answers it took, if it was out after all, still count
                await self.db.write(AnswerRepository.release_scores, post.round_id)
        if self._recovered:
            return
        self._recovered = True
        restored, self._restored = self._restored, []
        for active in restored:
            if self.rounds.active_round(active.row.message_id or 0) is active:
                await self.rounds.count_missed_reactions(active)

    async def _unsent(self, post: PostRow) -> _Claimed | None:
        """A claimed post whose send never started, ready to send, if its local day is not over."""
        schedule = await self.repo.schedule(post.guild_id)
        row = await self.round_rows.round(post.round_id) if post.round_id is not None else None
        if schedule is None or row is None or row.message_id is not None:
            return None
        now = self.clock.now()
        if local_date(now, parse_zone(schedule.timezone)).isoformat() != post.local_date:
            return None
        item = self.pool.item(row.guild_id, row.item_id)
        if item is None:
            return None
        settings = await self.settings.get(post.guild_id)
        late = is_late(from_ms(post.due_at), now, self.up_since)
        return _Claimed(schedule, post.local_date, row, item, settings, late)

    # -- the wake-up ----------------------------------------------------------------------------

    async def run_due(self) -> DueReport:
        """Post every due question of the day, then reveal every due answer."""
        report = DueReport()
        if self.presenter is None:
            return report
        async with self._lock:
            await self._recover()
            await self._post_due(report)
            await self._reveal_due(report)
        if report.posted or report.revealed or report.skipped or report.failed:
            log.info(
                "daily: %d posted (%d late), %d revealed, %d skipped, %d failed, %d paused",
                report.posted,
                report.late,
                report.revealed,
                report.skipped,
                report.failed,
                len(report.paused),
            )
        return report

    async def _post_due(self, report: DueReport) -> None:
        started = self.clock.now()
        seen: set[int] = set()
        while True:
            now = self.clock.now()
            now_ms = to_ms(now)
            if now - started >= self.run_budget:
                # What is still due stays due in the database: the next minute's wake-up carries on,
                # after the seasons and competitions that came due meanwhile have had their turn.
                report.more = True
                return
            schedules = [
                s for s in await self.repo.due(now_ms, self.chunk, self.owner) if s.guild_id not in seen
            ]
            if not schedules:
                return
            seen.update(s.guild_id for s in schedules)
            plans = [await self._plan(s, now) for s in schedules]
            claimed: list[_Claimed] = []
            try:
                async with self.db.transaction() as conn:
                    for plan in plans:
                        one = await self._apply(conn, plan, now)
                        if one is not None:
                            claimed.append(one)
            except Exception:
                log.exception(
                    "claiming a chunk of %d daily post(s) failed; trying them one by one", len(plans)
                )
                claimed = await self._apply_one_by_one(plans, now)
            for plan in plans:
                report.skipped += len(plan.missed)
                if plan.pause_reason is not None:
                    report.paused.append(plan.schedule.guild_id)
            await self._post_many(claimed, report)

    async def _post_many(self, claimed: Sequence[_Claimed], report: DueReport) -> None:
        """Send a chunk's posts, up to ``concurrency`` at a time (the pacer keeps the global rate).

        One at a time, every request's round trip would add up (and a question's reactions wait on
        their channel's own limit, about 4 per second), far below the rate budget; the pacer, not the
        number in flight, is what keeps the bot under Discord's global limit.
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def one(post: _Claimed) -> None:
            async with gate:
                await self._post(post, report)

        results = await asyncio.gather(*(one(post) for post in claimed), return_exceptions=True)
        for post, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancelled, or the process is going down
            if isinstance(result, Exception):
                log.error(
                    "the daily post of guild %s for %s failed",
                    post.schedule.guild_id,
                    post.local_date,
                    exc_info=result,
                )

    async def _apply_one_by_one(self, plans: Sequence[_Plan], now: datetime) -> list[_Claimed]:
        claimed = []
        for plan in plans:
            try:
                async with self.db.transaction() as conn:
                    one = await self._apply(conn, plan, now)
                if one is not None:
                    claimed.append(one)
            except Exception:
                log.exception(
                    "claiming the daily post of guild %s failed; pausing it", plan.schedule.guild_id
                )
                await self.schedules.set_paused(plan.schedule.guild_id, INTERNAL_ERROR)
        return claimed

    async def _plan(self, schedule: ScheduleRow, now: datetime) -> _Plan:
        """Which dates are over (skipped), whether to post now, and the next post time."""
        try:
            at = parse_post_time(schedule.post_time)
            tz = parse_zone(schedule.timezone)
            due = from_ms(schedule.next_post_at)
            today = local_date(now, tz)
            missed: list[tuple[str, int]] = []
            while local_date(due, tz) < today:
                missed.append((local_date(due, tz).isoformat(), to_ms(due)))
                due = next_post_at(due, at, tz)
            if missed:
                log.warning(
                    "guild %s: the question of the day of %s was not posted (the bot was down all that "
                    "local day); skipped",
                    schedule.guild_id,
                    ", ".join(d for d, _ in missed),
                )
            if due > now:  # after skipping, today's time is still to come
                return _Plan(schedule, next_ms=to_ms(due), missed=missed)
            next_ms = to_ms(next_post_at(due, at, tz))
            plan = await self._plan_post(schedule, local_date(due, tz).isoformat(), to_ms(due), next_ms)
            plan.missed = missed
            return plan
        except Exception:
            log.exception("planning the daily post of guild %s failed", schedule.guild_id)
            return _Plan(schedule, next_ms=schedule.next_post_at, missed=[], pause_reason=INTERNAL_ERROR)

    async def _plan_post(self, schedule: ScheduleRow, date: str, due_ms: int, next_ms: int) -> _Plan:
        settings = await self.settings.get(schedule.guild_id)
        item = await self._choose(schedule, settings)
        if item is None:
            return _Plan(schedule, next_ms=next_ms, missed=[], pause_reason=NO_QUESTIONS)
        return _Plan(
            schedule, next_ms=next_ms, missed=[], post_date=date, due_ms=due_ms, item=item, settings=settings
        )

    async def _choose(self, schedule: ScheduleRow, settings: GuildSettings) -> BankItem | None:
        """Least-used first (no repeat until the pool is used up); with no topic set, the topic the
        server answers worst among those least-used items."""
        pool = self.pool.pool(
            schedule.topic, settings.default_language, settings.topics_enabled, guild_id=schedule.guild_id
        )
        if not pool:
            return None
        usage = await self.usage.counts(schedule.guild_id)
        sums = None if schedule.topic else await self.repo.topic_sums(schedule.guild_id)
        chosen = choose_daily_item([(i.id, i.main_topic) for i in pool], usage, sums, self.rng)
        return next(i for i in pool if i.id == chosen)

    async def _apply(
        self, conn: Connection, plan: _Plan, now: datetime, *, advance: bool = True
    ) -> _Claimed | None:
        """Write one plan inside the claiming transaction; the claimed post, if one is to be sent."""

        schedule = plan.schedule
        now_ms = to_ms(now)
        if advance and not await DailyRepository.advance(
            conn, schedule.guild_id, schedule.next_post_at, plan.next_ms
        ):
            return None  # changed meanwhile (set up again, or another run): the next run sees it
        if plan.missed:
            await DailyRepository.skip_dates(conn, schedule.guild_id, plan.missed)
        if plan.pause_reason is not None:
            await DailyRepository.set_paused(
                conn, schedule.guild_id, paused=True, reason=plan.pause_reason, now_ms=now_ms
            )
            log.warning("guild %s: question of the day paused: %s", schedule.guild_id, plan.pause_reason)
            return None
        if plan.post_date is None or plan.item is None or plan.settings is None:
            return None
        late = is_late(from_ms(plan.due_ms), now, self.up_since)
        reveal_at = now + timedelta(hours=schedule.reveal_after_hours)
        if not await DailyRepository.claim(
            conn,
            guild_id=schedule.guild_id,
            local_date=plan.post_date,
            status="claimed",
            late=late,
            due_at=plan.due_ms,
            reveal_at=to_ms(reveal_at),
        ):
            return None  # that date already has its post (e.g. /daily now earlier today)
        # Ours to send; if this process dies before it is sent, another takes it over once it expires.
        await self.leases.acquire_in(conn, lease_names.daily_post(schedule.guild_id, plan.post_date))
        row = await QuizRepository.create_round(
            conn,
            guild_id=schedule.guild_id,
            channel_id=schedule.channel_id,
            session_id=None,
            kind=QuizKind.DAILY,
            position=1,
            item_id=plan.item.id,
            mode=plan.settings.answer_mode,
            opens_at=now_ms,
            closes_at=to_ms(reveal_at),
            choice_order=self.rounds.draw_order(plan.item),
        )
        await DailyRepository.set_round(conn, schedule.guild_id, plan.post_date, row.id)
        await UsageRepository.mark_used(conn, schedule.guild_id, [plan.item.id], now_ms)
        return _Claimed(schedule, plan.post_date, row, plan.item, plan.settings, late)

    async def _post(self, claimed: _Claimed, report: DueReport) -> None:
        """Send one claimed post; its failure is this server's alone."""
        assert self.presenter is not None
        schedule, row = claimed.schedule, claimed.round
        card = QuestionCard(
            guild_id=schedule.guild_id,
            channel_id=schedule.channel_id,
            round_id=row.id,
            item=claimed.item,
            position=1,
            total=1,
            closes_at=from_ms(row.closes_at),
            mode=row.mode,
            kind=QuizKind.DAILY,
            posting=self.rounds.posting_of(row, claimed.item),
        )
        await self.pacer.take(1)  # interrupted while waiting, the post is sent at the next start
        lease = lease_names.daily_post(schedule.guild_id, claimed.local_date)
        async with self.db.transaction() as conn:
            # Still ours? A process that stalled past its lease's expiry finds it taken over: no send.
            if not await self.leases.hold_in(conn, lease):
                log.warning(
                    "the daily post of guild %s for %s was taken over by another process; not sending it",
                    schedule.guild_id,
                    claimed.local_date,
                )
                return
            await DailyRepository.mark_sending(
                conn, schedule.guild_id, claimed.local_date, to_ms(self.clock.now())
            )
        presenter = self.presenter
        daily_card = DailyCard(card, claimed.local_date, schedule.role_id, claimed.late)
        try:
            message_id = await post_with_retries(
                lambda: presenter.post_daily(daily_card),
                what="question of the day",
                reader=presenter,
                schedule=self.rounds.retry,
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            report.failed += 1
            await self._fault(schedule, claimed.local_date, row.id, error, report)
            return
        row = dataclasses.replace(row, message_id=message_id)
        # Answers count from the moment the message exists, before reactions are added.
        self.rounds.open_round(row, claimed.item, claimed.settings, daily_date=claimed.local_date)
        async with self.db.transaction() as conn:
            await QuizRepository.set_round_message(conn, row.id, message_id, row.opens_at, row.closes_at)
            await DailyRepository.set_status(
                conn, schedule.guild_id, claimed.local_date, "posted", posted_at=to_ms(self.clock.now())
            )
            await self.leases.release_in(conn, lease)
        report.posted += 1
        report.late += claimed.late
        if row.mode != AnswerMode.REACTIONS:
            return
        try:
            await self.pacer.take(len(claimed.item.choices))
            await post_with_retries(
                lambda: presenter.add_answer_controls(card, message_id),
                what="answer reactions",
                reader=presenter,
                schedule=self.rounds.retry,
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # The question is out (buttons-less, members can still react); later posts would fail too.
            await self._fault(schedule, claimed.local_date, None, error, report)

    async def _fault(
        self, schedule: ScheduleRow, date: str, round_id: int | None, error: BaseException, report: DueReport
    ) -> None:
        """A post that could not be made: record it; pause the schedule when the channel says why."""
        assert self.presenter is not None
        retried = error if isinstance(error, PostingFailedError) else None
        error = _cause(error)
        reason = (
            error.reason
            if isinstance(error, ChannelUnavailableError)
            else self.presenter.unavailable_reason(error)
        )
        now_ms = to_ms(self.clock.now())
        try:
            async with self.db.transaction() as conn:
                if round_id is not None:
                    await DailyRepository.set_status(conn, schedule.guild_id, date, "failed")
                    await QuizRepository.close_round(conn, round_id, RoundStatus.REVEALED, now_ms)
                    await self.leases.release_in(conn, lease_names.daily_post(schedule.guild_id, date))
                if reason is not None:
                    await DailyRepository.set_paused(
                        conn, schedule.guild_id, paused=True, reason=reason, now_ms=now_ms
                    )
        except Exception:
            log.exception("could not record the failed daily post of guild %s", schedule.guild_id)
        if reason is not None:
            report.paused.append(schedule.guild_id)
            log.warning("guild %s: question of the day paused: %s", schedule.guild_id, reason)
        elif retried is not None:  # Discord kept failing: today's post is lost, the schedule goes on
            log.warning(
                "guild %s: the question of the day for %s failed: %s", schedule.guild_id, date, retried
            )
        else:
            log.error(
                "guild %s: the question of the day for %s failed", schedule.guild_id, date, exc_info=error
            )

    async def _reveal_due(self, report: DueReport) -> None:
        now_ms = to_ms(self.clock.now())
        held_elsewhere: set[tuple[int, str]] = set()
        for _ in range(10_000):  # each pass settles every row it read, so this ends; a bound anyway
            posts = [
                p
                for p in await self.repo.reveal_due(now_ms, self.chunk, self.owner)
                if (p.guild_id, p.local_date) not in held_elsewhere
            ]
            if not posts:
                return
            for post in posts:
                name = lease_names.daily_reveal(post.guild_id, post.local_date)
                if not await self.leases.acquire(name):
                    held_elsewhere.add((post.guild_id, post.local_date))  # another process reveals it
                    continue
                try:
                    await self._reveal(post, report)
                finally:
                    await self.leases.release(name)

    async def _reveal(self, post: PostRow, report: DueReport) -> None:
        assert self.presenter is not None
        current = await self.repo.post(post.guild_id, post.local_date)
        if current is None or current.status != "posted":
            return  # revealed (or settled) by another process since it was read
        row = await self.round_rows.round(post.round_id) if post.round_id is not None else None
        try:
            if row is not None and row.message_id is not None and row.status != RoundStatus.REVEALED:
                await self.pacer.take(1)
                await self.rounds.close_and_reveal(row, position=1, total=1)
            async with self.db.transaction() as conn:
                await DailyRepository.set_status(conn, post.guild_id, post.local_date, "revealed")
            report.revealed += 1
        except asyncio.CancelledError:
            raise
        except Exception as failure:
            error = _cause(failure)
            reason = self.presenter.unavailable_reason(error)
            now_ms = to_ms(self.clock.now())
            async with self.db.transaction() as conn:
                await DailyRepository.set_status(conn, post.guild_id, post.local_date, "failed")
                if row is not None:
                    await QuizRepository.close_round(conn, row.id, RoundStatus.REVEALED, now_ms)
                if reason is not None:
                    await DailyRepository.set_paused(
                        conn, post.guild_id, paused=True, reason=reason, now_ms=now_ms
                    )
            report.failed += 1
            if reason is not None:
                report.paused.append(post.guild_id)
                log.warning("guild %s: question of the day paused at its reveal: %s", post.guild_id, reason)
            elif isinstance(failure, PostingFailedError):
                log.warning("guild %s: the reveal of %s failed: %s", post.guild_id, post.local_date, failure)
            else:
                log.error("guild %s: the reveal of %s failed", post.guild_id, post.local_date, exc_info=error)


def _cause(error: BaseException) -> BaseException:
    """The error Discord gave, under a :class:`PostingFailedError` that gave up retrying it."""
    if isinstance(error, PostingFailedError) and error.__cause__ is not None:
        return error.__cause__
    return error

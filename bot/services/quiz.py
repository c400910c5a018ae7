"""Live quizzes: draw questions, run rounds, take answers, reveal, rank. No discord import.

The cog implements :class:`QuizPresenter` (how a question, a reveal and the results look on
Discord); this service decides what happens when. All state that matters lives in SQLite:
if the process stops mid-question, :meth:`QuizService.resume` picks every running quiz up,
reconciles reactions made while it was down, and closes what became overdue.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.bank.loader import Bank
from bot.bank.schema import TOPICS, BankItem, ItemType
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import NotFoundError, PermissionDeniedError, UserFacingError
from bot.core.periods import period_keys
from bot.core.quiz import (
    QuestionClosedError,
    QuizAlreadyRunningError,
    RoundRules,
    Standing,
    draw_items,
    judge,
    standings,
)
from bot.services.answer_writer import AnswerWriter
from bot.storage.answers import AnswerRepository, NewAnswer
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.quizzes import QuizRepository, RoundRow, SessionRow
from bot.storage.usage import UsageRepository
from bot.tasks import TaskRunner

log = logging.getLogger(__name__)

CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE)
PAUSE_BETWEEN_ROUNDS = timedelta(seconds=3)
# How long an answer that arrives while the previous process's quizzes are being picked up waits
# for them (well inside Discord's 3-second deadline for a button's answer).
RESUME_WAIT_SECONDS = 2.0
# How long shutdown lets a quiz loop reach its next wait before cancelling it.
SHUTDOWN_GRACE_SECONDS = 2.0


# --- what the presenter is given -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionCard:
    guild_id: int
    channel_id: int
    round_id: int
    item: BankItem
    position: int
    total: int
    closes_at: datetime
    mode: str
    kind: str = "quiz"  # "daily" for a question of the day


@dataclass(frozen=True, slots=True)
class RevealCard:
    guild_id: int
    channel_id: int
    message_id: int
    round_id: int
    item: BankItem
    position: int
    total: int
    counts: tuple[int, ...]
    show_counts: bool
    correct_names: tuple[str, ...]
    answered: int
    kind: str = "quiz"  # "daily" for a question of the day


@dataclass(frozen=True, slots=True)
class ResultRow:
    rank: int
    user_id: int
    name: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True, slots=True)
class ResultsCard:
    guild_id: int
    channel_id: int
    session_id: int
    rows: tuple[ResultRow, ...]
    questions_asked: int
    total_questions: int
    stopped: bool


class QuizPresenter(Protocol):
    async def post_question(self, card: QuestionCard) -> int:
        """Show the question (with its buttons in buttons mode); return the message id."""
        ...

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        """Add the answer reactions under a posted question (reactions mode)."""
        ...

    async def reveal(self, card: RevealCard) -> None: ...

    async def post_results(self, card: ResultsCard) -> None: ...

    async def read_reactions(
        self, channel_id: int, message_id: int, n_choices: int
    ) -> dict[int, tuple[str, list[int]]]:
        """user id -> (display name, choice indexes reacted with) on the message, bots excluded."""
        ...


# --- answers ---------------------------------------------------------------------------------


class AnswerStatus(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # the member had already answered; the first answer stands
    CLOSED = "closed"
    NOT_A_QUESTION = "not_a_question"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    status: AnswerStatus
    choice: int | None = None  # the member's standing answer (theirs from before, for a duplicate)
    hidden: bool = False  # the server hides answers: the reaction should be removed
    saved: asyncio.Future[bool] | None = None


@dataclass
class ActiveRound:
    row: RoundRow
    item: BankItem
    rules: RoundRules
    timezone: str
    answers: dict[int, int] = field(default_factory=dict)  # user id -> choice, first wins
    hidden: bool = False
    daily_date: str | None = None  # a question of the day: its local date, for day streaks


@dataclass(frozen=True, slots=True)
class QuizOptions:
    topic: str | None = None
    questions: int = 5
    seconds: int = 20
    lang: str = "en"
    mode: str = "reactions"


@dataclass
class _Runner:
    session_id: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    skip: asyncio.Event = field(default_factory=asyncio.Event)  # end the current wait early
    halt: asyncio.Event = field(default_factory=asyncio.Event)  # the process stops: leave the quiz running
    task: asyncio.Task[None] | None = None


class QuizService:
    def __init__(
        self,
        db: Database,
        bank: Bank,
        clock: Clock,
        writer: AnswerWriter,
        tasks: TaskRunner,
        *,
        rng: random.Random | None = None,
        pause_between_rounds: timedelta = PAUSE_BETWEEN_ROUNDS,
    ) -> None:
        self.db = db
        self.bank = bank
        self.clock = clock
        self.writer = writer
        self.tasks = tasks
        self.rng = rng or random.Random()
        self.pause_between_rounds = pause_between_rounds
        self.presenter: QuizPresenter | None = None
        self.quizzes = QuizRepository(db)
        self.answers = AnswerRepository(db)
        self.settings = GuildSettingsRepository(db)
        self.usage = UsageRepository(db)
        # The server's running season id, if any (the bot sets SeasonService.running_id here).
        self.season_of: Callable[[int], int | None] = lambda guild_id: None
        # (running competition id, team id) of a member who answers, from the team service's
        # cache: (guild id, user id, the member's role ids) -> None when no team competes.
        self.team_of: Callable[[int, int, Sequence[int]], tuple[int, int] | None] = lambda g, u, r: None
        # A server's own imported questions (the bank service's cache), on top of the shared bank.
        self.guild_items: Callable[[int], Sequence[BankItem]] = lambda guild_id: ()
        self._active: dict[int, ActiveRound] = {}  # message id -> open round
        self._runners: dict[int, _Runner] = {}  # channel id -> runner
        self._resumed = asyncio.Event()  # set once resume() has picked up the running quizzes

    # -- reading -------------------------------------------------------------------------------

    def pool(
        self,
        topic: str | None,
        lang: str,
        enabled: Sequence[str] | None = None,
        *,
        guild_id: int | None = None,
    ) -> list[BankItem]:
        """The choice questions a quiz may draw from: the shared bank plus the server's own."""
        wanted = None if lang == "any" else lang
        items = self.bank.filter(topic=topic, lang=wanted, types=CHOICE_TYPES)
        if guild_id is not None:
            items += [
                i
                for i in self.guild_items(guild_id)
                if i.type in CHOICE_TYPES
                and (wanted is None or i.lang == wanted)
                and (topic is None or topic in i.topics)
            ]
        if enabled is not None:
            allowed = set(enabled)
            items = [i for i in items if allowed.intersection(i.topics)]
        return items

    def item(self, guild_id: int, item_id: str) -> BankItem | None:
        """A question by id: the shared bank's, or the server's own."""
        found = self.bank.by_id(item_id)
        if found is None:
            found = next((i for i in self.guild_items(guild_id) if i.id == item_id), None)
        return found

    def topics(self, guild_id: int | None = None) -> dict[str, dict[str, int]]:
        """topic -> language -> choice questions a quiz here can draw (the server's own included)."""
        counts = self.bank.topic_counts()
        if guild_id is None:
            return counts
        merged = {topic: dict(per_lang) for topic, per_lang in counts.items()}
        for item in self.guild_items(guild_id):
            if item.type in CHOICE_TYPES:
                per_lang = merged.setdefault(item.main_topic, {})
                per_lang[item.lang] = per_lang.get(item.lang, 0) + 1
        order = {topic: i for i, topic in enumerate(TOPICS)}
        return {
            t: dict(sorted(merged[t].items())) for t in sorted(merged, key=lambda t: order.get(t, len(order)))
        }

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        return await self.settings.get(guild_id)

    def is_running(self, channel_id: int) -> bool:
        return channel_id in self._runners

    # -- starting and stopping -----------------------------------------------------------------

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        options: QuizOptions,
        kind: str = "quiz",
        item_ids: Sequence[str] | None = None,
    ) -> SessionRow:
        """Draw the questions (or ask ``item_ids``, e.g. the weakest), persist the session and run it."""
        if self.presenter is None:
            raise RuntimeError("no presenter attached")
        if channel_id in self._runners or await self.quizzes.running_in_channel(channel_id):
            raise QuizAlreadyRunningError()
        settings = await self.settings.get(guild_id)
        pool = self.pool(options.topic, options.lang, settings.topics_enabled, guild_id=guild_id)
        if not pool:
            what = f"topic `{options.topic}`" if options.topic else "any enabled topic"
            lang = "any language" if options.lang == "any" else f"language `{options.lang}`"
            raise NotFoundError(
                f"There are no questions for {what} in {lang}. `/quiz topics` lists what there is."
            )
        if item_ids is None:
            usage = await self.usage.counts(guild_id)
            item_ids = draw_items([i.id for i in pool], usage, min(options.questions, len(pool)), self.rng)
        item_ids = list(item_ids)
        now_ms = to_ms(self.clock.now())
        try:
            async with self.db.transaction() as conn:
                session = await QuizRepository.create_session(
                    conn,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    started_by=user_id,
                    kind=kind,
                    topic=options.topic,
                    lang=options.lang,
                    mode=options.mode,
                    seconds=options.seconds,
                    item_ids=item_ids,
                    now_ms=now_ms,
                )
                await UsageRepository.mark_used(conn, guild_id, item_ids, now_ms)
        except Exception as exc:
            if "UNIQUE" in str(exc):  # the partial index: another quiz started in the channel meanwhile
                raise QuizAlreadyRunningError() from exc
            raise
        self._launch(session)
        return session

    async def stop(self, *, channel_id: int, user_id: int, can_manage_messages: bool) -> None:
        """End the channel's quiz now; the current question is revealed and results posted."""
        runner = self._runners.get(channel_id)
        session = await self.quizzes.running_in_channel(channel_id)
        if runner is None or session is None:
            raise NotFoundError("No quiz is running in this channel.")
        if user_id != session.started_by and not can_manage_messages:
            raise PermissionDeniedError(
                "Only the member who started this quiz, or someone with Manage Messages, can stop it."
            )
        runner.stop.set()
        if runner.task is not None:
            await asyncio.wait({runner.task}, timeout=30)

    def close_round_now(self, channel_id: int) -> None:
        """Close the channel's open question early (everyone expected has answered)."""
        runner = self._runners.get(channel_id)
        if runner is not None:
            runner.skip.set()

    async def wait_finished(self, channel_id: int) -> None:
        """Wait until the channel's quiz has ended."""
        runner = self._runners.get(channel_id)
        if runner is not None and runner.task is not None:
            await asyncio.wait({runner.task})

    def _launch(self, session: SessionRow, resume_from: RoundRow | None = None) -> None:
        runner = _Runner(session.id)
        self._runners[session.channel_id] = runner
        runner.task = self.tasks.spawn(self._run(session, runner, resume_from), name=f"quiz-{session.id}")

    async def shutdown(self) -> None:
        """Stop running quizzes without ending them: their state stays for the next start.

        Each loop is asked to halt and does so at its next wait, so it never stops halfway through
        a transaction (cancelled there, a ``BEGIN`` still runs and leaves the writer connection in
        a transaction nobody ends) or between posting a question and recording its message id (the
        next start would then drop a question members are answering). A loop still busy after
        ``SHUTDOWN_GRACE_SECONDS`` (a send held up by rate limits) is cancelled.
        """
        runners = list(self._runners.values())
        for runner in runners:
            runner.halt.set()
        tasks = [r.task for r in runners if r.task is not None and not r.task.done()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("cancelled %d quiz loop(s) still busy at shutdown", len(pending))
                await asyncio.gather(*pending, return_exceptions=True)
        self._runners.clear()
        self._active.clear()

    # -- the game loop -------------------------------------------------------------------------

    async def _run(self, session: SessionRow, runner: _Runner, resume_from: RoundRow | None) -> None:
        try:
            await self._play(session, runner, resume_from)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz %s in channel %s failed; ending it", session.id, session.channel_id)
            await self._end(session, stopped=True)
        finally:
            if self._runners.get(session.channel_id) is runner:
                del self._runners[session.channel_id]

    async def _play(self, session: SessionRow, runner: _Runner, resume_from: RoundRow | None = None) -> None:
        rounds = await self.quizzes.rounds_of_session(session.id)
        next_position = len(rounds) + 1
        if resume_from is not None:
            await self._finish_round(session, resume_from, runner)
        while next_position <= session.total_questions and not (runner.stop.is_set() or runner.halt.is_set()):
            if next_position > 1 and self.pause_between_rounds:
                await self._wait(self.clock.now() + self.pause_between_rounds, runner)
                if runner.stop.is_set() or runner.halt.is_set():
                    break
            row = await self._post_round(session, next_position)
            if row is None:  # the item was retired from the bank meanwhile: skip it
                next_position += 1
                continue
            await self._finish_round(session, row, runner)
            next_position += 1
        if runner.halt.is_set():
            return  # the process is stopping: the next start resumes the quiz from here
        await self._end(session, stopped=runner.stop.is_set())

    async def _post_round(self, session: SessionRow, position: int) -> RoundRow | None:
        assert self.presenter is not None
        item = self.item(session.guild_id, session.item_ids[position - 1])
        settings = await self.settings.get(session.guild_id)
        now = self.clock.now()
        closes = now + timedelta(seconds=session.seconds)
        async with self.db.transaction() as conn:
            row = await QuizRepository.create_round(
                conn,
                guild_id=session.guild_id,
                channel_id=session.channel_id,
                session_id=session.id,
                kind="quiz",
                position=position,
                item_id=session.item_ids[position - 1],
                mode=session.mode,
                opens_at=to_ms(now),
                closes_at=to_ms(closes),
            )
            if item is None:
                await QuizRepository.close_round(conn, row.id, "revealed", to_ms(now))
        if item is None:
            log.warning("item %s is no longer in the bank; skipped", session.item_ids[position - 1])
            return None
        card = QuestionCard(
            session.guild_id,
            session.channel_id,
            row.id,
            item,
            position,
            session.total_questions,
            closes,
            session.mode,
        )
        message_id = await self.presenter.post_question(card)
        # Take answers from the moment the message exists (no await in between), before the
        # answer reactions are added and before the message id is on disk.
        row = dataclasses.replace(row, message_id=message_id)
        self.open_round(row, item, settings)
        async with self.db.transaction() as conn:
            await QuizRepository.set_round_message(conn, row.id, message_id, row.opens_at, row.closes_at)
        await self.presenter.add_answer_controls(card, message_id)
        return row

    def open_round(
        self, row: RoundRow, item: BankItem, settings: GuildSettings, *, daily_date: str | None = None
    ) -> ActiveRound:
        """Take answers on the round's message from now on (a quiz round or a question of the day)."""
        assert row.message_id is not None
        active = ActiveRound(
            row=row,
            item=item,
            rules=RoundRules(
                opens_at=from_ms(row.opens_at),
                closes_at=from_ms(row.closes_at),
                n_choices=len(item.choices),
                correct_index=item.answer_index,
                speed_bonus=settings.speed_bonus,
            ),
            timezone=settings.timezone,
            hidden=settings.hidden_answers,
            daily_date=daily_date,
        )
        self._active[row.message_id] = active
        return active

    async def _wait(self, until: datetime, runner: _Runner) -> None:
        """Sleep until ``until`` or until the quiz is stopped (or the process), whichever comes first."""
        waits = [
            asyncio.ensure_future(self.clock.sleep_until(until)),
            asyncio.ensure_future(runner.stop.wait()),
            asyncio.ensure_future(runner.skip.wait()),
            asyncio.ensure_future(runner.halt.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            runner.skip.clear()
            for fut in waits:
                fut.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*waits, return_exceptions=True)

    async def _finish_round(self, session: SessionRow, row: RoundRow, runner: _Runner) -> None:
        if row.status == "open":
            await self._wait(from_ms(row.closes_at), runner)
            if runner.halt.is_set():
                return  # still open: the next start reveals it, at once if it is overdue by then
        await self.close_and_reveal(row, position=row.position, total=session.total_questions)

    async def close_and_reveal(self, row: RoundRow, *, position: int, total: int) -> None:
        """Stop taking answers, save what was given, and show the answer with what it teaches."""
        assert self.presenter is not None
        if row.message_id is not None:
            self._active.pop(row.message_id, None)
        await self.writer.flush()
        now_ms = to_ms(self.clock.now())
        async with self.db.transaction() as conn:
            await QuizRepository.close_round(conn, row.id, "closed", now_ms)
        # Answers whose scores waited for the reveal (a question of the day) count from now on.
        await self.db.write(AnswerRepository.release_scores, row.id)
        item = self.item(row.guild_id, row.item_id)
        if item is None or row.message_id is None:
            async with self.db.transaction() as conn:
                await QuizRepository.close_round(conn, row.id, "revealed", now_ms)
            return
        answers = await self.answers.round_answers(row.id)
        counts = [0] * len(item.choices)
        for answer in answers:
            if 0 <= answer.choice < len(counts):
                counts[answer.choice] += 1
        settings = await self.settings.get(row.guild_id)
        await self.presenter.reveal(
            RevealCard(
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                message_id=row.message_id,
                round_id=row.id,
                item=item,
                position=position,
                total=total,
                counts=tuple(counts),
                show_counts=settings.show_counts,
                correct_names=tuple(a.display_name for a in answers if a.correct),
                answered=len(answers),
                kind=row.kind,
            )
        )
        async with self.db.transaction() as conn:
            await QuizRepository.close_round(conn, row.id, "revealed", to_ms(self.clock.now()))

    async def _end(self, session: SessionRow, *, stopped: bool) -> None:
        assert self.presenter is not None
        async with self.db.transaction() as conn:
            ended = await QuizRepository.end_session(
                conn, session.id, "stopped" if stopped else "finished", to_ms(self.clock.now())
            )
        if not ended:
            return
        totals = await self.answers.session_totals(session.id)
        ranked: list[Standing] = standings({u: (p, c, a) for u, (p, c, a, _n) in totals.items()})
        rounds = await self.quizzes.rounds_of_session(session.id)
        await self.presenter.post_results(
            ResultsCard(
                guild_id=session.guild_id,
                channel_id=session.channel_id,
                session_id=session.id,
                rows=tuple(
                    ResultRow(s.rank, s.user_id, totals[s.user_id][3], s.points, s.correct, s.answered)
                    for s in ranked
                ),
                questions_asked=sum(1 for r in rounds if r.message_id is not None),
                total_questions=session.total_questions,
                stopped=stopped,
            )
        )

    # -- answers -------------------------------------------------------------------------------

    def answer(
        self,
        *,
        message_id: int,
        user_id: int,
        display_name: str,
        choice: int,
        at: datetime | None = None,
        role_ids: Sequence[int] = (),
    ) -> AnswerResult:
        """Take a member's answer to the question on ``message_id``. The first answer counts."""
        active = self._active.get(message_id)
        if active is None:
            return AnswerResult(AnswerStatus.NOT_A_QUESTION)
        if not 0 <= choice < active.rules.n_choices:
            return AnswerResult(AnswerStatus.INVALID)
        previous = active.answers.get(user_id)
        if previous is not None:
            return AnswerResult(AnswerStatus.DUPLICATE, choice=previous, hidden=active.hidden)
        when = at or self.clock.now()
        try:
            judged = judge(active.rules, choice, when)
        except QuestionClosedError:
            return AnswerResult(AnswerStatus.CLOSED)
        except UserFacingError:
            return AnswerResult(AnswerStatus.INVALID)
        active.answers[user_id] = choice
        keys = period_keys(when, active.timezone)
        team = self.team_of(active.row.guild_id, user_id, role_ids)
        saved = self.writer.submit(
            NewAnswer(
                round_id=active.row.id,
                guild_id=active.row.guild_id,
                user_id=user_id,
                display_name=display_name,
                item_id=active.item.id,
                topic=active.item.main_topic,
                choice=judged.choice,
                correct=judged.correct,
                points=judged.points,
                latency_ms=judged.latency_ms,
                answered_at=to_ms(when),
                week_key=keys.week,
                month_key=keys.month,
                season_id=self.season_of(active.row.guild_id),
                daily_date=active.daily_date,
                competition_id=team[0] if team else None,
                team_id=team[1] if team else None,
                defer_scores=active.daily_date is not None,
            )
        )
        return AnswerResult(AnswerStatus.ACCEPTED, choice=choice, hidden=active.hidden, saved=saved)

    def active_round(self, message_id: int) -> ActiveRound | None:
        return self._active.get(message_id)

    @property
    def resumed(self) -> bool:
        """Whether the quizzes running when the process last stopped have been picked up."""
        return self._resumed.is_set()

    async def wait_resumed(self) -> None:
        """Wait, at most ``RESUME_WAIT_SECONDS``, until :meth:`resume` is done.

        The gateway delivers clicks and reactions as soon as the bot is ready, a moment before the
        open questions of the previous process are active again; one that lands in that moment
        waits for them instead of being told the question is closed.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._resumed.wait(), RESUME_WAIT_SECONDS)

    # -- restarts ------------------------------------------------------------------------------

    async def resume(self) -> int:
        """Pick up every quiz that was running when the process stopped. Returns how many."""
        try:
            sessions = await self.quizzes.running_sessions()
            for session in sessions:
                if session.channel_id in self._runners:
                    continue
                try:
                    await self._resume_one(session)
                except Exception:
                    log.exception("could not resume quiz %s; ending it", session.id)
                    await self._end(session, stopped=True)
        finally:
            self._resumed.set()
        return len(sessions)

    async def _resume_one(self, session: SessionRow) -> None:
        rounds = await self.quizzes.rounds_of_session(session.id)
        pending = next((r for r in rounds if r.status != "revealed"), None)
        if pending is not None and pending.message_id is None:
            # Crashed between creating the round and posting it: nobody saw it, so drop it.
            async with self.db.transaction() as conn:
                await QuizRepository.close_round(conn, pending.id, "revealed", to_ms(self.clock.now()))
            pending = None
        if pending is not None and pending.status == "open":
            await self._reconcile(pending)
        log.info("resuming quiz %s in channel %s", session.id, session.channel_id)
        self._launch(session, resume_from=pending)

    async def _reconcile(self, row: RoundRow) -> None:
        """Re-open an interrupted round and count reactions made while the bot was down."""
        active = await self.reopen_round(row)
        if active is not None:
            await self.count_missed_reactions(active)

    async def reopen_round(self, row: RoundRow, *, daily_date: str | None = None) -> ActiveRound | None:
        """Take answers on a round posted before a restart again; who had answered still has."""
        assert row.message_id is not None
        item = self.item(row.guild_id, row.item_id)
        if item is None:
            return None
        settings = await self.settings.get(row.guild_id)
        active = self.open_round(row, item, settings, daily_date=daily_date)
        active.answers.update(await self.answers.answered_users(row.id))
        return active

    async def count_missed_reactions(self, active: ActiveRound) -> None:
        """Count the answer reactions on a re-opened round's message that the bot did not see."""
        assert self.presenter is not None
        row, item = active.row, active.item
        if row.mode != "reactions" or row.message_id is None:
            return
        try:
            reactions = await self.presenter.read_reactions(row.channel_id, row.message_id, len(item.choices))
        except Exception:
            log.exception("could not read the reactions of message %s", row.message_id)
            return
        now = self.clock.now()
        # Reactions made while down are counted at the moment we see them, capped at the deadline.
        at = min(now, active.rules.closes_at - timedelta(milliseconds=1))
        counted = 0
        for user_id, (name, choices) in reactions.items():
            if user_id in active.answers:
                continue
            distinct = sorted(set(choices))
            if len(distinct) != 1:
                # Which letter came first cannot be known from a message's reactions.
                log.info(
                    "member %s reacted with %d letters while the bot was down; not counted",
                    user_id,
                    len(distinct),
                )
                continue
            result = self.answer(
                message_id=row.message_id, user_id=user_id, display_name=name, choice=distinct[0], at=at
            )
            counted += result.status is AnswerStatus.ACCEPTED
        if counted:
            log.info(
                "counted %d reaction(s) made while the bot was down on message %s", counted, row.message_id
            )

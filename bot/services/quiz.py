"""Live quizzes: the session loop (draw, post each round, wait, reveal, rank) and its cards.

No discord import. The cog implements :class:`QuizPresenter` (how a question, a reveal and the
results look on Discord); this service decides what happens when. Questions come from the
:class:`~bot.services.question_pool.QuestionPool`; answers are taken and rounds revealed by the
:class:`~bot.services.rounds.RoundService`. All state that matters lives in SQLite: if the process
stops mid-question, :meth:`QuizService.resume` picks every running quiz up, reconciles reactions
made while it was down, and closes what became overdue.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import NotFoundError, PermissionDeniedError, UserFacingError
from bot.core.i18n import N_, Text
from bot.core.quiz import (
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_QUESTIONS,
    MIN_SECONDS,
    QuizAlreadyRunningError,
    Standing,
    draw_items,
    standings,
)
from bot.core.shards import Ownership
from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus
from bot.services.posting import PostingFailedError, failure_text, post_name
from bot.services.question_pool import QuestionPool
from bot.services.rounds import (
    ActiveRound,
    AnswerResult,
    AnswerStatus,
    QuestionCard,
    RevealCard,
    RoundPresenter,
    RoundService,
)
from bot.storage.answers import AnswerRepository
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.quizzes import QuizRepository, RoundRow, SessionAlreadyRunningError, SessionRow
from bot.storage.usage import UsageRepository
from bot.tasks import TaskRunner

# The round's cards and answer types are the rounds service's; named here too for the quiz's users.
__all__ = [
    "ActiveRound",
    "AnswerResult",
    "AnswerStatus",
    "QuestionCard",
    "QuizOptions",
    "QuizPresenter",
    "QuizService",
    "ResultRow",
    "ResultsCard",
    "RevealCard",
]

log = logging.getLogger(__name__)

PAUSE_BETWEEN_ROUNDS = timedelta(seconds=3)
# How long shutdown lets a quiz loop reach its next wait before cancelling it.
SHUTDOWN_GRACE_SECONDS = 2.0


# --- what the presenter is given -------------------------------------------------------------


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
    reason: Text | None = None  # why the quiz ended early, when it was not a member's /quiz stop


class QuizPresenter(RoundPresenter, Protocol):
    async def post_question(self, card: QuestionCard) -> int:
        """Show the question (with its buttons in buttons mode); return the message id."""
        ...

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        """Add the answer reactions under a posted question (reactions mode)."""
        ...

    async def post_results(self, card: ResultsCard) -> None: ...

    async def post_notice(self, guild_id: int, channel_id: int, text: Text) -> None:
        """Say ``text`` in the channel (in its language) as plainly as possible (no embed): the last
        resort when the results cannot be posted."""
        ...


def _no_questions(topic: str | None, lang: str) -> str:
    """Why a quiz found nothing to ask, as a whole sentence per case (so each translates whole)."""
    if topic and lang != "any":
        return N_(
            "There are no questions for topic `{topic}` in language `{lang}`. "
            "`/quiz topics` lists what there is."
        )
    if topic:
        return N_(
            "There are no questions for topic `{topic}` in any language. `/quiz topics` lists what there is."
        )
    if lang != "any":
        return N_(
            "There are no questions for any enabled topic in language `{lang}`. "
            "`/quiz topics` lists what there is."
        )
    return N_(
        "There are no questions for any enabled topic in any language. `/quiz topics` lists what there is."
    )


@dataclass(frozen=True, slots=True)
class QuizOptions:
    topic: str | None = None
    questions: int = 5
    seconds: int = 20
    lang: str = "en"
    mode: AnswerMode = AnswerMode.REACTIONS

    def check(self) -> None:
        """Refuse numbers outside the command's ranges (a raw interaction can send any)."""
        if not MIN_QUESTIONS <= self.questions <= MAX_QUESTIONS:
            raise UserFacingError(
                N_("`{option}` goes from {low} to {high}, not {value}; no quiz was started."),
                option="questions",
                low=MIN_QUESTIONS,
                high=MAX_QUESTIONS,
                value=self.questions,
            )
        if not MIN_SECONDS <= self.seconds <= MAX_SECONDS:
            raise UserFacingError(
                N_("`{option}` goes from {low} to {high}, not {value}; no quiz was started."),
                option="seconds",
                low=MIN_SECONDS,
                high=MAX_SECONDS,
                value=self.seconds,
            )


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
        clock: Clock,
        tasks: TaskRunner,
        pool: QuestionPool,
        rounds: RoundService,
        *,
        rng: random.Random | None = None,
        pause_between_rounds: timedelta = PAUSE_BETWEEN_ROUNDS,
        owner: Ownership | None = None,
    ) -> None:
        self.db = db
        self.owner = owner  # the servers whose quizzes this process resumes at start (None: all)
        self.clock = clock
        self.tasks = tasks
        self.pool = pool
        self.rounds = rounds
        self.rng = rng or random.Random()
        self.pause_between_rounds = pause_between_rounds
        self.presenter: QuizPresenter | None = None
        self.quizzes = QuizRepository(db)
        self.answers = AnswerRepository(db)
        self.settings = GuildSettingsRepository(db)
        self.usage = UsageRepository(db)
        self._runners: dict[int, _Runner] = {}  # channel id -> runner

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
        kind: QuizKind = QuizKind.QUIZ,
        item_ids: Sequence[str] | None = None,
    ) -> SessionRow:
        """Draw the questions (or ask ``item_ids``, e.g. the weakest), persist the session and run it."""
        if self.presenter is None:
            raise RuntimeError("no presenter attached")
        options.check()
        if channel_id in self._runners or await self.quizzes.running_in_channel(channel_id):
            raise QuizAlreadyRunningError()
        settings = await self.settings.get(guild_id)
        typed = options.mode == AnswerMode.TYPED
        pool = self.pool.pool(
            options.topic, options.lang, settings.topics_enabled, guild_id=guild_id, typed=typed
        )
        if not pool:
            if typed:
                raise NotFoundError(
                    N_(
                        "There are no questions to answer by typing here. They come from the short "
                        "answers a server imports (`/bank import`: Red lists, GIFT short answers, Anki "
                        "notes with a short back)."
                    )
                )
            raise NotFoundError(
                _no_questions(options.topic, options.lang), topic=options.topic, lang=options.lang
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
        except SessionAlreadyRunningError as exc:  # another quiz started in the channel meanwhile
            raise QuizAlreadyRunningError() from exc
        self._launch(session)
        return session

    async def stop(self, *, channel_id: int, user_id: int, can_manage_messages: bool) -> None:
        """End the channel's quiz now; the current question is revealed and results posted."""
        runner = self._runners.get(channel_id)
        session = await self.quizzes.running_in_channel(channel_id)
        if runner is None or session is None:
            raise NotFoundError(N_("No quiz is running in this channel."))
        if user_id != session.started_by and not can_manage_messages:
            raise PermissionDeniedError(
                N_("Only the member who started this quiz, or someone with Manage Messages, can stop it.")
            )
        runner.stop.set()
        if runner.task is not None:
            await asyncio.wait({runner.task}, timeout=30)

    def request_stop(self, channel_id: int) -> bool:
        """Ask the channel's quiz to end as stopped at its next step, without waiting for it (a
        presenter calls this from inside the loop, where :meth:`stop` would wait for itself)."""
        runner = self._runners.get(channel_id)
        if runner is None:
            return False
        runner.stop.set()
        runner.skip.set()
        return True

    async def end_left_running(self, channel_id: int) -> SessionRow | None:
        """End, as stopped, a quiz the database says is running in the channel while no loop of this
        process runs it: its process is gone (``quizbot play``'s quizzes never resume). Returns it."""
        if channel_id in self._runners:
            return None
        session = await self.quizzes.running_in_channel(channel_id)
        if session is None:
            return None
        async with self.db.transaction() as conn:
            ended = await QuizRepository.end_session(conn, session.id, "stopped", to_ms(self.clock.now()))
        return session if ended else None

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
        self.rounds.forget_all()

    # -- the game loop -------------------------------------------------------------------------

    async def _run(self, session: SessionRow, runner: _Runner, resume_from: RoundRow | None) -> None:
        try:
            await self._play(session, runner, resume_from)
        except asyncio.CancelledError:
            raise
        except PostingFailedError as error:
            # Discord stayed unavailable (or refuses now): end the quiz, leaving no round open.
            log.warning("quiz %s in channel %s ended: %s", session.id, session.channel_id, error)
            await self._settle_rounds(session)
            await self._end(session, stopped=True, reason=_ended_because(error))
        except Exception:
            log.exception("quiz %s in channel %s failed; ending it", session.id, session.channel_id)
            await self._settle_rounds(session)
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
        item = self.pool.item(session.guild_id, session.item_ids[position - 1])
        settings = await self.settings.get(session.guild_id)
        now = self.clock.now()
        closes = now + timedelta(seconds=session.seconds)
        async with self.db.transaction() as conn:
            row = await QuizRepository.create_round(
                conn,
                guild_id=session.guild_id,
                channel_id=session.channel_id,
                session_id=session.id,
                kind=QuizKind.QUIZ,
                position=position,
                item_id=session.item_ids[position - 1],
                mode=session.mode,
                opens_at=to_ms(now),
                closes_at=to_ms(closes),
                choice_order=None if item is None or not item.is_choice else self.rounds.draw_order(item),
            )
            if item is None:
                await QuizRepository.close_round(conn, row.id, RoundStatus.REVEALED, to_ms(now))
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
            posting=self.rounds.posting_of(row, item) if item.is_choice else None,
        )
        presenter = self.presenter
        # Given up on, the quiz ends and the unposted round is settled (``_run``).
        message_id = await self.rounds.post(lambda: presenter.post_question(card), "question")
        # Take answers from the moment the message exists (no await in between), before the
        # answer reactions are added and before the message id is on disk.
        row = dataclasses.replace(row, message_id=message_id)
        self.rounds.open_round(row, item, settings)
        async with self.db.transaction() as conn:
            await QuizRepository.set_round_message(conn, row.id, message_id, row.opens_at, row.closes_at)
        try:
            await self.rounds.post(
                lambda: presenter.add_answer_controls(card, message_id), "answer reactions"
            )
        except PostingFailedError as error:
            # The question is out and members can still add the letters themselves: play on.
            log.warning("quiz %s: %s", session.id, error)
        return row

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
        if row.status == RoundStatus.OPEN:
            await self._wait(from_ms(row.closes_at), runner)
            if runner.halt.is_set():
                return  # still open: the next start reveals it, at once if it is overdue by then
        await self.rounds.close_and_reveal(row, position=row.position, total=session.total_questions)

    async def _settle_rounds(self, session: SessionRow) -> None:
        """Leave no round of an ending quiz open or closed-but-unrevealed."""
        try:
            for row in await self.quizzes.rounds_of_session(session.id):
                if row.message_id is not None:
                    self.rounds.forget(row.message_id)
                if row.status != RoundStatus.REVEALED:
                    async with self.db.transaction() as conn:
                        await QuizRepository.close_round(
                            conn, row.id, RoundStatus.REVEALED, to_ms(self.clock.now())
                        )
        except Exception:
            log.exception("could not settle the rounds of quiz %s", session.id)

    async def _end(self, session: SessionRow, *, stopped: bool, reason: Text | None = None) -> None:
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
        card = ResultsCard(
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
            reason=reason,
        )
        presenter = self.presenter
        try:
            await self.rounds.post(lambda: presenter.post_results(card), "results")
        except PostingFailedError as error:
            # The scores are saved; only the post is lost.
            log.warning("quiz %s in channel %s: %s", session.id, session.channel_id, error)
            if reason is not None and not error.transient:
                await self._notice(session, reason)

    async def _notice(self, session: SessionRow, reason: Text) -> None:
        """The reason as plain text, once: a channel that refuses embeds may still take that."""
        assert self.presenter is not None
        presenter = self.presenter
        text = Text(
            N_("Quiz stopped: {reason} The scores so far are kept; `/leaderboard` shows them."),
            {"reason": reason},
        )
        try:
            await self.rounds.post(
                lambda: presenter.post_notice(session.guild_id, session.channel_id, text), "notice"
            )
        except PostingFailedError as error:
            log.warning(
                "quiz %s: the reason could not be posted either (%s); it is in this log", session.id, error
            )

    # -- restarts ------------------------------------------------------------------------------

    async def resume(self) -> int:
        """Pick up every quiz that was running when the process stopped. Returns how many."""
        try:
            sessions = await self.quizzes.running_sessions(self.owner)
            for session in sessions:
                if session.channel_id in self._runners:
                    continue
                try:
                    await self._resume_one(session)
                except Exception:
                    log.exception("could not resume quiz %s; ending it", session.id)
                    await self._end(session, stopped=True)
        finally:
            self.rounds.mark_resumed()
        return len(sessions)

    async def _resume_one(self, session: SessionRow) -> None:
        rounds = await self.quizzes.rounds_of_session(session.id)
        pending = next((r for r in rounds if r.status != RoundStatus.REVEALED), None)
        if pending is not None and pending.message_id is None:
            # Crashed between creating the round and posting it: nobody saw it, so drop it.
            async with self.db.transaction() as conn:
                await QuizRepository.close_round(
                    conn, pending.id, RoundStatus.REVEALED, to_ms(self.clock.now())
                )
            pending = None
        if pending is not None and pending.status == RoundStatus.OPEN:
            await self.rounds.reconcile(pending)
        log.info("resuming quiz %s in channel %s", session.id, session.channel_id)
        self._launch(session, resume_from=pending)


def _ended_because(error: PostingFailedError) -> Text:
    """What the results say about a quiz that could not go on (in the channel's language)."""
    params = {"what": post_name(error.what), "reason": failure_text(error.reason)}
    if error.transient:
        return Text(
            N_("Discord kept failing when I posted the {what} ({reason}), so the quiz ended early."), params
        )
    return Text(N_("I could not post the {what} ({reason}), so the quiz ended early."), params)

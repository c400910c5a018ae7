"""Open rounds and answer intake: open, answer, reveal, reopen after a restart. No discord import.

A round is one posted question, of a live quiz or a question of the day. While it is open its
:class:`ActiveRound` sits here in memory keyed by message id, so a reaction or a click is judged
without a database read; the answer goes to the :class:`AnswerWriter` queue. Both the quiz loop
(:mod:`bot.services.quiz`) and the question of the day (:mod:`bot.services.daily`) open and close
their rounds through this service.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.bank.schema import BankItem
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import UserFacingError
from bot.core.letters import LETTERS
from bot.core.periods import period_keys
from bot.core.quiz import (
    TYPED_CHOICE,
    AlreadyAnsweredError,
    AlreadyTypedError,
    InvalidChoiceError,
    Judged,
    QuestionClosedError,
    RoundRules,
    judge,
    judge_typed,
)
from bot.core.shuffle import Posting, posted_order
from bot.core.typed import MAX_TYPED_INPUT_CHARS
from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus
from bot.services.answer_writer import AnswerWriter
from bot.services.posting import RetrySchedule, SendFailure, post_with_retries
from bot.services.question_pool import QuestionPool
from bot.storage.answers import AnswerRepository, NewAnswer
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.quizzes import QuizRepository, RoundRow

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long an answer that arrives while the previous process's quizzes are being picked up waits
# for them (well inside Discord's 3-second deadline for a button's answer).
RESUME_WAIT_SECONDS = 2.0

SeasonOf = Callable[[int], int | None]
TeamOf = Callable[[int, int, Sequence[int]], tuple[int, int] | None]


def no_season(guild_id: int) -> int | None:
    return None


def no_team(guild_id: int, user_id: int, role_ids: Sequence[int]) -> tuple[int, int] | None:
    return None


# --- what the presenter is given -------------------------------------------------------------
#
# A card speaks posted letters only: its ``posting`` says which bank choice was shown under each
# letter, and the properties below translate the item (whose key, also-accepted letters and
# why-nots are the bank's) so a presenter never does.


def _shown(posting: Posting | None, item: BankItem) -> Posting:
    return posting if posting is not None else Posting.identity(len(item.choices))


@dataclass(frozen=True, slots=True)
class QuestionCard:
    guild_id: int
    channel_id: int
    round_id: int
    item: BankItem
    position: int
    total: int
    closes_at: datetime
    mode: AnswerMode
    kind: QuizKind = QuizKind.QUIZ  # DAILY for a question of the day
    posting: Posting | None = None  # the posting's choice order; None: bank order

    @property
    def choices(self) -> tuple[str, ...]:
        """The choice texts in posted order (the first under A)."""
        shown = _shown(self.posting, self.item)
        return tuple(self.item.choices[i] for i in shown.order)


@dataclass(frozen=True, slots=True)
class RevealCard:
    guild_id: int
    channel_id: int
    message_id: int
    round_id: int
    item: BankItem
    position: int
    total: int
    counts: tuple[int, ...]  # per posted choice
    show_counts: bool
    correct_names: tuple[str, ...]
    answered: int
    kind: QuizKind = QuizKind.QUIZ  # DAILY for a question of the day
    posting: Posting | None = None  # the choice order the question was posted in; None: bank order
    mode: AnswerMode = AnswerMode.REACTIONS

    @property
    def choices(self) -> tuple[str, ...]:
        """The choice texts in posted order (the first under A)."""
        shown = _shown(self.posting, self.item)
        return tuple(self.item.choices[i] for i in shown.order)

    @property
    def key_index(self) -> int:
        """Where the key was posted (0 = A)."""
        return _shown(self.posting, self.item).posted_index(self.item.answer_index)

    @property
    def key_letter(self) -> str:
        return LETTERS[self.key_index]

    @property
    def key_text(self) -> str:
        return self.item.choices[self.item.answer_index]

    @property
    def accepted_letters(self) -> tuple[str, ...]:
        """Posted letters of the choices that also scored as right, in posted order."""
        return _shown(self.posting, self.item).accepted_letters(self.item.also_accepted_indexes)

    @property
    def right_indexes(self) -> frozenset[int]:
        """Posted indexes of every choice that scored as right: the key and the also-accepted."""
        return frozenset({self.key_index, *(LETTERS.index(x) for x in self.accepted_letters)})

    @property
    def why_not(self) -> tuple[tuple[str, str], ...]:
        """(posted letter, reason) for the wrong choices the bank explains, in posted order."""
        shown = _shown(self.posting, self.item)
        return tuple(
            sorted((shown.bank_letter_to_posted(letter), why) for letter, why in self.item.why_not.items())
        )


class RoundPresenter(Protocol):
    async def reveal(self, card: RevealCard) -> None: ...

    async def read_reactions(
        self, channel_id: int, message_id: int, n_choices: int
    ) -> dict[int, tuple[str, list[int]]]:
        """user id -> (display name, choice indexes reacted with) on the message, bots excluded."""
        ...

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        """Why a post failed and whether to retry, for an error from Discord; None for a bug."""
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
    # Why the answer did not count, as the domain says it (what a button shows the member).
    error: UserFacingError | None = None


@dataclass
class ActiveRound:
    row: RoundRow
    item: BankItem
    rules: RoundRules  # in posted indexes
    timezone: str
    # The order the choices were posted in (stored with the round); None: a typed question, no choices.
    posting: Posting | None
    answers: dict[int, int] = field(default_factory=dict)  # user id -> choice, first wins
    hidden: bool = False
    daily_date: str | None = None  # a question of the day: its local date, for day streaks
    # Open across a gateway session change: reactions may have been made that no event brought.
    missed_events: bool = False
    # Held while the message's reactions are read and counted, so a reveal due meanwhile waits for
    # them instead of closing the round under the read (whose answers would then be refused).
    catching_up: asyncio.Lock = field(default_factory=asyncio.Lock)


class RoundService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        writer: AnswerWriter,
        pool: QuestionPool,
        *,
        season_of: SeasonOf = no_season,
        team_of: TeamOf = no_team,
        rng: random.Random | None = None,
        retry: RetrySchedule | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.writer = writer
        self.pool = pool
        # The server's running season id, if any (a synchronous cache look-up).
        self.season_of = season_of
        # (running competition id, team id) of a member who answers, from the team service's
        # cache: (guild id, user id, the member's role ids) -> None when no team competes.
        self.team_of = team_of
        # Draws each posting's choice order (seeded in tests, so orders repeat).
        self.rng = rng or random.Random()
        self.presenter: RoundPresenter | None = None
        self.answers = AnswerRepository(db)
        self.settings = GuildSettingsRepository(db)
        self._active: dict[int, ActiveRound] = {}  # message id -> open round
        self._resumed = asyncio.Event()  # set once the running quizzes have been picked up
        # How a question, reveal or results post that fails for a while is tried again (quiz and daily).
        self.retry = retry or RetrySchedule()
        self._connected = True  # whether the gateway delivers events (False between a drop and READY)

    # -- opening and closing -------------------------------------------------------------------

    def draw_order(self, item: BankItem) -> tuple[int, ...]:
        """A fresh choice order for one posting of ``item``, to store with its round.

        Bank order for an item whose order means something (true/false, ``shuffle: false``).
        """
        return posted_order(len(item.choices), shuffle=item.shuffle, item_type=item.type.value, rng=self.rng)

    @staticmethod
    def posting_of(row: RoundRow, item: BankItem) -> Posting:
        """The order the round's choices were posted in, as stored with it."""
        n = len(item.choices)
        if row.choice_order is None:
            return Posting.identity(n)  # posted before orders were stored: bank order
        if len(row.choice_order) != n:
            # The item's choices changed in the bank since it was posted: letters cannot be mapped.
            log.warning(
                "round %s was posted with %d choices, item %s now has %d; using bank order",
                row.id,
                len(row.choice_order),
                item.id,
                n,
            )
            return Posting.identity(n)
        return Posting(row.choice_order)

    def open_round(
        self, row: RoundRow, item: BankItem, settings: GuildSettings, *, daily_date: str | None = None
    ) -> ActiveRound:
        """Take answers on the round's message from now on (a quiz round or a question of the day)."""
        assert row.message_id is not None
        posting = self.posting_of(row, item) if item.is_choice else None
        active = ActiveRound(
            row=row,
            item=item,
            rules=RoundRules(
                opens_at=from_ms(row.opens_at),
                closes_at=from_ms(row.closes_at),
                n_choices=len(item.choices),
                correct_index=TYPED_CHOICE if posting is None else posting.posted_index(item.answer_index),
                speed_bonus=settings.speed_bonus,
                accepted=frozenset()
                if posting is None
                else frozenset(posting.posted_index(i) for i in item.also_accepted_indexes),
            ),
            timezone=settings.timezone,
            posting=posting,
            hidden=settings.hidden_answers,
            daily_date=daily_date,
            missed_events=not self._connected,
        )
        self._active[row.message_id] = active
        return active

    def active_round(self, message_id: int) -> ActiveRound | None:
        return self._active.get(message_id)

    async def post(self, op: Callable[[], Awaitable[T]], what: str) -> T:
        """Run a presenter's post, retried on the :attr:`retry` schedule while Discord fails transiently;
        :class:`PostingFailedError` once it stays impossible."""
        assert self.presenter is not None
        return await post_with_retries(op, what=what, reader=self.presenter, schedule=self.retry)

    async def close_and_reveal(self, row: RoundRow, *, position: int, total: int) -> None:
        """Stop taking answers, save what was given, and show the answer with what it teaches.

        Idempotent: a round already revealed is left alone, and closed -> revealed happens once.
        When the reveal cannot be posted (:class:`PostingFailedError`, after the retries) the round
        is still settled as revealed, so none is left open, and the error goes to the caller.
        """
        assert self.presenter is not None
        current = await QuizRepository(self.db).round(row.id)
        if current is not None and current.status == RoundStatus.REVEALED:
            if row.message_id is not None:
                self._active.pop(row.message_id, None)
            return
        active = self._active.get(row.message_id) if row.message_id is not None else None
        if active is not None:
            async with active.catching_up:  # a read already under way (READY's) finishes first
                if active.missed_events:
                    # Open across a session change that READY has not caught up yet: read the message.
                    await self._count_missed_reactions(active)
        if row.message_id is not None:
            self._active.pop(row.message_id, None)
        await self.writer.flush()
        now_ms = to_ms(self.clock.now())
        async with self.db.transaction() as conn:
            await QuizRepository.close_round(conn, row.id, RoundStatus.CLOSED, now_ms)
        # Answers whose scores waited for the reveal (a question of the day) count from now on.
        await self.db.write(AnswerRepository.release_scores, row.id)
        item = self.pool.item(row.guild_id, row.item_id)
        if item is None or row.message_id is None:
            await self._settle(row.id)
            return
        answers = await self.answers.round_answers(row.id)
        counts = [0] * len(item.choices)
        for answer in answers:
            if 0 <= answer.choice < len(counts):
                counts[answer.choice] += 1
        settings = await self.settings.get(row.guild_id)
        card = RevealCard(
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
            posting=self.posting_of(row, item) if item.is_choice else None,
            mode=row.mode,
        )
        presenter = self.presenter
        try:
            await self.post(lambda: presenter.reveal(card), "reveal")
        except Exception:
            # Given up on: the round is over all the same, and never revealed a second time. (Cancelled
            # by a shutdown instead, it stays closed and the next start reveals it.)
            await self._settle(row.id)
            raise
        await self._settle(row.id)

    async def _settle(self, round_id: int) -> None:
        async with self.db.transaction() as conn:
            await QuizRepository.close_round(conn, round_id, RoundStatus.REVEALED, to_ms(self.clock.now()))

    def forget(self, message_id: int) -> None:
        """The round on ``message_id`` takes no more answers (its quiz ended)."""
        self._active.pop(message_id, None)

    def forget_all(self) -> None:
        """The process stops: no round takes answers any more (their state stays on disk)."""
        self._active.clear()

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
        """Take a member's answer to the question on ``message_id``. The first answer counts.

        ``choice`` is the posted index (the letter the member saw: 0 = A); the stored answer keeps
        it and the bank's own index of that choice.
        """
        active = self._active.get(message_id)
        if active is None:
            # Its round closed (or it never was a question): to the member, the question is closed.
            return AnswerResult(AnswerStatus.NOT_A_QUESTION, error=QuestionClosedError())
        if not 0 <= choice < active.rules.n_choices:
            return AnswerResult(AnswerStatus.INVALID, error=InvalidChoiceError())
        previous = active.answers.get(user_id)
        if previous is not None:
            return AnswerResult(
                AnswerStatus.DUPLICATE,
                choice=previous,
                hidden=active.hidden,
                error=AlreadyAnsweredError(LETTERS[previous]),
            )
        when = at or self.clock.now()
        try:
            judged = judge(active.rules, choice, when)
        except QuestionClosedError as exc:
            return AnswerResult(AnswerStatus.CLOSED, error=exc)
        except UserFacingError as exc:
            return AnswerResult(AnswerStatus.INVALID, error=exc)
        active.answers[user_id] = choice
        bank_choice = None if active.posting is None else active.posting.bank_index(judged.choice)
        saved = self.writer.submit(
            self._new_answer(active, user_id, display_name, judged, when, role_ids, bank_choice=bank_choice)
        )
        return AnswerResult(AnswerStatus.ACCEPTED, choice=choice, hidden=active.hidden, saved=saved)

    async def answer_when_ready(
        self,
        *,
        message_id: int,
        user_id: int,
        display_name: str,
        choice: int,
        role_ids: Sequence[int] = (),
    ) -> AnswerResult:
        """:meth:`answer`, for a reaction or a click from the gateway.

        The gateway delivers clicks and reactions as soon as the bot is ready, a moment before the
        open questions of the previous process are active again; one that lands in that moment
        waits for them (at most ``RESUME_WAIT_SECONDS``) instead of being told the question is
        closed.
        """
        result = self.answer(
            message_id=message_id,
            user_id=user_id,
            display_name=display_name,
            choice=choice,
            role_ids=role_ids,
        )
        if result.status is AnswerStatus.NOT_A_QUESTION and not self.resumed:
            await self.wait_resumed()
            result = self.answer(
                message_id=message_id,
                user_id=user_id,
                display_name=display_name,
                choice=choice,
                role_ids=role_ids,
            )
        return result

    # -- typed answers -------------------------------------------------------------------------

    def check_typed(self, *, message_id: int, user_id: int) -> AnswerResult:
        """Whether the member may still type an answer to the question on ``message_id``.

        Asked when the Answer button is pressed, so a member who answered, or a question that
        closed, gets a private word instead of a box whose answer would not count.
        """
        active = self._active.get(message_id)
        if active is None:
            return AnswerResult(AnswerStatus.NOT_A_QUESTION, error=QuestionClosedError())
        if active.item.is_choice:
            return AnswerResult(AnswerStatus.INVALID, error=InvalidChoiceError())
        if user_id in active.answers:
            return AnswerResult(AnswerStatus.DUPLICATE, choice=TYPED_CHOICE, error=AlreadyTypedError())
        if not active.rules.is_open(self.clock.now()):
            return AnswerResult(AnswerStatus.CLOSED, error=QuestionClosedError())
        return AnswerResult(AnswerStatus.ACCEPTED, choice=TYPED_CHOICE)

    def answer_typed(
        self,
        *,
        message_id: int,
        user_id: int,
        display_name: str,
        text: str,
        at: datetime | None = None,
        role_ids: Sequence[int] = (),
    ) -> AnswerResult:
        """Take a member's typed answer to the question on ``message_id``. The first one counts."""
        active = self._active.get(message_id)
        if active is None:
            return AnswerResult(AnswerStatus.NOT_A_QUESTION, error=QuestionClosedError())
        if active.item.is_choice:
            return AnswerResult(AnswerStatus.INVALID, error=InvalidChoiceError())
        if user_id in active.answers:
            return AnswerResult(AnswerStatus.DUPLICATE, choice=TYPED_CHOICE, error=AlreadyTypedError())
        when = at or self.clock.now()
        text = text.strip()[:MAX_TYPED_INPUT_CHARS]
        try:
            judged = judge_typed(active.rules, text, active.item.accepted, when)
        except QuestionClosedError as exc:
            return AnswerResult(AnswerStatus.CLOSED, error=exc)
        active.answers[user_id] = TYPED_CHOICE
        answer = self._new_answer(active, user_id, display_name, judged, when, role_ids, typed_text=text)
        saved = self.writer.submit(answer)
        return AnswerResult(AnswerStatus.ACCEPTED, choice=TYPED_CHOICE, saved=saved)

    async def when_ready(self, take: Callable[[], AnswerResult]) -> AnswerResult:
        """``take()``, again once the previous process's rounds are picked up if it found none
        (see :meth:`answer_when_ready`)."""
        result = take()
        if result.status is AnswerStatus.NOT_A_QUESTION and not self.resumed:
            await self.wait_resumed()
            result = take()
        return result

    def _new_answer(
        self,
        active: ActiveRound,
        user_id: int,
        display_name: str,
        judged: Judged,
        when: datetime,
        role_ids: Sequence[int],
        *,
        bank_choice: int | None = None,
        typed_text: str | None = None,
    ) -> NewAnswer:
        """The answer to save, as every kind of round records it (choice or typed)."""
        keys = period_keys(when, active.timezone)
        team = self.team_of(active.row.guild_id, user_id, role_ids)
        return NewAnswer(
            round_id=active.row.id,
            guild_id=active.row.guild_id,
            user_id=user_id,
            display_name=display_name,
            item_id=active.item.id,
            topic=active.item.main_topic,
            choice=judged.choice,
            bank_choice=bank_choice,
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
            typed_text=typed_text,
        )

    # -- restarts ------------------------------------------------------------------------------

    @property
    def resumed(self) -> bool:
        """Whether the rounds open when the process last stopped have been picked up."""
        return self._resumed.is_set()

    def mark_resumed(self) -> None:
        self._resumed.set()

    async def wait_resumed(self) -> None:
        """Wait, at most ``RESUME_WAIT_SECONDS``, until the open rounds have been picked up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._resumed.wait(), RESUME_WAIT_SECONDS)

    # -- gateway session changes ----------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the gateway is delivering events (False from a drop until READY or RESUMED)."""
        return self._connected

    def session_lost(self) -> None:
        """The gateway connection dropped: until the next READY or RESUMED, events may be lost for good
        (an invalid session is never replayed), so every open round may have missed reactions."""
        self._connected = False
        for active in self._active.values():
            active.missed_events = True

    async def session_ready(self) -> int:
        """READY or RESUMED: count, from each message, the reactions made on the rounds that were open
        across the session change. Returns how many rounds were read."""
        self._connected = True
        pending = [a for a in self._active.values() if a.missed_events]
        for active in pending:
            if active.row.message_id is not None and self._active.get(active.row.message_id) is active:
                await self.count_missed_reactions(active)
        return len(pending)

    async def reconcile(self, row: RoundRow) -> None:
        """Re-open an interrupted round and count reactions made while the bot was down."""
        active = await self.reopen_round(row)
        if active is not None:
            await self.count_missed_reactions(active)

    async def reopen_round(self, row: RoundRow, *, daily_date: str | None = None) -> ActiveRound | None:
        """Take answers on a round posted before a restart again; who had answered still has."""
        assert row.message_id is not None
        item = self.pool.item(row.guild_id, row.item_id)
        if item is None:
            return None
        settings = await self.settings.get(row.guild_id)
        active = self.open_round(row, item, settings, daily_date=daily_date)
        active.answers.update(await self.answers.answered_users(row.id))
        return active

    async def count_missed_reactions(self, active: ActiveRound) -> None:
        """Count the answer reactions on a re-opened round's message that the bot did not see."""
        async with active.catching_up:
            if self._active.get(active.row.message_id or 0) is active:  # not revealed while waiting
                await self._count_missed_reactions(active)

    async def _count_missed_reactions(self, active: ActiveRound) -> None:
        assert self.presenter is not None
        row, item = active.row, active.item
        active.missed_events = False
        if row.mode != AnswerMode.REACTIONS or row.message_id is None:
            return
        try:
            reactions = await self.presenter.read_reactions(row.channel_id, row.message_id, len(item.choices))
        except Exception as error:
            if self.presenter.describe_failure(error) is None:
                log.exception("could not read the reactions of message %s", row.message_id)
            else:  # Discord failing or refusing: the reactions seen live still count
                log.warning("could not read the reactions of message %s: %s", row.message_id, error)
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
                "counted %d reaction(s) made while the bot did not see them on message %s",
                counted,
                row.message_id,
            )

"""Private study sessions: due cards first, then new ones, choice cards and flashcards. No discord import.

A session is a row: its cards are ordered once, at the start (:func:`bot.core.study.order_session`),
and every step (an answer, Show answer, a rating, Next) is one transaction that re-reads the row,
checks the step is the one the member sees, reviews the card with py-fsrs and moves the session
on. So a click works after a restart, twice-clicked buttons do nothing twice, and the
interaction token's 15 minutes never matter (each click is a fresh interaction).

The same service runs ``/study`` on Discord and ``quizbot study`` in the terminal.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.bank.loader import Bank
from bot.bank.schema import BankItem, ItemType
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import NotFoundError
from bot.core.i18n import N_, Nn_, Text
from bot.core.study import (
    AGAIN,
    DEFAULT_NEW_PER_DAY,
    DEFAULT_RETENTION,
    PRIVATE_DECK,
    SessionPlan,
    StudyError,
    check_cards,
    day_start,
    format_interval,
    order_session,
    rating_for_choice,
    weakest_items,
)
from bot.services.tutor import TutorSettings, lowest_retrievability, preview, retrievability, review
from bot.storage.cards import CardRepository, StudySessionRow
from bot.storage.database import Connection, Database

log = logging.getLogger(__name__)

CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE)


class StaleStepError(StudyError):
    """A click on a card the session has moved past (shown again as it is now)."""


@dataclass(frozen=True, slots=True)
class StudyCard:
    """What the member sees of the session's current card."""

    session_id: int
    position: int
    total: int
    item: BankItem
    phase: str  # ask, shown (flashcard answer shown), answered
    new: bool
    picked: int | None = None  # the choice clicked (choice items, answered)
    rating: int | None = None  # the rating the answer gave
    next_due: datetime | None = None  # when the card comes back (answered)
    intervals: dict[int, Text] = field(default_factory=dict)  # rating -> "4d" (flashcard shown)
    reviewed: int = 0
    correct: int = 0

    @property
    def is_choice(self) -> bool:
        return self.item.type in CHOICE_TYPES

    @property
    def right(self) -> bool | None:
        if self.rating is None:
            return None
        return self.rating != AGAIN


@dataclass(frozen=True, slots=True)
class StudySummary:
    session_id: int
    total: int
    reviewed: int
    correct: int
    next_due: datetime | None
    due_now: int


StudyStep = StudyCard | StudySummary


class StudyService:
    def __init__(
        self,
        db: Database,
        bank: Bank,
        clock: Clock,
        *,
        guild_items: Callable[[int], Sequence[BankItem]] = lambda guild_id: (),
    ) -> None:
        self.db = db
        self.bank = bank
        self.clock = clock
        self.cards = CardRepository(db)
        self.settings = TutorSettings(db, clock)
        # A server's own imported questions (the bank service's cache), on top of the shared bank.
        self.guild_items = guild_items

    # -- the pool ------------------------------------------------------------------------------

    def pool(self, guild_id: int, topic: str | None, lang: str) -> list[BankItem]:
        """Every item a deck can hold: choice items and short answers, the server's own too."""
        wanted = None if lang == "any" else lang
        items = list(self.bank.filter(topic=topic, lang=wanted))
        if guild_id != PRIVATE_DECK:
            items += [
                i
                for i in self.guild_items(guild_id)
                if (wanted is None or i.lang == wanted) and (topic is None or topic in i.topics)
            ]
        return items

    def item(self, guild_id: int, item_id: str) -> BankItem | None:
        found = self.bank.by_id(item_id)
        if found is None and guild_id != PRIVATE_DECK:
            found = next((i for i in self.guild_items(guild_id) if i.id == item_id), None)
        return found

    async def studied(self, guild_id: int, user_id: int) -> tuple[list[BankItem], int]:
        """The items the member holds cards for in this deck, in the order the cards were made, and
        how many of their cards name an item the bank no longer has (removed, or renamed)."""
        items: list[BankItem] = []
        gone = 0
        for card in sorted(await self.cards.deck(guild_id, user_id), key=lambda c: c.id):
            found = self.item(guild_id, card.item_id)
            if found is None:
                gone += 1
            else:
                items.append(found)
        return items, gone

    async def weakest(self, guild_id: int, item_ids: Sequence[str], n: int) -> list[str]:
        """The server's weakest items among ``item_ids`` (``/quiz weak``): lowest mean retrievability
        now over the members who hold cards for them; items nobody holds are left out."""
        now = self.clock.now()
        fitted = await self.cards.parameters(guild_id)
        found: dict[str, list[float]] = {}
        for card in await self.cards.guild_item_cards(guild_id, item_ids):
            found.setdefault(card.item_id, []).append(retrievability(card, now, fitted))
        return weakest_items(found, n)

    # -- starting ------------------------------------------------------------------------------

    async def plan(
        self, guild_id: int, user_id: int, *, topic: str | None, lang: str, cards: int
    ) -> SessionPlan:
        """The member's next cards: due ones by lowest retrievability, then new ones.

        Two reads in the common case (the member's settings and deck); today's new-card count and
        the topic record only when new cards can join.
        """
        now = self.clock.now()
        now_ms = to_ms(now)
        pool = self.pool(guild_id, topic, lang)
        new_per_day_set, zone_set, fitted = await self.cards.study_context(guild_id, user_id)
        new_per_day = DEFAULT_NEW_PER_DAY if new_per_day_set is None else new_per_day_set
        zone = zone_set or "UTC"
        in_pool = {i.id for i in pool}
        due_cards = [c for c in await self.cards.due_states(guild_id, user_id, now_ms) if c[0] in in_pool]
        # py-fsrs's retrievability only for the cards that can be among the session's first ones.
        due = lowest_retrievability(due_cards, now, cards, fitted)
        new: list[tuple[str, str]] = []
        sums: dict[str, tuple[int, int]] = {}
        new_allowed = 0
        if len(due_cards) < cards and new_per_day > 0:
            held = await self.cards.item_ids(guild_id, user_id)
            new = [(i.id, i.main_topic) for i in pool if i.id not in held]
            if new:
                since = to_ms(day_start(now, zone))
                new_allowed = new_per_day - await self.cards.introduced_since(guild_id, user_id, since)
                sums = await self.cards.topic_sums(guild_id, user_id) if new_allowed > 0 else {}
        return order_session(due, new, sums, cards=cards, new_allowed=new_allowed)

    async def start(
        self,
        *,
        guild_id: int,
        user_id: int,
        topic: str | None,
        lang: str,
        cards: int,
        ui_language: str | None = None,
    ) -> StudyCard:
        """A new session of the member's next cards in question language ``lang``. ``ui_language``
        is the interface language of their Discord, kept for their reminders (when on)."""
        check_cards(cards)
        if not self.pool(guild_id, topic, lang):
            if topic:
                raise NotFoundError(
                    N_("There are no questions for topic `{topic}` in `{lang}`. `/quiz topics` lists them."),
                    topic=topic,
                    lang=lang,
                )
            raise NotFoundError(
                N_("There are no questions for any topic in `{lang}`. `/quiz topics` lists them."), lang=lang
            )
        plan = await self.plan(guild_id, user_id, topic=topic, lang=lang, cards=cards)
        if not plan.item_ids:
            _r, new_per_day = await self.settings.get(guild_id, user_id)
            next_due = await self.cards.next_due(guild_id, user_id)
            if next_due:
                raise StudyError(
                    Nn_(
                        "Nothing to study now: no card is due and today's {count} new card is done. "
                        "The next card is due {when}. `/study settings new_per_day` changes the daily limit.",
                        "Nothing to study now: no card is due and today's {count} new cards are done. "
                        "The next card is due {when}. `/study settings new_per_day` changes the daily limit.",
                    ),
                    count=new_per_day,
                    when=f"<t:{next_due // 1000}:R>",
                )
            raise StudyError(
                Nn_(
                    "Nothing to study now: no card is due and today's {count} new card is done. "
                    "`/study settings new_per_day` changes the daily limit.",
                    "Nothing to study now: no card is due and today's {count} new cards are done. "
                    "`/study settings new_per_day` changes the daily limit.",
                ),
                count=new_per_day,
            )
        now_ms = to_ms(self.clock.now())

        async def begin(conn: Connection) -> StudySessionRow:
            if ui_language is not None:
                await CardRepository.seen_language(conn, guild_id, user_id, ui_language)
            return await CardRepository.create_session(
                conn,
                guild_id=guild_id,
                user_id=user_id,
                topic=topic,
                lang=lang,
                item_ids=plan.item_ids,
                new_ids=plan.new_ids,
                now_ms=now_ms,
            )

        session = await self.db.write(begin)
        log.info(
            "member %s started studying %d card(s) (%d new) in deck %s",
            user_id,
            session.total,
            len(plan.new_ids),
            guild_id,
        )
        step = await self._render(session)
        assert isinstance(step, StudyCard)
        return step

    # -- steps ---------------------------------------------------------------------------------

    async def current(self, session_id: int, user_id: int) -> StudyStep:
        session = await self.cards.session(session_id)
        self._own(session, user_id)
        assert session is not None
        return await self._render(session)

    async def answer_choice(self, session_id: int, user_id: int, position: int, choice: int) -> StudyStep:
        """A choice card answered: wrong is Again, right is Good."""
        at = self.clock.now()

        async def work(conn: Connection) -> StudySessionRow:
            session = await self._step(conn, session_id, user_id, position, "ask")
            item = self._item_of(session)
            if item.type not in CHOICE_TYPES or not 0 <= choice < len(item.choices):
                raise StaleStepError(N_("That is not one of this card's choices."))
            # Study shows choices in bank order; an also-accepted choice is right, as in a quiz.
            rating = rating_for_choice(choice == item.answer_index or choice in item.also_accepted_indexes)
            return await self._review(conn, session, item, rating, at, choice=choice)

        return await self._run(work)

    async def show_answer(self, session_id: int, user_id: int, position: int) -> StudyStep:
        async def work(conn: Connection) -> StudySessionRow:
            session = await self._step(conn, session_id, user_id, position, "ask")
            await CardRepository.update_session(
                conn,
                session.id,
                position=session.position,
                phase="shown",
                last_choice=None,
                last_rating=None,
                reviewed=session.reviewed,
                correct=session.correct,
                shown_at=session.shown_at,
            )
            return await CardRepository.session_for_update(conn, session.id) or session

        return await self._run(work)

    async def rate(self, session_id: int, user_id: int, position: int, rating: int) -> StudyStep:
        """A flashcard rated by the member (Again, Hard, Good, Easy) after seeing the answer."""
        if rating not in (1, 2, 3, 4):
            raise StaleStepError(N_("Rate with Again, Hard, Good or Easy."))
        at = self.clock.now()

        async def work(conn: Connection) -> StudySessionRow:
            session = await self._step(conn, session_id, user_id, position, "shown")
            return await self._review(conn, session, self._item_of(session), rating, at, choice=None)

        return await self._run(work)

    async def next(self, session_id: int, user_id: int, position: int) -> StudyStep:
        at_ms = to_ms(self.clock.now())

        async def work(conn: Connection) -> StudySessionRow:
            session = await self._step(conn, session_id, user_id, position, "answered")
            done = session.position >= session.total
            await CardRepository.update_session(
                conn,
                session.id,
                position=session.position if done else session.position + 1,
                phase="done" if done else "ask",
                last_choice=None,
                last_rating=None,
                reviewed=session.reviewed,
                correct=session.correct,
                shown_at=at_ms,
                ended_at=at_ms if done else None,
            )
            return await CardRepository.session_for_update(conn, session.id) or session

        return await self._run(work)

    # -- inside the step's transaction ---------------------------------------------------------

    def _own(self, session: StudySessionRow | None, user_id: int) -> None:
        if session is None:
            raise NotFoundError(N_("This study session no longer exists; `/study start` begins a new one."))
        if session.user_id != user_id:
            raise StudyError(N_("This is someone else's study session; `/study start` begins your own."))

    async def _step(
        self, conn: Connection, session_id: int, user_id: int, position: int, phase: str
    ) -> StudySessionRow:
        session = await CardRepository.session_for_update(conn, session_id)
        self._own(session, user_id)
        assert session is not None
        if session.position != position or session.phase != phase:
            raise StaleStepError(N_("That button is from an earlier step of the session."))
        return session

    def _item_of(self, session: StudySessionRow) -> BankItem:
        item = self.item(session.guild_id, session.item_id or "")
        if item is None:
            raise StaleStepError(N_("This card's question was removed from the bank; press Next."))
        return item

    async def _review(
        self,
        conn: Connection,
        session: StudySessionRow,
        item: BankItem,
        rating: int,
        at: datetime,
        *,
        choice: int | None,
    ) -> StudySessionRow:
        key = (session.guild_id, session.user_id, item.id)
        previous = (await CardRepository.load(conn, [key])).get(key)
        retention = (await CardRepository.retentions(conn, [(session.guild_id, session.user_id)])).get(
            (session.guild_id, session.user_id), DEFAULT_RETENTION
        )
        duration = max(0, to_ms(at) - session.shown_at)
        write = review(
            previous,
            key,
            item.main_topic,
            rating,
            at,
            duration_ms=duration,
            source="study",
            desired_retention=retention,
            parameters=(await CardRepository.parameters_for(conn, [session.guild_id])).get(session.guild_id),
        )
        await CardRepository.save_reviews(conn, [write])
        await CardRepository.update_session(
            conn,
            session.id,
            position=session.position,
            phase="answered",
            last_choice=choice,
            last_rating=rating,
            reviewed=session.reviewed + 1,
            correct=session.correct + int(rating != AGAIN),
            shown_at=session.shown_at,
        )
        updated = await CardRepository.session_for_update(conn, session.id)
        assert updated is not None
        return updated

    async def _run(self, work: Callable[[Connection], Awaitable[StudySessionRow]]) -> StudyStep:
        session = await self.db.write(work)
        return await self._render(session)

    # -- what the member sees ------------------------------------------------------------------

    async def _render(self, session: StudySessionRow) -> StudyStep:
        now = self.clock.now()
        if session.phase == "done":
            next_due = await self.cards.next_due(session.guild_id, session.user_id)
            return StudySummary(
                session_id=session.id,
                total=session.total,
                reviewed=session.reviewed,
                correct=session.correct,
                next_due=from_ms(next_due) if next_due is not None else None,
                due_now=await self.cards.due_count(session.guild_id, session.user_id, to_ms(now)),
            )
        item = self.item(session.guild_id, session.item_id or "")
        if item is None:
            raise NotFoundError(N_("This card's question was removed from the bank."))
        card = await self.cards.card(session.guild_id, session.user_id, item.id)
        intervals: dict[int, Text] = {}
        if session.phase == "shown":
            retention, _n = await self.settings.get(session.guild_id, session.user_id)
            fitted = await self.cards.parameters(session.guild_id)
            intervals = {
                r: format_interval(due - now) for r, due in preview(card, now, retention, fitted).items()
            }
        return StudyCard(
            session_id=session.id,
            position=session.position,
            total=session.total,
            item=item,
            phase=session.phase,
            new=item.id in session.new_ids,
            picked=session.last_choice,
            rating=session.last_rating,
            next_due=from_ms(card.due_at) if session.phase == "answered" and card is not None else None,
            intervals=intervals,
            reviewed=session.reviewed,
            correct=session.correct,
        )

"""Every graded answer is a review: the bridge between answers and the ``fsrs`` package.

All scheduling is py-fsrs's :class:`fsrs.Scheduler` (``review_card``, ``get_card_retrievability``);
this module only turns stored rows into :class:`fsrs.Card` objects and back. One scheduler per
desired retention is kept (they differ only in that number).

Fuzzing is off: the labels on the flashcard buttons ("Good · 4d") then say exactly what a click
does, and tests can compare with the package's own answer. Quiz Tutor's decks are small (about
120 items), so the clustering fuzz protects against in large Anki decks hardly arises.

:meth:`Tutor.apply_answers` is the answer writer's hook: it runs inside the transaction that
stores a batch of answers (quizzes, questions of the day, ``quizbot play``), so each card moves
with its answer, at the answer's time, or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.study import (
    AGAIN,
    DEFAULT_NEW_PER_DAY,
    DEFAULT_RETENTION,
    PRIVATE_DECK,
    check_new_per_day,
    check_retention,
    rating_for_choice,
)
from bot.storage.answers import NewAnswer
from bot.storage.cards import CardRepository, CardRow, Key, ReviewWrite
from bot.storage.database import Connection, Database

log = logging.getLogger(__name__)

NEW = 0  # prior_state of a card reviewed for the first time


Parameters = tuple[float, ...] | None  # a server's fitted FSRS weights; None: py-fsrs's defaults


@lru_cache(maxsize=256)
def scheduler(desired_retention: float = DEFAULT_RETENTION, parameters: Parameters = None) -> Scheduler:
    """py-fsrs's scheduler for a desired retention and the server's parameters (default ones when
    the server has not fitted its own with ``quizbot study optimize``)."""
    if parameters is None:
        return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)
    return Scheduler(parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False)


def utc(when: datetime) -> datetime:
    """py-fsrs wants ``datetime.timezone.utc`` itself, not just an aware time."""
    return when.astimezone(UTC)


def to_fsrs(row: CardRow | None, at: datetime) -> Card:
    """The stored card as py-fsrs's Card (a new one, due ``at``, for an item never reviewed)."""
    if row is None:
        return Card(card_id=0, due=utc(at))
    return Card(
        card_id=row.id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=from_ms(row.due_at),
        last_review=from_ms(row.last_review_at) if row.last_review_at is not None else None,
    )


def retrievability(row: CardRow, at: datetime, parameters: Parameters = None) -> float:
    """The chance the member recalls the card at ``at`` (0 for a card never reviewed)."""
    return float(scheduler(DEFAULT_RETENTION, parameters).get_card_retrievability(to_fsrs(row, at), utc(at)))


DAY_MS = 86_400_000
# Two cards whose elapsed-days-over-stability ratios lie closer than this may round to the same
# retrievability float: lowest_retrievability asks py-fsrs about both (see there).
_NEAR_TIE = 1e-6


def lowest_retrievability(
    cards: Sequence[tuple[str, float | None, int | None]],
    at: datetime,
    n: int,
    parameters: Parameters = None,
) -> list[tuple[str, float]]:
    """(item id, retrievability at ``at``) of at least the ``n`` cards least likely to be recalled,
    out of ``cards`` (item id, stability, last review ms): py-fsrs is asked only about those.

    py-fsrs's retrievability depends on a card's whole days since its last review and its stability
    alone, and falls as their ratio grows (its forgetting curve is decreasing: ``_DECAY`` is
    negative by its parameter bounds); a card never reviewed has 0. So ranking by that ratio, then
    asking py-fsrs for the first ``n`` and for every card whose ratio is within a rounding margin of
    the ``n``-th one, returns every card that can be among the ``n`` lowest by (retrievability, item
    id): the same choice as asking about all of them. Nothing of the curve itself is computed here.
    """
    if n <= 0 or not cards:
        return []
    at_ms = to_ms(at)

    def ratio(card: tuple[str, float | None, int | None]) -> float:
        _item, stability, last = card
        if stability is None or last is None:
            return float("inf")  # py-fsrs gives 0: the lowest there is
        return max(0, (at_ms - last) // DAY_MS) / stability  # whole days, as py-fsrs counts them

    ranked = sorted(((ratio(c), c) for c in cards), key=lambda rc: -rc[0])
    if len(ranked) > n:
        cutoff = ranked[n - 1][0]
        if cutoff != float("inf"):
            cutoff -= _NEAR_TIE * (1 + cutoff)
        ranked = [rc for i, rc in enumerate(ranked) if i < n or rc[0] >= cutoff]
    sched = scheduler(DEFAULT_RETENTION, parameters)
    now = utc(at)
    out = []
    for _ratio, (item_id, stability, last) in ranked:
        card = Card(
            card_id=0,
            state=State.Review,
            stability=stability,
            due=now,
            last_review=from_ms(last) if last is not None else None,
        )
        out.append((item_id, float(sched.get_card_retrievability(card, now))))
    return out


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=256)
def _first_review(
    desired_retention: float, rating: int, parameters: Parameters = None
) -> tuple[int, int | None, float, float, int]:
    """What py-fsrs makes of a new card's first review with ``rating``: (state, step, stability,
    difficulty, milliseconds until due).

    A new card has no history, so its first review depends only on the rating (and the
    scheduler): the result is the same at any moment, due the same interval later (fuzzing is
    off). Computed once with py-fsrs and reused, because a group quiz reviews hundreds of new
    cards at once, on the answer writer's thread.
    """
    card, _log = scheduler(desired_retention, parameters).review_card(
        Card(card_id=0, due=_EPOCH), Rating(rating), _EPOCH
    )
    assert card.stability is not None and card.difficulty is not None
    return (int(card.state), card.step, card.stability, card.difficulty, to_ms(card.due) - to_ms(_EPOCH))


def review(
    row: CardRow | None,
    key: Key,
    topic: str,
    rating: int,
    at: datetime,
    *,
    duration_ms: int | None,
    source: str,
    desired_retention: float = DEFAULT_RETENTION,
    parameters: Parameters = None,
) -> ReviewWrite:
    """The card after one review, as py-fsrs schedules it."""
    if row is None:
        # A new card's first review: py-fsrs's answer for that rating, moved to this moment.
        state, step, stability, difficulty, offset = _first_review(desired_retention, rating, parameters)
        at_ms = to_ms(at)
        return ReviewWrite(
            guild_id=key[0],
            user_id=key[1],
            item_id=key[2],
            topic=topic,
            state=state,
            step=step,
            stability=stability,
            difficulty=difficulty,
            due_at=at_ms + offset,
            rating=rating,
            reviewed_at=at_ms,
            duration_ms=duration_ms,
            source=source,
            prior_state=NEW,
            lapse=False,
        )
    card, _log = scheduler(desired_retention, parameters).review_card(
        to_fsrs(row, at), Rating(rating), utc(at), duration_ms
    )
    prior = row.state
    return ReviewWrite(
        guild_id=key[0],
        user_id=key[1],
        item_id=key[2],
        topic=topic,
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_at=to_ms(card.due),
        rating=rating,
        reviewed_at=to_ms(at),
        duration_ms=duration_ms,
        source=source,
        prior_state=prior,
        lapse=prior == State.Review and rating == AGAIN,
    )


def preview(
    row: CardRow | None,
    at: datetime,
    desired_retention: float = DEFAULT_RETENTION,
    parameters: Parameters = None,
) -> dict[int, datetime]:
    """When the card would come back after each rating (the flashcard buttons' labels)."""
    sched = scheduler(desired_retention, parameters)
    card = to_fsrs(row, at)
    return {int(r): sched.review_card(card, r, utc(at))[0].due for r in Rating}


def as_row(write: ReviewWrite, previous: CardRow | None) -> CardRow:
    """The row a review leaves (for a second review of the same card within one batch)."""
    return CardRow(
        id=previous.id if previous is not None else 0,
        guild_id=write.guild_id,
        user_id=write.user_id,
        item_id=write.item_id,
        topic=write.topic,
        state=write.state,
        step=write.step,
        stability=write.stability,
        difficulty=write.difficulty,
        due_at=write.due_at,
        last_review_at=write.reviewed_at,
        reps=(previous.reps if previous is not None else 0) + 1,
        lapses=(previous.lapses if previous is not None else 0) + int(write.lapse),
        created_at=previous.created_at if previous is not None else write.reviewed_at,
    )


def answer_source(answer: NewAnswer) -> str:
    if answer.daily_date is not None:
        return "daily"
    if answer.guild_id == PRIVATE_DECK:
        return "play"  # quizbot play keeps its scores under server 0, the private deck
    return "quiz"


async def apply_answers(conn: Connection, answers: Sequence[NewAnswer], accepted: Sequence[bool]) -> None:
    """The answer writer's hook: review each accepted answer's card, in answer order.

    Runs inside the batch's transaction on the writer thread: two reads (the batch's cards and the
    desired retention of members who set one), then two ``executemany`` writes.
    """
    graded = [a for a, ok in zip(answers, accepted, strict=True) if ok]
    if not graded:
        return
    keys = [(a.guild_id, a.user_id, a.item_id) for a in graded]
    cards: dict[Key, CardRow | None] = dict(await CardRepository.load(conn, keys))
    retention = await CardRepository.retentions(conn, {(a.guild_id, a.user_id) for a in graded})
    fitted = await CardRepository.parameters_for(conn, {a.guild_id for a in graded})
    repeated = len(set(keys)) != len(keys)  # a member answering the same item twice in one batch
    writes = []
    for answer, key in zip(graded, keys, strict=True):
        previous = cards.get(key)
        write = review(
            previous,
            key,
            answer.topic,
            rating_for_choice(answer.correct),
            from_ms(answer.answered_at),
            duration_ms=answer.latency_ms,
            source=answer_source(answer),
            desired_retention=retention.get((answer.guild_id, answer.user_id), DEFAULT_RETENTION),
            parameters=fitted.get(answer.guild_id),
        )
        writes.append(write)
        if repeated:
            cards[key] = as_row(write, previous)
    await CardRepository.save_reviews(conn, writes)


class TutorSettings:
    """A member's desired retention and new cards per day, per deck."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.cards = CardRepository(db)

    async def get(self, guild_id: int, user_id: int) -> tuple[float, int]:
        member = await self.cards.member(guild_id, user_id)
        if member is None:
            return (DEFAULT_RETENTION, DEFAULT_NEW_PER_DAY)
        return (member.desired_retention, member.new_per_day)

    async def save(
        self, guild_id: int, user_id: int, *, new_per_day: int | None, retention: float | None
    ) -> tuple[float, int]:
        if new_per_day is not None:
            check_new_per_day(new_per_day)
        if retention is not None:
            retention = check_retention(retention)
        now_ms = to_ms(self.clock.now())
        await self.db.write(
            lambda conn: CardRepository.save_member(
                conn, guild_id, user_id, now_ms, desired_retention=retention, new_per_day=new_per_day
            )
        )
        return await self.get(guild_id, user_id)

"""Typed quizzes on a real SQLite file: what they draw, how answers are judged and kept, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.bank.loader import Bank
from bot.core.clock import FakeClock
from bot.core.errors import NotFoundError
from bot.core.quiz import TYPED_CHOICE, AlreadyTypedError, InvalidChoiceError, QuestionClosedError
from bot.core.vocabulary import AnswerMode
from bot.services.question_pool import is_typeable
from bot.services.quiz import AnswerStatus, QuizOptions
from bot.storage.database import Database
from bot.storage.quizzes import QuizRepository
from tests.services.conftest import Harness, make_harness

GUILD, CHANNEL = 1, 10

GIFT = b"""$CATEGORY: $course$/Club/Literature

::bard:: Who wrote Hamlet? {=Shakespeare =William Shakespeare}

::long:: Explain the plot of Hamlet. {=Prince Hamlet feigns madness to avenge his father, who was \
murdered by his uncle Claudius, and nearly everyone dies by the end of the fifth act.}

::acts:: How many acts has Hamlet? {=5 ~3 ~4}
"""


@pytest.fixture
async def quiz(db: Database, bank: Bank) -> AsyncIterator[Harness]:
    h = make_harness(db, bank)
    report = await h.guild_bank.import_file(GUILD, 99, "hamlet.gift", GIFT)
    assert report.imported
    yield h
    await h.close()


async def _open_typed(h: Harness, seconds: int = 20) -> int:
    await h.service.start(
        guild_id=GUILD,
        channel_id=CHANNEL,
        user_id=5,
        options=QuizOptions(questions=3, seconds=seconds, lang="any", mode=AnswerMode.TYPED),
    )
    for _ in range(200):  # the loop posts the first question on its first steps
        if h.presenter.message_ids and h.rounds.active_round(h.presenter.message_ids[-1]):
            return h.presenter.message_ids[-1]
        await asyncio.sleep(0.005)
    raise AssertionError("the typed question was never posted")


def test_only_short_accepted_answers_are_typeable(quiz: Harness) -> None:
    own = {i.id: i for i in quiz.guild_bank.items_of(GUILD)}
    assert {i for i, item in own.items() if is_typeable(item)} == {"g-hamlet-q01"}
    typed = quiz.pool.pool(None, "any", guild_id=GUILD, typed=True)
    assert [i.id for i in typed] == ["g-hamlet-q01"], "no long model answer, no choice question"
    choice = quiz.pool.pool("literature", "any", guild_id=GUILD)
    assert [i.id for i in choice] == ["g-hamlet-q03"], "a choice quiz never draws a short answer"
    assert quiz.pool.typed_topics(GUILD) == {"literature": {"en": 1}}
    # The shared bank's interview questions are long model answers: none is typeable.
    assert quiz.pool.pool(None, "any", typed=True) == []


async def test_a_typed_quiz_without_typeable_questions_says_where_they_come_from(
    db: Database, bank: Bank
) -> None:
    h = make_harness(db, bank)
    try:
        with pytest.raises(NotFoundError, match="no questions to answer by typing"):
            await h.service.start(
                guild_id=GUILD,
                channel_id=CHANNEL,
                user_id=5,
                options=QuizOptions(mode=AnswerMode.TYPED, lang="any"),
            )
    finally:
        await h.close()


async def test_typed_answers_are_judged_once_each_and_kept_with_their_text(
    quiz: Harness, db: Database
) -> None:
    message = await _open_typed(quiz)
    card = quiz.presenter.questions[-1]
    assert card.mode == AnswerMode.TYPED and card.item.id == "g-hamlet-q01"
    rounds = quiz.rounds

    assert rounds.check_typed(message_id=message, user_id=1).status is AnswerStatus.ACCEPTED
    quiz.clock.advance(2)
    right = rounds.answer_typed(message_id=message, user_id=1, display_name="ann", text="  Shakespere ")
    wrong = rounds.answer_typed(message_id=message, user_id=2, display_name="ben", text="Shake")
    assert right.status is AnswerStatus.ACCEPTED and wrong.status is AnswerStatus.ACCEPTED
    again = rounds.answer_typed(message_id=message, user_id=1, display_name="ann", text="Marlowe")
    assert again.status is AnswerStatus.DUPLICATE and isinstance(again.error, AlreadyTypedError)
    assert isinstance(rounds.check_typed(message_id=message, user_id=1).error, AlreadyTypedError)
    # A letter on a typed question (a forged click, a reaction) counts for nothing.
    letter = rounds.answer(message_id=message, user_id=3, display_name="cy", choice=0)
    assert letter.status is AnswerStatus.INVALID and isinstance(letter.error, InvalidChoiceError)
    long = rounds.answer_typed(message_id=message, user_id=4, display_name="di", text="x" * 500)
    assert long.status is AnswerStatus.ACCEPTED
    assert right.saved is not None and await right.saved

    quiz.clock.advance(20)
    closed = rounds.answer_typed(message_id=message, user_id=6, display_name="ed", text="Shakespeare")
    assert isinstance(closed.error, QuestionClosedError)
    await quiz.service.wait_finished(CHANNEL)
    reveal = quiz.presenter.reveals[-1]
    assert reveal.correct_names == ("ann",) and reveal.answered == 3 and reveal.counts == ()

    rows = await db.fetch_all(
        "SELECT user_id, choice, correct, points, typed_text FROM answers ORDER BY user_id"
    )
    assert [(r["user_id"], r["choice"], r["correct"], r["typed_text"]) for r in rows] == [
        (1, TYPED_CHOICE, 1, "Shakespere"),
        (2, TYPED_CHOICE, 0, "Shake"),
        (4, TYPED_CHOICE, 0, "x" * 100),  # clipped to the answer box's limit
    ]
    assert rows[0]["points"] > 0 and rows[1]["points"] == 0
    # Each typed answer reviews the member's card like any quiz answer: right is Good, wrong Again.
    reviews = await db.fetch_all(
        "SELECT c.user_id, r.rating FROM review_log r JOIN cards c ON c.id = r.card_id "
        "WHERE c.item_id = 'g-hamlet-q01' ORDER BY c.user_id"
    )
    assert [(r["user_id"], r["rating"]) for r in reviews] == [(1, 3), (2, 1), (4, 1)]
    sessions = await QuizRepository(db).running_sessions()
    assert sessions == []
    row = await QuizRepository(db).round_by_message(message)
    assert row is not None and row.mode == AnswerMode.TYPED


async def test_a_typed_round_picks_up_after_a_restart_with_who_answered(db: Database, bank: Bank) -> None:
    clock = FakeClock()
    first = make_harness(db, bank, clock)
    await first.guild_bank.import_file(GUILD, 99, "hamlet.gift", GIFT)
    message = await _open_typed(first, seconds=30)
    answered = first.rounds.answer_typed(
        message_id=message, user_id=1, display_name="ann", text="shakespeare"
    )
    assert answered.saved is not None and await answered.saved
    await first.close()

    clock.advance(5)
    second = make_harness(db, bank, clock)
    await second.guild_bank.load()
    second.presenter.next_id = 5000
    assert await second.service.resume() == 1
    session = await QuizRepository(db).running_in_channel(CHANNEL)
    assert session is not None and session.mode == AnswerMode.TYPED
    again = second.rounds.answer_typed(message_id=message, user_id=1, display_name="ann", text="x")
    assert isinstance(again.error, AlreadyTypedError), "who answered before the restart still has"
    late = second.rounds.answer_typed(message_id=message, user_id=2, display_name="ben", text="Shakespere")
    assert late.status is AnswerStatus.ACCEPTED
    clock.advance(timedelta(seconds=30))
    await second.service.wait_finished(CHANNEL)
    assert second.presenter.reveals[-1].correct_names == ("ann", "ben")
    await second.close()

"""The quiz service against a real SQLite file, a fake clock and a recording presenter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.bank.loader import Bank
from bot.core.errors import NotFoundError, PermissionDeniedError
from bot.core.quiz import QuizAlreadyRunningError
from bot.services.quiz import AnswerStatus, QuizOptions
from bot.storage.database import Database
from tests.helpers import key_posted, wait_for, wrong_posted
from tests.services.conftest import Harness, make_harness

GUILD, CHANNEL, ALICE, BOB, CAROL = 1, 10, 100, 200, 300


async def start(h: Harness, **options: object) -> int:
    opts = QuizOptions(**{"questions": 2, "seconds": 20, "lang": "en", **options})  # type: ignore[arg-type]
    session = await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)
    return session.id


async def question_posted(h: Harness, n: int) -> int:
    await wait_for(
        lambda: len(h.presenter.questions) >= n and h.rounds.active_round(h.presenter.message_ids[n - 1])
    )
    return h.presenter.message_ids[n - 1]


async def close_current(h: Harness, n_reveals: int) -> None:
    await wait_for(lambda: h.clock.sleepers > 0, what="the round to wait for its close")
    h.clock.advance(timedelta(seconds=21))
    await wait_for(lambda: len(h.presenter.reveals) >= n_reveals, what=f"reveal {n_reveals}")


async def test_full_quiz_scores_reveals_and_ranks(harness: Harness, db: Database) -> None:
    h = harness
    await start(h)
    msg = await question_posted(h, 1)
    card = h.presenter.questions[0]
    right, wrong = key_posted(card), wrong_posted(card)

    h.clock.advance(timedelta(seconds=2))
    assert h.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=right).status is (
        AnswerStatus.ACCEPTED
    )
    h.clock.advance(timedelta(seconds=8))
    assert h.rounds.answer(message_id=msg, user_id=BOB, display_name="Bob", choice=wrong).status is (
        AnswerStatus.ACCEPTED
    )
    # Alice's second reaction never changes her answer.
    again = h.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=wrong)
    assert again.status is AnswerStatus.DUPLICATE and again.choice == right

    await close_current(h, 1)
    reveal = h.presenter.reveals[0]
    assert reveal.counts[right] == 1 and reveal.counts[wrong] == 1
    assert reveal.correct_names == ("Alice",)
    assert reveal.answered == 2

    # A late answer to the closed question is ignored.
    assert h.rounds.answer(message_id=msg, user_id=CAROL, display_name="Carol", choice=right).status is (
        AnswerStatus.NOT_A_QUESTION
    )

    msg2 = await question_posted(h, 2)
    h.rounds.answer(
        message_id=msg2, user_id=BOB, display_name="Bob", choice=key_posted(h.presenter.questions[1])
    )
    await close_current(h, 2)
    await wait_for(lambda: h.presenter.results, what="results")

    results = h.presenter.results[0]
    assert not results.stopped and results.questions_asked == 2
    by_name = {r.name: r for r in results.rows}
    assert by_name["Alice"].points == 950  # 2 s of 20: 1000 * (1 - 0.5 * 0.1)
    assert by_name["Bob"].points == 1000  # answered at once
    assert [r.rank for r in results.rows] == [1, 2]

    rows = await db.fetch_all(
        "SELECT user_id, period_kind, points, answered, correct FROM scores WHERE guild_id = ?",
        (GUILD,),
    )
    per_user = {(r["user_id"], r["period_kind"]): (r["points"], r["answered"], r["correct"]) for r in rows}
    assert per_user[(ALICE, "all")] == (950, 1, 1)
    assert per_user[(BOB, "all")] == (1000, 2, 1)
    assert per_user[(BOB, "week")] == (1000, 2, 1)
    assert per_user[(BOB, "month")] == (1000, 2, 1)
    answers = await db.fetch_all("SELECT * FROM answers ORDER BY answered_at")
    assert len(answers) == 3
    assert {a["latency_ms"] for a in answers} >= {2000, 10000}


async def test_one_quiz_per_channel(harness: Harness) -> None:
    await start(harness)
    with pytest.raises(QuizAlreadyRunningError):
        await start(harness)


async def test_unknown_pool_is_a_clear_message(harness: Harness) -> None:
    with pytest.raises(NotFoundError, match="no questions"):
        await start(harness, topic="dpo", lang="zh")


async def test_stop_needs_starter_or_manage_messages(harness: Harness) -> None:
    h = harness
    await start(h, questions=5)
    await question_posted(h, 1)
    with pytest.raises(PermissionDeniedError):
        await h.service.stop(channel_id=CHANNEL, user_id=BOB, can_manage_messages=False)
    await h.service.stop(channel_id=CHANNEL, user_id=BOB, can_manage_messages=True)
    await wait_for(lambda: h.presenter.results)
    assert h.presenter.results[0].stopped
    assert len(h.presenter.reveals) == 1  # the open question was revealed
    assert not h.service.is_running(CHANNEL)
    with pytest.raises(NotFoundError):
        await h.service.stop(channel_id=CHANNEL, user_id=ALICE, can_manage_messages=True)


async def test_no_repeats_until_the_pool_is_used_up(harness: Harness, bank: Bank) -> None:
    h = harness
    pool = {i.id for i in h.pool.pool("quantization", "en")}
    assert 2 <= len(pool) <= 20
    seen: list[str] = []
    while len(seen) < len(pool):
        n = min(3, len(pool) - len(seen))
        session = await h.service.start(
            guild_id=GUILD,
            channel_id=CHANNEL,
            user_id=ALICE,
            options=QuizOptions(topic="quantization", questions=n, seconds=5),
        )
        seen.extend(session.item_ids)
        await h.service.stop(channel_id=CHANNEL, user_id=ALICE, can_manage_messages=True)
    assert len(seen) == len(set(seen)) == len(pool)


async def test_restart_mid_question_reconciles_reactions(db: Database, bank: Bank) -> None:
    first = make_harness(db, bank)
    await start(first, questions=2)
    msg = await question_posted(first, 1)
    right, wrong = key_posted(first.presenter.questions[0]), wrong_posted(first.presenter.questions[0])
    first.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=right)
    await first.writer.flush()
    await first.close()  # the process stops mid-question

    second = make_harness(db, bank, clock=first.clock)
    second.presenter.next_id = first.presenter.next_id
    # While the bot was down: Bob reacted with the right letter, Carol with two letters, Alice again.
    second.presenter.reactions[msg] = {
        ALICE: ("Alice", [right, wrong]),
        BOB: ("Bob", [right]),
        CAROL: ("Carol", [0, 1]),
    }
    assert await second.service.resume() == 1
    await close_current(second, 1)
    reveal = second.presenter.reveals[0]
    assert reveal.answered == 2  # Alice (recorded before) and Bob (reconciled); Carol ambiguous
    assert set(reveal.correct_names) == {"Alice", "Bob"}
    await question_posted(second, 1)
    await close_current(second, 2)
    await wait_for(lambda: second.presenter.results)
    rows = await db.fetch_all(
        "SELECT user_id, answered FROM scores WHERE period_kind = 'all' ORDER BY user_id"
    )
    assert [(r["user_id"], r["answered"]) for r in rows] == [(ALICE, 1), (BOB, 1)]
    await second.close()


async def test_restart_after_the_deadline_reveals_at_once(db: Database, bank: Bank) -> None:
    first = make_harness(db, bank)
    await start(first, questions=1)
    await question_posted(first, 1)
    await first.close()
    first.clock.advance(timedelta(minutes=10))  # down for longer than the question was open

    second = make_harness(db, bank, clock=first.clock)
    await second.service.resume()
    await wait_for(lambda: second.presenter.reveals and second.presenter.results, what="reveal and results")
    assert second.presenter.questions == []  # nothing re-posted
    await second.close()

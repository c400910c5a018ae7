"""Posted choice order and also-accepted scoring through the rounds service (issue 12 items 1 and 2).

A real SQLite file with every migration, the quiz service with a fake clock and a recording
presenter. Every posting draws its order from the rounds service's seeded generator, stores it
with the round, and everything after (answers, reveal, restart) speaks its letters.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from bot.bank.loader import Bank
from bot.bank.schema import BankItem
from bot.core.shuffle import Posting, encode_order
from bot.core.vocabulary import AnswerMode
from bot.services.quiz import AnswerStatus, QuizOptions, RevealCard
from bot.storage.database import Database
from tests.helpers import key_posted, wait_for, wrong_posted
from tests.services.conftest import Harness, make_harness

GUILD, CHANNEL, ALICE, BOB, CAROL = 1, 10, 100, 200, 300
IDENTITY4 = (0, 1, 2, 3)


async def _start(h: Harness, questions: int, **options: object) -> None:
    opts = QuizOptions(**{"questions": questions, "seconds": 20, "lang": "en", **options})  # type: ignore[arg-type]
    await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)


async def _posted(h: Harness, n: int) -> int:
    await wait_for(
        lambda: len(h.presenter.questions) >= n and h.rounds.active_round(h.presenter.message_ids[n - 1]),
        what=f"question {n}",
    )
    return h.presenter.message_ids[n - 1]


async def _close(h: Harness, n_reveals: int) -> None:
    await wait_for(lambda: h.clock.sleepers > 0, what="the round to wait for its close")
    h.clock.advance(timedelta(seconds=21))
    await wait_for(lambda: len(h.presenter.reveals) >= n_reveals, what=f"reveal {n_reveals}")


async def test_every_posting_stores_its_order_and_answers_keep_posted_and_bank_index(
    harness: Harness, db: Database
) -> None:
    h = harness
    await _start(h, 6)
    for n in range(1, 7):
        msg = await _posted(h, n)
        card = h.presenter.questions[n - 1]
        assert card.posting is not None
        # What the card shows under each letter is the bank choice the stored order names.
        assert card.choices == tuple(card.item.choices[i] for i in card.posting.order)
        # Alice always picks A as posted.
        h.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=0)
        await _close(h, n)
        reveal = h.presenter.reveals[n - 1]
        assert reveal.posting == card.posting
        assert reveal.choices[reveal.key_index] == card.item.choices[card.item.answer_index]
    await wait_for(lambda: h.presenter.results, what="results")

    orders = [c.posting.order for c in h.presenter.questions if c.posting is not None]
    assert len(set(orders)) > 1 and any(o != tuple(range(len(o))) for o in orders), orders
    rounds = await db.fetch_all("SELECT id, item_id, choice_order FROM rounds ORDER BY position")
    assert [r["choice_order"] for r in rounds] == [encode_order(o) for o in orders]
    answers = await db.fetch_all(
        "SELECT a.choice, a.bank_choice, a.correct FROM answers a JOIN rounds r ON r.id = a.round_id "
        "ORDER BY r.position"
    )
    for card, answer in zip(h.presenter.questions, answers, strict=True):
        assert card.posting is not None
        bank_choice = card.posting.order[0]
        assert (answer["choice"], answer["bank_choice"]) == (0, bank_choice)
        right = bank_choice == card.item.answer_index or bank_choice in card.item.also_accepted_indexes
        assert bool(answer["correct"]) is right


async def test_the_same_seed_gives_the_same_orders_and_draws(tmp_path: Path, bank: Bank) -> None:
    async def orders(name: str) -> list[tuple[str, tuple[int, ...]]]:
        db = await Database.open(tmp_path / name)
        await db.migrate()
        h = make_harness(db, bank, seed=11)
        try:
            await _start(h, 3)
            for n in range(1, 4):
                await _posted(h, n)
                await _close(h, n)
            return [(c.item.id, c.posting.order) for c in h.presenter.questions if c.posting is not None]
        finally:
            await h.close()
            await db.close()

    first = await orders("a.db")
    assert len(first) == 3
    assert await orders("b.db") == first


async def test_a_restart_keeps_the_posted_order_for_reactions_clicks_and_the_reveal(
    db: Database, bank: Bank
) -> None:
    first = make_harness(db, bank)
    await _start(first, 1)
    msg = await _posted(first, 1)
    card = first.presenter.questions[0]
    assert card.posting is not None
    right, wrong = key_posted(card), wrong_posted(card)
    first.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=right)
    await first.writer.flush()
    await first.close()  # mid-question

    # A new process with a generator in another state: the order comes from the database.
    second = make_harness(db, bank, clock=first.clock, seed=99)
    second.presenter.reactions[msg] = {BOB: ("Bob", [right])}  # reacted while the bot was down
    assert await second.service.resume() == 1
    active = second.rounds.active_round(msg)
    assert active is not None and active.posting == card.posting
    clicked = second.rounds.answer(message_id=msg, user_id=CAROL, display_name="Carol", choice=wrong)
    assert clicked.status is AnswerStatus.ACCEPTED
    again = second.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=wrong)
    assert again.status is AnswerStatus.DUPLICATE and again.choice == right  # her letter as posted
    await _close(second, 1)

    reveal = second.presenter.reveals[0]
    assert reveal.posting == card.posting
    assert reveal.key_index == right and reveal.counts[right] == 2 and reveal.counts[wrong] == 1
    assert set(reveal.correct_names) == {"Alice", "Bob"}
    rows = await db.fetch_all("SELECT user_id, choice, bank_choice, correct FROM answers ORDER BY user_id")
    assert [tuple(r) for r in rows] == [
        (ALICE, right, card.item.answer_index, 1),
        (BOB, right, card.item.answer_index, 1),
        (CAROL, wrong, card.posting.bank_index(wrong), 0),
    ]
    await second.close()


def _items(bank: Bank, *ids: str) -> Bank:
    found = [bank.by_id(i) for i in ids]
    assert all(found), ids
    return Bank([i for i in found if i is not None])


async def test_an_also_accepted_choice_scores_like_the_key_and_the_reveal_says_so(
    db: Database, bank: Bank
) -> None:
    accepted_bank = _items(bank, "s000-q34")
    item = accepted_bank.by_id("s000-q34")
    assert item is not None and item.also_accepted == ["A"] and item.answer == "D"
    h = make_harness(db, accepted_bank)
    try:
        await _start(h, 1, topic=None)
        msg = await _posted(h, 1)
        card = h.presenter.questions[0]
        assert card.posting is not None
        key, also, wrong = key_posted(card), card.posting.posted_index(0), wrong_posted(card)
        h.clock.advance(timedelta(seconds=4))
        for user, name, choice in ((ALICE, "Alice", also), (BOB, "Bob", key), (CAROL, "Carol", wrong)):
            assert h.rounds.answer(message_id=msg, user_id=user, display_name=name, choice=choice).status is (
                AnswerStatus.ACCEPTED
            )
        await _close(h, 1)
        reveal = h.presenter.reveals[0]
        assert reveal.accepted_letters == (card.posting.posted_letter(0),)
        assert reveal.right_indexes == {key, also}
        assert set(reveal.correct_names) == {"Alice", "Bob"}
        rows = await db.fetch_all("SELECT user_id, correct, points FROM answers ORDER BY user_id")
        assert [tuple(r) for r in rows] == [(ALICE, 1, 900), (BOB, 1, 900), (CAROL, 0, 0)]
    finally:
        await h.close()


async def test_an_item_marked_shuffle_false_keeps_bank_order_at_every_posting(
    db: Database, bank: Bank
) -> None:
    source = bank.by_id("s000-q34")
    assert source is not None
    fixed = source.model_copy(update={"shuffle": False})
    h = make_harness(db, Bank([fixed]))
    try:
        before = h.rounds.rng.getstate()
        assert all(h.rounds.draw_order(fixed) == IDENTITY4 for _ in range(20))
        assert h.rounds.rng.getstate() == before  # a fixed item leaves later draws alone
        await _start(h, 1)
        await _posted(h, 1)
        card = h.presenter.questions[0]
        assert card.posting is not None and card.posting.order == IDENTITY4
        assert card.choices == tuple(fixed.choices)
    finally:
        await h.close()


def _reveal(item: BankItem, order: tuple[int, ...]) -> RevealCard:
    return RevealCard(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=1,
        round_id=1,
        item=item,
        position=1,
        total=1,
        counts=(0,) * len(order),
        show_counts=True,
        correct_names=(),
        answered=0,
        posting=Posting(order),
        mode=AnswerMode.BUTTONS,
    )


def test_a_reveal_card_speaks_posted_letters_for_the_key_accepted_and_why_nots(bank: Bank) -> None:
    item = bank.by_id("s000-q34")  # key D, also accepted A, why-nots for B and C
    assert item is not None and sorted(item.why_not) == ["B", "C"]
    # Posted A shows bank C, B shows bank A, C shows bank D, D shows bank B.
    card = _reveal(item, (2, 0, 3, 1))
    assert (card.key_letter, card.key_index, card.key_text) == ("C", 2, item.choices[3])
    assert card.accepted_letters == ("B",)
    assert card.right_indexes == {1, 2}
    assert card.why_not == (("A", item.why_not["C"]), ("D", item.why_not["B"]))
    assert card.choices == (item.choices[2], item.choices[0], item.choices[3], item.choices[1])
    identity = _reveal(item, IDENTITY4)
    assert (identity.key_letter, identity.accepted_letters) == ("D", ("A",))


async def test_a_round_posted_before_orders_were_stored_is_read_in_bank_order(
    harness: Harness, db: Database
) -> None:
    h = harness
    await _start(h, 1)
    msg = await _posted(h, 1)
    await h.service.shutdown()
    async with db.transaction() as conn:  # as migration 0005 leaves a round of an older version
        await conn.execute("UPDATE rounds SET choice_order = NULL")
    row = await h.service.quizzes.round_by_message(msg)
    assert row is not None and row.choice_order is None
    item = h.pool.item(GUILD, row.item_id)
    assert item is not None
    assert h.rounds.posting_of(row, item) == Posting.identity(len(item.choices))
    # Text that is not an order (never written by the bot) is read as bank order too, not a crash.
    async with db.transaction() as conn:
        await conn.execute("UPDATE rounds SET choice_order = '2,2,1,0'")
    damaged = await h.service.quizzes.round_by_message(msg)
    assert damaged is not None and damaged.choice_order is None


def test_orders_are_drawn_fairly_over_many_postings(harness: Harness, bank: Bank) -> None:
    """Over many postings each posted letter holds the key about equally often (4-choice items)."""
    rounds = harness.rounds
    rounds.rng = random.Random(5)
    items = [i for i in bank.filter() if i.is_choice and i.shuffle and len(i.choices) == 4]
    counts = [0, 0, 0, 0]
    for _ in range(50):
        for item in items:
            counts[rounds.draw_order(item).index(item.answer_index)] += 1
    expected = 50 * len(items) / 4
    assert all(abs(c - expected) < 0.1 * expected for c in counts), counts

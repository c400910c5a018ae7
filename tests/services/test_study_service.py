"""Study sessions on a real SQLite file: order, choice cards, flashcards, stale clicks, limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import fsrs
import pytest

from bot.bank.loader import Bank
from bot.bank.schema import ItemType
from bot.core.clock import FakeClock, from_ms, to_ms
from bot.core.study import GOOD, StudyError
from bot.services.study import StaleStepError, StudyCard, StudyService, StudySummary
from bot.services.tutor import review, scheduler, to_fsrs
from bot.storage.cards import CardRepository
from bot.storage.database import Database

GUILD, ALICE, BOB = 1, 100, 200


async def _seed(db: Database, bank: Bank, clock: FakeClock, reviews: list[tuple[str, float, int]]) -> None:
    """Give Alice cards: (item id, days ago, rating) reviewed in that order."""
    for item_id, days_ago, rating in reviews:
        item = bank.by_id(item_id)
        assert item is not None
        at = clock.now() - timedelta(days=days_ago)
        key = (GUILD, ALICE, item_id)
        previous = await CardRepository(db).card(*key)
        write = review(previous, key, item.main_topic, rating, at, duration_ms=None, source="quiz")
        await db.write(CardRepository.save_reviews, [write])


async def test_a_session_puts_due_cards_first_least_retrievable_first_then_new_from_the_weakest_topic(
    db: Database, bank: Bank
) -> None:
    clock = FakeClock()
    service = StudyService(db, bank, clock)
    lora = [i.id for i in bank.filter(topic="lora", lang="en", types=(ItemType.SINGLE_CHOICE,))]
    sft = [i.id for i in bank.filter(topic="sft", lang="en", types=(ItemType.SINGLE_CHOICE,))]
    # Three lora cards learnt on different days, all due by now; sft answered wrong recently.
    await _seed(
        db,
        bank,
        clock,
        [(lora[0], 40, GOOD), (lora[1], 12, GOOD), (lora[2], 30, GOOD), (sft[0], 0.5, 1), (sft[1], 0.5, 1)],
    )
    deck = await CardRepository(db).deck(GUILD, ALICE)
    due = [c for c in deck if c.due_at <= to_ms(clock.now())]
    expected_due = [
        c.item_id
        for c in sorted(
            due,
            key=lambda c: (
                scheduler().get_card_retrievability(to_fsrs(c, clock.now()), clock.now()),
                c.item_id,
            ),
        )
    ]
    assert len(expected_due) >= 3

    await service.settings.save(GUILD, ALICE, new_per_day=2, retention=None)
    plan = await service.plan(GUILD, ALICE, topic=None, lang="en", cards=50)
    assert list(plan.item_ids[: len(expected_due)]) == expected_due
    assert len(plan.new_ids) == 2
    # sft was answered wrong: the weakest topic, so the new cards are sft's.
    assert all(bank.by_id(i).main_topic == "sft" for i in plan.new_ids)  # type: ignore[union-attr]
    assert plan.item_ids[len(expected_due) :] == plan.new_ids

    short = await service.plan(GUILD, ALICE, topic=None, lang="en", cards=2)
    assert list(short.item_ids) == expected_due[:2] and short.new_ids == ()


async def test_a_choice_card_and_a_flashcard_are_reviewed_and_the_session_ends_with_a_summary(
    db: Database, bank: Bank
) -> None:
    clock = FakeClock()
    service = StudyService(db, bank, clock)
    pool = service.pool(GUILD, "qlora", "en")
    flashcards = sum(1 for i in pool if i.type is ItemType.SHORT_ANSWER)
    assert 0 < flashcards < len(pool) <= 10
    step = await service.start(guild_id=GUILD, user_id=ALICE, topic="qlora", lang="en", cards=10)
    assert isinstance(step, StudyCard) and step.total == len(pool) and step.new
    seen_choice = seen_flash = False
    while isinstance(step, StudyCard):
        shown_at = clock.now()  # the card is on screen from the click that brought it
        clock.advance(timedelta(seconds=7))
        if step.is_choice:
            accepted = {step.item.answer_index, *step.item.also_accepted_indexes}
            wrong = min(set(range(len(step.item.choices))) - accepted)
            answered = await service.answer_choice(step.session_id, ALICE, step.position, wrong)
            assert isinstance(answered, StudyCard) and answered.right is False and answered.picked == wrong
            # Wrong is Again: a new card comes back at its first learning step.
            assert answered.next_due == clock.now() + scheduler().learning_steps[0]
            with pytest.raises(StaleStepError):  # a second click on the same card's buttons
                await service.answer_choice(step.session_id, ALICE, step.position, wrong)
            seen_choice = True
        else:
            shown = await service.show_answer(step.session_id, ALICE, step.position)
            assert isinstance(shown, StudyCard) and shown.phase == "shown"
            labels = shown.intervals
            assert set(labels) == {1, 2, 3, 4}
            new_card = fsrs.Card(card_id=0, due=clock.now())
            good_due = scheduler().review_card(new_card, fsrs.Rating.Good, clock.now())[0].due
            answered = await service.rate(step.session_id, ALICE, step.position, GOOD)
            assert isinstance(answered, StudyCard) and answered.next_due == good_due
            seen_flash = True
        [log] = [
            r
            for r in await CardRepository(db).review_log(GUILD, ALICE)
            if r.reviewed_at == to_ms(clock.now())
        ]
        assert (log.source, log.duration_ms) == ("study", to_ms(clock.now()) - to_ms(shown_at))
        clock.advance(timedelta(seconds=1))
        step = await service.next(step.session_id, ALICE, step.position)
    assert seen_choice and seen_flash
    assert isinstance(step, StudySummary) and (step.reviewed, step.total) == (len(pool), len(pool))
    assert step.correct == flashcards  # the flashcards rated Good; every choice card was wrong
    deck = await CardRepository(db).deck(GUILD, ALICE)
    assert step.next_due == from_ms(min(c.due_at for c in deck))

    # Every qlora item has its card now, and none is due yet.
    with pytest.raises(StudyError, match="Nothing to study"):
        await service.start(guild_id=GUILD, user_id=ALICE, topic="qlora", lang="en", cards=10)


async def test_someone_elses_session_and_the_daily_new_limit_are_refused(db: Database, bank: Bank) -> None:
    clock = FakeClock()
    service = StudyService(db, bank, clock)
    await service.settings.save(GUILD, ALICE, new_per_day=1, retention=None)
    step = await service.start(guild_id=GUILD, user_id=ALICE, topic=None, lang="en", cards=10)
    assert step.total == 1, "one new card a day"
    with pytest.raises(StudyError, match="someone else"):
        await service.current(step.session_id, BOB)
    if step.is_choice:
        await service.answer_choice(step.session_id, ALICE, 1, step.item.answer_index)
    else:
        await service.show_answer(step.session_id, ALICE, 1)
        await service.rate(step.session_id, ALICE, 1, GOOD)
    with pytest.raises(StudyError, match="Nothing to study"):
        await service.start(guild_id=GUILD, user_id=ALICE, topic=None, lang="en", cards=10)
    clock.advance(timedelta(days=1))  # a new day: one more new card (and the first one is due)
    again = await service.start(guild_id=GUILD, user_id=ALICE, topic=None, lang="en", cards=10)
    assert again.total == 2 and again.item.id == step.item.id


async def test_the_studied_items_are_this_decks_the_servers_own_included_and_gone_ones_counted(
    db: Database, bank: Bank, tmp_path: Path
) -> None:
    from bot.bank.schema import SERVER_TOPICS, BankItem
    from bot.services.study_export import export_studied_apkg
    from tests.bank.formats.test_formats_export import read_apkg

    shared = bank.by_id(bank.filter(topic="lora", lang="en", types=(ItemType.SINGLE_CHOICE,))[0].id)
    assert shared is not None
    own = BankItem.model_validate(
        {
            **shared.model_dump(mode="json"),
            "id": "g-club-q01",
            "topics": ["club"],
            "source": {"file": "club.txt", "locator": "q1"},
        },
        context={SERVER_TOPICS: True},
    )
    clock = FakeClock()
    service = StudyService(db, bank, clock, guild_items=lambda g: [own] if g == GUILD else [])
    at = clock.now()
    writes = [
        review(None, (GUILD, ALICE, own.id), "club", GOOD, at, duration_ms=None, source="study"),
        review(None, (GUILD, ALICE, "removed-q01"), "club", GOOD, at, duration_ms=None, source="study"),
        review(None, (GUILD, ALICE, shared.id), "lora", 1, at, duration_ms=None, source="quiz"),
        review(None, (GUILD, BOB, "other-q01"), "lora", GOOD, at, duration_ms=None, source="quiz"),
        review(None, (0, ALICE, own.id), "club", GOOD, at, duration_ms=None, source="study"),
    ]
    for write in writes:
        await db.write(CardRepository.save_reviews, [write])

    items, gone = await service.studied(GUILD, ALICE)
    assert [i.id for i in items] == [own.id, shared.id] and gone == 1  # in the order studied
    deck = await export_studied_apkg(service, GUILD, ALICE)
    assert (deck.items, deck.gone) == (2, 1)
    notes = read_apkg(deck.apkg, tmp_path)
    assert [n.fields[2] for n in notes] == [own.id, shared.id]
    assert {n.deck for n in notes} == {"Quiz Tutor::club", "Quiz Tutor::lora"}
    # The private deck (0) holds the shared bank only: a card there for a server's own item is gone.
    private = await export_studied_apkg(service, 0, ALICE)
    assert (private.apkg, private.items, private.gone) == (b"", 0, 1)

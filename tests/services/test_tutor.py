"""Every answer is a review: cards move in the answer's transaction, scheduled by the fsrs package."""

from __future__ import annotations

from datetime import timedelta

import fsrs

from bot.bank.loader import Bank
from bot.core.clock import from_ms, to_ms
from bot.core.study import StudyError
from bot.services.quiz import AnswerStatus, QuizOptions
from bot.services.tutor import TutorSettings, review, scheduler
from bot.storage.cards import CardRepository
from bot.storage.database import Database
from tests.helpers import key_posted, wait_for, wrong_posted
from tests.services.conftest import Harness

GUILD, CHANNEL, ALICE, BOB = 1, 10, 100, 200


async def _first_question(h: Harness) -> int:
    opts = QuizOptions(questions=1, seconds=20, lang="en", topic="lora")
    await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)
    await wait_for(lambda: h.presenter.message_ids and h.rounds.active_round(h.presenter.message_ids[0]))
    return h.presenter.message_ids[0]


async def test_a_wrong_quiz_answer_makes_the_card_due_at_its_first_learning_step(
    harness: Harness, db: Database
) -> None:
    h = harness
    msg = await _first_question(h)
    card = h.presenter.questions[0]
    item = card.item
    h.clock.advance(timedelta(seconds=4))
    answered_at = h.clock.now()
    result = h.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=wrong_posted(card))
    assert result.status is AnswerStatus.ACCEPTED
    right = h.rounds.answer(message_id=msg, user_id=BOB, display_name="Bob", choice=key_posted(card))
    assert right.saved is not None and await right.saved

    repo = CardRepository(db)
    [alice] = await repo.deck(GUILD, ALICE)
    assert alice.item_id == item.id and alice.topic == item.main_topic
    assert alice.state == fsrs.State.Learning
    assert from_ms(alice.due_at) == answered_at + scheduler().learning_steps[0]
    assert alice.last_review_at == to_ms(answered_at)
    [bob] = await repo.deck(GUILD, BOB)
    expected, _ = scheduler().review_card(
        fsrs.Card(card_id=0, due=answered_at), fsrs.Rating.Good, answered_at
    )
    assert bob.due_at == to_ms(expected.due) and bob.stability == expected.stability

    [log] = await repo.review_log(GUILD, ALICE)
    assert (log.card_id, log.rating, log.source, log.prior_state) == (alice.id, 1, "quiz", 0)
    assert log.reviewed_at == to_ms(answered_at) and log.duration_ms == 4000


async def test_a_second_answer_reviews_the_card_from_its_stored_state(harness: Harness, db: Database) -> None:
    h = harness
    msg = await _first_question(h)
    item = h.presenter.questions[0].item
    key = key_posted(h.presenter.questions[0])
    first = h.rounds.answer(message_id=msg, user_id=ALICE, display_name="Alice", choice=key)
    assert first.saved is not None and await first.saved
    [card] = await CardRepository(db).deck(GUILD, ALICE)
    await h.service.stop(channel_id=CHANNEL, user_id=ALICE, can_manage_messages=True)

    h.clock.advance(timedelta(days=3))
    msg2 = await _first_question_again(h, item.id)
    again_key = key_posted(h.presenter.questions[-1])
    again = h.rounds.answer(message_id=msg2, user_id=ALICE, display_name="Alice", choice=again_key)
    assert again.saved is not None and await again.saved
    [after] = await CardRepository(db).deck(GUILD, ALICE)
    expected, _ = scheduler().review_card(
        fsrs.Card(
            card_id=card.id,
            state=fsrs.State(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=from_ms(card.due_at),
            last_review=from_ms(card.last_review_at or 0),
        ),
        fsrs.Rating.Good,
        h.clock.now(),
    )
    assert (after.id, after.reps, after.state, after.due_at) == (
        card.id,
        2,
        expected.state,
        to_ms(expected.due),
    )
    assert len(await CardRepository(db).review_log(GUILD, ALICE)) == 2


async def _first_question_again(h: Harness, item_id: str) -> int:
    """A one-question quiz that asks ``item_id`` (the pool narrowed to it)."""
    original = h.pool.pool
    h.pool.pool = lambda *a, **k: [i for i in original(*a, **k) if i.id == item_id]  # type: ignore[method-assign]
    try:
        before = len(h.presenter.message_ids)
        opts = QuizOptions(questions=1, seconds=20, lang="en", topic="lora")
        await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)
        await wait_for(
            lambda: (
                len(h.presenter.message_ids) > before and h.rounds.active_round(h.presenter.message_ids[-1])
            )
        )
    finally:
        h.pool.pool = original  # type: ignore[method-assign]
    return h.presenter.message_ids[-1]


async def test_a_member_sets_desired_retention_and_new_cards_per_day(db: Database, bank: Bank) -> None:
    from bot.core.clock import FakeClock

    settings = TutorSettings(db, FakeClock())
    assert await settings.get(GUILD, ALICE) == (0.9, 10)
    assert await settings.save(GUILD, ALICE, new_per_day=25, retention=None) == (0.9, 25)
    assert await settings.save(GUILD, ALICE, new_per_day=None, retention=0.85) == (0.85, 25)
    for bad in ({"new_per_day": 51, "retention": None}, {"new_per_day": None, "retention": 0.99}):
        try:
            await settings.save(GUILD, ALICE, **bad)  # type: ignore[arg-type]
        except StudyError:
            continue
        raise AssertionError(f"{bad} accepted")
    assert await settings.get(GUILD, ALICE) == (0.85, 25)
    assert await settings.get(0, ALICE) == (0.9, 10), "the private deck has its own settings"


async def test_forget_me_empties_the_members_deck_here_and_nowhere_else(
    harness: Harness, db: Database
) -> None:
    from bot.services.privacy import PrivacyService
    from bot.services.study import StudyService

    h = harness
    msg = await _first_question(h)
    answered = h.rounds.answer(
        message_id=msg, user_id=ALICE, display_name="Alice", choice=key_posted(h.presenter.questions[0])
    )
    assert answered.saved is not None and await answered.saved
    study = StudyService(db, h.pool.bank, h.clock)
    await study.settings.save(GUILD, ALICE, new_per_day=5, retention=None)
    await study.start(guild_id=GUILD, user_id=ALICE, topic="qlora", lang="en", cards=2)
    await study.start(guild_id=0, user_id=ALICE, topic="qlora", lang="en", cards=2)  # the private deck
    private = await study.start(guild_id=0, user_id=ALICE, topic="lora", lang="en", cards=1)
    if private.is_choice:
        await study.answer_choice(private.session_id, ALICE, 1, 0)
    else:
        await study.show_answer(private.session_id, ALICE, 1)
        await study.rate(private.session_id, ALICE, 1, 3)
    repo = CardRepository(db)
    assert await repo.deck(GUILD, ALICE) and await repo.review_log(GUILD, ALICE)

    privacy = PrivacyService(db, h.writer)
    kept = await privacy.footprint(GUILD, ALICE)
    assert kept["study cards"] == 1 and kept["reviews"] == 1 and kept["study sessions"] == 1
    deleted = await privacy.forget(GUILD, ALICE)
    assert deleted["study cards"] == 1 and deleted["study settings"] == 1
    assert await repo.deck(GUILD, ALICE) == [] and await repo.review_log(GUILD, ALICE) == []
    assert await repo.member(GUILD, ALICE) is None
    assert await privacy.footprint(GUILD, ALICE) == {}
    # The private deck (deck 0) is another place: untouched.
    assert len(await repo.deck(0, ALICE)) == 1 and len(await repo.review_log(0, ALICE)) == 1


def test_a_new_cards_first_review_is_exactly_what_the_fsrs_package_says_at_any_moment() -> None:
    from datetime import UTC, datetime

    from bot.services.tutor import review

    for retention in (0.8, 0.9, 0.97):
        for rating in fsrs.Rating:
            for at in (
                datetime(2026, 3, 29, 0, 59, 59, 123000, tzinfo=UTC),
                datetime(2031, 7, 1, tzinfo=UTC),
            ):
                ours = review(
                    None,
                    (1, 2, "x"),
                    "lora",
                    int(rating),
                    at,
                    duration_ms=5,
                    source="quiz",
                    desired_retention=retention,
                )
                card, _ = fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False).review_card(
                    fsrs.Card(card_id=0, due=at), rating, at
                )
                assert (ours.state, ours.step, ours.stability, ours.difficulty, ours.due_at) == (
                    card.state,
                    card.step,
                    card.stability,
                    card.difficulty,
                    to_ms(card.due),
                ), (retention, rating, at)


async def test_the_answer_writer_schedules_with_each_members_desired_retention(db: Database) -> None:
    from datetime import UTC, datetime

    from bot.services.tutor import apply_answers, to_fsrs
    from bot.storage.answers import NewAnswer

    learnt = datetime(2026, 2, 1, tzinfo=UTC)
    writes = [
        review(None, (GUILD, user, "s000-q01"), "lora", 4, learnt, duration_ms=None, source="quiz")
        for user in (ALICE, BOB)
    ]
    await db.write(CardRepository.save_reviews, writes)
    await db.write(
        lambda conn: CardRepository.save_member(
            conn, GUILD, ALICE, 0, desired_retention=0.97, new_per_day=None
        )
    )
    later = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
    before = {u: await CardRepository(db).card(GUILD, u, "s000-q01") for u in (ALICE, BOB)}
    answers = [
        NewAnswer(
            0, GUILD, user, "n", "s000-q01", "lora", 0, True, 10, 3000, to_ms(later), "2026-W08", "2026-02"
        )
        for user in (ALICE, BOB)
    ]
    await db.write(apply_answers, answers, [True, True])
    for user, retention in ((ALICE, 0.97), (BOB, 0.9)):
        expected, _ = fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False).review_card(
            to_fsrs(before[user], later), fsrs.Rating.Good, later
        )
        after = await CardRepository(db).card(GUILD, user, "s000-q01")
        assert after is not None and after.due_at == to_ms(expected.due), user
    alice = await CardRepository(db).card(GUILD, ALICE, "s000-q01")
    bob = await CardRepository(db).card(GUILD, BOB, "s000-q01")
    assert alice is not None and bob is not None and alice.due_at < bob.due_at


async def test_question_of_the_day_and_terminal_answers_are_logged_with_their_source(db: Database) -> None:
    from bot.services.tutor import apply_answers
    from bot.storage.answers import NewAnswer

    def answer(guild: int, user: int, daily: str | None) -> NewAnswer:
        at = 1_780_000_000_000
        return NewAnswer(
            0, guild, user, "n", "s000-q01", "lora", 1, False, 0, 900, at, "W", "M", daily_date=daily
        )

    await db.write(apply_answers, [answer(GUILD, ALICE, "2026-05-28"), answer(0, BOB, None)], [True, True])
    [daily] = await CardRepository(db).review_log(GUILD, ALICE)
    [play] = await CardRepository(db).review_log(0, BOB)
    assert (daily.source, daily.rating, play.source, play.rating) == ("daily", 1, "play", 1)


def test_lowest_retrievability_picks_the_same_cards_as_asking_fsrs_about_every_one() -> None:
    """The due cards a session starts with: asking py-fsrs only about the few that can be lowest
    gives the same first n by (retrievability, item id) as asking it about all of them, with cards
    never reviewed, equal ratios (ties by id) and cards reviewed moments ago."""
    import random
    from datetime import UTC, datetime

    from bot.services.tutor import lowest_retrievability

    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    now_ms = to_ms(now)
    day = 86_400_000
    rng = random.Random(16)
    sched = scheduler()
    for trial in range(300):
        cards: list[tuple[str, float | None, int | None]] = []
        for i in range(rng.randrange(0, 60)):
            kind = rng.random()
            if kind < 0.05:
                stability, last = None, None
            elif kind < 0.3:  # a few shared stabilities and whole days: equal ratios
                stability, last = rng.choice([1.0, 2.0, 4.0]), now_ms - rng.randrange(0, 4) * day - 1
            else:
                stability, last = rng.uniform(0.1, 100), now_ms - rng.randrange(0, 60 * day)
            cards.append((f"item{rng.randrange(1000):03d}-{i}", stability, last))
        n = rng.randrange(1, 12)
        every = []
        for item_id, stability, last in cards:
            card = fsrs.Card(
                card_id=0,
                stability=stability,
                last_review=from_ms(last) if last is not None else None,
                due=now,
            )
            every.append((item_id, float(sched.get_card_retrievability(card, now))))
        picked = lowest_retrievability(cards, now, n)
        assert len(picked) >= min(n, len(cards)), trial
        assert sorted(picked, key=lambda p: (p[1], p[0]))[:n] == sorted(every, key=lambda p: (p[1], p[0]))[:n]
    many = [(f"i{k}", 1.0 + k, now_ms - 30 * day) for k in range(100)]
    assert len(lowest_retrievability(many, now, 3)) == 3  # py-fsrs asked about 3 of 100

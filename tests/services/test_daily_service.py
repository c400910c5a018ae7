"""DailyService against a real SQLite file: many servers, pacing, faults, crashes, weakest topic."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.bank.loader import Bank
from bot.core.clock import FakeClock, to_ms
from bot.core.shuffle import encode_order
from bot.services.daily import (
    INTERNAL_ERROR,
    ChannelUnavailableError,
    DailyCard,
    DailyService,
    TokenBucket,
)
from bot.services.daily_schedule import DailyScheduleService
from bot.services.posting import SendFailure
from bot.services.quiz import QuestionCard
from bot.storage.daily import DailyRepository
from bot.storage.database import Database
from tests.helpers import key_posted
from tests.services.conftest import Harness, make_harness

START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
DUE = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


@dataclass
class DailyRecorder:
    """The daily presenter, recording; ``broken`` guild ids raise what is stored for them."""

    posts: list[DailyCard] = field(default_factory=list)
    controls: list[int] = field(default_factory=list)
    broken: dict[int, Exception] = field(default_factory=dict)
    next_id: int = 50_000

    async def post_daily(self, card: DailyCard) -> int:
        error = self.broken.get(card.question.guild_id)
        if error is not None:
            raise error
        self.posts.append(card)
        self.next_id += 1
        return self.next_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        self.controls.append(message_id)

    def unavailable_reason(self, error: BaseException) -> str | None:
        return None

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        return None  # every error here stands for a bug: never retried


@dataclass
class CountingPacer:
    requests: int = 0

    async def take(self, requests: int) -> None:
        self.requests += requests


@pytest.fixture
async def quiz(db: Database, bank: Bank) -> AsyncIterator[Harness]:
    h = make_harness(db, bank, FakeClock(START))
    yield h
    await h.close()


def daily_service(quiz: Harness, db: Database, **kwargs: object) -> tuple[DailyService, DailyRecorder]:
    service = DailyService(
        db,
        quiz.clock,
        quiz.pool,
        quiz.rounds,
        DailyScheduleService(db, quiz.clock, quiz.pool),
        rng=random.Random(3),
        **kwargs,
    )  # type: ignore[arg-type]
    recorder = DailyRecorder()
    service.presenter = recorder
    return service, recorder


async def test_many_servers_are_claimed_in_chunks_paced_and_posted_once(quiz: Harness, db: Database) -> None:
    pacer = CountingPacer()
    service, recorder = daily_service(quiz, db, pacer=pacer, chunk=7)
    guilds = list(range(1, 31))
    for g in guilds:
        await service.schedules.setup(
            guild_id=g, channel_id=1000 + g, post_time="09:00", timezone="Europe/Berlin"
        )
    quiz.clock.set(DUE)
    report = await service.run_due()
    assert report.posted == 30 and sorted(c.question.guild_id for c in recorder.posts) == guilds
    # One request per message and one per answer reaction.
    assert pacer.requests == sum(1 + len(c.question.item.choices) for c in recorder.posts)
    again = await service.run_due()
    assert again.posted == 0 and len(recorder.posts) == 30
    for g in guilds:
        schedule = await service.schedules.schedule(g)
        assert schedule.next_post_at == to_ms(DUE + timedelta(days=1))


async def test_posts_go_out_several_at_a_time_up_to_the_limit(quiz: Harness, db: Database) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer(), chunk=10, concurrency=4)
    for g in range(1, 13):
        await service.schedules.setup(
            guild_id=g, channel_id=1000 + g, post_time="09:00", timezone="Europe/Berlin"
        )
    in_flight, most = 0, 0
    gate = asyncio.Event()
    post = recorder.post_daily

    async def slow_post(card: DailyCard) -> int:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if most == 4:
            gate.set()
        await gate.wait()  # every send waits until four are in flight at once
        in_flight -= 1
        return await post(card)

    recorder.post_daily = slow_post  # type: ignore[method-assign]
    quiz.clock.set(DUE)
    report = await asyncio.wait_for(service.run_due(), 5)
    assert report.posted == 12 and most == 4


async def test_a_run_stops_at_its_time_budget_and_the_next_carries_on(quiz: Harness, db: Database) -> None:
    class OneSecondPerRequest:
        async def take(self, requests: int) -> None:
            quiz.clock.advance(requests)

    service, recorder = daily_service(
        quiz, db, pacer=OneSecondPerRequest(), chunk=2, concurrency=1, run_budget=timedelta(seconds=10)
    )
    for g in range(1, 9):
        await service.schedules.setup(
            guild_id=g, channel_id=1000 + g, post_time="09:00", timezone="Europe/Berlin"
        )
    quiz.clock.set(DUE)
    first = await service.run_due()
    assert first.more and 0 < first.posted < 8
    runs = [first]
    while runs[-1].more:
        runs.append(await service.run_due())
    assert sum(r.posted for r in runs) == 8 and len(recorder.posts) == 8
    # Due while the bot ran, queued behind the rate limit: not late, however long it waited.
    assert not any(c.late for c in recorder.posts)


async def test_a_pause_between_planning_and_claiming_wins(quiz: Harness, db: Database) -> None:
    service, _ = daily_service(quiz, db, pacer=CountingPacer())
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    planned = await service.schedules.schedule(1)
    await service.schedules.pause(1)
    async with db.transaction() as conn:
        assert not await DailyRepository.advance(conn, 1, planned.next_post_at, planned.next_post_at + 1)


async def test_one_servers_failure_never_stops_the_others(quiz: Harness, db: Database) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    for g in (1, 2, 3):
        await service.schedules.setup(
            guild_id=g, channel_id=1000 + g, post_time="09:00", timezone="Europe/Berlin"
        )
    recorder.broken[1] = ChannelUnavailableError("The channel was deleted.")
    recorder.broken[2] = RuntimeError("something unexpected")
    quiz.clock.set(DUE)
    report = await service.run_due()
    assert [c.question.guild_id for c in recorder.posts] == [3]
    assert report.failed == 2 and report.paused == [1]
    first, second = await service.schedules.schedule(1), await service.schedules.schedule(2)
    assert first.paused and first.pause_reason == "The channel was deleted."
    assert not second.paused  # an unknown error: logged, the day failed, tomorrow is tried again
    posts = {g: (await DailyRepository(db).posts(g))[0].status for g in (1, 2, 3)}
    assert posts == {1: "failed", 2: "failed", 3: "posted"}


async def test_a_post_claimed_but_not_recorded_as_sent_is_never_sent_again(
    quiz: Harness, db: Database
) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    quiz.clock.set(DUE)

    class Crash(BaseException):
        pass

    async def crash(card: DailyCard) -> int:
        raise Crash  # the process dies between the claim and recording the message

    recorder.post_daily = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await service.run_due()

    restarted, again = daily_service(quiz, db, pacer=CountingPacer())
    quiz.clock.advance(60)
    await restarted.run_due()
    assert again.posts == []
    assert [(p.local_date, p.status) for p in await DailyRepository(db).posts(1)] == [
        ("2026-03-26", "failed")
    ]


async def test_a_claimed_post_whose_send_never_started_is_sent_at_the_next_start(
    quiz: Harness, db: Database
) -> None:
    class Crash(BaseException):
        pass

    class CrashingPacer:
        async def take(self, requests: int) -> None:
            raise Crash  # the process stops while the post waits for its turn

    service, _ = daily_service(quiz, db, pacer=CrashingPacer())
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    quiz.clock.set(DUE)
    with pytest.raises(Crash):
        await service.run_due()
    assert [(p.status, p.posted_at) for p in await DailyRepository(db).posts(1)] == [("claimed", None)]

    quiz.clock.advance(timedelta(minutes=30))  # down for half an hour, then the next start
    restarted, recorder = daily_service(quiz, db, pacer=CountingPacer())
    await restarted.run_due()
    assert [(c.local_date, c.late) for c in recorder.posts] == [("2026-03-26", True)]
    assert [p.status for p in await DailyRepository(db).posts(1)] == ["posted"]


async def test_the_question_of_the_day_keeps_its_drawn_order_across_a_restart_to_its_reveal(
    quiz: Harness, db: Database
) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    quiz.clock.set(DUE)
    await service.run_due()
    card = recorder.posts[0].question
    posting = card.posting
    assert posting is not None and posting.order != tuple(range(len(card.item.choices)))
    rows = await db.fetch_all("SELECT choice_order, message_id FROM rounds")
    assert [(r["choice_order"], r["message_id"]) for r in rows] == [
        (encode_order(posting.order), recorder.next_id)
    ]
    key = key_posted(card)
    quiz.rounds.answer(message_id=recorder.next_id, user_id=7, display_name="Ann", choice=key)
    await quiz.writer.flush()

    quiz.rounds.forget_all()  # the process stops; the next one takes answers again
    restarted, _ = daily_service(quiz, db, pacer=CountingPacer())
    assert await restarted.restore() == 1
    active = quiz.rounds.active_round(recorder.next_id)
    assert active is not None and active.posting == posting
    quiz.clock.advance(timedelta(days=1))
    await restarted.run_due()
    reveal = quiz.presenter.reveals[0]
    assert reveal.posting == posting and reveal.key_index == key
    assert reveal.counts[key] == 1 and reveal.correct_names == ("Ann",)


async def test_the_weakest_topic_is_asked_when_no_topic_is_set(quiz: Harness, db: Database) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    topics = sorted({i.main_topic for i in quiz.pool.pool(None, "en")})
    assert len(topics) >= 2
    weak = topics[0]
    async with db.transaction() as conn:
        for topic in topics:
            answered, correct = (10, 1) if topic == weak else (10, 9)
            await conn.execute(
                "INSERT INTO topic_scores (guild_id, user_id, topic, answered, correct) "
                "VALUES (1, 5, ?, ?, ?)",
                (topic, answered, correct),
            )
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    quiz.clock.set(DUE)
    await service.run_due()
    assert recorder.posts[0].question.item.main_topic == weak


async def test_a_broken_schedule_is_paused_instead_of_retried_every_minute(
    quiz: Harness, db: Database
) -> None:
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    await service.schedules.setup(guild_id=1, channel_id=1001, post_time="09:00", timezone="Europe/Berlin")
    await service.schedules.setup(guild_id=2, channel_id=1002, post_time="09:00", timezone="Europe/Berlin")
    async with db.transaction() as conn:  # a row no code writes, as a bad manual edit would
        await conn.execute("UPDATE daily_schedules SET timezone = 'Nowhere/Land' WHERE guild_id = 1")
    quiz.clock.set(DUE)
    await service.run_due()
    assert [c.question.guild_id for c in recorder.posts] == [2]
    assert (await service.schedules.schedule(1)).pause_reason == INTERNAL_ERROR


async def test_the_token_bucket_holds_requests_to_its_rate_on_the_clock() -> None:
    clock = FakeClock(START)
    bucket = TokenBucket(clock, rate=40)
    for _ in range(8):
        await bucket.take(5)  # a full bucket: 40 at once
    import asyncio

    waiting = asyncio.ensure_future(bucket.take(5))
    await asyncio.sleep(0)
    assert not waiting.done() and clock.sleepers == 1
    clock.advance(0.1)  # 4 tokens back: not enough
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not waiting.done()
    clock.advance(0.05)
    await asyncio.wait_for(waiting, 1)
    assert bucket.taken == 45

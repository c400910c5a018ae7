"""Study reminders on a real SQLite file: once per local day across DST, nothing due, closed DMs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.bank.loader import Bank
from bot.core.clock import FakeClock
from bot.core.study import GOOD
from bot.services.reminders import DMS_CLOSED, DmClosedError, ReminderCard, ReminderService
from bot.services.tutor import review
from bot.storage.cards import CardRepository
from bot.storage.database import Database

GUILD, ALICE, BOB, CAROL = 1, 100, 200, 300


@dataclass
class Recorder:
    clock: FakeClock
    sent: list[tuple[datetime, ReminderCard]] = field(default_factory=list)
    closed: set[int] = field(default_factory=set)

    async def send_reminder(self, card: ReminderCard) -> None:
        if card.user_id in self.closed:
            raise DmClosedError()
        self.sent.append((self.clock.now(), card))


async def _give_due_card(db: Database, bank: Bank, user_id: int, at: datetime) -> None:
    item = bank.items[0]
    key = (GUILD, user_id, item.id)
    write = review(None, key, item.main_topic, GOOD, at, duration_ms=None, source="quiz")
    await db.write(CardRepository.save_reviews, [write])


async def _run_until(service: ReminderService, clock: FakeClock, end: datetime, step: timedelta) -> None:
    while clock.now() < end:
        clock.advance(step)
        await service.run_due()
        await service.run_due()  # a second run in the same minute sends nothing more


async def test_reminders_go_once_per_local_day_at_the_local_time_across_spring_forward(
    db: Database, bank: Bank
) -> None:
    clock = FakeClock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    service = ReminderService(db, clock)
    recorder = Recorder(clock)
    service.presenter = recorder
    await _give_due_card(db, bank, ALICE, clock.now() - timedelta(days=30))  # due long ago, stays due
    await service.turn_on(GUILD, ALICE, time="02:30", timezone="Europe/Berlin")
    await _run_until(service, clock, datetime(2026, 3, 30, 12, 0, tzinfo=UTC), timedelta(minutes=10))
    assert [at for at, _ in recorder.sent] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:30 does not exist: 03:00 CEST, when clocks jump
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
    ]
    assert [card.local_date for _, card in recorder.sent] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert all(card.due == 1 for _, card in recorder.sent)


async def test_a_local_time_that_happens_twice_reminds_once(db: Database, bank: Bank) -> None:
    clock = FakeClock(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    service = ReminderService(db, clock)
    recorder = Recorder(clock)
    service.presenter = recorder
    await _give_due_card(db, bank, ALICE, clock.now() - timedelta(days=30))
    await service.turn_on(GUILD, ALICE, time="02:30", timezone="Europe/Berlin")
    await _run_until(service, clock, datetime(2026, 10, 25, 12, 0, tzinfo=UTC), timedelta(minutes=10))
    assert [at for at, _ in recorder.sent] == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


async def test_nothing_due_sends_nothing_and_closed_dms_turn_reminders_off(db: Database, bank: Bank) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    service = ReminderService(db, clock)
    recorder = Recorder(clock, closed={CAROL})
    service.presenter = recorder
    await _give_due_card(db, bank, CAROL, clock.now() - timedelta(days=30))
    for user in (BOB, CAROL):  # Bob has no cards at all
        await service.turn_on(GUILD, user, time="09:00", timezone="UTC")
    clock.set(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    report = await service.run_due()
    assert (report.sent, report.nothing_due, report.turned_off) == (0, 1, 1)
    assert recorder.sent == []
    bob = await service.state(GUILD, BOB)
    assert bob.next_at is not None and bob.time == "09:00", "Bob's reminder waits for tomorrow"
    carol = await service.state(GUILD, CAROL)
    assert (carol.time, carol.next_at, carol.off_reason) == (None, None, DMS_CLOSED)
    # Turning it on again clears the reason.
    await service.turn_on(GUILD, CAROL, time="09:00", timezone="UTC")
    assert (await service.state(GUILD, CAROL)).off_reason is None


async def test_a_reminder_carries_the_language_the_member_was_last_seen_in(db: Database, bank: Bank) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    service = ReminderService(db, clock)
    recorder = Recorder(clock)
    service.presenter = recorder
    await _give_due_card(db, bank, ALICE, clock.now() - timedelta(days=30))
    await service.turn_on(GUILD, ALICE, time="09:00", timezone="UTC", language="zh")
    await _run_until(service, clock, datetime(2026, 5, 4, 9, 10, tzinfo=UTC), timedelta(minutes=10))
    assert [card.language for _, card in recorder.sent] == ["zh"]

    # Seen again (a study session started from a Traditional Chinese client): kept for the next one.
    await db.write(lambda conn: CardRepository.seen_language(conn, GUILD, ALICE, "zh_TW"))
    await _run_until(service, clock, datetime(2026, 5, 5, 9, 10, tzinfo=UTC), timedelta(minutes=10))
    assert [card.language for _, card in recorder.sent] == ["zh", "zh_TW"]
    # Turned on again from a client whose language is not given: the kept one stays.
    await service.turn_on(GUILD, ALICE, time="10:00", timezone="UTC")
    assert (await CardRepository(db).member(GUILD, ALICE)).language == "zh_TW"  # type: ignore[union-attr]

    # A member without reminders gets no row from being seen.
    await db.write(lambda conn: CardRepository.seen_language(conn, GUILD, BOB, "zh"))
    assert await CardRepository(db).member(GUILD, BOB) is None

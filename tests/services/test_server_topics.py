"""A server's own topics (issue 18) on a real SQLite file: imported, kept across a restart, usable
as a quiz or daily topic of that server only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bank.loader import Bank
from bot.core.clock import FakeClock
from bot.core.daily import DailyError
from bot.services.guild_bank import GuildBankService
from bot.storage.database import Database
from tests.services.conftest import Harness, make_harness
from tests.services.test_daily_service import DUE, START, CountingPacer, daily_service

GIFT = b"""$CATEGORY: $course$/Club/Networking

::essay:: Describe routing. {}

::port:: Which port does HTTPS use by default? {=443 ~80 ~22 ####TLS listens there.}

::arp:: Which protocol maps IP addresses to MAC addresses? {=ARP =Address Resolution Protocol}
"""


@pytest.fixture
async def quiz(db: Database, bank: Bank) -> AsyncIterator[Harness]:
    h = make_harness(db, bank, FakeClock(START))
    yield h
    await h.close()


async def test_skips_are_reported_and_the_rest_imported_with_the_servers_topic(
    db: Database, bank: Bank
) -> None:
    service = GuildBankService(db, bank, FakeClock())
    report = await service.import_file(1, 99, "club.gift", GIFT)
    assert report.imported and [i.id for i in report.added] == ["g-club-q02", "g-club-q03"]
    assert [str(p) for p in report.skipped] == ["club.gift:3: skipped: essay question: question 1 (essay)"]
    assert {i.main_topic for i in report.added} == {"networking"}
    # Server topics validate on load too (the shared bank's loader would refuse them).
    reloaded = GuildBankService(db, bank, FakeClock())
    await reloaded.load()
    assert [(i.id, i.topics, i.accepted) for i in reloaded.items_of(1)] == [
        ("g-club-q02", ["networking"], []),
        ("g-club-q03", ["networking"], ["ARP", "Address Resolution Protocol"]),
    ]
    # A second import of the same questions: duplicates of what the server has, so nothing imports.
    again = await service.import_file(1, 99, "copy.gift", GIFT)
    assert not again.imported
    assert [p.message for p in again.problems] == [
        "nothing to import: every question was skipped: 2 duplicate questions, 1 essay question"
    ]


async def test_a_servers_own_topic_can_be_its_daily_topic(quiz: Harness, db: Database, bank: Bank) -> None:
    own = quiz.guild_bank  # the one the pool draws a server's own questions from
    service, recorder = daily_service(quiz, db, pacer=CountingPacer())
    setup = {"guild_id": 1, "channel_id": 1001, "post_time": "09:00", "timezone": "Europe/Berlin"}
    with pytest.raises(DailyError, match="`networking` is not a topic"):
        await service.schedules.setup(**setup, topic="networking")  # type: ignore[arg-type]
    await own.import_file(1, 99, "club.gift", GIFT)
    await service.schedules.setup(**setup, topic="networking")  # type: ignore[arg-type]
    with pytest.raises(DailyError, match="`networking` is not a topic"):
        await service.schedules.setup(**{**setup, "guild_id": 2}, topic="networking")  # type: ignore[arg-type]
    quiz.clock.set(DUE)
    await service.run_due()
    assert [p.question.item.id for p in recorder.posts] == ["g-club-q02"]

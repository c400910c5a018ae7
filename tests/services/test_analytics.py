"""AnalyticsService on a real SQLite file: the scan agrees with the core, reports, the queue, disabling."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bank.loader import Bank
from bot.core.clock import FakeClock
from bot.core.errors import ConflictError, UserFacingError
from bot.core.item_analysis import Flag, MemberTotal, Response, item_stats, tally
from bot.services.analytics import AnalyticsService, DisabledItems
from bot.services.guild_bank import GuildBankService
from bot.services.question_pool import QuestionPool
from bot.storage.database import Database
from bot.tasks import TaskRunner
from tests.services.analytics_helpers import analytics_bank, answer, item_id, post_round, reveal_round

GUILD, OTHER = 1, 2
A, B, C, D = range(4)
# Nine members: how many of the nine other items (keyed A) each gets right, and their choice on
# t-q01 (keyed B). The three strongest pick C: a planted wrong key.
MEMBERS = {1: (9, C), 2: (9, C), 3: (8, C), 4: (5, B), 5: (5, B), 6: (5, A), 7: (2, B), 8: (1, B), 9: (2, D)}


def build(db: Database, bank: Bank, clock: FakeClock, *, min_answers: int = 9) -> AnalyticsService:
    guild_bank = GuildBankService(db, bank, clock)
    disabled = DisabledItems()
    pool = QuestionPool(bank, guild_items=guild_bank.items_of, disabled=disabled.of)
    return AnalyticsService(db, clock, pool, guild_bank, disabled, TaskRunner(), min_answers=min_answers)


async def plant(db: Database, guild_id: int = GUILD, *, reveal_last: bool = True) -> int:
    """The answers of MEMBERS; returns the round of t-q01 (revealed unless ``reveal_last`` is false)."""
    for n in range(2, 11):  # items 2..10: member m is right on the first `right` of them
        round_id = await post_round(db, guild_id, item_id(n))
        await answer(
            db,
            round_id,
            guild_id,
            {m: ((A, True) if n - 2 < right else (B, False)) for m, (right, _) in MEMBERS.items()},
            item=item_id(n),
        )
        await reveal_round(db, round_id)
    round_id = await post_round(db, guild_id, item_id(1), seconds=10)
    # Members 1-3 answer in the last second of ten: late.
    for m, (_, choice) in MEMBERS.items():
        await answer(
            db,
            round_id,
            guild_id,
            {m: (choice, choice == B)},
            item=item_id(1),
            latency_ms=9500 if m <= 3 else 2000,
            shift=1,  # posted rotated: the statistics must count the bank's index, not the posted one
        )
    if reveal_last:
        await reveal_round(db, round_id)
    return round_id


@pytest.fixture
def small_bank(tmp_path: Path) -> Bank:
    return analytics_bank(tmp_path)


async def test_the_scan_agrees_with_the_core_and_flags_the_planted_key(
    db: Database, small_bank: Bank
) -> None:
    planted = await plant(db, reveal_last=False)
    service = build(db, small_bank, FakeClock())
    await service.refresh()
    # An open question's answers stay out until its reveal (a question of the day is open for hours).
    assert (await service.item_detail(GUILD, item_id(1))).stats is None
    await reveal_round(db, planted)
    run = await service.refresh()
    assert run.answers == 90
    detail = await service.item_detail(GUILD, item_id(1))
    stats = detail.stats
    assert stats is not None
    # The same figures from the raw answers through the core alone.
    totals = {m: MemberTotal(10, right + (choice == B)) for m, (right, choice) in MEMBERS.items()}
    responses = [
        Response(m, choice, choice == B, 9500 if m <= 3 else 2000, 10_000)
        for m, (_, choice) in MEMBERS.items()
    ]
    expected = item_stats(item_id(1), tally(responses, 4, totals), key=B, min_answers=9)
    assert stats.answers == expected.answers == 9
    assert stats.shares == pytest.approx(expected.shares)
    assert stats.top_counts == expected.top_counts == (0, 0, 3, 0)
    assert stats.discrimination == pytest.approx(expected.discrimination)
    assert stats.discrimination is not None and stats.discrimination < 0
    assert stats.late_share == pytest.approx(3 / 9)
    assert stats.mean_latency_ms == pytest.approx((3 * 9500 + 6 * 2000) / 9)
    assert Flag.SUSPECT_KEY in stats.flags
    # Across servers: the same, since only one server answered.
    assert detail.everywhere is not None and detail.everywhere.answers == 9
    assert detail.everywhere.discrimination == pytest.approx(expected.discrimination)
    queue = await service.review_queue(GUILD)
    assert queue[0].item.id == item_id(1) and queue[0].stats is not None
    assert Flag.SUSPECT_KEY in queue[0].stats.flags
    assert await service.review_queue(OTHER) == []


async def test_the_cross_server_figures_add_up_and_the_threshold_hides_flags(
    db: Database, small_bank: Bank
) -> None:
    await plant(db, GUILD)
    await plant(db, OTHER)
    service = build(db, small_bank, FakeClock(), min_answers=30)
    await service.refresh()
    detail = await service.item_detail(GUILD, item_id(1))
    assert detail.stats is not None and detail.stats.answers == 9 and detail.stats.flags == ()
    assert detail.everywhere is not None and detail.everywhere.answers == 18
    assert detail.everywhere.flags == ()  # 18 < 30
    assert await service.review_queue(GUILD) == []


async def test_reports_one_per_member_rate_limited_and_dismissed(db: Database, small_bank: Bank) -> None:
    clock = FakeClock()
    service = build(db, small_bank, clock)
    await service.report(guild_id=GUILD, item_id=item_id(2), user_id=7, reason="typo", comment=" teh ")
    with pytest.raises(ConflictError):
        await service.report(guild_id=GUILD, item_id=item_id(2), user_id=7, reason="other", comment=None)
    with pytest.raises(UserFacingError, match="reasons"):
        await service.report(guild_id=GUILD, item_id=item_id(3), user_id=7, reason="boring", comment=None)
    await service.report(guild_id=GUILD, item_id=item_id(3), user_id=7, reason="unclear", comment=None)
    await service.report(guild_id=GUILD, item_id=item_id(4), user_id=7, reason="unclear", comment=None)
    with pytest.raises(UserFacingError, match="try again in"):
        await service.report(guild_id=GUILD, item_id=item_id(5), user_id=7, reason="unclear", comment=None)
    clock.advance(121)
    await service.report(guild_id=GUILD, item_id=item_id(5), user_id=7, reason="outdated", comment="old")
    queue = await service.review_queue(GUILD)
    assert [e.item.id for e in queue] == [item_id(n) for n in (2, 3, 4, 5)]
    assert queue[0].reports[0].comment == "teh" and queue[0].reports[0].reason == "typo"
    await service.dismiss(GUILD, item_id(2), 99)
    assert item_id(2) not in [e.item.id for e in await service.review_queue(GUILD)]
    clock.advance(1)
    await service.report(guild_id=GUILD, item_id=item_id(2), user_id=8, reason="wrong_key", comment=None)
    back = [e for e in await service.review_queue(GUILD) if e.item.id == item_id(2)]
    assert len(back) == 1 and [r.user_id for r in back[0].reports] == [8]  # only what came after


async def test_disable_here_takes_the_item_out_of_this_servers_draws(db: Database, small_bank: Bank) -> None:
    service = build(db, small_bank, FakeClock())
    pool = service.pool
    assert item_id(1) in [i.id for i in pool.pool(None, "en", guild_id=GUILD)]
    await service.disable(GUILD, item_id(1), 99)
    assert item_id(1) not in [i.id for i in pool.pool(None, "en", guild_id=GUILD)]
    assert item_id(1) in [i.id for i in pool.pool(None, "en", guild_id=OTHER)]
    assert [e.item.id for e in await service.disabled_entries(GUILD)] == [item_id(1)]
    restarted = build(db, small_bank, FakeClock())
    await restarted.load()
    assert item_id(1) not in [i.id for i in restarted.pool.pool(None, "en", guild_id=GUILD)]
    await service.enable(GUILD, item_id(1))
    assert item_id(1) in [i.id for i in pool.pool(None, "en", guild_id=GUILD)]
    with pytest.raises(UserFacingError, match="Disable here"):
        await service.remove(GUILD, item_id(1))

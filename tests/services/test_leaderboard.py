"""Boards from the write-time aggregates: ranks with ties, pages, own rank, periods, topics, reset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import NotFoundError, UserFacingError
from bot.services.leaderboard import Period, RankedBy
from bot.storage.database import Database
from tests.services.leaderboard_helpers import A, Boards, make_boards, save_answers, set_timezone

GUILD, OTHER = 1, 2


@pytest.fixture
async def boards(db: Database) -> AsyncIterator[Boards]:
    b = make_boards(db)
    yield b
    await b.close()


def summary(page) -> list[tuple[int, int, int | None]]:  # type: ignore[no-untyped-def]
    return [(r.rank, r.row.user_id, r.row.points) for r in page.rows]


async def test_ties_share_a_rank_across_pages_and_the_viewer_sees_their_own(boards: Boards) -> None:
    # 23 members: user u has 1000 - 10*u points, except that 8..11 all have 900 (a tie over the
    # boundary between page 1 and page 2) and 21, 22 tie at the bottom.
    points = {u: 1000 - 10 * u for u in range(23)}
    points.update({8: 900, 9: 900, 10: 900, 11: 900, 21: 700, 22: 700})
    await save_answers(boards.db, boards.clock, [A(u, p) for u, p in points.items()])
    board = await boards.leaderboards.resolve(GUILD, period=None)
    assert board.title_in() == "All-time" and board.ranked_by is RankedBy.POINTS

    first = await boards.leaderboards.page(board, 0, viewer_id=22)
    assert (first.page, first.pages, first.total) == (0, 3, 23)
    assert [r.rank for r in first.rows] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert first.rows[7].row.user_id == 7 and {r.row.user_id for r in first.rows[8:]} == {8, 9}
    assert not first.viewer_on_page and first.viewer is not None
    assert (first.viewer.rank, first.viewer.row.points) == (22, 700)  # 21 and 22 tie for 22nd

    second = await boards.leaderboards.page(board, 1, viewer_id=22)
    # 10 and 11 are still tied with 8 and 9 from the page before.
    assert summary(second)[:3] == [(9, 10, 900), (9, 11, 900), (13, 12, 880)]
    third = await boards.leaderboards.page(board, 2, viewer_id=22)
    assert summary(third) == [(21, 20, 800), (22, 21, 700), (22, 22, 700)]
    assert third.viewer_on_page and third.viewer is None
    assert not third.has_next and third.has_previous

    # A page past the end (the board shrank since a button was drawn) shows the last page.
    assert (await boards.leaderboards.page(board, 9, viewer_id=1)).page == 2
    # Someone with no answers is nowhere, and the page says so.
    stranger = await boards.leaderboards.page(board, 0, viewer_id=999)
    assert stranger.viewer is None and not stranger.viewer_on_page


async def test_boards_keep_servers_apart_and_names_come_from_the_members_table(boards: Boards) -> None:
    await save_answers(
        boards.db,
        boards.clock,
        [A(1, 900, name="Ann"), A(2, 800, name="Ben"), A(1, 100, name="Ann elsewhere", guild_id=OTHER)],
    )
    here = await boards.leaderboards.page(await boards.leaderboards.resolve(GUILD, period=None), 0, 1)
    there = await boards.leaderboards.page(await boards.leaderboards.resolve(OTHER, period=None), 0, 1)
    assert [(r.row.display_name, r.row.points) for r in here.rows] == [("Ann", 900), ("Ben", 800)]
    assert [(r.row.display_name, r.row.points) for r in there.rows] == [("Ann elsewhere", 100)]


async def test_week_and_month_boards_follow_the_servers_time_zone(db: Database) -> None:
    # Sunday 11 January 2026, 23:00 in Tokyo is still 14:00 UTC; Monday starts there at 15:00 UTC.
    clock = FakeClock(datetime(2026, 1, 11, 14, 0, tzinfo=UTC))
    b = make_boards(db, clock)
    try:
        await set_timezone(db, GUILD, "Asia/Tokyo")
        await save_answers(db, clock, [A(1, 900)], tz="Asia/Tokyo")  # Sunday night, local
        clock.set(datetime(2026, 1, 11, 15, 30, tzinfo=UTC))  # Monday 00:30 in Tokyo, Sunday in UTC
        await save_answers(db, clock, [A(2, 800)], tz="Asia/Tokyo")

        week = await b.leaderboards.resolve(GUILD, period=Period.WEEK)
        assert week.key.period_key == "2026-W03"  # UTC would still say W02
        assert "Mon 12 Jan – Sun 18 Jan 2026 (Asia/Tokyo)" in (week.detail_in() or "")
        assert [r.row.user_id for r in (await b.leaderboards.page(week, 0, 1)).rows] == [2]
        last_week = await b.leaderboards.board(GUILD, "week", "2026-W02")
        assert [r.row.user_id for r in (await b.leaderboards.page(last_week, 0, 1)).rows] == [1]

        # Months start at local midnight of the 1st: 31 January 15:30 UTC is 1 February in Tokyo.
        clock.set(datetime(2026, 1, 31, 15, 30, tzinfo=UTC))
        await save_answers(db, clock, [A(3, 700)], tz="Asia/Tokyo")
        month = await b.leaderboards.resolve(GUILD, period=Period.MONTH)
        assert month.key.period_key == "2026-02" and month.title_in() == "February 2026"
        assert [r.row.user_id for r in (await b.leaderboards.page(month, 0, 1)).rows] == [3]
    finally:
        await b.close()


async def test_topic_boards_rank_by_correct_answers_then_accuracy(boards: Boards) -> None:
    answers = []
    # ann 3/4, ben 3/3, cat 4/9, dan 0/2, eve 3/3 (ties ben), fay only other topics.
    for user, right, wrong in ((1, 3, 1), (2, 3, 0), (3, 4, 5), (4, 0, 2), (5, 3, 0)):
        answers += [A(user, 800)] * right + [A(user, 0, correct=False)] * wrong
    answers += [A(6, 900, topic="dpo")] * 5
    await save_answers(boards.db, boards.clock, answers)
    board = await boards.leaderboards.resolve(GUILD, period=None, topic="lora")
    assert board.ranked_by is RankedBy.CORRECT and board.topic == "lora"
    page = await boards.leaderboards.page(board, 0, viewer_id=4)
    assert [(r.rank, r.row.user_id, r.row.correct, r.row.answered) for r in page.rows] == [
        (1, 3, 4, 9),
        (2, 2, 3, 3),
        (2, 5, 3, 3),
        (4, 1, 3, 4),
        (5, 4, 0, 2),
    ]
    assert page.viewer_on_page
    ann = await boards.leaderboards.place(board, 1)
    assert ann is not None and ann.rank == 4  # the same count the page used


async def test_combinations_without_a_board_are_refused_with_a_reason(boards: Boards) -> None:
    with pytest.raises(UserFacingError, match="Topic boards are all-time"):
        await boards.leaderboards.resolve(GUILD, period=Period.WEEK, topic="lora")
    with pytest.raises(UserFacingError, match="goes with `period:season`"):
        await boards.leaderboards.resolve(GUILD, period=Period.MONTH, season="Spring")
    with pytest.raises(NotFoundError, match="no season named"):
        await boards.leaderboards.resolve(GUILD, period=Period.SEASON, season="Spring")
    with pytest.raises(NotFoundError, match="No season has been played"):
        await boards.leaderboards.resolve(GUILD, period=Period.SEASON)


async def test_reset_archives_the_all_time_board_and_leaves_the_others(boards: Boards) -> None:
    await save_answers(boards.db, boards.clock, [A(1, 900), A(2, 800), A(2, 100), A(3, 50, guild_id=OTHER)])
    result = await boards.leaderboards.reset_all_time(GUILD)
    assert result.members == 2 and result.label.startswith("All-time until 2026-01-05 12:00 (UTC)")

    all_time = await boards.leaderboards.resolve(GUILD, period=None)
    assert (await boards.leaderboards.page(all_time, 0, 1)).rows == ()
    week = await boards.leaderboards.resolve(GUILD, period=Period.WEEK)
    assert [r.row.points for r in (await boards.leaderboards.page(week, 0, 1)).rows] == [900, 900]
    other = await boards.leaderboards.resolve(OTHER, period=None)
    assert len((await boards.leaderboards.page(other, 0, 1)).rows) == 1

    archived = await boards.leaderboards.board(GUILD, "archive", str(result.archive_id))
    assert not archived.live and archived.title_in() == result.label
    rows = (await boards.leaderboards.page(archived, 0, 1)).rows
    assert [(r.rank, r.row.user_id, r.row.points) for r in rows] == [(1, 1, 900), (1, 2, 900)]

    with pytest.raises(UserFacingError, match="already empty"):
        await boards.leaderboards.reset_all_time(GUILD)
    # New answers start the board over.
    await save_answers(boards.db, boards.clock, [A(3, 500)])
    assert [r.row.user_id for r in (await boards.leaderboards.page(all_time, 0, 1)).rows] == [3]
    # Another server cannot open this server's archive.
    with pytest.raises(NotFoundError):
        await boards.leaderboards.board(OTHER, "archive", str(result.archive_id))


async def test_a_read_does_not_wait_for_an_open_write_transaction(boards: Boards) -> None:
    await save_answers(boards.db, boards.clock, [A(1, 900), A(2, 800)])
    board = await boards.leaderboards.resolve(GUILD, period=None)
    async with boards.db.transaction() as conn:  # holds the writer lock and a RESERVED lock
        await conn.execute("UPDATE scores SET points = points + 1000 WHERE user_id = 2")
        page = await asyncio.wait_for(boards.leaderboards.page(board, 0, 1), timeout=1)
        assert [r.row.user_id for r in page.rows] == [1, 2]  # committed data only
    page = await boards.leaderboards.page(board, 0, 1)
    assert [r.row.user_id for r in page.rows] == [2, 1]


async def test_top_includes_everyone_tied_for_the_last_place(boards: Boards) -> None:
    await save_answers(boards.db, boards.clock, [A(1, 900), A(2, 800), A(3, 700), A(4, 700), A(5, 600)])
    board = await boards.leaderboards.resolve(GUILD, period=None)
    top = await boards.leaderboards.top(board, 3)
    assert [(r.rank, r.row.user_id) for r in top] == [(1, 1), (2, 2), (3, 3), (3, 4)]


async def test_a_week_board_of_last_week_stays_readable(boards: Boards) -> None:
    await save_answers(boards.db, boards.clock, [A(1, 900)])
    boards.clock.advance(timedelta(days=7))
    week = await boards.leaderboards.resolve(GUILD, period=Period.WEEK)
    assert (await boards.leaderboards.page(week, 0, 1)).rows == ()
    old = await boards.leaderboards.board(GUILD, "week", "2026-W02")
    assert len((await boards.leaderboards.page(old, 0, 1)).rows) == 1


async def test_a_write_commits_while_a_long_read_is_open(boards: Boards, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """WAL: readers never block the writer (the reverse of the test above)."""
    from bot.storage.database import SqliteDatabase, connect

    if not isinstance(boards.db, SqliteDatabase):
        pytest.skip("SQLite's WAL mode; PostgreSQL's snapshots give this by design")

    await save_answers(boards.db, boards.clock, [A(1, 900)])
    reader = await connect(boards.db.path)
    try:
        await reader.execute("BEGIN")
        async with reader.execute("SELECT COUNT(*) FROM scores") as cur:  # a read snapshot stays open
            await cur.fetchone()
        saved = await asyncio.wait_for(save_answers(boards.db, boards.clock, [A(2, 800)]), timeout=1)
        assert saved == [True]
        async with reader.execute("SELECT COUNT(*) FROM scores WHERE user_id = 2") as cur:
            row = await cur.fetchone()
        assert row is not None and row[0] == 0  # the open read still sees its snapshot
        await reader.execute("COMMIT")
    finally:
        await reader.close()
    board = await boards.leaderboards.resolve(GUILD, period=None)
    assert [r.row.user_id for r in (await boards.leaderboards.page(board, 0, 1)).rows] == [1, 2]

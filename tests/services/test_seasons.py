"""Seasons: start, score, end by command or when due, archive; the cache the quiz service reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.errors import ConflictError, UserFacingError
from bot.core.seasons import NoSeasonError, SeasonRunningError
from bot.services.leaderboard import Period
from bot.services.seasons import SeasonService
from bot.storage.database import Database
from tests.services.leaderboard_helpers import A, Boards, make_boards, new_answers, save_answers

GUILD, OTHER, CHANNEL, ADMIN = 1, 2, 10, 99


@pytest.fixture
async def boards(db: Database) -> AsyncIterator[Boards]:
    b = make_boards(db)
    yield b
    await b.close()


async def test_a_season_collects_points_and_its_end_archives_the_final_standings(boards: Boards) -> None:
    s = boards.seasons
    assert s.running_id(GUILD) is None
    season = await s.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="  Spring  2026 ")
    assert season.name == "Spring 2026" and s.running_id(GUILD) == season.id and s.running_id(OTHER) is None

    await save_answers(boards.db, boards.clock, [A(1, 100)])  # before the season: all-time only
    sid = s.running_id(GUILD)
    await save_answers(
        boards.db,
        boards.clock,
        [
            A(1, 900, season_id=sid),
            A(2, 950, season_id=sid),
            A(3, 800, season_id=sid),
            A(4, 800, season_id=sid),
        ],
    )
    live = await boards.leaderboards.resolve(GUILD, period=Period.SEASON)
    assert live.live and live.title_in() == "Season Spring 2026"
    assert [(r.rank, r.row.user_id) for r in (await boards.leaderboards.page(live, 0, 1)).rows] == [
        (1, 2),
        (2, 1),
        (3, 3),
        (3, 4),
    ]

    ended = await s.end(GUILD)
    assert s.running_id(GUILD) is None and not ended.on_schedule and ended.participants == 4
    assert [(r.rank, r.row.user_id, r.row.points) for r in ended.podium] == [
        (1, 2, 950),
        (2, 1, 900),
        (3, 3, 800),
        (3, 4, 800),  # tied for third: both on the podium
    ]
    # The standings stay readable, by name, from the archive.
    final = await boards.leaderboards.resolve(GUILD, period=Period.SEASON, season="spring 2026")
    assert not final.live and "Final standings" in (final.detail_in() or "")
    rows = (await boards.leaderboards.page(final, 0, 1)).rows
    assert [(r.rank, r.row.user_id, r.row.points) for r in rows][:2] == [(1, 2, 950), (2, 1, 900)]
    # The all-time board kept everything, including the answer from before the season.
    all_time = await boards.leaderboards.resolve(GUILD, period=None)
    ann = await boards.leaderboards.place(all_time, 1)
    assert ann is not None and ann.row.points == 1000

    with pytest.raises(NoSeasonError):
        await s.end(GUILD)
    with pytest.raises(ConflictError, match="already had a season named"):
        await s.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="Spring 2026")


async def test_one_season_at_a_time_per_server(boards: Boards) -> None:
    await boards.seasons.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="A")
    with pytest.raises(SeasonRunningError, match="still running"):
        await boards.seasons.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="B")
    other = await boards.seasons.start(guild_id=OTHER, channel_id=CHANNEL, user_id=ADMIN, name="A")
    assert boards.seasons.running_id(OTHER) == other.id


async def test_a_season_ends_when_due_and_is_announced_once(boards: Boards) -> None:
    s = boards.seasons
    season = await s.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="Sprint", ends_at="2h")
    assert season.ends_at is not None
    await save_answers(boards.db, boards.clock, [A(1, 700, season_id=season.id)])

    boards.clock.advance(timedelta(hours=1, minutes=59))
    assert await s.end_due() == [] and s.running_id(GUILD) == season.id
    boards.clock.advance(timedelta(minutes=1))
    ended = await s.end_due()
    assert [e.season.id for e in ended] == [season.id] and ended[0].on_schedule and not ended[0].late
    assert boards.presenter.ended == ended
    assert s.running_id(GUILD) is None
    assert await s.end_due() == []  # the next wake-up finds nothing
    assert len(boards.presenter.ended) == 1


async def test_an_overdue_season_is_ended_late_by_the_next_process(db: Database) -> None:
    first = make_boards(db)
    season = await first.seasons.start(
        guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="S", ends_at="1h"
    )
    await first.close()

    second = make_boards(db, first.clock)  # a restart: the cache is loaded from the database
    try:
        assert second.seasons.running_id(GUILD) is None
        assert await second.seasons.load() == 1 and second.seasons.running_id(GUILD) == season.id
        second.clock.advance(timedelta(hours=5))
        ended = await second.seasons.end_due()
        assert len(ended) == 1 and ended[0].late and ended[0].podium == ()
    finally:
        await second.close()


async def test_a_season_whose_time_has_come_does_not_block_the_next(boards: Boards) -> None:
    await boards.seasons.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="Old", ends_at="1h")
    boards.clock.advance(timedelta(hours=2))  # the wake-up has not run yet
    new = await boards.seasons.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="New")
    assert boards.seasons.running_id(GUILD) == new.id
    assert [e.season.name for e in boards.presenter.ended] == ["Old"]


async def test_answers_queued_before_the_end_count_for_the_season(boards: Boards) -> None:
    s = boards.seasons
    season = await s.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="S")
    queued = await new_answers(boards.db, boards.clock, [A(1, 500, season_id=season.id)])
    saved = boards.writer.submit(queued[0])  # still in the writer's queue when the season ends
    ended = await s.end(GUILD)
    assert saved.done() and saved.result() is True
    assert ended.participants == 1 and ended.podium[0].row.points == 500


async def test_bad_end_times_are_refused_before_anything_is_stored(boards: Boards) -> None:
    with pytest.raises(UserFacingError, match="couldn't read"):
        await boards.seasons.start(
            guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, name="S", ends_at="later"
        )
    assert boards.seasons.running_id(GUILD) is None
    fresh = SeasonService(boards.db, boards.clock, boards.writer, boards.leaderboards)
    assert await fresh.load() == 0

"""Leaderboards: which board a member asked for, a ranked page of it, and resetting all-time. No discord.

A :class:`Board` is named by (kind, guild, key), which is exactly what a page button's custom_id
carries, so a click after a restart rebuilds the board from the database alone. Pages are read
from the aggregates kept at write time (``bot.storage.scores``); ranks are competition style.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import date

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import NotFoundError, UserFacingError
from bot.core.periods import period_keys, zone
from bot.core.ranking import PAGE_SIZE, competition_ranks, page_spec, topic_key
from bot.services.answer_writer import AnswerWriter
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.scores import BoardKey, BoardRow, ScoreRepository, Source
from bot.storage.seasons import SeasonRepository

log = logging.getLogger(__name__)

BOARD_KINDS = ("all", "week", "month", "season", "topic", "archive")


class Period(enum.StrEnum):
    ALL_TIME = "all-time"
    WEEK = "week"
    MONTH = "month"
    SEASON = "season"


class RankedBy(enum.StrEnum):
    POINTS = "points"
    CORRECT = "correct"  # topic boards: most correct answers, then the best accuracy


@dataclass(frozen=True, slots=True)
class Board:
    key: BoardKey
    title: str
    detail: str | None = None
    ranked_by: RankedBy = RankedBy.POINTS
    #: False for archives: they no longer change.
    live: bool = True
    #: The topic of a topic board (the cog shows its label).
    topic: str | None = None

    @property
    def kind(self) -> str:
        return self.key.period_kind

    @property
    def guild_id(self) -> int:
        return self.key.guild_id


@dataclass(frozen=True, slots=True)
class RankedRow:
    rank: int
    row: BoardRow


@dataclass(frozen=True, slots=True)
class BoardPage:
    board: Board
    rows: tuple[RankedRow, ...]
    page: int  # 0-based
    pages: int
    total: int  # members on the board
    viewer_id: int
    #: The viewer's own place when it is not among ``rows`` (None: on this page, or not ranked).
    viewer: RankedRow | None
    viewer_on_page: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


@dataclass(frozen=True, slots=True)
class ResetResult:
    archive_id: int
    label: str
    members: int


def tie_key(board: Board, row: BoardRow) -> tuple[int, int]:
    """What two rows must share to tie on ``board``."""
    if board.ranked_by is RankedBy.CORRECT:
        return topic_key(row.correct, row.answered)
    return (row.points or 0, 0)


def week_label(key: str) -> str:
    """``2026-W02`` -> ``Mon 5 Jan – Sun 11 Jan 2026``."""
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    sunday = date.fromisocalendar(int(year), int(week), 7)
    return f"Mon {monday.day} {monday:%b} – Sun {sunday.day} {sunday:%b %Y}"


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{date(int(year), int(month), 1):%B %Y}"


class LeaderboardService:
    def __init__(self, db: Database, clock: Clock, writer: AnswerWriter) -> None:
        self.db = db
        self.clock = clock
        self.writer = writer
        self.scores = ScoreRepository(db)
        self.seasons = SeasonRepository(db)
        self.settings = GuildSettingsRepository(db)

    # -- which board -----------------------------------------------------------------------------

    async def resolve(
        self, guild_id: int, *, period: Period | None, topic: str | None = None, season: str | None = None
    ) -> Board:
        """The board a /leaderboard invocation asks for; a UserFacingError for a combination that has none."""
        if topic is not None:
            if season is not None or period not in (None, Period.ALL_TIME):
                raise UserFacingError(
                    "Topic boards are all-time: results per topic are kept since the start, not per week, "
                    "month or season. Leave out `period`/`season`, or leave out `topic`."
                )
            return await self.board(guild_id, "topic", topic)
        if season is not None:
            if period not in (None, Period.SEASON):
                raise UserFacingError(
                    f"`season` goes with `period:season`, not `period:{period}`. Leave one of them out."
                )
            found = await self.seasons.by_name(guild_id, season.strip())
            if found is None:
                raise NotFoundError(
                    f"There is no season named `{season}` here; the `season` option suggests the names."
                )
            return await self.board(guild_id, "season", str(found.id))
        if period is Period.SEASON:
            seasons = await self.seasons.of_guild(guild_id, limit=1)
            if not seasons:
                raise NotFoundError("No season has been played here yet. An admin can `/season start` one.")
            # The running season, or else the one that ended last.
            return await self.board(guild_id, "season", str(seasons[0].id))
        if period in (Period.WEEK, Period.MONTH):
            settings = await self.settings.get(guild_id)
            keys = period_keys(self.clock.now(), settings.timezone)
            if period is Period.WEEK:
                return await self.board(guild_id, "week", keys.week)
            return await self.board(guild_id, "month", keys.month)
        return await self.board(guild_id, "all", "all")

    async def board(self, guild_id: int, kind: str, key: str) -> Board:
        """A board from what a page button carries; NotFoundError if it no longer exists."""
        if kind == "all":
            return Board(BoardKey(Source.SCORES, guild_id, "all", "all"), "All-time")
        if kind == "week":
            tz = (await self.settings.get(guild_id)).timezone
            return Board(
                BoardKey(Source.SCORES, guild_id, "week", key),
                f"Week {key}",
                f"{week_label(key)} ({tz})",
            )
        if kind == "month":
            tz = (await self.settings.get(guild_id)).timezone
            return Board(BoardKey(Source.SCORES, guild_id, "month", key), month_label(key), f"Time zone {tz}")
        if kind == "topic":
            return Board(
                BoardKey(Source.TOPIC, guild_id, "topic", key),
                f"Topic: {key}",
                "All-time, ranked by correct answers, then accuracy",
                ranked_by=RankedBy.CORRECT,
                topic=key,
            )
        if kind in ("season", "archive") and not key.isdigit():
            # Only a forged button carries a non-numeric id; to the member, the board is gone.
            raise NotFoundError("That leaderboard no longer exists.")
        if kind == "season":
            return await self._season_board(guild_id, int(key))
        if kind == "archive":
            archive = await self.scores.archive(int(key))
            if archive is None or archive.guild_id != guild_id:
                raise NotFoundError("That archived board no longer exists.")
            if archive.season_id is not None:
                return await self._season_board(guild_id, archive.season_id)
            created = from_ms(archive.created_at)
            return Board(
                BoardKey(Source.ARCHIVE, guild_id, "archive", str(archive.id)),
                archive.label,
                f"Archived {created:%Y-%m-%d %H:%M} UTC",
                live=False,
            )
        raise NotFoundError("That leaderboard no longer exists.")

    async def _season_board(self, guild_id: int, season_id: int) -> Board:
        season = await self.seasons.by_id(season_id)
        if season is None or season.guild_id != guild_id:
            raise NotFoundError("That season no longer exists.")
        if season.running:
            detail = "Running"
            if season.ends_at is not None:
                detail += f", ends <t:{season.ends_at // 1000}:f>"
            return Board(
                BoardKey(Source.SCORES, guild_id, "season", str(season.id)), f"Season {season.name}", detail
            )
        archive = await self.scores.archive_of_season(season.id)
        if archive is None:
            raise NotFoundError(f"The standings of season {season.name} were not archived.")
        ended = from_ms(season.ended_at or archive.created_at)
        return Board(
            BoardKey(Source.ARCHIVE, guild_id, "archive", str(archive.id)),
            f"Season {season.name}",
            f"Final standings (ended {ended:%Y-%m-%d %H:%M} UTC)",
            live=False,
        )

    # -- a page ----------------------------------------------------------------------------------

    async def page(self, board: Board, page: int, viewer_id: int, *, size: int = PAGE_SIZE) -> BoardPage:
        """Page ``page`` (0-based, clamped) of ``board``, ranked, with the viewer's place if elsewhere."""
        total = await self.scores.size(board.key)
        spec = page_spec(page, total, size)
        rows = await self.scores.page(board.key, spec.offset, spec.size)
        first_rank = None
        if rows and spec.offset > 0:
            # The first row may tie with the last of the previous page.
            first_rank = 1 + await self.scores.count_ahead(board.key, rows[0])
        ranks = competition_ranks(
            [tie_key(board, r) for r in rows], offset=spec.offset, first_rank=first_rank
        )
        ranked = tuple(RankedRow(rank, row) for rank, row in zip(ranks, rows, strict=True))
        on_page = any(r.row.user_id == viewer_id for r in ranked)
        viewer = None if on_page else await self.place(board, viewer_id)
        return BoardPage(
            board=board,
            rows=ranked,
            page=spec.page,
            pages=spec.pages,
            total=total,
            viewer_id=viewer_id,
            viewer=viewer,
            viewer_on_page=on_page,
        )

    async def place(self, board: Board, user_id: int) -> RankedRow | None:
        """A member's rank and row on the board: one look-up and one range count."""
        row = await self.scores.member_row(board.key, user_id)
        if row is None:
            return None
        return RankedRow(1 + await self.scores.count_ahead(board.key, row), row)

    async def top(self, board: Board, n: int = 3) -> list[RankedRow]:
        """Everyone ranked ``n`` or better (more than ``n`` rows when the last place is tied)."""
        rows = await self.scores.page(board.key, 0, max(n, PAGE_SIZE))
        ranks = competition_ranks([tie_key(board, r) for r in rows])
        return [RankedRow(rank, row) for rank, row in zip(ranks, rows, strict=True) if rank <= n]

    # -- reset -----------------------------------------------------------------------------------

    async def all_time_size(self, guild_id: int) -> int:
        return await self.scores.size(BoardKey(Source.SCORES, guild_id, "all", "all"))

    async def reset_all_time(self, guild_id: int) -> ResetResult:
        """Archive the all-time board and start it over. Weeks, months, seasons and topics stay."""
        await self.writer.flush()  # answers given before the reset count on the archived board
        if await self.all_time_size(guild_id) == 0:
            raise UserFacingError("The all-time board is already empty; there is nothing to reset.")
        now = self.clock.now()
        tz = (await self.settings.get(guild_id)).timezone
        label = f"All-time until {now.astimezone(zone(tz)):%Y-%m-%d %H:%M} ({tz})"
        async with self.db.transaction() as conn:
            archive_id, members = await ScoreRepository.archive_and_clear(
                conn,
                guild_id=guild_id,
                period_kind="all",
                period_key="all",
                archive_kind="reset",
                label=label,
                now_ms=to_ms(now),
            )
        log.info("guild %s reset its all-time board: %d rows archived as %s", guild_id, members, archive_id)
        return ResetResult(archive_id=archive_id, label=label, members=members)

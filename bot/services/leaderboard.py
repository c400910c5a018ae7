"""Leaderboards: which board a member asked for, a ranked page of it, and resetting all-time. No discord.

A :class:`Board` is named by (kind, guild, key), which is exactly what a page button's custom_id
carries, so a click after a restart rebuilds the board from the database alone. Pages are read
from the aggregates kept at write time (``bot.storage.scores``); ranks are competition style.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import NotFoundError, UserFacingError
from bot.core.i18n import N_, Text, reread, translator
from bot.core.periods import period_keys, zone
from bot.core.ranking import PAGE_SIZE, competition_ranks, page_spec, topic_key
from bot.services.answer_writer import AnswerWriter
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.scores import BoardKey, BoardRow, ScoreRepository, Source
from bot.storage.seasons import SeasonRepository

log = logging.getLogger(__name__)

BOARD_KINDS = ("all", "week", "month", "season", "topic", "archive")
# The label a reset archive is stored with, in English; read back in the reader's language.
RESET_LABEL = N_("All-time until {when} ({zone})")


def archive_label(label: str) -> Text:
    """An archive's stored label, to be shown in a member's language (a season's name stays)."""
    return reread(label, (RESET_LABEL,))


class Period(enum.StrEnum):
    ALL_TIME = "all-time"
    WEEK = "week"
    MONTH = "month"
    SEASON = "season"


class RankedBy(enum.StrEnum):
    POINTS = "points"
    CORRECT = "correct"  # topic boards: most correct answers, then the best accuracy


MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
MONTHS_SHORT = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


@dataclass(frozen=True, slots=True)
class WeekSpan:
    """A board parameter shown per language: the days of an ISO week (``2026-W02``)."""

    key: str

    def render(self, lang: str) -> str:
        return week_label(self.key, lang)


@dataclass(frozen=True, slots=True)
class MonthName:
    """A board parameter shown per language: a month (``2026-02``)."""

    key: str

    def render(self, lang: str) -> str:
        return month_label(self.key, lang)


@dataclass(frozen=True, slots=True)
class Board:
    """A board; its ``title`` and ``detail`` are English templates (``"Season {name}"``) filled in with
    ``params`` in the reader's language by :meth:`title_in` and :meth:`detail_in`."""

    key: BoardKey
    title: str
    detail: str | None = None
    ranked_by: RankedBy = RankedBy.POINTS
    #: False for archives: they no longer change.
    live: bool = True
    #: The topic of a topic board (the cog shows its label).
    topic: str | None = None
    #: What the templates name; a WeekSpan or MonthName is rendered in the reader's language.
    params: Mapping[str, object] = field(default_factory=dict)

    def _fill(self, template: str, lang: str) -> str:
        text = translator(lang).gettext(template)
        if not self.params:
            return text
        values = {
            k: v.render(lang) if isinstance(v, WeekSpan | MonthName | Text) else v
            for k, v in self.params.items()
        }
        return text.format(**values)

    def title_in(self, lang: str = "en") -> str:
        return self._fill(self.title, lang)

    def detail_in(self, lang: str = "en") -> str | None:
        return None if self.detail is None else self._fill(self.detail, lang)

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


def week_label(key: str, lang: str = "en") -> str:
    """``2026-W02`` -> ``Mon 5 Jan – Sun 11 Jan 2026`` (in zh ``1月5日（周一）至 2026年1月11日（周日）``)."""
    _ = translator(lang).gettext
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    sunday = date.fromisocalendar(int(year), int(week), 7)

    def day(d: date) -> str:
        return _("{day} {month}").format(day=d.day, month=_(MONTHS_SHORT[d.month - 1]))

    end = _("{date} {year}").format(date=day(sunday), year=sunday.year)
    return _("Mon {start} – Sun {end}").format(start=day(monday), end=end)


def month_label(key: str, lang: str = "en") -> str:
    """``2026-02`` -> ``February 2026`` (in zh ``2026年2月``)."""
    _ = translator(lang).gettext
    year, month = key.split("-")
    return _("{month} {year}").format(month=_(MONTHS[int(month) - 1]), year=int(year))


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
                    N_(
                        "Topic boards are all-time: results per topic are kept since the start, "
                        "not per week, month or season. Leave out `period`/`season`, or leave out `topic`."
                    )
                )
            return await self.board(guild_id, "topic", topic)
        if season is not None:
            if period not in (None, Period.SEASON):
                raise UserFacingError(
                    N_("`season` goes with `period:season`, not `period:{period}`. Leave one of them out."),
                    period=period,
                )
            found = await self.seasons.by_name(guild_id, season.strip())
            if found is None:
                raise NotFoundError(
                    N_("There is no season named `{season}` here; the `season` option suggests the names."),
                    season=season,
                )
            return await self.board(guild_id, "season", str(found.id))
        if period is Period.SEASON:
            seasons = await self.seasons.of_guild(guild_id, limit=1)
            if not seasons:
                raise NotFoundError(
                    N_("No season has been played here yet. An admin can `/season start` one.")
                )
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
            return Board(BoardKey(Source.SCORES, guild_id, "all", "all"), N_("All-time"))
        if kind == "week":
            tz = (await self.settings.get(guild_id)).timezone
            return Board(
                BoardKey(Source.SCORES, guild_id, "week", key),
                N_("Week {week}"),
                N_("{days} ({tz})"),
                params={"week": key, "days": WeekSpan(key), "tz": tz},
            )
        if kind == "month":
            tz = (await self.settings.get(guild_id)).timezone
            return Board(
                BoardKey(Source.SCORES, guild_id, "month", key),
                "{month}",  # the month alone, named in the reader's language
                N_("Time zone {tz}"),
                params={"month": MonthName(key), "tz": tz},
            )
        if kind == "topic":
            return Board(
                BoardKey(Source.TOPIC, guild_id, "topic", key),
                N_("Topic: {topic}"),
                N_("All-time, ranked by correct answers, then accuracy"),
                ranked_by=RankedBy.CORRECT,
                topic=key,
                params={"topic": key},
            )
        if kind in ("season", "archive") and not key.isdigit():
            # Only a forged button carries a non-numeric id; to the member, the board is gone.
            raise NotFoundError(N_("That leaderboard no longer exists."))
        if kind == "season":
            return await self._season_board(guild_id, int(key))
        if kind == "archive":
            archive = await self.scores.archive(int(key))
            if archive is None or archive.guild_id != guild_id:
                raise NotFoundError(N_("That archived board no longer exists."))
            if archive.season_id is not None:
                return await self._season_board(guild_id, archive.season_id)
            created = from_ms(archive.created_at)
            return Board(
                BoardKey(Source.ARCHIVE, guild_id, "archive", str(archive.id)),
                "{label}",  # the label stored with the archive, as written then
                N_("Archived {when} UTC"),
                live=False,
                params={"label": archive_label(archive.label), "when": f"{created:%Y-%m-%d %H:%M}"},
            )
        raise NotFoundError(N_("That leaderboard no longer exists."))

    async def _season_board(self, guild_id: int, season_id: int) -> Board:
        season = await self.seasons.by_id(season_id)
        if season is None or season.guild_id != guild_id:
            raise NotFoundError(N_("That season no longer exists."))
        if season.running:
            return Board(
                BoardKey(Source.SCORES, guild_id, "season", str(season.id)),
                N_("Season {name}"),
                N_("Running, ends {when}") if season.ends_at is not None else N_("Running"),
                params={"name": season.name, "when": f"<t:{(season.ends_at or 0) // 1000}:f>"},
            )
        archive = await self.scores.archive_of_season(season.id)
        if archive is None:
            raise NotFoundError(N_("The standings of season {name} were not archived."), name=season.name)
        ended = from_ms(season.ended_at or archive.created_at)
        return Board(
            BoardKey(Source.ARCHIVE, guild_id, "archive", str(archive.id)),
            N_("Season {name}"),
            N_("Final standings (ended {when} UTC)"),
            live=False,
            params={"name": season.name, "when": f"{ended:%Y-%m-%d %H:%M}"},
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
            raise UserFacingError(N_("The all-time board is already empty; there is nothing to reset."))
        now = self.clock.now()
        tz = (await self.settings.get(guild_id)).timezone
        label = RESET_LABEL.format(when=f"{now.astimezone(zone(tz)):%Y-%m-%d %H:%M}", zone=tz)
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

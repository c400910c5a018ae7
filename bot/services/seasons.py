"""Seasons: start, end (by command or when due), archive the standings. No discord import.

While a season runs, every accepted answer also scores on the ``('season', '<id>')`` board: the
quiz service asks :meth:`SeasonService.running_id` synchronously for each answer, from a cache
loaded at start-up and kept in step by :meth:`start` and :meth:`end`. The database decides when
a season is due; one scheduler job wakes the bot every minute to call :meth:`end_due`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import ConflictError
from bot.core.i18n import N_
from bot.core.seasons import NoSeasonError, SeasonRunningError, clean_name, parse_ends_at
from bot.core.shards import Ownership
from bot.services.answer_writer import AnswerWriter
from bot.services.endings import announce_safely, end_each
from bot.services.leaderboard import LeaderboardService, RankedRow
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.scores import ScoreRepository
from bot.storage.seasons import SeasonNameTakenError, SeasonRepository, SeasonRow

log = logging.getLogger(__name__)

PODIUM = 3


@dataclass(frozen=True, slots=True)
class SeasonEnded:
    season: SeasonRow  # with ended_at set
    archive_id: int
    participants: int
    podium: tuple[RankedRow, ...]  # ranks 1-3 (more rows when the third place is tied)
    on_schedule: bool
    late: bool = False  # ended well after its time (the bot was down when it was due)


class SeasonPresenter(Protocol):
    async def announce_end(self, ended: SeasonEnded) -> None:
        """Post the final top 3 where the season was started."""
        ...


class SeasonService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        writer: AnswerWriter,
        leaderboards: LeaderboardService,
        *,
        owner: Ownership | None = None,
    ) -> None:
        self.db = db
        self.owner = owner  # the servers whose seasons this process ends when due (None: all)
        self.clock = clock
        self.writer = writer
        self.leaderboards = leaderboards
        self.repo = SeasonRepository(db)
        self.settings = GuildSettingsRepository(db)
        self.presenter: SeasonPresenter | None = None
        self._running: dict[int, SeasonRow] = {}  # guild id -> running season
        self._lock = asyncio.Lock()  # one start or end at a time keeps the cache and the rows in step

    async def load(self) -> int:
        """Fill the cache of running seasons from the database. Returns how many run."""
        self._running = {s.guild_id: s for s in await self.repo.running_all()}
        return len(self._running)

    # -- the quiz service asks this for every answer ----------------------------------------------

    def running_id(self, guild_id: int) -> int | None:
        season = self._running.get(guild_id)
        return None if season is None else season.id

    def running(self, guild_id: int) -> SeasonRow | None:
        return self._running.get(guild_id)

    # -- commands ---------------------------------------------------------------------------------

    async def start(
        self, *, guild_id: int, channel_id: int | None, user_id: int, name: str, ends_at: str | None = None
    ) -> SeasonRow:
        """Start a season now; ``ends_at`` as typed (``30d``, ``2026-06-30 18:00``...) or None."""
        name = clean_name(name)
        await self.end_due()  # a season whose time has come does not block the next one
        now = self.clock.now()
        tz = (await self.settings.get(guild_id)).timezone
        ends = parse_ends_at(ends_at, now, tz) if ends_at else None
        async with self._lock:
            try:
                async with self.db.transaction() as conn:
                    running = await SeasonRepository.running_in(conn, guild_id)
                    if running is not None:
                        raise SeasonRunningError(running.name)
                    season = await SeasonRepository.create(
                        conn,
                        guild_id=guild_id,
                        name=name,
                        started_at=to_ms(now),
                        ends_at=to_ms(ends) if ends else None,
                        channel_id=channel_id,
                        started_by=user_id,
                    )
            except SeasonNameTakenError:
                raise ConflictError(
                    N_("This server already had a season named **{name}**; pick another name."), name=name
                ) from None
            self._running[guild_id] = season
        log.info("guild %s started season %s (%s), ends %s", guild_id, season.id, name, ends)
        return season

    async def end(self, guild_id: int) -> SeasonEnded:
        """End the running season now (the /season end command)."""
        season = self._running.get(guild_id) or await self.repo.running(guild_id)
        if season is None:
            raise NoSeasonError()
        ended = await self._end(season, on_schedule=False)
        if ended is None:  # the wake-up ended it a moment ago
            raise NoSeasonError()
        return ended

    # -- the wake-up --------------------------------------------------------------------------------

    async def end_due(self) -> list[SeasonEnded]:
        """End every season whose end time has come and announce each. Safe to call any time."""
        return await end_each(
            await self.repo.due(to_ms(self.clock.now()), self.owner),
            lambda season: self._end(season, on_schedule=True),
            self._announce,
            lambda season: f"season {season.id} of guild {season.guild_id}",
        )

    async def _announce(self, ended: SeasonEnded) -> None:
        await announce_safely(
            self.presenter, ended, f"season {ended.season.id}", lost="it is over and archived either way"
        )

    async def _end(self, season: SeasonRow, *, on_schedule: bool) -> SeasonEnded | None:
        async with self._lock:
            # Answers taken from now on score no season; those already queued are saved to it first.
            cached = self._running.pop(season.guild_id, None)
            try:
                await self.writer.flush()
                now = self.clock.now()
                async with self.db.transaction() as conn:
                    if not await SeasonRepository.mark_ended(conn, season.id, to_ms(now)):
                        return None
                    archive_id, participants = await ScoreRepository.archive_and_clear(
                        conn,
                        guild_id=season.guild_id,
                        period_kind="season",
                        period_key=str(season.id),
                        archive_kind="season",
                        label=season.name,
                        now_ms=to_ms(now),
                        season_id=season.id,
                    )
            except BaseException:
                if cached is not None:
                    self._running[season.guild_id] = cached
                raise
        board = await self.leaderboards.board(season.guild_id, "archive", str(archive_id))
        podium = await self.leaderboards.top(board, PODIUM)
        log.info(
            "season %s (%s) of guild %s ended%s: %d participants",
            season.id,
            season.name,
            season.guild_id,
            " on schedule" if on_schedule else "",
            participants,
        )
        return SeasonEnded(
            season=replace(season, ended_at=to_ms(now)),
            archive_id=archive_id,
            participants=participants,
            podium=tuple(podium),
            on_schedule=on_schedule,
            late=on_schedule and season.ends_at is not None and _overdue(season.ends_at, now),
        )

    # -- reading ------------------------------------------------------------------------------------

    async def names(self, guild_id: int) -> list[SeasonRow]:
        """The server's seasons for autocomplete: the running one first, then the latest."""
        return await self.repo.of_guild(guild_id)


def _overdue(ends_at_ms: int, now: datetime, *, grace_s: int = 120) -> bool:
    """Ended more than two wake-ups after its time: the bot was down when it was due."""
    return (now - from_ms(ends_at_ms)).total_seconds() > grace_s

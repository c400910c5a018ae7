"""Question of the day, the schedule commands: set up, show, pause, resume. No discord import.

Posting what is due is :class:`bot.services.daily.DailyService`'s job; this service only writes
the schedule the due run reads (and the pause a fault or an admin sets).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.daily import (
    DEFAULT_REVEAL_HOURS,
    DailyError,
    check_reveal_hours,
    format_post_time,
    local_date,
    next_post_at,
    parse_post_time,
    parse_zone,
)
from bot.core.errors import ConflictError, NotFoundError
from bot.core.i18n import N_, Text, reread
from bot.core.topics import TOPICS
from bot.services.question_pool import QuestionPool
from bot.storage.daily import DailyRepository, PostRow, ScheduleRow
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepository

log = logging.getLogger(__name__)

# Why a schedule is paused, stored in English as written from one of these msgids; /daily status
# and the refusals read it back in the member's language (:func:`pause_text`).
PAUSED_BY_ADMIN = N_("Paused by an admin with /daily pause.")
NO_QUESTIONS = N_("There are no questions for the configured topic and language; run /daily setup again.")
INTERNAL_ERROR = N_("An internal error stopped the schedule (see the bot's log); run /daily resume to retry.")
CHANNEL_GONE = N_(
    "The channel was deleted (or I can no longer see it); run /daily setup with another channel."
)
# Written by the presenter (cogs/daily.py): ``permissions`` holds permission names (msgids).
MISSING_PERMISSIONS = N_("I am missing {permissions} in <#{channel_id}>.")
DISCORD_REFUSED = N_("Discord refused my post: {error} ({code}).")
PAUSE_TEMPLATES = (MISSING_PERMISSIONS, DISCORD_REFUSED)


def pause_text(reason: str | None) -> Text:
    """A stored pause reason, to be shown in a member's language (Discord's own words stay)."""
    if not reason:
        return Text(N_("no reason given"))
    return reread(reason, PAUSE_TEMPLATES, lists=("permissions",))


@dataclass(frozen=True, slots=True)
class DailyStatus:
    schedule: ScheduleRow
    next_post_local: datetime  # in the schedule's zone
    last_post: PostRow | None
    today_posted: bool


class DailyScheduleService:
    def __init__(self, db: Database, clock: Clock, pool: QuestionPool) -> None:
        self.db = db
        self.clock = clock
        self.pool = pool
        self.repo = DailyRepository(db)
        self.settings = GuildSettingsRepository(db)

    async def setup(
        self,
        *,
        guild_id: int,
        channel_id: int,
        post_time: str,
        timezone: str,
        role_id: int | None = None,
        reveal_after_hours: int = DEFAULT_REVEAL_HOURS,
        topic: str | None = None,
    ) -> ScheduleRow:
        """Create or replace the server's schedule (and un-pause it). The first post is the next
        local ``post_time`` from now."""
        at = parse_post_time(post_time)
        tz = parse_zone(timezone)
        check_reveal_hours(reveal_after_hours)
        if topic is not None:
            topic = topic.strip().lower() or None
        # The shared taxonomy, or one of the server's own topics (issue 18: imported questions).
        if topic is not None and topic not in TOPICS and topic not in self.pool.topics(guild_id):
            raise DailyError(
                N_("`{topic}` is not a topic. Pick one from the list, or see `/quiz topics`."), topic=topic
            )
        settings = await self.settings.get(guild_id)
        if not self.pool.pool(topic, settings.default_language, settings.topics_enabled, guild_id=guild_id):
            if topic:
                raise NotFoundError(
                    N_(
                        "There are no questions for topic `{topic}` in the server's language; "
                        "pick another topic."
                    ),
                    topic=topic,
                )
            raise NotFoundError(
                N_(
                    "There are no questions for any enabled topic in the server's language; "
                    "pick another topic."
                )
            )
        now = self.clock.now()
        async with self.db.transaction() as conn:
            schedule = await DailyRepository.save_schedule(
                conn,
                guild_id=guild_id,
                channel_id=channel_id,
                post_time=format_post_time(at),
                timezone=tz.key,
                role_id=role_id,
                reveal_after_hours=reveal_after_hours,
                topic=topic,
                next_post_at=to_ms(next_post_at(now, at, tz)),
                now_ms=to_ms(now),
            )
        log.info("guild %s set up the question of the day at %s %s", guild_id, schedule.post_time, tz.key)
        return schedule

    async def schedule(self, guild_id: int) -> ScheduleRow:
        schedule = await self.repo.schedule(guild_id)
        if schedule is None:
            raise NotFoundError(N_("There is no question of the day here yet; `/daily setup` sets one up."))
        return schedule

    async def status(self, guild_id: int) -> DailyStatus:
        schedule = await self.schedule(guild_id)
        tz = parse_zone(schedule.timezone)
        today = local_date(self.clock.now(), tz).isoformat()
        return DailyStatus(
            schedule=schedule,
            next_post_local=from_ms(schedule.next_post_at).astimezone(tz),
            last_post=await self.repo.last_post(guild_id),
            today_posted=await self.repo.post(guild_id, today) is not None,
        )

    async def pause(self, guild_id: int) -> ScheduleRow:
        schedule = await self.schedule(guild_id)
        if schedule.paused:
            raise ConflictError(
                N_("The question of the day is already paused: {reason}"),
                reason=pause_text(schedule.pause_reason),
            )
        await self.set_paused(guild_id, PAUSED_BY_ADMIN)
        return await self.schedule(guild_id)

    async def resume(self, guild_id: int) -> ScheduleRow:
        """Run the schedule again from the next local post time (missed days are not caught up)."""
        schedule = await self.schedule(guild_id)
        if not schedule.paused:
            raise ConflictError(N_("The question of the day is not paused."))
        at = parse_post_time(schedule.post_time)
        next_at = next_post_at(self.clock.now(), at, parse_zone(schedule.timezone))
        async with self.db.transaction() as conn:
            await DailyRepository.set_paused(
                conn,
                guild_id,
                paused=False,
                reason=None,
                now_ms=to_ms(self.clock.now()),
                next_post_at=to_ms(next_at),
            )
        log.info("guild %s resumed the question of the day", guild_id)
        return await self.schedule(guild_id)

    async def set_paused(self, guild_id: int, reason: str) -> None:
        """Pause the schedule, saying why (shown by ``/daily status``)."""
        async with self.db.transaction() as conn:
            await DailyRepository.set_paused(
                conn, guild_id, paused=True, reason=reason, now_ms=to_ms(self.clock.now())
            )

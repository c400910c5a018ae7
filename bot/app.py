"""The bot: a ``commands.AutoShardedBot`` subclass whose resources the entry point owns.

:func:`create_bot` opens the database, migrates it, loads the question bank and builds the
scheduler; ``setup_hook`` starts the scheduler, loads the explicit extension list and syncs
slash commands; :meth:`QuizBot.close` drains background work and releases everything.

Shards (issue 15): with ``SHARD_COUNT`` unset the process runs every shard, as many as Discord's
``GET /gateway/bot`` recommends (discord.py's automatic sharding; one shard for a small bot).
With ``SHARD_COUNT`` (and ``SHARD_IDS``, this process's part) set, discord.py runs those shards,
and the services take the due work of the servers those shards own only
(:class:`bot.core.shards.Ownership`); the process running shard 0 syncs the slash commands.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

from bot.bank.loader import Bank, load_bank
from bot.core.clock import Clock, SystemClock, to_ms
from bot.core.shards import Ownership
from bot.services.posting import RetrySchedule
from bot.settings import Settings
from bot.storage.command_sync import CommandSyncRepository
from bot.storage.database import Database
from bot.wiring import build_services
from cogs._i18n import CatalogueTranslator
from cogs.errors import ErrorReportingTree

log = logging.getLogger(__name__)

# Loaded in this order; a guard test checks every module in cogs/ is listed.
EXTENSIONS: tuple[str, ...] = (
    "cogs.errors",
    "cogs.meta",
    "cogs.quiz",
    "cogs.leaderboard",
    "cogs.stats",
    "cogs.season",
    "cogs.privacy",
    "cogs.settings",
    "cogs.bank",
    "cogs.team",
    "cogs.competition",
    "cogs.daily",
    "cogs.study",
    "cogs.classroom",
)

# One wake-up for all timed work of every server (seasons and competitions that end, questions of the
# day to post and reveal): the database says what is due; the scheduler only wakes the bot.
DUE_JOB_ID = "due-work"
DUE_WAKE_EVERY = timedelta(minutes=1)

GLOBAL_SCOPE = "global"


def build_intents() -> discord.Intents:
    """Guilds and guild reactions only: no privileged intent is needed for any feature."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    return intents


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py's REST and gateway clients at the configured endpoints.

    discord.py reads both from class attributes, which is also where the interaction webhook
    adapter takes its base from, so a proxy (or a loopback stand-in in tests) sees everything.
    """
    discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class QuizBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        bank: Bank,
        *,
        clock: Clock | None = None,
        scheduler: AsyncIOScheduler | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        send_retry: RetrySchedule | None = None,
        **client_kwargs: Any,
    ) -> None:
        # The bot has no voice: discord.py's warnings that PyNaCl and davey (voice) are missing are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        client_kwargs.setdefault("intents", build_intents())
        # Raw reaction events carry everything needed; the default 1,000-message cache makes every
        # reaction event scan it, so it is off.
        client_kwargs.setdefault("max_messages", None)
        client_kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        client_kwargs.setdefault("member_cache_flags", discord.MemberCacheFlags.none())
        client_kwargs.setdefault("chunk_guilds_at_startup", False)
        # Unset: discord.py asks Discord how many shards and runs them all here.
        client_kwargs.setdefault("shard_count", settings.shard_count)
        client_kwargs.setdefault("shard_ids", settings.shard_ids)
        # No prefix commands: everything is a slash command. A mention prefix keeps
        # commands.Bot happy without needing the message content intent.
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=ErrorReportingTree,
            **client_kwargs,
        )
        self.settings = settings
        self.db = db
        self.bank = bank
        self.clock: Clock = clock or SystemClock()
        self.scheduler = scheduler or AsyncIOScheduler(timezone="UTC")
        # The servers whose due work (and restart recovery) is this process's.
        self.owner = Ownership.of(settings.shard_count, settings.shard_ids)
        self.services = build_services(
            db,
            bank,
            self.clock,
            send_retry=send_retry,
            analytics_min_answers=settings.analytics_min_answers,
            owner=self.owner,
        )
        self.leases = self.services.leases
        self._lease_beat: asyncio.Task[None] | None = None
        # The services under their own names, for the cogs.
        self.tasks = self.services.tasks
        self.answer_writer = self.services.answer_writer
        self.leaderboards = self.services.leaderboards
        self.seasons = self.services.seasons
        self.stats = self.services.stats
        self.privacy = self.services.privacy
        self.guild_settings = self.services.guild_settings
        self.guild_bank = self.services.guild_bank
        self.teams = self.services.teams
        self.competitions = self.services.competitions
        self.question_pool = self.services.question_pool
        self.rounds = self.services.rounds
        self.quizzes = self.services.quizzes
        self.daily_schedules = self.services.daily_schedules
        self.daily = self.services.daily
        self.tutor_settings = self.services.tutor_settings
        self.study = self.services.study
        self.progress = self.services.progress
        self.reminders = self.services.reminders
        self.analytics = self.services.analytics
        self.due_work = self.services.due_work()
        self.extension_names = extensions
        self.synced_commands: list[discord.app_commands.AppCommand] | None = None
        self._released = False
        self._closing = False
        self._waiting_for_ready: set[asyncio.Task[Any]] = set()

    async def launch_shards(self) -> None:
        """discord.py's, except that a configured gateway URL (a proxy, the test stand-in) is kept
        when the shard count comes from Discord (discord.py would take the URL Discord gives)."""
        if self.shard_count is None and self.settings.discord_gateway_url:
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        await super().launch_shards()

    async def setup_hook(self) -> None:
        log.info("this process runs %s (lease holder %s)", self.owner.describe(), self.leases.holder)
        # Keep this process's leases on due work alive while it runs (another process takes over
        # the work of one that died once its leases expire).
        self._lease_beat = asyncio.create_task(self.leases.run(), name="lease-heartbeat")
        if not self.scheduler.running:
            self.scheduler.start()
        self.answer_writer.start()
        await self.services.load()
        # On the minute (a post set for 09:00 goes out at 09:00:00, not up to a minute later).
        now = datetime.now(UTC)
        first = now.replace(second=0, microsecond=0) + DUE_WAKE_EVERY
        self.scheduler.add_job(
            self._due_wakeup,
            "interval",
            seconds=DUE_WAKE_EVERY.total_seconds(),
            start_date=first,
            id=DUE_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        # Every command's names, descriptions and choices in the catalogues' languages (zh-CN, zh-TW).
        await self.tree.set_translator(CatalogueTranslator())
        for name in self.extension_names:
            await self.load_extension(name)
        await self.sync_commands()
        # What came due while the bot was down (seasons and competitions to end, questions of the
        # day to post late or reveal) is done once it is ready.
        self.spawn_when_ready(self.run_due_work, name="due-work-at-start")

    def spawn_when_ready(self, work: Callable[[], Awaitable[object]], *, name: str) -> None:
        """Run ``work`` once the gateway is ready, and never if the bot starts closing first.

        discord.py still completes a pending READY after ``close()`` (its delayed-ready task is not
        cancelled), so a bare ``wait_until_ready()`` would run start-up work against the closed
        HTTP session during shutdown, and hold shutdown up until then (guild_ready_timeout, 2 s).
        """

        async def run() -> None:
            try:
                await self.wait_until_ready()
            finally:
                self._waiting_for_ready.discard(asyncio.current_task())
            if not self._closing:
                await work()

        task = self.tasks.spawn(run(), name=name)
        if task is not None:
            self._waiting_for_ready.add(task)

    async def _due_wakeup(self) -> None:
        """The scheduler's job: the work runs as a tracked task, so shutdown waits for it before the
        database closes (and a wake-up during shutdown starts nothing)."""
        if self._closing or not self.is_ready():
            return  # before READY the start-up run does it; while closing nothing new starts
        task = self.tasks.spawn(self.run_due_work(), name="due-work")
        if task is not None:
            await task

    async def run_due_work(self) -> None:
        """Do what the database says is due. One part's failure is logged and never stops the others."""
        for name, work in self.due_work:
            if self._closing:
                return
            try:
                await work()
            except Exception:
                log.exception("the %s part of the wake-up failed", name)

    def wake_due_work(self) -> None:
        """Run the wake-up now instead of at the next minute (tests, and after a clock jump)."""
        job = self.scheduler.get_job(DUE_JOB_ID)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    async def sync_commands(self) -> None:
        """Sync to DEV_GUILD_ID at every start; globally only when the definitions changed.

        Only the process running shard 0 syncs: every process has the same commands, and Discord
        needs them once."""
        if not self.owner.runs_first_shard:
            log.info(
                "not syncing slash commands: the process running shard 0 does (this one runs %s)",
                self.owner.describe(),
            )
            return
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            self.synced_commands = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(self.synced_commands), guild.id)
            return
        digest = await self.command_digest()
        repo = CommandSyncRepository(self.db)
        if await repo.last_hash(GLOBAL_SCOPE) == digest:
            log.info("global commands unchanged since the last sync; not syncing")
            return
        self.synced_commands = await self.tree.sync()
        async with self.db.transaction() as conn:
            await repo.record(conn, GLOBAL_SCOPE, digest, to_ms(self.clock.now()))
        log.info("synced %d global commands", len(self.synced_commands))

    async def command_digest(self) -> str:
        """A hash of the global command definitions as Discord would receive them (with their
        localisations, so a catalogue change is synced too)."""
        translator = self.tree.translator
        dicts = [
            await cmd.get_translated_payload(self.tree, translator) if translator else cmd.to_dict(self.tree)
            for cmd in self.tree.get_commands()
        ]
        payload = sorted(dicts, key=lambda d: (d.get("type", 1), d["name"]))
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def close(self) -> None:
        """Stop the quiz loops, save queued answers, disconnect, stop the scheduler, close the database.

        The loops stop before discord.py closes its HTTP session: one that woke after would fail
        with a closed session and end its quiz instead of leaving it to resume at the next start.
        """
        self._closing = True
        for task in list(self._waiting_for_ready):  # start-up work that has not started: never will
            task.cancel()
        try:
            await self.quizzes.shutdown()
            await self.answer_writer.stop()
        finally:
            try:
                if not hasattr(self, "_AutoShardedClient__queue"):
                    # discord.py 2.7's AutoShardedClient makes its event queue in connect(); closed
                    # before that (Discord unreachable at start-up) its close() would fail without it.
                    setattr(self, "_AutoShardedClient__queue", asyncio.PriorityQueue())  # noqa: B010
                await super().close()
            finally:
                await self.release()

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        # Quiz loops stop first (their state is in the database and resumes at the next start),
        # then every queued answer is saved, then whatever else runs gets its chance to finish.
        await self.quizzes.shutdown()
        await self.answer_writer.stop()
        await self.tasks.drain()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self._give_back_leases()
        await self.db.close()

    async def _give_back_leases(self) -> None:
        """Stop the heartbeat and give every lease back: what this process held (a claimed question
        of the day it did not send) is free for the next start, or another process, at once."""
        beat, self._lease_beat = self._lease_beat, None
        if beat is not None:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
        try:
            released = await self.leases.release_all()
        except Exception:
            log.warning("could not give back this process's leases; they expire on their own", exc_info=True)
            return
        if released:
            log.info("gave back %d lease(s)", released)


async def open_database(settings: Settings) -> Database:
    """Open the database (SQLite file or PostgreSQL) and bring it to the latest schema (before any cog
    loads)."""
    target = settings.database_target()
    log.info("database: %s", settings.database_label())
    db = await Database.open(target)
    try:
        await db.migrate()
    except BaseException:
        await db.close()
        raise
    return db


async def create_bot(settings: Settings, *, clock: Clock | None = None, **client_kwargs: Any) -> QuizBot:
    """Build the bot with its resources: endpoints set, database migrated, bank loaded.

    Raises :class:`bot.bank.loader.BankError` for a broken bank and
    :class:`bot.storage.migrations.MigrationError` for a database this code cannot use.
    """
    apply_endpoints(settings)
    bank = load_bank([settings.bank_dir] if settings.bank_dir else None)
    db = await open_database(settings)
    return QuizBot(settings, db, bank, clock=clock, **client_kwargs)

"""The service graph, built in one place: every dependency is passed at construction.

The bot (:mod:`bot.app`), ``quizbot play`` (:mod:`bot.play`) and the benches call
:func:`build_services`; nothing is attached to a service after it is built, except the
presenter a cog (or the terminal) sets when it loads.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.bank.loader import Bank
from bot.core.clock import Clock
from bot.core.item_analysis import DEFAULT_MIN_ANSWERS
from bot.core.pacing import Pacer, TokenBucket
from bot.core.shards import Ownership
from bot.services.analytics import AnalyticsService, DisabledItems
from bot.services.answer_writer import AnswerWriter
from bot.services.competitions import CompetitionService
from bot.services.daily import DAILY_REQUESTS_PER_SECOND, DailyService
from bot.services.daily_schedule import DailyScheduleService
from bot.services.guild_bank import GuildBankService
from bot.services.guild_settings import GuildSettingsService
from bot.services.leaderboard import LeaderboardService
from bot.services.leases import Leases
from bot.services.posting import RetrySchedule
from bot.services.privacy import PrivacyService
from bot.services.progress import ProgressService
from bot.services.question_pool import QuestionPool
from bot.services.quiz import PAUSE_BETWEEN_ROUNDS, QuizService
from bot.services.reminders import REQUESTS_PER_SECOND as REMINDER_RATE
from bot.services.reminders import ReminderService
from bot.services.rounds import RoundService
from bot.services.seasons import SeasonService
from bot.services.stats import StatsService
from bot.services.study import StudyService
from bot.services.teams import TeamService
from bot.services.tutor import TutorSettings
from bot.storage.database import Database
from bot.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    tasks: TaskRunner
    answer_writer: AnswerWriter
    leaderboards: LeaderboardService
    seasons: SeasonService
    stats: StatsService
    teams: TeamService
    competitions: CompetitionService
    privacy: PrivacyService
    guild_settings: GuildSettingsService
    guild_bank: GuildBankService
    question_pool: QuestionPool
    rounds: RoundService
    quizzes: QuizService
    daily_schedules: DailyScheduleService
    daily: DailyService
    # The tutor (issue 16); every answer already reviews its card through the answer writer.
    tutor_settings: TutorSettings
    study: StudyService
    progress: ProgressService
    reminders: ReminderService
    analytics: AnalyticsService
    # Sharded processes on one database (issue 15): the servers this one owns, and its leases.
    owner: Ownership
    leases: Leases

    def due_work(self) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        """What the minute's wake-up runs, in order; each part's failure is logged and the rest run.

        Each part takes only the due work of the servers this process owns (``owner``); the item
        analytics snapshot covers every server, so only the process running shard 0 refreshes it.
        """
        work: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("seasons", self.seasons.end_due),
            ("competitions", self.competitions.end_due),
            ("daily", self.daily.run_due),
            ("study reminders", self.reminders.run_due),
        ]
        if self.owner.runs_first_shard:
            work.append(("analytics", self.analytics.refresh_if_stale))
        return work

    async def load(self) -> None:
        """Fill the in-memory caches from the database (before any cog loads)."""
        await self.seasons.load()
        await self.guild_bank.load()
        await self.teams.load()
        await self.analytics.load()


def build_services(
    db: Database,
    bank: Bank,
    clock: Clock,
    *,
    tasks: TaskRunner | None = None,
    seed: int | None = None,
    pause_between_rounds: timedelta = PAUSE_BETWEEN_ROUNDS,
    pacer: Pacer | None = None,
    send_retry: RetrySchedule | None = None,
    analytics_min_answers: int = DEFAULT_MIN_ANSWERS,
    owner: Ownership | None = None,
    leases: Leases | None = None,
) -> Services:
    """Build every service of the bot on one database, bank and clock.

    ``seed`` makes the quiz's and the daily question's draws, and the choice orders of postings,
    repeatable (tests and benches); each gets its own generator, so one's draws never shift another's.
    ``send_retry``: how posts that Discord fails for a while are tried again (tests pass short waits).
    ``owner``: the servers (shards) whose due work this process does (default: all of them);
    ``leases``: this process's leases on due work shared with other processes (default: a new holder).
    """
    tasks = tasks or TaskRunner()
    owner = owner or Ownership.everything()
    leases = leases or Leases(db, clock)
    writer = AnswerWriter(db, tasks)
    leaderboards = LeaderboardService(db, clock, writer)
    seasons = SeasonService(db, clock, writer, leaderboards, owner=owner)
    teams = TeamService(db, clock)
    guild_bank = GuildBankService(db, bank, clock)
    # A server's own questions join its quizzes (and questions of the day); items it disabled leave them.
    disabled = DisabledItems()
    pool = QuestionPool(bank, guild_items=guild_bank.items_of, disabled=disabled.of)
    # Every answer scores on the server's running season too (a synchronous cache look-up), and for
    # the member's team while a competition runs (explicit membership or a role).
    # Each posting's choice order comes from a generator of its own, so the quiz's and the daily
    # question's draws stay what they were for a seed.
    rounds = RoundService(
        db,
        clock,
        writer,
        pool,
        season_of=seasons.running_id,
        team_of=teams.team_of,
        rng=random.Random(None if seed is None else f"{seed}:posted-order"),
        retry=send_retry,
    )
    daily_schedules = DailyScheduleService(db, clock, pool)
    study = StudyService(db, bank, clock, guild_items=guild_bank.items_of)
    return Services(
        tasks=tasks,
        answer_writer=writer,
        leaderboards=leaderboards,
        seasons=seasons,
        stats=StatsService(leaderboards),
        teams=teams,
        competitions=CompetitionService(db, clock, writer, teams, owner=owner),
        # A forgotten member leaves the team cache too.
        privacy=PrivacyService(db, writer, forgotten=teams.forget_member),
        guild_settings=GuildSettingsService(db, clock),
        guild_bank=guild_bank,
        question_pool=pool,
        rounds=rounds,
        quizzes=QuizService(
            db,
            clock,
            tasks,
            pool,
            rounds,
            rng=random.Random(seed),
            pause_between_rounds=pause_between_rounds,
            owner=owner,
        ),
        daily_schedules=daily_schedules,
        daily=DailyService(
            db,
            clock,
            pool,
            rounds,
            daily_schedules,
            # Discord's global rate limit is per bot: each process posts at its shards' share of it.
            pacer=pacer or TokenBucket(clock, DAILY_REQUESTS_PER_SECOND * owner.share),
            rng=random.Random(seed),
            owner=owner,
            leases=leases,
        ),
        tutor_settings=TutorSettings(db, clock),
        study=study,
        progress=ProgressService(study, clock),
        reminders=ReminderService(
            db, clock, pacer=TokenBucket(clock, REMINDER_RATE * owner.share), owner=owner
        ),
        analytics=AnalyticsService(
            db, clock, pool, guild_bank, disabled, tasks, min_answers=analytics_min_answers
        ),
        owner=owner,
        leases=leases,
    )

"""The leaderboard services on a real SQLite file, and answers saved the way the writer saves them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.clock import FakeClock, to_ms
from bot.core.periods import period_keys
from bot.services.answer_writer import AnswerWriter
from bot.services.leaderboard import LeaderboardService
from bot.services.privacy import PrivacyService
from bot.services.seasons import SeasonEnded, SeasonService
from bot.services.stats import StatsService
from bot.storage.answers import AnswerRepository, NewAnswer
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.quizzes import QuizRepository
from bot.tasks import TaskRunner


@dataclass
class RecordingSeasonPresenter:
    ended: list[SeasonEnded] = field(default_factory=list)

    async def announce_end(self, ended: SeasonEnded) -> None:
        self.ended.append(ended)


@dataclass
class Boards:
    db: Database
    clock: FakeClock
    writer: AnswerWriter
    tasks: TaskRunner
    leaderboards: LeaderboardService
    seasons: SeasonService
    stats: StatsService
    privacy: PrivacyService
    presenter: RecordingSeasonPresenter

    async def close(self) -> None:
        await self.writer.stop()
        await self.tasks.drain(grace=1)


def make_boards(db: Database, clock: FakeClock | None = None) -> Boards:
    clock = clock or FakeClock()
    tasks = TaskRunner()
    writer = AnswerWriter(db, tasks)
    writer.start()
    leaderboards = LeaderboardService(db, clock, writer)
    seasons = SeasonService(db, clock, writer, leaderboards)
    presenter = RecordingSeasonPresenter()
    seasons.presenter = presenter
    return Boards(
        db=db,
        clock=clock,
        writer=writer,
        tasks=tasks,
        leaderboards=leaderboards,
        seasons=seasons,
        stats=StatsService(leaderboards),
        privacy=PrivacyService(db, writer),
        presenter=presenter,
    )


@dataclass(frozen=True)
class A:
    """One answer to save: who, how it went, when (default: the clock's now)."""

    user_id: int
    points: int
    correct: bool = True
    topic: str = "lora"
    name: str | None = None
    guild_id: int = 1
    at: datetime | None = None
    season_id: int | None = None


async def new_answers(
    db: Database, clock: FakeClock, answers: Sequence[A], *, tz: str = "UTC"
) -> list[NewAnswer]:
    """Each answer on a round of its own (the rounds are created now), ready to save."""
    rows: list[NewAnswer] = []
    async with db.transaction() as conn:
        for a in answers:
            when = a.at or clock.now()
            rnd = await QuizRepository.create_round(
                conn,
                guild_id=a.guild_id,
                channel_id=10,
                session_id=None,
                kind="quiz",
                position=1,
                item_id="test-item",
                mode="reactions",
                opens_at=to_ms(when),
                closes_at=to_ms(when) + 20_000,
            )
            keys = period_keys(when, tz)
            rows.append(
                NewAnswer(
                    round_id=rnd.id,
                    guild_id=a.guild_id,
                    user_id=a.user_id,
                    display_name=a.name or f"user{a.user_id}",
                    item_id="test-item",
                    topic=a.topic,
                    choice=0 if a.correct else 1,
                    correct=a.correct,
                    points=a.points if a.correct else 0,
                    latency_ms=1000,
                    answered_at=to_ms(when),
                    week_key=keys.week,
                    month_key=keys.month,
                    season_id=a.season_id,
                )
            )
    return rows


async def save_answers(
    db: Database, clock: FakeClock, answers: Sequence[A], *, tz: str = "UTC"
) -> list[bool]:
    """Save answers in one batch by the real write path (the answer writer's)."""
    rows = await new_answers(db, clock, answers, tz=tz)
    return await db.write(AnswerRepository.save_batch, rows)


async def set_timezone(db: Database, guild_id: int, tz: str) -> None:
    async with db.transaction() as conn:
        await GuildSettingsRepository.save(conn, GuildSettings(guild_id=guild_id, timezone=tz), 0)

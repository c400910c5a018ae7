"""/stats: one member's points, accuracy overall and per topic, streaks and rank. No discord import.

Everything comes from aggregates kept at write time (scores, topic_scores, streaks); the rank is
the all-time board's, computed like the leaderboard's own-rank line.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.periods import zone
from bot.core.ranking import DailyStreak, accuracy, visible_daily_streak
from bot.services.leaderboard import LeaderboardService
from bot.storage.daily import DailyRepository
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.scores import ScoreRepository


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return accuracy(self.correct, self.answered)


@dataclass(frozen=True, slots=True)
class MemberStats:
    guild_id: int
    user_id: int
    display_name: str | None
    points: int
    answered: int
    correct: int
    rank: int | None  # on the all-time board; None when not on it
    ranked_members: int
    topics: tuple[TopicStat, ...]
    correct_streak: int
    best_correct_streak: int
    daily_streak: int
    best_daily_streak: int

    @property
    def accuracy(self) -> float | None:
        return accuracy(self.correct, self.answered)

    @property
    def has_answers(self) -> bool:
        return self.answered > 0 or any(t.answered for t in self.topics)


class StatsService:
    def __init__(self, leaderboards: LeaderboardService) -> None:
        self.leaderboards = leaderboards
        self.clock = leaderboards.clock
        self.scores = ScoreRepository(leaderboards.db)
        self.settings = GuildSettingsRepository(leaderboards.db)
        self.daily = DailyRepository(leaderboards.db)

    async def member(self, guild_id: int, user_id: int) -> MemberStats:
        board = await self.leaderboards.board(guild_id, "all", "all")
        place = await self.leaderboards.place(board, user_id)
        ranked = await self.leaderboards.scores.size(board.key)
        topics = await self.scores.member_topics(guild_id, user_id)
        streak = await self.scores.streak(guild_id, user_id)
        # Day streaks are kept in local dates of the question of the day's zone: judged there too.
        schedule = await self.daily.schedule(guild_id)
        tz = schedule.timezone if schedule is not None else (await self.settings.get(guild_id)).timezone
        today = self.clock.now().astimezone(zone(tz)).date()
        daily = 0
        if streak is not None:
            daily = visible_daily_streak(
                DailyStreak(streak.daily_current, streak.daily_best, streak.last_daily_date), today
            )
        name = place.row.display_name if place else await self.scores.display_name(guild_id, user_id)
        return MemberStats(
            guild_id=guild_id,
            user_id=user_id,
            display_name=name,
            points=(place.row.points or 0) if place else 0,
            answered=place.row.answered if place else 0,
            correct=place.row.correct if place else 0,
            rank=place.rank if place else None,
            ranked_members=ranked,
            topics=tuple(TopicStat(t.topic, t.answered, t.correct) for t in topics),
            correct_streak=streak.correct_current if streak else 0,
            best_correct_streak=streak.correct_best if streak else 0,
            daily_streak=daily,
            best_daily_streak=streak.daily_best if streak else 0,
        )

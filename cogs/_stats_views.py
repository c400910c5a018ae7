"""How /stats looks: a member's points, rank, accuracy, streaks and per-topic accuracy."""

from __future__ import annotations

import discord

from bot.core.ranking import percent
from bot.services.stats import MemberStats
from cogs._quiz_views import FIELD_LIMIT, clip, topic_label

COLOUR_STATS = discord.Colour.blurple()


def stats_embed(stats: MemberStats, name: str) -> discord.Embed:
    shown = discord.utils.escape_markdown(name)
    embed = discord.Embed(title=clip(f"📊 Stats · {shown}", 256), colour=COLOUR_STATS)
    if not stats.has_answers:
        embed.description = f"{shown} has not answered any question in this server yet."
        return embed
    rank = f"#{stats.rank} of {stats.ranked_members}" if stats.rank is not None else "not ranked"
    embed.add_field(name="Points", value=f"{stats.points:,}", inline=True)
    embed.add_field(name="Rank", value=rank, inline=True)
    embed.add_field(
        name="Accuracy",
        value=f"{percent(stats.correct, stats.answered)} ({stats.correct}/{stats.answered} answered)",
        inline=True,
    )
    embed.add_field(
        name="Streak (correct in a row)",
        value=f"{stats.correct_streak} now · best {stats.best_correct_streak}",
        inline=True,
    )
    embed.add_field(
        name="Daily streak (days in a row)",
        value=f"{stats.daily_streak} now · best {stats.best_daily_streak}",
        inline=True,
    )
    if stats.topics:
        lines = [
            f"{topic_label(t.topic)}: {percent(t.correct, t.answered)} ({t.correct}/{t.answered})"
            for t in sorted(stats.topics, key=lambda t: topic_label(t.topic).lower())
        ]
        embed.add_field(name="Per topic", value=clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text="All-time in this server · accuracy = correct / answered")
    return embed

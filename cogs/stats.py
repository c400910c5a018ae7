"""/stats [member]: a member's points, accuracy, streaks and rank, with a chart of accuracy per topic."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.charts import AccuracyBar, accuracy_chart
from cogs._quiz_views import topic_label
from cogs._reply import reply
from cogs._stats_views import stats_embed

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

CHART_NAME = "accuracy.png"


class StatsCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.stats

    @app_commands.command(name="stats", description="Points, accuracy per topic, streaks and rank")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        assert interaction.guild_id is not None
        who: discord.abc.User = member or interaction.user
        stats = await self.service.member(interaction.guild_id, who.id)
        name = stats.display_name or who.display_name
        embed = stats_embed(stats, name)
        bars = [AccuracyBar(topic_label(t.topic), t.correct, t.answered) for t in stats.topics if t.answered]
        if not bars:
            await reply(interaction, embed=embed)
            return
        # Drawing takes a few milliseconds of CPU: off the event loop.
        png = await asyncio.to_thread(accuracy_chart, bars, title="Accuracy per topic")
        embed.set_image(url=f"attachment://{CHART_NAME}")
        await reply(interaction, embed=embed, file=discord.File(io.BytesIO(png), filename=CHART_NAME))


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(StatsCog(bot))

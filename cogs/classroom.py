"""/class (Manage Server): the class overview with PNG charts, as a private reply."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._analytics_views import class_embed, class_files
from cogs._i18n import private_language
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


class ClassCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.analytics = bot.analytics

    @app_commands.command(
        name="class", description="Class overview: participation, topics, hardest items, who may need help"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def class_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        overview = await self.analytics.class_overview(interaction.guild_id)
        lang = private_language(interaction)
        await reply(
            interaction, embed=class_embed(overview, lang), files=class_files(overview, lang), ephemeral=True
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ClassCog(bot))

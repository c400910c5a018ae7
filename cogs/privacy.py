"""/privacy forget-me: delete what the bot keeps about you in this server (or, in a DM with the bot,
your private study deck, server id 0), after a confirmation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._confirm_views import ForgetConfirmButton, confirm_view
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


class PrivacyCog(
    commands.GroupCog, group_name="privacy", group_description="What Quiz Tutor keeps about you"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.privacy
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ForgetConfirmButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ForgetConfirmButton)

    @app_commands.command(
        name="forget-me", description="Delete your answers, scores and streaks in this server"
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        # In a DM with the bot: the member's private deck (server id 0: DM study and `quizbot study`).
        guild_id = interaction.guild_id or 0
        where = "in this server" if guild_id else "in your private deck (studied in DMs with me)"
        kept = await self.service.footprint(guild_id, interaction.user.id)
        if not kept:
            await reply(interaction, f"I keep no record of you {where}: nothing to delete.", ephemeral=True)
            return
        what = ", ".join(f"{n} {kind}" for kind, n in kept.items())
        issued = int(self.bot.clock.now().timestamp())
        consequence = "Your points leave every leaderboard, archived ones included. " if guild_id else ""
        await reply(
            interaction,
            f"Delete everything I keep about you {where} ({what})? {consequence}This cannot be undone; "
            "other servers are not affected.",
            view=confirm_view("forget", guild_id, interaction.user.id, issued, "Delete my data"),
            ephemeral=True,
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(PrivacyCog(bot))

"""/privacy forget-me: delete what the bot keeps about you in this server (or, in a DM with the bot,
your private study deck, server id 0), after a confirmation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import translator
from cogs._confirm_views import ForgetConfirmButton, confirm_view
from cogs._i18n import private_language
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
        lang = private_language(interaction)
        _ = translator(lang).gettext
        kept = await self.service.footprint(guild_id, interaction.user.id)
        if not kept:
            if guild_id:
                text = _("I keep no record of you in this server: nothing to delete.")
            else:
                text = _(
                    "I keep no record of you in your private deck (studied in DMs with me): "
                    "nothing to delete."
                )
            await reply(interaction, text, ephemeral=True)
            return
        what = _(", ").join(f"{n} {_(kind)}" for kind, n in kept.items())
        issued = int(self.bot.clock.now().timestamp())
        if guild_id:
            text = _(
                "Delete everything I keep about you in this server ({what})? Your points leave every "
                "leaderboard, archived ones included. This cannot be undone; other servers are not affected."
            )
        else:
            text = _(
                "Delete everything I keep about you in your private deck (studied in DMs with me) ({what})? "
                "This cannot be undone; other servers are not affected."
            )
        await reply(
            interaction,
            text.format(what=what),
            view=confirm_view(
                "forget", guild_id, interaction.user.id, issued, _("Delete my data"), _("Cancel")
            ),
            ephemeral=True,
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(PrivacyCog(bot))

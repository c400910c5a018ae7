"""/leaderboard and /leaderboard-reset: parse options, ask the leaderboard service, render a page."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.i18n import N_, translator
from bot.core.topics import MAX_TOPIC_LENGTH, TOPICS
from bot.services.leaderboard import Period
from cogs._choices import taxonomy_choices
from cogs._confirm_views import ResetConfirmButton, confirm_view
from cogs._i18n import private_language, public_language
from cogs._leaderboard_views import PageButton, board_embed, page_view
from cogs._reply import clip_input, reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

PERIOD_CHOICES = [
    app_commands.Choice(name="All-time", value=Period.ALL_TIME.value),
    app_commands.Choice(name="This week", value=Period.WEEK.value),
    app_commands.Choice(name="This month", value=Period.MONTH.value),
    app_commands.Choice(name="Season", value=Period.SEASON.value),
]
MAX_PAGE = 10_000


class LeaderboardCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.leaderboards

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, ResetConfirmButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, ResetConfirmButton)

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return taxonomy_choices(current, private_language(interaction))

    async def season_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.lower().strip()
        _ = translator(private_language(interaction)).gettext
        choices = []
        for season in await self.bot.seasons.names(interaction.guild_id):
            if needle in season.name.lower():
                state = _("running") if season.running else _("ended")
                label = _("{name} ({state})").format(name=season.name, state=state)
                choices.append(app_commands.Choice(name=label[:100], value=season.name))
        return choices[:25]

    @app_commands.command(name="leaderboard", description="The server's top 10 and your own rank")
    @app_commands.guild_only()
    @app_commands.describe(
        period="All-time (default), this week, this month, or a season",
        topic="One topic's board (all-time, ranked by correct answers, then accuracy)",
        season="A season by name, running or ended (with period: season)",
        page="Which page of 10 (default 1)",
    )
    @app_commands.choices(period=PERIOD_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete, season=season_autocomplete)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: app_commands.Range[str, 1, 16] | None = None,
        topic: app_commands.Range[str, 1, MAX_TOPIC_LENGTH] | None = None,
        season: app_commands.Range[str, 1, 100] | None = None,
        page: app_commands.Range[int, 1, MAX_PAGE] = 1,
    ) -> None:
        assert interaction.guild_id is not None
        if topic is not None:
            topic = topic.strip().lower()
            if topic not in TOPICS:
                raise UserFacingError(
                    N_("`{topic}` is not a topic; pick one from the list."), topic=clip_input(topic)
                )
        board = await self.service.resolve(
            interaction.guild_id,
            period=Period(period) if period else None,
            topic=topic,
            season=season,
        )
        shown = await self.service.page(board, page - 1, interaction.user.id)
        lang = await public_language(self.bot, interaction.guild_id)  # the channel sees the board
        view = page_view(shown, lang)
        embed = board_embed(shown, interaction.user.display_name, lang)
        if view is None:
            await reply(interaction, embed=embed)
        else:
            await reply(interaction, embed=embed, view=view)

    @app_commands.command(
        name="leaderboard-reset", description="Archive the all-time leaderboard and start it over"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reset(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        members = await self.service.all_time_size(interaction.guild_id)
        if members == 0:
            raise UserFacingError(N_("The all-time board is empty; there is nothing to reset."))
        issued = int(self.bot.clock.now().timestamp())
        lang = private_language(interaction)
        tr = translator(lang)
        question = tr.ngettext(
            "Reset the all-time leaderboard? Its {n} member and their points are archived, and everyone "
            "starts again from 0. Weekly, monthly, season and topic boards are not touched.",
            "Reset the all-time leaderboard? Its {n} members and their points are archived, and everyone "
            "starts again from 0. Weekly, monthly, season and topic boards are not touched.",
            members,
        ).format(n=members)
        view = confirm_view(
            "reset",
            interaction.guild_id,
            interaction.user.id,
            issued,
            tr.gettext("Reset the board"),
            lang=lang,
        )
        await reply(interaction, question, view=view, ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(LeaderboardCog(bot))

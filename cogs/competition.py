"""/competition start and end (Manage Server), /competition standings, and the end announcement.

Like /team, the group mixes admin and member subcommands, so the admin ones check Manage Server
at run time instead of through default_member_permissions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.competitions import MAX_COMPETITION_NAME, NoCompetitionError
from bot.core.i18n import translator
from bot.services.competitions import CompetitionEnded
from cogs._competition_views import competition_end_embed, standings_embed
from cogs._i18n import private_language, public_language
from cogs._leaderboard_views import NO_MENTIONS
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

SCORING_CHOICES = [
    app_commands.Choice(name="Total points of each team", value="total"),
    app_commands.Choice(name="Average per active member (fair to small teams)", value="average"),
]


@app_commands.guild_only()
class CompetitionCog(
    commands.GroupCog, group_name="competition", group_description="Team competitions with a deadline"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.competitions
        super().__init__()

    async def cog_load(self) -> None:
        self.service.presenter = self

    async def cog_unload(self) -> None:
        if self.service.presenter is self:
            self.service.presenter = None

    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold().strip()
        _ = translator(private_language(interaction)).gettext
        choices = []
        for competition in await self.service.names(interaction.guild_id):
            if needle in competition.name.casefold():
                state = _("running") if competition.running else _("ended")
                label = _("{name} ({state})").format(name=competition.name, state=state)
                choices.append(app_commands.Choice(name=label[:100], value=competition.name))
        return choices[:25]

    @app_commands.command(name="start", description="Start a team competition (Manage Server)")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        name="The competition's name, e.g. March cup",
        duration="How long it runs: 90m, 12h, 3d, 2w",
        scoring="Total team points (default) or the average per active member",
    )
    @app_commands.choices(scoring=SCORING_CHOICES)
    async def start(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, MAX_COMPETITION_NAME],
        duration: app_commands.Range[str, 1, 20],
        scoring: app_commands.Range[str, 1, 16] = "total",
    ) -> None:
        assert interaction.guild_id is not None
        competition = await self.service.start(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            name=name,
            duration=duration,
            scoring=scoring,
        )
        # A public reply: the channel's language.
        _ = translator(await public_language(self.bot, interaction.guild_id)).gettext
        how = (
            _("total team points")
            if competition.scoring == "total"
            else _("average points per active member")
        )
        text = _(
            "Competition **{name}** has started ({how}): points from quizzes and daily questions count for "
            "your team. It ends <t:{unix}:f> (<t:{unix}:R>), and the winners will be announced here. "
            "`/competition standings` shows the table."
        ).format(
            name=discord.utils.escape_markdown(competition.name), how=how, unix=competition.ends_at // 1000
        )
        await reply(interaction, text)

    @app_commands.command(name="end", description="End the running competition now and announce the winners")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def end(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        if self.service.running(interaction.guild_id) is None:
            raise NoCompetitionError()  # before deferring, so the refusal stays private
        await interaction.response.defer(thinking=True)
        ended = await self.service.end(interaction.guild_id)
        lang = await public_language(self.bot, interaction.guild_id)
        await reply(interaction, embed=competition_end_embed(ended, lang))

    @app_commands.command(name="standings", description="The team table and each team's best members")
    @app_commands.describe(name="A competition by name (default: the running one, or the last one)")
    @app_commands.autocomplete(name=name_autocomplete)
    async def standings(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        standings = await self.service.standings(interaction.guild_id, name)
        lang = await public_language(self.bot, interaction.guild_id)  # a public reply: the channel's
        await reply(interaction, embed=standings_embed(standings, lang=lang))

    # -- the presenter the competition service calls --------------------------------------------

    async def announce_end(self, ended: CompetitionEnded) -> None:
        channel_id = ended.competition.channel_id
        if channel_id is None:
            log.info("competition %s ended with no channel to announce it in", ended.competition.id)
            return
        channel = self.bot.get_partial_messageable(channel_id, guild_id=ended.competition.guild_id)
        lang = await public_language(self.bot, ended.competition.guild_id)
        await channel.send(embed=competition_end_embed(ended, lang), allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(CompetitionCog(bot))

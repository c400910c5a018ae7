"""/season start and /season end (Manage Server), and the announcement when a season ends."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import translator
from bot.core.seasons import NoSeasonError
from bot.services.seasons import SeasonEnded
from cogs._i18n import public_language
from cogs._leaderboard_views import NO_MENTIONS
from cogs._reply import reply
from cogs._season_views import season_end_embed

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SeasonCog(
    commands.GroupCog, group_name="season", group_description="Seasons: a leaderboard that starts and ends"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.seasons
        super().__init__()

    async def cog_load(self) -> None:
        self.service.presenter = self

    async def cog_unload(self) -> None:
        if self.service.presenter is self:
            self.service.presenter = None

    @app_commands.command(name="start", description="Start a season: points also count on its own board")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        name="The season's name, e.g. Spring 2026",
        ends_at="When it ends: 30d, 2w, 12h, or 2026-06-30 [18:00] in the server's time zone (default: "
        "when ended)",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 50],
        ends_at: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        season = await self.service.start(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            name=name,
            ends_at=ends_at,
        )
        shown = discord.utils.escape_markdown(season.name)
        # A public reply: the channel's language.
        _ = translator(await public_language(self.bot, interaction.guild_id)).gettext
        if season.ends_at is not None:
            text = _(
                "Season **{name}** has started: from now on, points also count on its board. It ends "
                "<t:{unix}:f> (<t:{unix}:R>), and the final top 3 will be posted here."
            ).format(name=shown, unix=season.ends_at // 1000)
        else:
            text = _(
                "Season **{name}** has started: from now on, points also count on its board; "
                "`/season end` ends it."
            ).format(name=shown)
        await reply(interaction, text)

    @app_commands.command(name="end", description="End the running season, post its top 3 and archive it")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def end(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        if self.service.running(interaction.guild_id) is None:
            raise NoSeasonError()  # before deferring, so the refusal stays private
        await interaction.response.defer(thinking=True)
        ended = await self.service.end(interaction.guild_id)
        lang = await public_language(self.bot, interaction.guild_id)
        await reply(interaction, embed=season_end_embed(ended, lang))

    # -- the presenter the season service calls --------------------------------------------------

    async def announce_end(self, ended: SeasonEnded) -> None:
        channel_id = ended.season.channel_id
        if channel_id is None:
            log.info("season %s ended with no channel to announce it in", ended.season.id)
            return
        channel = self.bot.get_partial_messageable(channel_id, guild_id=ended.season.guild_id)
        lang = await public_language(self.bot, ended.season.guild_id)
        await channel.send(embed=season_end_embed(ended, lang), allowed_mentions=NO_MENTIONS)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(SeasonCog(bot))

"""/settings show and /settings set (Manage Server): the server's quiz defaults."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import translator
from bot.core.quiz import MAX_SECONDS, MIN_SECONDS
from bot.core.settings_rules import SETTINGS, show
from bot.services.guild_settings import GuildSettings
from cogs._choices import zone_choices
from cogs._i18n import private_language
from cogs._reply import reply
from cogs.quiz import LANGUAGE_CHOICES, MODE_CHOICES

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


UI_LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="中文", value="zh"),
]


def settings_embed(settings: GuildSettings, lang: str = "en") -> discord.Embed:
    _ = translator(lang).gettext
    embed = discord.Embed(title=_("⚙️ Server settings"), colour=discord.Colour.blurple())
    for info in SETTINGS:
        value = show(info.field, getattr(settings, info.field), lang)
        embed.add_field(name=_(info.label), value=value, inline=True)
    embed.set_footer(text=_("Change them with /settings set; they apply from the next question."))
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="settings", group_description="This server's quiz settings"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.guild_settings
        super().__init__()

    @app_commands.command(name="show", description="Show this server's quiz settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show_settings(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        settings = await self.service.get(interaction.guild_id)
        await reply(
            interaction, embed=settings_embed(settings, private_language(interaction)), ephemeral=True
        )

    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(name="set", description="Change one or more of this server's quiz settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        answer_mode="How members answer by default: reactions or buttons",
        hidden_answers="Remove answer reactions at once so nobody copies (needs Manage Messages)",
        seconds=f"Default seconds per question ({MIN_SECONDS}-{MAX_SECONDS})",
        language="Default question language",
        topics="Topics quizzes draw from: a comma-separated list, or all",
        timezone="Time zone for weeks, months and schedules, e.g. Europe/Berlin",
        speed_bonus="Whether faster right answers score more",
        show_counts="Whether the reveal shows how many picked each choice",
        ui_language="The language of what the bot posts here (default: the server's language)",
    )
    @app_commands.choices(
        answer_mode=MODE_CHOICES, language=LANGUAGE_CHOICES, ui_language=UI_LANGUAGE_CHOICES
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def set_settings(
        self,
        interaction: discord.Interaction,
        answer_mode: app_commands.Range[str, 1, 16] | None = None,
        hidden_answers: bool | None = None,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        language: app_commands.Range[str, 1, 8] | None = None,
        topics: app_commands.Range[str, 1, 300] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        speed_bonus: bool | None = None,
        show_counts: bool | None = None,
        ui_language: app_commands.Range[str, 1, 8] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        update = await self.service.update(
            interaction.guild_id,
            {
                "answer_mode": answer_mode,
                "hidden_answers": hidden_answers,
                "default_seconds": seconds,
                "default_language": language,
                "topics_enabled": topics,
                "timezone": timezone,
                "speed_bonus": speed_bonus,
                "show_counts": show_counts,
                "ui_language": ui_language,
            },
        )
        lang = private_language(interaction)  # an ephemeral reply: the admin's own language
        _ = translator(lang).gettext
        if not update.changes:
            text = _("Nothing changed: those are already the settings.")
        else:
            lines = [
                _("• {setting}: {old} → **{new}**").format(
                    setting=_(c.label), old=show(c.field, c.before, lang), new=show(c.field, c.after, lang)
                )
                for c in update.changes
            ]
            text = _("Settings changed (from the next question on):") + "\n" + "\n".join(lines)
        if update.settings.hidden_answers and not interaction.app_permissions.manage_messages:
            text += "\n" + _(
                "Note: hidden answers are on, but I lack Manage Messages in this channel, so answer "
                "reactions here stay visible."
            )
        await reply(interaction, text, ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(SettingsCog(bot))

"""/about: what the bot is and what its bank holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

import bot as bot_package
from bot.core.i18n import translator
from bot.core.settings_rules import language_counts
from bot.core.topics import topic_label
from cogs._i18n import private_language
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot


def about_embed(
    languages: dict[str, int], topics: dict[str, dict[str, int]], lang: str = "en"
) -> discord.Embed:
    """What the bot is, and the questions a quiz here can ask (per language, per topic), in ``lang``."""
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    embed = discord.Embed(
        title="Quiz Tutor",
        description=_(
            "Quizzes that teach the craft of fine-tuning large language models: SFT, LoRA and QLoRA, "
            "PEFT, chat templates, quantization, reward models, RLHF, DPO, evaluation and data preparation."
        ),
        colour=discord.Colour.blurple(),
    )
    total = sum(languages.values())
    per_language = language_counts(languages, lang)
    embed.add_field(
        name=_("Question bank"),
        value=ngettext(
            "{count} quiz question ({languages})", "{count} quiz questions ({languages})", total
        ).format(count=total, languages=per_language),
        inline=False,
    )
    embed.add_field(
        name=_("Topics"),
        value=", ".join(
            f"{topic_label(topic, lang)} {sum(per_lang.values())}" for topic, per_lang in topics.items()
        )
        or _("none"),
        inline=False,
    )
    embed.set_footer(text=f"Quiz Tutor {bot_package.__version__}")
    return embed


class MetaCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What Quiz Tutor is and what its question bank holds")
    async def about(self, interaction: discord.Interaction) -> None:
        # What a quiz here can ask: the server's own questions and enabled topics count, short
        # answers (which nothing asks yet) do not.
        guild_id = interaction.guild_id
        enabled = None if guild_id is None else (await self.bot.guild_settings.get(guild_id)).topics_enabled
        pool = self.bot.question_pool
        embed = about_embed(
            pool.languages(guild_id, enabled), pool.topics(guild_id, enabled), private_language(interaction)
        )
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(MetaCog(bot))

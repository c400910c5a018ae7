"""/about: what the bot is and what its bank holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

import bot as bot_package
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot


def about_embed(languages: dict[str, int], topics: dict[str, dict[str, int]]) -> discord.Embed:
    """What the bot is, and the questions a quiz here can ask (per language, per topic)."""
    embed = discord.Embed(
        title="Quiz Tutor",
        description=(
            "Quizzes that teach the craft of fine-tuning large language models: SFT, LoRA and QLoRA, "
            "PEFT, chat templates, quantization, reward models, RLHF, DPO, evaluation and data preparation."
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="Question bank",
        value=f"{sum(languages.values())} quiz questions ("
        + ", ".join(f"{count} {lang}" for lang, count in languages.items())
        + ")",
        inline=False,
    )
    embed.add_field(
        name="Topics",
        value=", ".join(f"{topic} {sum(per_lang.values())}" for topic, per_lang in topics.items()) or "none",
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
        embed = about_embed(pool.languages(guild_id, enabled), pool.topics(guild_id, enabled))
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(MetaCog(bot))

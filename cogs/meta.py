"""/about: what the bot is and what its bank holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

import bot as bot_package

if TYPE_CHECKING:
    from bot.app import QuizBot


def about_embed(quiz_bot: QuizBot) -> discord.Embed:
    bank = quiz_bot.bank
    summary = bank.summary()
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
        value=f"{summary.total} questions ("
        + ", ".join(f"{count} {lang}" for lang, count in summary.by_lang.items())
        + ")",
        inline=False,
    )
    embed.add_field(name="Topics", value=", ".join(summary.by_topic) or "none", inline=False)
    embed.set_footer(text=f"Quiz Tutor {bot_package.__version__}")
    return embed


class MetaCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What Quiz Tutor is and what its question bank holds")
    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=about_embed(self.bot), ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(MetaCog(bot))

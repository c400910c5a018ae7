"""/study: the member's own spaced-repetition deck. Parses options, calls the tutor services, renders.

In a server the deck is the member's cards there and every reply is private (ephemeral); in a DM
with the bot it is the member's private deck of the shared bank (deck 0).
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import PermissionDeniedError
from bot.core.study import (
    DEFAULT_CARDS,
    MAX_CARDS,
    MAX_NEW_PER_DAY,
    MAX_RETENTION,
    MIN_CARDS,
    MIN_NEW_PER_DAY,
    MIN_RETENTION,
    PRIVATE_DECK,
    StudyError,
)
from bot.core.topics import MAX_TOPIC_LENGTH, TOPICS
from bot.services.progress import progress_chart
from bot.services.reminders import DmClosedError, ReminderCard
from bot.services.study_export import APKG_NAME, STUDY_EXPORT_FORMATS, export_deck, export_studied_apkg
from cogs._choices import taxonomy_choices, zone_choices
from cogs._reply import reply
from cogs._study_views import StudyButton, progress_embed, render

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="Chinese (中文)", value="zh"),
    app_commands.Choice(name="Any", value="any"),
]


EXPORT_FORMAT_HELP = "csv (review log and card states, default) or anki (an .apkg of the items you studied)"


def deck_of(interaction: discord.Interaction) -> int:
    """The deck a command works on: the server's, or the private one in a DM."""
    return interaction.guild_id if interaction.guild_id is not None else PRIVATE_DECK


def private(interaction: discord.Interaction) -> bool:
    """Replies in a server are ephemeral; a DM is private already."""
    return interaction.guild_id is not None


class Study(commands.GroupCog, group_name="study", group_description="Your own spaced-repetition deck"):
    remind = app_commands.Group(name="remind", description="A DM when your cards are due")

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.study
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(StudyButton)
        self.bot.reminders.presenter = self

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(StudyButton)
        if self.bot.reminders.presenter is self:
            self.bot.reminders.presenter = None

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return taxonomy_choices(current)

    @app_commands.command(name="start", description="Study your due cards, then new ones, privately")
    @app_commands.describe(
        topic="Only this topic (default: all)",
        language="Question language (default English)",
        cards=f"How many cards ({MIN_CARDS}-{MAX_CARDS}, default {DEFAULT_CARDS})",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, MAX_TOPIC_LENGTH] | None = None,
        language: app_commands.Range[str, 1, 8] | None = None,
        cards: app_commands.Range[int, MIN_CARDS, MAX_CARDS] = DEFAULT_CARDS,
    ) -> None:
        if topic is not None:
            topic = topic.strip().lower() or None
        if topic is not None and topic not in TOPICS:
            raise StudyError(f"`{topic}` is not a topic. Pick one from the list, or see `/quiz topics`.")
        step = await self.service.start(
            guild_id=deck_of(interaction),
            user_id=interaction.user.id,
            topic=topic,
            lang=language or "en",
            cards=cards,
        )
        await reply(interaction, **render(step), ephemeral=private(interaction))

    @app_commands.command(name="settings", description="Your new cards per day and desired retention")
    @app_commands.describe(
        new_per_day=f"New cards a day ({MIN_NEW_PER_DAY}-{MAX_NEW_PER_DAY}, default 10)",
        retention=f"Desired retention ({MIN_RETENTION:.2f}-{MAX_RETENTION:.2f}, default 0.90)",
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        new_per_day: app_commands.Range[int, MIN_NEW_PER_DAY, MAX_NEW_PER_DAY] | None = None,
        retention: app_commands.Range[float, MIN_RETENTION, MAX_RETENTION] | None = None,
    ) -> None:
        saved_retention, saved_new = await self.bot.tutor_settings.save(
            deck_of(interaction), interaction.user.id, new_per_day=new_per_day, retention=retention
        )
        where = "in this server" if interaction.guild_id is not None else "in your private deck"
        verb = "Saved" if new_per_day is not None or retention is not None else "Your settings"
        await reply(
            interaction,
            f"{verb} {where}: **{saved_new}** new card(s) a day, desired retention **{saved_retention:.2f}** "
            "(the share of cards you should still know when they come back; higher means more reviews).",
            ephemeral=private(interaction),
        )

    @app_commands.command(name="progress", description="Mastery per topic, what is due, retention, streak")
    @app_commands.describe(member="Another member's progress (needs Manage Server): a teacher's view")
    async def progress(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        target = member or interaction.user
        if target.id != interaction.user.id:
            if interaction.guild_id is None:
                raise PermissionDeniedError("In a DM you can only see your own progress.")
            if not interaction.permissions.manage_guild:
                raise PermissionDeniedError(
                    "Another member's progress needs the Manage Server permission; `/study progress` "
                    "without a member shows yours."
                )
        await interaction.response.defer(ephemeral=private(interaction), thinking=True)
        progress = await self.bot.progress.progress(deck_of(interaction), target.id)
        name = target.display_name
        png = progress_chart(progress, title=f"{name}: study progress")
        await reply(
            interaction,
            embed=progress_embed(progress, name),
            file=discord.File(io.BytesIO(png), filename="progress.png"),
            ephemeral=private(interaction),
        )

    @app_commands.command(name="export", description="Your review log (FSRS optimizer CSV) and card states")
    @app_commands.describe(format=EXPORT_FORMAT_HELP)
    @app_commands.choices(format=[app_commands.Choice(name=f, value=f) for f in STUDY_EXPORT_FORMATS])
    async def export(
        self, interaction: discord.Interaction, format: app_commands.Range[str, 1, 8] = "csv"
    ) -> None:
        await interaction.response.defer(ephemeral=private(interaction), thinking=True)
        if format == "anki":
            await self._export_anki(interaction)
            return
        exported = await export_deck(self.bot.db, deck_of(interaction), interaction.user.id)
        if not exported.card_count:
            await reply(
                interaction,
                "You have no cards here yet: `/study start` or any quiz answer makes them.",
                ephemeral=private(interaction),
            )
            return
        await reply(
            interaction,
            f"Your {exported.reviews} review(s): `review_log.csv` has the columns FSRS's optimizer reads "
            "(card_id, review_time in ms, review_rating, review_duration in ms).",
            file=discord.File(io.BytesIO(exported.review_log.encode()), filename="review_log.csv"),
            ephemeral=private(interaction),
        )
        await reply(
            interaction,
            f"Your {exported.card_count} card(s) and their FSRS state: `cards.csv`.",
            file=discord.File(io.BytesIO(exported.cards.encode()), filename="cards.csv"),
            ephemeral=private(interaction),
        )

    async def _export_anki(self, interaction: discord.Interaction) -> None:
        studied = await export_studied_apkg(self.service, deck_of(interaction), interaction.user.id)
        if not studied.items:
            text = "You have no cards here yet: `/study start` or any quiz answer makes them."
            if studied.gone:
                text = f"The {studied.gone} item(s) you have cards for here are no longer in the bank."
            await reply(interaction, text, ephemeral=private(interaction))
            return
        text = (
            f"The {studied.items} item(s) you have studied here, as an Anki deck (a deck per topic; "
            "importing a newer export updates the notes instead of adding copies)."
        )
        if studied.gone:
            text += f" {studied.gone} card(s) whose item is no longer in the bank are left out."
        await reply(
            interaction,
            text,
            file=discord.File(io.BytesIO(studied.apkg), filename=APKG_NAME),
            ephemeral=private(interaction),
        )

    # -- reminders -------------------------------------------------------------------------------

    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @remind.command(name="on", description="A DM at this local time on days when cards are due")
    @app_commands.describe(time="Local time, HH:MM on a 24-hour clock", timezone="Your time zone (IANA name)")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def remind_on(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 3, 5],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        state = await self.bot.reminders.turn_on(
            deck_of(interaction), interaction.user.id, time=time, timezone=timezone
        )
        assert state.next_at is not None
        await reply(
            interaction,
            f"I will DM you at {state.time} ({state.timezone}) on days when cards are due, once a day; "
            f"the next check is <t:{state.next_at // 1000}:f>. Keep DMs from this server open. "
            "`/study remind off` stops it.",
            ephemeral=private(interaction),
        )

    @remind.command(name="off", description="No more study reminders")
    async def remind_off(self, interaction: discord.Interaction) -> None:
        await self.bot.reminders.turn_off(deck_of(interaction), interaction.user.id)
        await reply(interaction, "Study reminders are off.", ephemeral=private(interaction))

    async def send_reminder(self, card: ReminderCard) -> None:
        """The reminder service's presenter: DM the member, 50007 meaning their DMs are closed."""
        if card.guild_id == PRIVATE_DECK:
            where = "in your private deck"
        else:
            guild = self.bot.get_guild(card.guild_id)
            where = (
                f"in **{discord.utils.escape_markdown(guild.name)}**" if guild is not None else "in a server"
            )
        try:
            channel = await self.bot.create_dm(discord.Object(id=card.user_id))
            await channel.send(f"📚 {card.due} card(s) due {where}: /study start")
        except discord.Forbidden as error:
            if error.code == 50007:
                raise DmClosedError() from error
            raise


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(Study(bot))

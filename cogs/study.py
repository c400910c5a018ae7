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
from bot.core.i18n import N_, translator
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
from cogs._i18n import private_language, public_language
from cogs._reply import clip_input, reply
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
        return taxonomy_choices(current, private_language(interaction))

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
            raise StudyError(
                N_("`{topic}` is not a topic. Pick one from the list, or see `/quiz topics`."),
                topic=clip_input(topic),
            )
        step = await self.service.start(
            guild_id=deck_of(interaction),
            user_id=interaction.user.id,
            topic=topic,
            lang=language or "en",
            cards=cards,
            ui_language=private_language(interaction),
        )
        await reply(
            interaction, **render(step, private_language(interaction)), ephemeral=private(interaction)
        )

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
        tr = translator(private_language(interaction))
        saved = new_per_day is not None or retention is not None
        if interaction.guild_id is not None:
            head = (
                tr.gettext("Saved in this server: {settings}")
                if saved
                else tr.gettext("Your settings in this server: {settings}")
            )
        else:
            head = (
                tr.gettext("Saved in your private deck: {settings}")
                if saved
                else tr.gettext("Your settings in your private deck: {settings}")
            )
        body = tr.ngettext(
            "**{count}** new card a day, desired retention **{retention}** (the share of cards you should "
            "still know when they come back; higher means more reviews).",
            "**{count}** new cards a day, desired retention **{retention}** (the share of cards you should "
            "still know when they come back; higher means more reviews).",
            saved_new,
        ).format(count=saved_new, retention=f"{saved_retention:.2f}")
        await reply(interaction, head.format(settings=body), ephemeral=private(interaction))

    @app_commands.command(name="progress", description="Mastery per topic, what is due, retention, streak")
    @app_commands.describe(member="Another member's progress (needs Manage Server): a teacher's view")
    async def progress(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        target = member or interaction.user
        if target.id != interaction.user.id:
            if interaction.guild_id is None:
                raise PermissionDeniedError(N_("In a DM you can only see your own progress."))
            if not interaction.permissions.manage_guild:
                raise PermissionDeniedError(
                    N_(
                        "Another member's progress needs the Manage Server permission; `/study progress` "
                        "without a member shows yours."
                    )
                )
        await interaction.response.defer(ephemeral=private(interaction), thinking=True)
        progress = await self.bot.progress.progress(deck_of(interaction), target.id)
        name = target.display_name
        lang = private_language(interaction)
        title = translator(lang).gettext("{name}: study progress").format(name=name)
        png = progress_chart(progress, title=title, lang=lang)
        await reply(
            interaction,
            embed=progress_embed(progress, name, lang),
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
        tr = translator(private_language(interaction))
        if format == "anki":
            await self._export_anki(interaction)
            return
        exported = await export_deck(self.bot.db, deck_of(interaction), interaction.user.id)
        if not exported.card_count:
            await reply(
                interaction,
                tr.gettext("You have no cards here yet: `/study start` or any quiz answer makes them."),
                ephemeral=private(interaction),
            )
            return
        log_text = tr.ngettext(
            "Your {count} review: `review_log.csv` has the columns FSRS's optimizer reads "
            "(card_id, review_time in ms, review_rating, review_duration in ms).",
            "Your {count} reviews: `review_log.csv` has the columns FSRS's optimizer reads "
            "(card_id, review_time in ms, review_rating, review_duration in ms).",
            exported.reviews,
        )
        await reply(
            interaction,
            log_text.format(count=exported.reviews),
            file=discord.File(io.BytesIO(exported.review_log.encode()), filename="review_log.csv"),
            ephemeral=private(interaction),
        )
        cards_text = tr.ngettext(
            "Your {count} card and its FSRS state: `cards.csv`.",
            "Your {count} cards and their FSRS state: `cards.csv`.",
            exported.card_count,
        )
        await reply(
            interaction,
            cards_text.format(count=exported.card_count),
            file=discord.File(io.BytesIO(exported.cards.encode()), filename="cards.csv"),
            ephemeral=private(interaction),
        )

    async def _export_anki(self, interaction: discord.Interaction) -> None:
        tr = translator(private_language(interaction))
        _, ngettext = tr.gettext, tr.ngettext
        studied = await export_studied_apkg(self.service, deck_of(interaction), interaction.user.id)
        if not studied.items:
            text = _("You have no cards here yet: `/study start` or any quiz answer makes them.")
            if studied.gone:
                text = ngettext(
                    "The {count} item you have cards for here is no longer in the bank.",
                    "The {count} items you have cards for here are no longer in the bank.",
                    studied.gone,
                ).format(count=studied.gone)
            await reply(interaction, text, ephemeral=private(interaction))
            return
        text = ngettext(
            "The {count} item you have studied here, as an Anki deck (a deck per topic; "
            "importing a newer export updates the notes instead of adding copies).",
            "The {count} items you have studied here, as an Anki deck (a deck per topic; "
            "importing a newer export updates the notes instead of adding copies).",
            studied.items,
        ).format(count=studied.items)
        if studied.gone:
            text += " " + ngettext(
                "{count} card whose item is no longer in the bank is left out.",
                "{count} cards whose item is no longer in the bank are left out.",
                studied.gone,
            ).format(count=studied.gone)
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
            deck_of(interaction),
            interaction.user.id,
            time=time,
            timezone=timezone,
            language=private_language(interaction),  # the DMs' language: the member's Discord's
        )
        assert state.next_at is not None
        text = translator(private_language(interaction)).gettext(
            "I will DM you at {time} ({zone}) on days when cards are due, once a day; the next check is "
            "{when}. Keep DMs from this server open. `/study remind off` stops it."
        )
        await reply(
            interaction,
            text.format(time=state.time, zone=state.timezone, when=f"<t:{state.next_at // 1000}:f>"),
            ephemeral=private(interaction),
        )

    @remind.command(name="off", description="No more study reminders")
    async def remind_off(self, interaction: discord.Interaction) -> None:
        await self.bot.reminders.turn_off(deck_of(interaction), interaction.user.id)
        text = translator(private_language(interaction)).gettext("Study reminders are off.")
        await reply(interaction, text, ephemeral=private(interaction))

    async def send_reminder(self, card: ReminderCard) -> None:
        """The reminder service's presenter: DM the member, 50007 meaning their DMs are closed.

        A DM is private: it reads in the language of the member's Discord as last seen (when they
        turned reminders on or started studying); not known (reminders turned on before that was
        kept), in the server's interface language, English for the private deck."""
        if card.guild_id == PRIVATE_DECK:
            tr = translator(card.language or "en")
            text = tr.ngettext(
                "📚 {count} card due in your private deck: /study start",
                "📚 {count} cards due in your private deck: /study start",
                card.due,
            ).format(count=card.due)
        else:
            tr = translator(card.language or await public_language(self.bot, card.guild_id))
            guild = self.bot.get_guild(card.guild_id)
            if guild is None:
                text = tr.ngettext(
                    "📚 {count} card due in a server: /study start",
                    "📚 {count} cards due in a server: /study start",
                    card.due,
                ).format(count=card.due)
            else:
                text = tr.ngettext(
                    "📚 {count} card due in **{server}**: /study start",
                    "📚 {count} cards due in **{server}**: /study start",
                    card.due,
                ).format(count=card.due, server=discord.utils.escape_markdown(guild.name))
        try:
            channel = await self.bot.create_dm(discord.Object(id=card.user_id))
            await channel.send(text)
        except discord.Forbidden as error:
            if error.code == 50007:
                raise DmClosedError() from error
            raise


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(Study(bot))

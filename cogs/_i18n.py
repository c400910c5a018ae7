"""Which language to speak where, and the command tree's translator.

Private replies follow the member's Discord language (``interaction.locale``); public posts follow
the server's interface language (``/settings set ui_language``; unset, the server's own preferred
locale). :class:`CatalogueTranslator` gives discord.py every command's and option's name,
description and choice name in the catalogue's languages, so the cogs' decorators stay English.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.i18n import ENGLISH, language_of, translator

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

# Discord's rule for command and option names in every locale (lower case where the script has case).
NAME_RULE = re.compile(r"^[-_'\w]{1,32}$")
DESCRIPTION_MAX = 100
CHOICE_NAME_MAX = 100
# The catalogue's message context per kind of string: names have their own (a command name is one
# word that must follow Discord's name rule; "start" the name and "Start" a label differ).
_NAMES = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}
_DESCRIPTIONS = {
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.group_description,
    app_commands.TranslationContextLocation.parameter_description,
}
NAME_CONTEXT = "command name"
TEXT_CONTEXT = "command"


def private_language(interaction: discord.Interaction) -> str:
    """The language of what only this member sees: their Discord client's."""
    return language_of(interaction.locale)


async def public_language(bot: QuizBot, guild_id: int | None) -> str:
    """The language of what the whole channel sees: the server's ``ui_language``, or its locale."""
    if guild_id is None:
        return ENGLISH
    chosen = (await bot.guild_settings.get(guild_id)).ui_language
    if chosen is not None:
        return chosen
    guild = bot.get_guild(guild_id)
    return language_of(guild.preferred_locale if guild is not None else None)


def command_context(location: app_commands.TranslationContextLocation) -> str | None:
    """The catalogue context of a command string, or None for strings the catalogue leaves alone."""
    if location in _NAMES:
        return NAME_CONTEXT
    if location in _DESCRIPTIONS or location is app_commands.TranslationContextLocation.choice_name:
        return TEXT_CONTEXT
    return None


class CatalogueTranslator(app_commands.Translator):
    """Command names, descriptions and choices from the gettext catalogues (set in ``setup_hook``).

    Returns None (no localisation: Discord shows the English) for a locale without a catalogue, a
    string the catalogue lacks, or a translation Discord would refuse (so a bad entry cannot stop
    the sync; the catalogue test checks the names too).
    """

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = language_of(locale)
        where = command_context(context.location)
        if lang == ENGLISH or where is None:
            return None
        found = translator(lang).pgettext(where, string.message)
        if found == string.message:
            return None
        if where == NAME_CONTEXT and not (NAME_RULE.match(found) and found == found.lower()):
            log.warning(
                "catalogue name %r for %r breaks Discord's name rule; left out", found, string.message
            )
            return None
        limit = DESCRIPTION_MAX if context.location in _DESCRIPTIONS else CHOICE_NAME_MAX
        return found if where == NAME_CONTEXT or len(found) <= limit else None

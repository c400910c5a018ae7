"""Autocomplete choices that several cogs offer: time zones and the shared topic taxonomy."""

from __future__ import annotations

from discord import app_commands

from bot.core.settings_rules import timezone_suggestions
from bot.core.topics import TOPICS
from cogs._quiz_views import topic_label


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """IANA zone names matching what the member typed."""
    return [app_commands.Choice(name=z, value=z) for z in timezone_suggestions(current)]


def taxonomy_choices(current: str, lang: str = "en") -> list[app_commands.Choice[str]]:
    """The shared topics whose slug or label (in ``lang``) contains what the member typed (at most 25)."""
    needle = current.lower().strip()
    return [
        app_commands.Choice(name=topic_label(t, lang), value=t)
        for t in TOPICS
        if needle in t or needle in topic_label(t, lang).lower()
    ][:25]

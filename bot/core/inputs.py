"""What admins type that more than one command reads: names of things and spans of time. Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import UserFacingError
from bot.core.i18n import N_

_SPAN = re.compile(r"^\s*(\d{1,4})\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


# The refusals per kind of name, whole sentences so that a catalogue translates each.
_NAME_REFUSALS = {
    "season": (
        N_("A season needs a name, e.g. `{example}`."),
        N_("Season names are at most {limit} characters."),
    ),
    "team": (N_("A team needs a name, e.g. `{example}`."), N_("Team names are at most {limit} characters.")),
    "competition": (
        N_("A competition needs a name, e.g. `{example}`."),
        N_("Competition names are at most {limit} characters."),
    ),
}


def clean_name(name: str, *, what: str, example: str, limit: int) -> str:
    """A name as stored: trimmed, inner spaces collapsed, 1 to ``limit`` characters.

    ``what`` (season, team, competition) names the thing in the refusal ("A season needs a name,
    e.g. `Spring 2026`.").
    """
    empty, too_long = _NAME_REFUSALS[what]
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserFacingError(empty, example=example)
    if len(cleaned) > limit:
        raise UserFacingError(too_long, limit=limit)
    return cleaned


def parse_span(text: str) -> timedelta | None:
    """``90m``, ``12h``, ``3d``, ``2w`` (also ``min``) as a timedelta; None if ``text`` is not one."""
    match = _SPAN.match(text)
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})

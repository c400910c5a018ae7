"""What admins type that more than one command reads: names of things and spans of time. Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import UserFacingError

_SPAN = re.compile(r"^\s*(\d{1,4})\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def clean_name(name: str, *, what: str, example: str, limit: int) -> str:
    """A name as stored: trimmed, inner spaces collapsed, 1 to ``limit`` characters.

    ``what`` names the thing in the refusal ("A season needs a name, e.g. `Spring 2026`.").
    """
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserFacingError(f"A {what} needs a name, e.g. `{example}`.")
    if len(cleaned) > limit:
        raise UserFacingError(f"{what.capitalize()} names are at most {limit} characters.")
    return cleaned


def parse_span(text: str) -> timedelta | None:
    """``90m``, ``12h``, ``3d``, ``2w`` (also ``min``) as a timedelta; None if ``text`` is not one."""
    match = _SPAN.match(text)
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})

"""Season rules: names and end times as an admin types them. Pure; the clock is passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import inputs
from bot.core.errors import ConflictError, UserFacingError
from bot.core.i18n import N_
from bot.core.periods import zone

MAX_NAME = 50
MAX_LENGTH = timedelta(days=366 * 2)

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


class SeasonRunningError(ConflictError):
    def __init__(self, name: str) -> None:
        super().__init__(N_("The season **{name}** is still running; `/season end` it first."), name=name)
        self.name = name


class NoSeasonError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(N_("No season is running in this server. An admin can `/season start` one."))


def clean_name(name: str) -> str:
    """A season name as stored: trimmed, spaces collapsed, 1 to 50 characters."""
    return inputs.clean_name(name, what="season", example="Spring 2026", limit=MAX_NAME)


def parse_ends_at(text: str, now: datetime, tz_name: str) -> datetime:
    """When a season ends, from ``30d``/``2w``/``12h``/``90m`` or a local ``YYYY-MM-DD [HH:MM]``.

    A date alone means local midnight at the start of that day. Returns an aware UTC datetime,
    which must lie in the future and within two years.
    """
    if now.tzinfo is None:
        raise ValueError("parse_ends_at needs an aware datetime")
    text = text.strip()
    span = inputs.parse_span(text)
    ends = now + span if span is not None else _parse_local(text, tz_name)
    if ends <= now:
        raise UserFacingError(N_("`{text}` is in the past; a season must end in the future."), text=text)
    if ends - now > MAX_LENGTH:
        raise UserFacingError(N_("A season can last at most two years."))
    return ends


def _parse_local(text: str, tz_name: str) -> datetime:
    for fmt in _FORMATS:
        try:
            naive = datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware on the next line)
        except ValueError:
            continue
        # fold=0: an ambiguous local time (clocks going back) means its first occurrence.
        return naive.replace(tzinfo=zone(tz_name)).astimezone(zone("UTC"))
    raise UserFacingError(
        N_(
            "I couldn't read `{text}` as an end time. Use a duration (`30d`, `2w`, `12h`) or a date in the "
            "server's time zone ({tz}): `2026-06-30` or `2026-06-30 18:00`."
        ),
        text=text,
        tz=tz_name,
    )

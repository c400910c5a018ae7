"""Leaderboard periods in a server's own time zone.

Weeks start on Monday at local midnight (ISO weeks), months at local midnight of the 1st.
The keys are what the ``scores`` table is keyed by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ALL_TIME = ("all", "all")


@dataclass(frozen=True, slots=True)
class PeriodKeys:
    week: str
    month: str

    def pairs(self) -> list[tuple[str, str]]:
        return [ALL_TIME, ("week", self.week), ("month", self.month)]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError naming it when unknown."""
    shown = name if len(name) <= 64 else name[:63] + "…"
    if len(name) > 255:  # no zone is named this long; the file system would refuse the path (OSError)
        raise ValueError(f"unknown time zone {shown!r}; use an IANA name such as Europe/Berlin")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {shown!r}; use an IANA name such as Europe/Berlin") from None


def period_keys(when: datetime, tz_name: str = "UTC") -> PeriodKeys:
    if when.tzinfo is None:
        raise ValueError("period_keys needs an aware datetime")
    local = when.astimezone(zone(tz_name))
    year, week, _ = local.isocalendar()
    return PeriodKeys(week=f"{year}-W{week:02d}", month=f"{local.year}-{local.month:02d}")

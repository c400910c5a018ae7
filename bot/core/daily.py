"""Question of the day: local post times across daylight-saving changes, and which question to ask.

No discord import. Times are aware UTC datetimes; a schedule is a local ``HH:MM`` in an IANA zone.

Daylight saving, decided here once:

- a local time that does not exist on a day (spring forward, ``02:30`` in Europe/Berlin on
  2026-03-29) posts at the first valid minute after it (``03:00`` local, the moment the clocks jump);
- a local time that occurs twice (fall back, ``02:30`` on 2026-10-25) posts at its first
  occurrence only: each local date has exactly one post instant, so it posts once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserFacingError
from bot.core.i18n import N_
from bot.core.periods import zone

MIN_REVEAL_HOURS = 1
MAX_REVEAL_HOURS = 23
DEFAULT_REVEAL_HOURS = 12
# Claimed this long after its time, a post is shown as late (the bot was down when it was due).
LATE_AFTER = timedelta(minutes=10)

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class DailyError(UserFacingError):
    pass


def parse_post_time(text: str) -> time:
    """``HH:MM`` (24-hour) as a time; DailyError saying what is wrong otherwise."""
    match = _HHMM.match(text)
    if match is None:
        raise DailyError(
            N_("`{text}` is not a time; use HH:MM on a 24-hour clock, e.g. 09:00 or 18:30."), text=text
        )
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise DailyError(
            N_("`{text}` is not a time of day; hours go from 00 to 23 and minutes from 00 to 59."), text=text
        )
    return time(hour, minute)


def format_post_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; DailyError naming it when unknown."""
    try:
        return zone(name.strip())
    except ValueError:
        shown = name.strip() if len(name.strip()) <= 64 else name.strip()[:63] + "…"
        raise DailyError(
            N_("unknown time zone '{zone}'; use an IANA name such as Europe/Berlin"), zone=shown
        ) from None


def check_reveal_hours(hours: int) -> int:
    if not MIN_REVEAL_HOURS <= hours <= MAX_REVEAL_HOURS:
        raise DailyError(
            N_("Reveal after {low} to {high} hours, not {hours}."),
            low=MIN_REVEAL_HOURS,
            high=MAX_REVEAL_HOURS,
            hours=hours,
        )
    return hours


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether the local wall time ``naive`` happens in ``tz`` (it does not inside a spring-forward gap)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def post_instant(local_date: date, post_time: time, tz: ZoneInfo) -> datetime:
    """The one UTC instant at which the post of ``local_date`` is due.

    Normally the local ``post_time`` (its first occurrence when the clocks fall back); inside a
    spring-forward gap, the first valid minute after it.
    """
    naive = datetime.combine(local_date, post_time)
    if _exists(naive, tz):
        return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # In a gap: fold=1 reads the wall time with the offset after the change, fold=0 with the one
    # before; the jump lies between the two instants. Walk minutes to the first one whose wall
    # time is at or past the wanted one (a gap is an hour, at most a day).
    early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    late = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    start, end = min(early, late), max(early, late)
    candidate = start.replace(second=0, microsecond=0)
    while candidate <= end:
        if candidate.astimezone(tz).replace(tzinfo=None) >= naive:
            return candidate
        candidate += timedelta(minutes=1)
    return end  # not reached for real zones


def next_post_at(after: datetime, post_time: time, tz: ZoneInfo | str) -> datetime:
    """The first post instant strictly after ``after`` (aware) for a daily local ``post_time``."""
    if after.tzinfo is None:
        raise ValueError("next_post_at needs an aware datetime")
    zone_info = tz if isinstance(tz, ZoneInfo) else zone(tz)
    day = after.astimezone(zone_info).date() - timedelta(days=1)
    for _ in range(5):
        at = post_instant(day, post_time, zone_info)
        if at > after:
            return at
        day += timedelta(days=1)
    raise AssertionError("no post instant within five days")  # pragma: no cover


def local_date(when: datetime, tz: ZoneInfo | str) -> date:
    """The local calendar date of the instant ``when`` (a post is keyed by it)."""
    zone_info = tz if isinstance(tz, ZoneInfo) else zone(tz)
    return when.astimezone(zone_info).date()


def is_late(due: datetime, claimed: datetime, up_since: datetime | None = None) -> bool:
    """Whether a post is shown as late: claimed ``LATE_AFTER`` or more after its time, because the bot
    was down when it came due (``up_since``: when this process started). A post due while the bot
    ran but queued behind many others (the rate limit) is not late."""
    if up_since is not None and due >= up_since:
        return False
    return claimed - due >= LATE_AFTER


# --- which question ----------------------------------------------------------------------------


def topic_accuracy(answered: int, correct: int) -> float:
    """Accuracy smoothed with one right and one wrong answer (Laplace).

    A topic nobody has answered counts as 50 %: weaker than a topic the group gets mostly
    right, stronger than one it gets mostly wrong. A couple of lucky answers do not make a
    topic look mastered.
    """
    return (correct + 1) / (answered + 2)


def weakest_first(topics: Sequence[str], sums: Mapping[str, tuple[int, int]]) -> list[str]:
    """``topics`` ordered weakest first by smoothed accuracy; ``sums`` is topic -> (answered, correct).

    Ties go to the topic answered less (less is known about it), then by name for a stable order.
    """

    def key(topic: str) -> tuple[float, int, str]:
        answered, correct = sums.get(topic, (0, 0))
        return (topic_accuracy(answered, correct), answered, topic)

    return sorted(dict.fromkeys(topics), key=key)


def choose_daily_item(
    pool: Sequence[tuple[str, str]],
    usage: Mapping[str, int],
    sums: Mapping[str, tuple[int, int]] | None,
    rng: random.Random | None = None,
) -> str | None:
    """The item id to ask: ``pool`` is (item id, topic) pairs; ``usage`` item id -> times asked.

    Nothing repeats until the pool is used up: only the least-used items are candidates. Among
    them, with ``sums`` given (no topic set), the weakest topic's items win; within a topic, a
    random one.
    """
    if not pool:
        return None
    rng = rng or random.Random()
    least = min(usage.get(item_id, 0) for item_id, _ in pool)
    candidates = [(item_id, topic) for item_id, topic in pool if usage.get(item_id, 0) == least]
    if sums is not None:
        weakest = weakest_first([topic for _, topic in candidates], sums)[0]
        candidates = [c for c in candidates if c[1] == weakest]
    return rng.choice(sorted(candidates))[0]

"""The tutor's rules: ratings, limits, session order, forecasts and streaks. No discord import.

Spaced repetition itself (stability, difficulty, intervals, retrievability) is the ``fsrs``
package's, called from :mod:`bot.services.tutor`; nothing here computes a schedule. Ratings are
plain ints equal to ``fsrs.Rating`` (1 Again, 2 Hard, 3 Good, 4 Easy) so this module needs only
the standard library; a unit test checks they agree.

Reminder instants are the question of the day's (:func:`bot.core.daily.next_post_at`): the same
DST rules, once per local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.daily import local_date, next_post_at, weakest_first
from bot.core.errors import UserFacingError
from bot.core.i18n import N_, Text

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
# English msgids: the views show them through the catalogue.
RATING_NAMES = {AGAIN: N_("Again"), HARD: N_("Hard"), GOOD: N_("Good"), EASY: N_("Easy")}
# A bank item's difficulty as study cards and the terminal show it (the value is the key).
DIFFICULTY_NAMES = {"easy": N_("easy"), "medium": N_("medium"), "hard": N_("hard")}

MIN_RETENTION, MAX_RETENTION, DEFAULT_RETENTION = 0.80, 0.97, 0.90
MIN_NEW_PER_DAY, MAX_NEW_PER_DAY, DEFAULT_NEW_PER_DAY = 0, 50, 10
MIN_CARDS, MAX_CARDS, DEFAULT_CARDS = 1, 50, 10
FORECAST_DAYS = 14
RETENTION_WINDOW = timedelta(days=30)
KNOWN_AT = 0.9  # retrievability from which an item counts as known

# Where a review came from (the review log's ``source``).
SOURCES = ("quiz", "daily", "study", "play")
# The member's private deck of the shared bank: DMs with the bot and the terminal.
PRIVATE_DECK = 0


class StudyError(UserFacingError):
    pass


def rating_for_choice(correct: bool) -> int:
    """Binary feedback as FSRS's maintainers recommend it: wrong is Again, right is Good."""
    return GOOD if correct else AGAIN


def is_pass(rating: int) -> bool:
    """Whether a review counts as remembered (true retention): anything but Again."""
    return rating != AGAIN


def check_retention(value: float) -> float:
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        raise StudyError(
            N_(
                "Desired retention runs from {low} to {high} "
                "(0.90 means you remember 9 cards in 10 when they come back), not {value}."
            ),
            low=f"{MIN_RETENTION:.2f}",
            high=f"{MAX_RETENTION:.2f}",
            value=f"{value:g}",
        )
    return round(value, 3)


def check_new_per_day(value: int) -> int:
    if not MIN_NEW_PER_DAY <= value <= MAX_NEW_PER_DAY:
        raise StudyError(
            N_("New cards per day run from {low} to {high}, not {value}."),
            low=MIN_NEW_PER_DAY,
            high=MAX_NEW_PER_DAY,
            value=value,
        )
    return value


def check_cards(value: int) -> int:
    if not MIN_CARDS <= value <= MAX_CARDS:
        raise StudyError(
            N_("A session has {low} to {high} cards, not {value}."),
            low=MIN_CARDS,
            high=MAX_CARDS,
            value=value,
        )
    return value


@dataclass(frozen=True, slots=True)
class SessionPlan:
    item_ids: tuple[str, ...]
    new_ids: tuple[str, ...]

    @property
    def due_count(self) -> int:
        return len(self.item_ids) - len(self.new_ids)


def order_session(
    due: Sequence[tuple[str, float]],
    new: Sequence[tuple[str, str]],
    topic_sums: Mapping[str, tuple[int, int]],
    *,
    cards: int,
    new_allowed: int,
) -> SessionPlan:
    """The session's cards in order.

    ``due`` is (item id, retrievability now) for the member's due cards: least likely to be
    remembered first (ties by item id). Then ``new`` (item id, main topic), items the member has
    no card for, up to ``new_allowed`` (what is left of today's new-card limit): the weakest topic
    first by the member's own record (``topic_sums``: topic -> (reviews, passed), smoothed as the
    question of the day does), in the given order within a topic.
    """
    ordered_due = [item for item, _r in sorted(due, key=lambda d: (d[1], d[0]))][:cards]
    room = min(max(0, new_allowed), cards - len(ordered_due))
    picked_new: list[str] = []
    if room > 0 and new:
        rank = {t: i for i, t in enumerate(weakest_first([t for _i, t in new], topic_sums))}
        ranked = sorted(enumerate(new), key=lambda pair: (rank[pair[1][1]], pair[0]))
        picked_new = [item for _n, (item, _t) in ranked[:room]]
    return SessionPlan(tuple(ordered_due + picked_new), tuple(picked_new))


def format_interval(delta: timedelta) -> Text:
    """A button-sized interval: ``1m``, ``10m``, ``3h``, ``4d``, ``2mo``, ``1.5y`` in English
    (``str()``), with the catalogue's units in another language (``.render(lang)``)."""
    seconds = max(0.0, delta.total_seconds())
    minutes = seconds / 60
    if minutes < 60:
        return Text(N_("{n}m"), {"n": max(1, round(minutes))})
    hours = minutes / 60
    if hours < 24:
        return Text(N_("{n}h"), {"n": round(hours)})
    days = hours / 24
    if days < 30:
        return Text(N_("{n}d"), {"n": round(days)})
    if days < 365:
        return Text(N_("{n}mo"), {"n": round(days / 30)})
    years = days / 365
    return Text(N_("{n}y"), {"n": f"{years:.1f}" if years < 10 else round(years)})


def day_start(now: datetime, tz: ZoneInfo | str) -> datetime:
    """The instant the member's local day began (today's new cards count from it)."""
    zone_info = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    local = now.astimezone(zone_info)
    midnight = datetime.combine(local.date(), time(0, 0), tzinfo=zone_info)
    return midnight.astimezone(now.tzinfo)


def study_streak(days: Iterable[date], today: date) -> int:
    """Days studied in a row, ending today (or yesterday: today is not over yet)."""
    seen = set(days)
    day = today if today in seen else today - timedelta(days=1)
    streak = 0
    while day in seen:
        streak += 1
        day -= timedelta(days=1)
    return streak


def forecast(due_days: Iterable[date], today: date, days: int = FORECAST_DAYS) -> list[int]:
    """Cards due on each of the next ``days`` local days; day 0 (today) includes what is overdue."""
    counts = [0] * days
    for day in due_days:
        offset = max(0, (day - today).days)
        if offset < days:
            counts[offset] += 1
    return counts


def true_retention(passed: int, total: int) -> float | None:
    """Share of reviews of cards in the review state that were remembered; None without any."""
    return passed / total if total else None


def next_reminder_at(after: datetime, at: time, tz: ZoneInfo | str) -> datetime:
    """The next reminder instant strictly after ``after``: the question of the day's DST rules."""
    return next_post_at(after, at, tz)


def reminder_date(when: datetime, tz: ZoneInfo | str) -> str:
    return local_date(when, tz).isoformat()


def weakest_items(retrievabilities: Mapping[str, Sequence[float]], n: int) -> list[str]:
    """The ``n`` items with the lowest mean retrievability over the members holding a card for them.

    Ties go to the item more members hold (more of the group gains from it), then by id.
    """
    held = {item: rs for item, rs in retrievabilities.items() if rs}
    return sorted(held, key=lambda i: (sum(held[i]) / len(held[i]), -len(held[i]), i))[: max(0, n)]

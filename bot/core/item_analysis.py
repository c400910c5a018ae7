"""Item analysis: difficulty, discrimination, choice shares and the flags of a dubious question.

Standard library only. The statistics of one item are computed from an :class:`ItemTally`, a
handful of sums that SQL can produce in one grouped pass over the answers (see
``bot/storage/analytics.py``) and that add up across choices, servers and time. :func:`tally`
builds the same sums from raw responses, for tests and small data.

Definitions (classical test theory, as in Ebel & Frisbie, *Essentials of Educational
Measurement*, and Moodle's quiz statistics report):

- difficulty ``p``: the share of answers that were right, beside the chance rate ``1/k`` for
  ``k`` choices;
- discrimination: the point-biserial correlation between being right on this item (0/1) and the
  member's accuracy on their *other* answers (the rest score, so the item does not correlate
  with itself), over the answers of members with at least ``MIN_OTHER_ANSWERS`` other answers;
- choice shares by the bank's choice index (postings in any order add up);
- the top third: members ranked by accuracy (those with enough answers to be ranked), the first
  third of them; used to spot a wrong choice the strongest members prefer to the key.

Flags (shown only once an item has ``min_answers`` answers):

- ``suspect_key``: discrimination < 0, or a wrong choice picked more often than the key by the
  top third (Ebel & Frisbie: a negative index, or a distractor that attracts the upper group,
  points to a miskeyed or ambiguous item; Moodle marks such items as dubious);
- ``too_easy``: p > 0.9; ``too_hard``: p < chance + 0.1 (hardly better than guessing);
- ``dead_distractor``: a wrong choice picked by fewer than 5% (it distracts nobody).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.i18n import N_

MIN_OTHER_ANSWERS = 5  # a member's rest score counts once it rests on this many other answers
TOO_EASY_ABOVE = 0.9
TOO_HARD_MARGIN = 0.1  # too hard below chance + this
DEAD_DISTRACTOR_BELOW = 0.05
LATE_SHARE_OF_TIME = 0.9  # an answer after 90% of the time is "in the last 10%"
DEFAULT_MIN_ANSWERS = 30


class Flag(StrEnum):
    SUSPECT_KEY = "suspect_key"
    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"
    DEAD_DISTRACTOR = "dead_distractor"


FLAG_LABELS = {  # English msgids, shown translated on Discord
    Flag.SUSPECT_KEY: N_("suspect key"),
    Flag.TOO_EASY: N_("too easy"),
    Flag.TOO_HARD: N_("too hard"),
    Flag.DEAD_DISTRACTOR: N_("dead distractor"),
}


@dataclass(slots=True)
class ItemTally:
    """The sums an item's statistics are computed from; they add up (:meth:`add`).

    ``choices[c]`` / ``top[c]``: answers (by everyone / by the top third) choosing bank choice
    ``c``. ``d_*``: the point-biserial sums over answers whose member has at least
    ``MIN_OTHER_ANSWERS`` other answers: count, sum of x (right), of y (rest score), of y², of xy.
    """

    n_choices: int
    answers: int = 0
    correct: int = 0
    choices: list[int] = field(default_factory=list)
    top: list[int] = field(default_factory=list)
    latency_ms: int = 0
    late: int = 0
    d_n: int = 0
    d_x: float = 0.0
    d_y: float = 0.0
    d_yy: float = 0.0
    d_xy: float = 0.0

    def __post_init__(self) -> None:
        if not self.choices:
            self.choices = [0] * self.n_choices
        if not self.top:
            self.top = [0] * self.n_choices

    def add(self, other: ItemTally) -> None:
        self.answers += other.answers
        self.correct += other.correct
        for index in range(min(self.n_choices, other.n_choices)):
            self.choices[index] += other.choices[index]
            self.top[index] += other.top[index]
        self.latency_ms += other.latency_ms
        self.late += other.late
        self.d_n += other.d_n
        self.d_x += other.d_x
        self.d_y += other.d_y
        self.d_yy += other.d_yy
        self.d_xy += other.d_xy


@dataclass(frozen=True, slots=True)
class Response:
    """One answer, raw: who, which bank choice, whether it scored, how fast, in what window."""

    member: int
    choice: int
    correct: bool
    latency_ms: int = 0
    window_ms: int = 0  # the round's whole answering time; 0 = unknown (never counted late)


@dataclass(frozen=True, slots=True)
class MemberTotal:
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class ItemStats:
    item_id: str
    answers: int
    p: float | None
    chance: float
    discrimination: float | None
    discriminating_answers: int  # answers the discrimination rests on
    shares: tuple[float, ...]  # by bank choice index
    top_counts: tuple[int, ...]
    mean_latency_ms: float | None
    late_share: float | None
    key: int
    accepted: tuple[int, ...]  # the key and any also-accepted choices
    flags: tuple[Flag, ...]  # only once answers >= min_answers
    min_answers: int

    @property
    def flags_shown(self) -> bool:
        return self.answers >= self.min_answers


def is_late(latency_ms: int, window_ms: int) -> bool:
    """Whether an answer came in the last 10% of its round's time."""
    return window_ms > 0 and latency_ms * 10 >= window_ms * round(LATE_SHARE_OF_TIME * 10)


def rest_score(total: MemberTotal, correct: bool) -> float | None:
    """The member's accuracy on their answers other than this one; None below MIN_OTHER_ANSWERS."""
    others = total.answered - 1
    if others < MIN_OTHER_ANSWERS:
        return None
    return (total.correct - int(correct)) / others


def ranked_order(totals: Mapping[int, MemberTotal]) -> list[int]:
    """Members with enough answers to be ranked, best first (accuracy, then answers, then id)."""
    ranked = [m for m, t in totals.items() if t.answered - 1 >= MIN_OTHER_ANSWERS]
    return sorted(ranked, key=lambda m: (-totals[m].accuracy, -totals[m].answered, m))


def top_third(totals: Mapping[int, MemberTotal]) -> set[int]:
    """The first third of the ranked members (rounded up, as SQL's NTILE(3) cuts it)."""
    order = ranked_order(totals)
    return set(order[: math.ceil(len(order) / 3)])


def tally(
    responses: Iterable[Response],
    n_choices: int,
    totals: Mapping[int, MemberTotal],
    top: set[int] | None = None,
) -> ItemTally:
    """The sums of one item from its raw responses and every member's totals (this item included)."""
    top = top_third(totals) if top is None else top
    t = ItemTally(n_choices)
    for r in responses:
        t.answers += 1
        t.correct += int(r.correct)
        if 0 <= r.choice < n_choices:
            t.choices[r.choice] += 1
            if r.member in top:
                t.top[r.choice] += 1
        t.latency_ms += r.latency_ms
        t.late += int(is_late(r.latency_ms, r.window_ms))
        total = totals.get(r.member)
        y = rest_score(total, r.correct) if total is not None else None
        if y is not None:
            x = float(r.correct)
            t.d_n += 1
            t.d_x += x
            t.d_y += y
            t.d_yy += y * y
            t.d_xy += x * y
    return t


def point_biserial(n: int, sx: float, sy: float, syy: float, sxy: float) -> float | None:
    """Pearson's r of a 0/1 x and a continuous y from their sums (x² = x); None when undefined."""
    if n < 2:
        return None
    var_x = n * sx - sx * sx
    var_y = n * syy - sy * sy
    if var_x <= 1e-12 or var_y <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(var_x * var_y)


def item_stats(
    item_id: str,
    t: ItemTally,
    *,
    key: int,
    also_accepted: Sequence[int] = (),
    min_answers: int = DEFAULT_MIN_ANSWERS,
) -> ItemStats:
    """The statistics and flags of one item from its tally."""
    k = t.n_choices
    chance = 1 / k if k else 0.0
    n = t.answers
    p = t.correct / n if n else None
    counted = sum(t.choices)
    shares = tuple(c / counted if counted else 0.0 for c in t.choices)
    discrimination = point_biserial(t.d_n, t.d_x, t.d_y, t.d_yy, t.d_xy)
    accepted = tuple(sorted({key, *also_accepted}))
    wrong = [c for c in range(k) if c not in accepted]
    flags: list[Flag] = []
    if n >= min_answers and p is not None:
        key_top = t.top[key] if 0 <= key < k else 0
        if (discrimination is not None and discrimination < 0) or any(t.top[c] > key_top for c in wrong):
            flags.append(Flag.SUSPECT_KEY)
        if p > TOO_EASY_ABOVE:
            flags.append(Flag.TOO_EASY)
        if p < chance + TOO_HARD_MARGIN:
            flags.append(Flag.TOO_HARD)
        if any(shares[c] < DEAD_DISTRACTOR_BELOW for c in wrong):
            flags.append(Flag.DEAD_DISTRACTOR)
    return ItemStats(
        item_id=item_id,
        answers=n,
        p=p,
        chance=chance,
        discrimination=discrimination,
        discriminating_answers=t.d_n,
        shares=shares,
        top_counts=tuple(t.top),
        mean_latency_ms=t.latency_ms / n if n else None,
        late_share=t.late / n if n else None,
        key=key,
        accepted=accepted,
        flags=tuple(flags),
        min_answers=min_answers,
    )


def dead_distractors(stats: ItemStats) -> tuple[int, ...]:
    """The wrong choices picked by fewer than 5% (bank indexes)."""
    return tuple(
        c for c, share in enumerate(stats.shares) if c not in stats.accepted and share < DEAD_DISTRACTOR_BELOW
    )

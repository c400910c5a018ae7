"""``quizbot study optimize``: per-server FSRS parameters fitted to the server's own review log.

The fitting is the maintained Rust optimizer's (``fsrs-rs-python``, no PyTorch): each card's
reviews become FSRS items (a review's ``delta_t`` is whole days since the card's previous review,
by UTC date), as fsrs-rs expects them, and ``FSRS.compute_parameters`` returns the 21 weights.
py-fsrs must accept them (its bounds) before they are stored; from then on every review and
retrievability in that server uses them. No discord import.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fsrs import Scheduler

from bot.core.clock import Clock, from_ms, to_ms
from bot.storage.cards import CardRepository
from bot.storage.database import Database

log = logging.getLogger(__name__)

MIN_REVIEWS = 1_000


@dataclass(frozen=True, slots=True)
class Fitted:
    guild_id: int
    reviews: int
    items: int
    parameters: tuple[float, ...] | None  # None: not fitted (too few reviews, or no usable history)
    reason: str = ""


def fsrs_items(histories: dict[int, list[tuple[int, int]]]) -> list[Any]:
    """fsrs-rs training items: for each card, every prefix of its reviews that ends a day or more after
    the review before it, keeping those with a long-term review (what fsrs-rs trains on)."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    items = []
    for reviews in histories.values():
        sequence = []
        last = None
        for at, rating in reviews:
            day = from_ms(at).date()
            delta = 0 if last is None else (day - last).days
            sequence.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append(FSRSItem(list(sequence)))
            last = day
    return [item for item in items if item.long_term_review_cnt() > 0]


def fit(items: Sequence[Any]) -> tuple[float, ...]:
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    return tuple(float(w) for w in FSRS(DEFAULT_PARAMETERS).compute_parameters(list(items)))


class Optimizer:
    def __init__(self, db: Database, clock: Clock, *, min_reviews: int = MIN_REVIEWS) -> None:
        self.db = db
        self.clock = clock
        self.min_reviews = min_reviews
        self.cards = CardRepository(db)

    async def optimize(self, guild_id: int | None = None) -> list[Fitted]:
        """Fit every server with enough reviews (or just ``guild_id``); store what py-fsrs accepts."""
        counts = await self.cards.review_counts()
        wanted = [guild_id] if guild_id is not None else sorted(counts)
        results = []
        for gid in wanted:
            reviews = counts.get(gid, 0)
            if reviews < self.min_reviews:
                results.append(
                    Fitted(gid, reviews, 0, None, f"{reviews} review(s); fitting needs {self.min_reviews}")
                )
                continue
            items = fsrs_items(await self.cards.review_histories(gid))
            if not items:
                results.append(Fitted(gid, reviews, 0, None, "no card was reviewed on two different days"))
                continue
            parameters = await asyncio.to_thread(fit, items)  # CPU-bound Rust; off the event loop
            Scheduler(parameters=parameters)  # py-fsrs refuses weights out of its bounds (ValueError)
            now_ms = to_ms(self.clock.now())
            await self.db.write(CardRepository.save_parameters, gid, parameters, reviews, now_ms)
            log.info(
                "fitted FSRS parameters for server %s on %d reviews (%d items)", gid, reviews, len(items)
            )
            results.append(Fitted(gid, reviews, len(items), parameters))
        return results

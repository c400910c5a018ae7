"""Small helpers shared by the non-e2e tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.rounds import QuestionCard
    from bot.storage.database import Database


async def wait_for(condition: Callable[[], object], within: float = 5.0, what: str = "condition") -> None:
    """Poll until ``condition()`` is truthy; fail saying what was awaited."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.005)


def key_posted(card: QuestionCard) -> int:
    """Where a posted question showed its key (0 = A)."""
    assert card.posting is not None, "the service posts every question with its choice order"
    return card.posting.posted_index(card.item.answer_index)


def wrong_posted(card: QuestionCard) -> int:
    """A posted choice that scores nothing: neither the key nor also accepted."""
    assert card.posting is not None, "the service posts every question with its choice order"
    right = {card.item.answer_index, *card.item.also_accepted_indexes}
    return next(i for i, bank in enumerate(card.posting.order) if bank not in right)


async def run_sql(db: Database, sql: str, params: Sequence[object] = ()) -> None:
    """One statement in a write transaction, on either backend (test set-up that no service offers)."""
    async with db.transaction() as conn:
        await conn.execute(sql, params)

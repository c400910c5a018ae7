"""quizbot study optimize: a server's own FSRS parameters, fitted by fsrs-rs, used from then on."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import fsrs

from bot.bank.loader import Bank
from bot.core.clock import FakeClock, to_ms
from bot.services.optimizer import Optimizer
from bot.services.tutor import apply_answers, review, to_fsrs
from bot.storage.answers import NewAnswer
from bot.storage.cards import CardRepository
from bot.storage.database import Database
from bot.study_cli import optimize

BUSY, QUIET = 5, 6


async def _history(db: Database, bank: Bank, guild: int, members: int, days: int, seed: int = 3) -> int:
    """Members review every shared item now and then over ``days`` days; returns reviews written."""
    rng = random.Random(seed)
    items = [i for i in bank if i.lang == "en"][:12]
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    written = 0
    for user in range(1, members + 1):
        for item in items:
            key = (guild, user, item.id)
            row = None
            at = start + timedelta(hours=rng.randrange(0, 48))
            while at < start + timedelta(days=days):
                rating = rng.choices([1, 2, 3, 4], weights=[15, 10, 65, 10])[0]
                write = review(row, key, item.main_topic, rating, at, duration_ms=3000, source="quiz")
                await db.write(CardRepository.save_reviews, [write])
                row = await CardRepository(db).card(*key)
                written += 1
                at += timedelta(days=rng.choice([1, 2, 3, 5, 8]), hours=rng.randrange(-3, 3))
    return written


async def test_a_server_with_enough_reviews_gets_fitted_parameters_that_schedule_its_cards(
    db: Database, bank: Bank
) -> None:
    written = await _history(db, bank, BUSY, members=10, days=60)
    assert written >= 1_000
    await _history(db, bank, QUIET, members=1, days=3)
    clock = FakeClock(datetime(2026, 3, 10, tzinfo=UTC))
    results = {r.guild_id: r for r in await Optimizer(db, clock, min_reviews=1_000).optimize()}
    busy, quiet = results[BUSY], results[QUIET]
    assert quiet.parameters is None and "fitting needs 1000" in quiet.reason
    assert busy.parameters is not None and len(busy.parameters) == len(fsrs.Scheduler().parameters)
    assert busy.parameters != tuple(fsrs.Scheduler().parameters), "fitted, not the defaults"
    assert await CardRepository(db).parameters(BUSY) == busy.parameters
    assert await CardRepository(db).parameters(QUIET) is None

    # From now on the server's answers are scheduled with its own parameters.
    before = await CardRepository(db).card(BUSY, 1, next(i for i in bank if i.lang == "en").id)
    assert before is not None
    at = clock.now()
    answer = NewAnswer(0, BUSY, 1, "n", before.item_id, before.topic, 0, True, 0, 2000, to_ms(at), "W", "M")
    await db.write(apply_answers, [answer], [True])
    after = await CardRepository(db).card(BUSY, 1, before.item_id)
    expected, _ = fsrs.Scheduler(parameters=busy.parameters, enable_fuzzing=False).review_card(
        to_fsrs(before, at), fsrs.Rating.Good, at
    )
    assert after is not None and after.due_at == to_ms(expected.due) and after.stability == expected.stability


async def test_the_command_reports_servers_not_fitted(db: Database, bank: Bank, tmp_path) -> None:
    out = io.StringIO()
    assert await optimize(str(tmp_path / "empty.db"), guild_id=None, min_reviews=1_000, out=out) == 0
    assert out.getvalue() == "No reviews yet: nothing to fit.\n"
    out = io.StringIO()
    assert await optimize(str(tmp_path / "empty.db"), guild_id=7, min_reviews=1_000, out=out) == 0
    assert "server 7: not fitted (0 review(s); fitting needs 1000)" in out.getvalue()

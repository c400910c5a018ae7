"""Reactions read after a gateway session change count even when the reveal falls due mid-read.

A real SQLite file with every migration, the quiz service with a fake clock and a presenter whose
reading of a message's reactions is held until the test lets it go, as a slow fetch would be.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.services.quiz import QuizOptions
from tests.helpers import key_posted, wait_for
from tests.services.conftest import Harness

GUILD, CHANNEL, ALICE, BOB = 1, 10, 100, 200


async def test_a_reveal_due_while_ready_reads_the_reactions_waits_for_them(harness: Harness) -> None:
    # Regression: READY's catch-up marked the round caught up before its read returned; the reveal
    # due meanwhile closed the round, and the reactions read then were refused as "closed".
    h = harness
    options = QuizOptions(questions=1, seconds=20, lang="en")
    await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=options)
    await wait_for(lambda: h.presenter.message_ids and h.rounds.active_round(h.presenter.message_ids[0]))
    card = h.presenter.questions[0]
    key = key_posted(card)

    release = asyncio.Event()
    reading = asyncio.Event()

    async def slow_read(channel_id: int, message_id: int, n_choices: int) -> dict[int, tuple[str, list[int]]]:
        reading.set()
        await release.wait()
        return {BOB: ("Bob", [key])}  # reacted during the gap: no event brought it

    h.presenter.read_reactions = slow_read  # type: ignore[method-assign]
    h.rounds.session_lost()
    ready = asyncio.create_task(h.rounds.session_ready())
    await asyncio.wait_for(reading.wait(), 5)

    await wait_for(lambda: h.clock.sleepers > 0, what="the round to wait for its close")
    h.clock.advance(timedelta(seconds=21))
    await asyncio.sleep(0.05)
    assert h.presenter.reveals == [], "the reveal waits for the read under way"
    release.set()
    assert await asyncio.wait_for(ready, 5) == 1
    await wait_for(lambda: h.presenter.reveals, what="the reveal")

    reveal = h.presenter.reveals[0]
    assert reveal.answered == 1 and reveal.correct_names == ("Bob",)
    assert reveal.counts[key] == 1

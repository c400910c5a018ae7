"""Posting that Discord fails: bounded retries, idempotent reveals, out-of-range options, forged keys.

Against a real SQLite file, a fake clock and the recording presenter; Discord's failures are stood
in for by an error the presenter describes as transient or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.bank.loader import Bank
from bot.core.errors import NotFoundError, UserFacingError
from bot.core.periods import zone
from bot.core.vocabulary import RoundStatus
from bot.services.posting import PostingFailedError, RetrySchedule, SendFailure, post_with_retries
from bot.services.quiz import QuizOptions
from bot.storage.database import Database
from bot.storage.quizzes import QuizRepository
from bot.wiring import build_services
from tests.helpers import wait_for
from tests.services.conftest import Harness

GUILD, CHANNEL, ALICE = 1, 10, 100


class Flaky(Exception):
    """A stand-in for Discord's answer: ``transient`` like a 503, otherwise like a 403."""

    def __init__(self, transient: bool) -> None:
        super().__init__("flaky")
        self.transient = transient


@dataclass
class Reader:
    def describe_failure(self, error: BaseException) -> SendFailure | None:
        if isinstance(error, Flaky):
            return SendFailure("HTTP 503" if error.transient else "HTTP 403", error.transient)
        return None


class Schedule:
    """A :class:`RetrySchedule` whose waits are recorded instead of slept."""

    def __init__(self, delays: tuple[float, ...]) -> None:
        self.delays = delays
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def failing(errors: list[Exception]):
    calls: list[int] = []

    async def op() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "posted"

    return op, calls


async def test_transient_failures_are_retried_on_the_schedule_until_one_succeeds() -> None:
    op, calls = failing([Flaky(True), Flaky(True)])
    schedule = Schedule((1.0, 2.0, 4.0))
    assert await post_with_retries(op, what="reveal", reader=Reader(), schedule=schedule) == "posted"
    assert len(calls) == 3 and schedule.slept == [1.0, 2.0]


async def test_a_failure_that_outlasts_the_schedule_gives_up_with_the_reason() -> None:
    op, calls = failing([Flaky(True)] * 10)
    schedule = Schedule((1.0, 2.0))
    with pytest.raises(PostingFailedError) as caught:
        await post_with_retries(op, what="reveal", reader=Reader(), schedule=schedule)
    assert len(calls) == 3 and schedule.slept == [1.0, 2.0]
    assert caught.value.transient and caught.value.reason == "HTTP 503" and caught.value.what == "reveal"


async def test_a_refusal_is_not_retried_and_a_bug_is_raised_unchanged() -> None:
    op, calls = failing([Flaky(False)])
    schedule = Schedule((1.0,))
    with pytest.raises(PostingFailedError) as caught:
        await post_with_retries(op, what="question", reader=Reader(), schedule=schedule)
    assert len(calls) == 1 and schedule.slept == [] and not caught.value.transient
    op, calls = failing([KeyError("bug")])
    with pytest.raises(KeyError):
        await post_with_retries(op, what="question", reader=Reader(), schedule=schedule)


def test_the_default_schedule_is_bounded_near_30_seconds() -> None:
    assert 25 <= sum(RetrySchedule().delays) <= 35


async def test_a_reveal_is_idempotent_closed_to_revealed_once(harness: Harness, db: Database) -> None:
    h = harness
    opts = QuizOptions(questions=1, seconds=20, lang="en")
    await h.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)
    await wait_for(lambda: h.presenter.message_ids and h.rounds.active_round(h.presenter.message_ids[0]))
    await wait_for(lambda: h.clock.sleepers > 0, what="the round to wait for its close")
    h.clock.advance(timedelta(seconds=21))
    await wait_for(lambda: h.presenter.results, what="results")
    (row,) = await QuizRepository(db).rounds_of_session(1)
    assert row.status == RoundStatus.REVEALED and len(h.presenter.reveals) == 1

    await h.rounds.close_and_reveal(row, position=1, total=1)  # a second call, e.g. after a retry
    assert len(h.presenter.reveals) == 1


@pytest.mark.parametrize(("questions", "seconds"), [(0, 20), (1000, 20), (5, -5), (5, 301)])
async def test_out_of_range_options_never_start_a_quiz(
    harness: Harness, db: Database, questions: int, seconds: int
) -> None:
    opts = QuizOptions(questions=questions, seconds=seconds, lang="en")
    with pytest.raises(UserFacingError, match="no quiz was started"):
        await harness.service.start(guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, options=opts)
    assert await db.fetch_all("SELECT id FROM quiz_sessions") == []


async def test_a_non_numeric_season_or_archive_key_is_a_board_that_no_longer_exists(
    db: Database, bank: Bank
) -> None:
    from bot.core.clock import FakeClock

    services = build_services(db, bank, FakeClock())
    for kind, key in (("season", "abc"), ("archive", "1e3"), ("season", "-1")):
        with pytest.raises(NotFoundError, match="no longer exists"):
            await services.leaderboards.board(GUILD, kind, key)


def test_a_zone_name_too_long_for_the_file_system_is_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone") as caught:
        zone("Europe/" + "B" * 300)
    assert len(str(caught.value)) < 200, "the name is clipped in the message"

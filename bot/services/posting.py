"""Posting through a presenter that can fail: bounded retries with backoff. No discord import.

A question, a reveal or a results post that Discord answers with a 5xx, a 429 that outlasted
discord.py's own retries, or a timeout is tried again on :class:`RetrySchedule`'s delays (about
30 s in all by default); anything else the presenter recognises as Discord refusing (a missing
permission, a deleted channel) is not retried. When posting stays impossible the caller gets a
:class:`PostingFailedError` with a reason it can show; an error the presenter does not recognise
(a bug) is raised unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.core.i18n import N_, Text, reread

log = logging.getLogger(__name__)

T = TypeVar("T")

# Waits between attempts: seven tries within about 30 s.
DEFAULT_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 14.0)

# What was being posted (the ``what`` of a post, the key here), as a member reads it.
POST_NAMES = {
    "question": N_("question"),
    "reveal": N_("reveal"),
    "results": N_("results"),
    "answer reactions": N_("answer reactions"),
    "notice": N_("notice"),
    "question of the day": N_("question of the day"),
}
# The reasons a presenter gives in English (cogs/_posting.py writes them); :func:`failure_text`
# reads them back in a member's language. An HTTP status and Discord's own text stay as they are.
NO_ANSWER = N_("Discord did not answer in time")
CONNECTION_FAILED = N_("the connection to Discord failed ({error})")


def post_name(what: str) -> Text:
    return Text(POST_NAMES.get(what, what))


def failure_text(reason: str) -> Text:
    """A :class:`SendFailure`'s reason, to be shown in a member's language."""
    return reread(reason, (NO_ANSWER, CONNECTION_FAILED))


@dataclass(frozen=True, slots=True)
class SendFailure:
    """What the presenter makes of an error: why, in words, and whether trying again may help."""

    reason: str
    transient: bool


class FailureReader(Protocol):
    def describe_failure(self, error: BaseException) -> SendFailure | None:
        """A :class:`SendFailure` for an error from Discord (or the network); None for anything else."""
        ...


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """The waits between attempts (tests pass short ones); ``sleep`` is real time, not quiz time:
    Discord's outage does not follow the quiz clock."""

    delays: tuple[float, ...] = DEFAULT_DELAYS

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class PostingFailedError(Exception):
    """Posting stayed impossible; ``reason`` says why, for the channel or the log."""

    def __init__(self, what: str, failure: SendFailure) -> None:
        super().__init__(f"could not post the {what}: {failure.reason}")
        self.what = what
        self.reason = failure.reason
        self.transient = failure.transient


async def post_with_retries(
    op: Callable[[], Awaitable[T]],
    *,
    what: str,
    reader: FailureReader,
    schedule: RetrySchedule,
) -> T:
    """Run ``op``; retry it on a transient failure while ``schedule`` has waits left."""
    delays = iter(schedule.delays)
    attempt = 1
    while True:
        try:
            return await op()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failure = reader.describe_failure(error)
            if failure is None:
                raise
            delay = next(delays, None) if failure.transient else None
            if delay is None:
                raise PostingFailedError(what, failure) from error
            log.warning(
                "posting the %s failed (attempt %d: %s); trying again in %.1f s",
                what,
                attempt,
                failure.reason,
                delay,
            )
            attempt += 1
            await schedule.sleep(delay)

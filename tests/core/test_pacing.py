"""The token bucket's rule, pure given the time: no sleeping, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.pacing import TokenBucket

T0 = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)


def test_a_full_bucket_lets_a_burst_through_then_asks_to_wait_for_the_rate() -> None:
    bucket = TokenBucket(FakeClock(T0), rate=10, burst=3)
    assert [bucket.admit(1, T0) for _ in range(3)] == [timedelta(0)] * 3
    assert bucket.admit(1, T0) == timedelta(seconds=0.1)
    assert bucket.admit(1, T0 + timedelta(seconds=0.1)) == timedelta(0)
    assert bucket.taken == 4


def test_a_request_larger_than_the_bucket_waits_for_a_full_bucket_then_goes_in_debt() -> None:
    bucket = TokenBucket(FakeClock(T0), rate=2, burst=2)
    assert bucket.admit(5, T0) == timedelta(0)  # full: goes, 3 in debt
    assert bucket.admit(1, T0 + timedelta(seconds=1)) == timedelta(seconds=1)  # -3 + 2 = -1; 2 short


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(FakeClock(T0), rate=0)

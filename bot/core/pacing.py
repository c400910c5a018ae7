"""Pacing requests under a rate: a token bucket on a clock that is passed in. Standard library only.

:meth:`TokenBucket.admit` is the whole rule, pure given ``now``; :meth:`TokenBucket.take` is the
waiting loop around it on the injected :class:`~bot.core.clock.Clock` (a fake clock in tests and
benches, so pacing thousands of posts costs no real time).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock


class Pacer(Protocol):
    async def take(self, requests: int) -> None:
        """Wait until ``requests`` more requests fit under the rate."""
        ...


class TokenBucket:
    """At most ``rate`` requests per second on average, bursts up to ``burst``, on the given clock."""

    def __init__(self, clock: Clock, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.clock = clock
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._tokens = self.burst
        self._at: datetime | None = None
        self._lock = asyncio.Lock()
        self.taken = 0  # requests let through, for reports and benchmarks

    def _refill(self, now: datetime) -> None:
        if self._at is not None:
            elapsed = max(0.0, (now - self._at).total_seconds())
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._at = now

    def admit(self, requests: int, now: datetime) -> timedelta:
        """Let ``requests`` through at ``now`` (returns zero) or say how long to wait first.

        A request larger than the bucket waits for a full bucket, then goes (in debt).
        """
        self._refill(now)
        need = float(requests)
        if self._tokens >= min(need, self.burst):
            self._tokens -= need
            self.taken += requests
            return timedelta(0)
        missing = min(need, self.burst) - self._tokens
        return timedelta(seconds=missing / self.rate)

    async def take(self, requests: int) -> None:
        async with self._lock:  # first come, first served
            while True:
                now = self.clock.now()
                wait = self.admit(requests, now)
                if not wait:
                    return
                await self.clock.sleep_until(now + wait)

"""Time is passed in, so rules and schedules are testable with a clock the test controls."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A system-clock sleep wakes at least this often, so a wall-clock jump (suspend, NTP) is noticed.
MAX_SLEEP_SLICE = 30.0


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when``."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        # A deadline, not a flag: sleep in slices so a wall-clock jump is noticed.
        while (remaining := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, MAX_SLEEP_SLICE))


class FakeClock:
    """A clock that only moves when told to; sleepers wake when it passes their time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        if self._now >= when:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((when, future))
        try:
            await future
        finally:
            self._sleepers = [(w, f) for (w, f) in self._sleepers if f is not future]

    @property
    def sleepers(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        for due, future in self._sleepers:
            if due <= self._now and not future.done():
                future.set_result(None)

    def advance(self, delta: timedelta | float) -> datetime:
        self.set(self._now + (delta if isinstance(delta, timedelta) else timedelta(seconds=delta)))
        return self._now


def to_ms(when: datetime) -> int:
    """Aware datetime to unix epoch milliseconds, the database's time format."""
    if when.tzinfo is None:
        raise ValueError("naive datetimes are not accepted; use aware UTC datetimes")
    return round(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)

"""Small helpers shared by the non-e2e tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_for(condition: Callable[[], object], within: float = 5.0, what: str = "condition") -> None:
    """Poll until ``condition()`` is truthy; fail saying what was awaited."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.005)

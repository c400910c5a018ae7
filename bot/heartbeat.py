"""The running bot's heartbeat: a small file next to the database, for ``quizbot health``.

The bot rewrites it every ``BEAT_EVERY`` while it is connected to Discord and removes it when it
shuts down cleanly; ``quizbot health`` (Docker's HEALTHCHECK) calls the bot healthy while the file is
younger than ``FRESH_FOR``. A file rather than a database row: the check must not need a migration,
and must tell "the process is alive and connected" apart from "the database opens".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=30)
FRESH_FOR = timedelta(minutes=2)  # two missed beats and some slack


def heartbeat_path(database: Path) -> Path:
    """``quiz.db`` -> ``quiz.db.heartbeat``, in the same folder (the same Docker volume)."""
    return database.with_name(database.name + ".heartbeat")


def beat(path: Path, now: datetime) -> None:
    """Write the time atomically (a reader never sees half a line)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(now.astimezone(UTC).isoformat() + "\n", encoding="utf-8")
    os.replace(partial, path)


def last_beat(path: Path) -> datetime | None:
    """When the bot last beat, or None without a readable heartbeat."""
    try:
        return datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def clear(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


async def keep_beating(
    path: Path, alive: Callable[[], bool], now: Callable[[], datetime], every: timedelta = BEAT_EVERY
) -> None:
    """Beat every ``every`` while ``alive()`` says the bot is connected; runs until cancelled."""
    failed = False
    while True:
        if alive():
            try:
                beat(path, now())
                failed = False
            except OSError as exc:
                if not failed:  # once per run of failures, not every beat
                    log.warning("cannot write the heartbeat %s: %s", path, exc.strerror or exc)
                failed = True
        await asyncio.sleep(every.total_seconds())

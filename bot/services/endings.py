"""Ending what the database says is due and announcing it: shared by seasons and competitions."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)

Row = TypeVar("Row")
Ended = TypeVar("Ended")
Ended_contra = TypeVar("Ended_contra", contravariant=True)


class Announcer(Protocol[Ended_contra]):
    async def announce_end(self, ended: Ended_contra) -> None: ...


async def end_each(
    due: Iterable[Row],
    end: Callable[[Row], Awaitable[Ended | None]],
    announce: Callable[[Ended], Awaitable[None]],
    describe: Callable[[Row], str],
) -> list[Ended]:
    """End every due row and announce each; one row's failure is logged and the others go on.

    ``end`` returns None when the row had already ended (by command, a moment earlier).
    """
    ended: list[Ended] = []
    for row in due:
        try:
            result = await end(row)
        except Exception:
            log.exception("could not end %s", describe(row))
            continue
        if result is None:
            continue
        ended.append(result)
        await announce(result)
    return ended


async def announce_safely(presenter: Announcer[Ended] | None, ended: Ended, what: str, *, lost: str) -> None:
    """Hand ``ended`` to the presenter; a failure loses only the announcement (``lost`` says so)."""
    if presenter is None:
        log.warning("%s ended but nothing is attached to announce it", what)
        return
    try:
        await presenter.announce_end(ended)
    except Exception:
        log.warning("could not announce the end of %s (%s)", what, lost, exc_info=True)

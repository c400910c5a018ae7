"""This process's leases on due work shared with other bot processes (issue 15). No discord import.

Every process has a holder id of its own (``hostname:pid:random``). A claim that is "made, then
acted on later" (a question of the day claimed, then sent; a reveal; a running quiz) takes a lease
named after the work (:func:`daily_post`, :func:`daily_reveal`, :func:`quiz_session`). While the
process lives, :meth:`Leases.run` renews all its leases every :data:`BEAT_EVERY`; when it stops
cleanly it gives them back; when it dies they expire :data:`LEASE_TTL` after its last beat and
any process that owns the server takes the work over. Right before an irreversible step (a send)
the holder checks, in the same transaction that records the step, that the lease is still its own
(:meth:`Leases.hold_in`), so a process that stalled past its expiry and lost the lease does not
send what another process has taken over. The SQL is :class:`bot.storage.leases.LeaseRepository`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import timedelta

from bot.core.clock import Clock, to_ms
from bot.storage.database import Connection, Database
from bot.storage.leases import LeaseRepository

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=60)  # a dead process's work is taken over this long after its last beat
BEAT_EVERY = timedelta(seconds=20)  # three beats per TTL: one late beat loses nothing
PURGE_AFTER = timedelta(days=1)  # expired leases are forgotten this long after (their work is settled)


def new_holder() -> str:
    """This process's id in the ``leases`` table: unique even for two processes on one host."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def daily_post(guild_id: int, local_date: str) -> str:
    return f"daily-post:{guild_id}:{local_date}"


def daily_reveal(guild_id: int, local_date: str) -> str:
    return f"daily-reveal:{guild_id}:{local_date}"


def quiz_session(session_id: int) -> str:
    return f"quiz-session:{session_id}"


class Leases:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        holder: str | None = None,
        ttl: timedelta = LEASE_TTL,
        beat_every: timedelta = BEAT_EVERY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.holder = holder or new_holder()
        self.ttl = ttl
        self.beat_every = beat_every
        self.repo = LeaseRepository(db)

    @property
    def _ttl_ms(self) -> int:
        return int(self.ttl.total_seconds() * 1000)

    async def acquire(self, name: str) -> bool:
        """Take ``name`` (free, expired, or ours already) in a transaction of its own."""
        async with self.db.transaction() as conn:
            return await self.acquire_in(conn, name)

    async def acquire_in(self, conn: Connection, name: str) -> bool:
        return await LeaseRepository.acquire(conn, name, self.holder, to_ms(self.clock.now()), self._ttl_ms)

    async def hold_in(self, conn: Connection, name: str) -> bool:
        """Still ours (then kept a TTL longer)? Check this in the transaction that records the step."""
        return await LeaseRepository.hold(conn, name, self.holder, to_ms(self.clock.now()), self._ttl_ms)

    async def release(self, name: str) -> None:
        async with self.db.transaction() as conn:
            await LeaseRepository.release(conn, name, self.holder)

    async def release_in(self, conn: Connection, name: str) -> None:
        await LeaseRepository.release(conn, name, self.holder)

    async def beat(self) -> int:
        """Keep every lease of this process alive; forget long-expired ones. How many are held."""
        now_ms = to_ms(self.clock.now())
        async with self.db.transaction() as conn:
            held = await LeaseRepository.renew_all(conn, self.holder, now_ms, self._ttl_ms)
            await LeaseRepository.purge_expired(conn, now_ms - int(PURGE_AFTER.total_seconds() * 1000))
        return held

    async def release_all(self) -> int:
        """Give every lease back (a clean stop: another process, or the next start, takes over at once)."""
        async with self.db.transaction() as conn:
            return await LeaseRepository.release_all(conn, self.holder)

    async def run(self) -> None:
        """Beat every ``beat_every`` until cancelled; a failed beat is logged and the next one tries."""
        while True:
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not renew this process's leases", exc_info=True)
            await asyncio.sleep(self.beat_every.total_seconds())

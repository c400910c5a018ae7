"""Leases: one piece of due work held by one process until an expiry (issue 15, several processes).

A lease is a row ``(name, holder, expires_at)``. Every statement here is one atomic
compare-and-set, on SQLite (one writer at a time) and on PostgreSQL (under READ COMMITTED an
``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` or an ``UPDATE ... WHERE`` locks the row and checks
its condition again on the latest committed version when it had to wait), so of two processes
taking the same free lease exactly one gets it. Whether a call worked is read from ``RETURNING``.

- :meth:`LeaseRepository.acquire`: take the lease if it is free, expired, or already ours.
- :meth:`LeaseRepository.hold`: check it is still ours (and keep it ``ttl`` longer) right before
  the irreversible step (sending a post): a process that lost it (it was too slow and the lease
  was taken over) does not send.
- :meth:`LeaseRepository.renew_all`: a live process's heartbeat keeps all its leases.
- :meth:`LeaseRepository.release` / :meth:`LeaseRepository.release_all`: give back.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Connection, Database


@dataclass(frozen=True, slots=True)
class LeaseRow:
    name: str
    holder: str
    expires_at: int  # UTC ms


class LeaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def lease(self, name: str) -> LeaseRow | None:
        row = await self._db.fetch_one("SELECT name, holder, expires_at FROM leases WHERE name = ?", (name,))
        return None if row is None else LeaseRow(row["name"], row["holder"], row["expires_at"])

    async def held_by(self, holder: str) -> list[LeaseRow]:
        rows = await self._db.fetch_all(
            "SELECT name, holder, expires_at FROM leases WHERE holder = ? ORDER BY name", (holder,)
        )
        return [LeaseRow(r["name"], r["holder"], r["expires_at"]) for r in rows]

    @staticmethod
    async def acquire(conn: Connection, name: str, holder: str, now_ms: int, ttl_ms: int) -> bool:
        """Hold ``name`` until ``now_ms + ttl_ms`` if nobody else holds it unexpired; True if we do."""
        async with conn.execute(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
            RETURNING name
            """,
            (name, holder, now_ms + ttl_ms, now_ms),
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def hold(conn: Connection, name: str, holder: str, now_ms: int, ttl_ms: int) -> bool:
        """Still ours? Then it is kept until ``now_ms + ttl_ms``. False once another process took it
        over (or it was given back): the caller must not act on the work any more."""
        async with conn.execute(
            "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? RETURNING name",
            (now_ms + ttl_ms, name, holder),
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def renew_all(conn: Connection, holder: str, now_ms: int, ttl_ms: int) -> int:
        """The heartbeat: every lease ``holder`` still holds runs ``ttl_ms`` from now. How many."""
        async with conn.execute(
            "UPDATE leases SET expires_at = ? WHERE holder = ? RETURNING name", (now_ms + ttl_ms, holder)
        ) as cur:
            return len(await cur.fetchall())

    @staticmethod
    async def release(conn: Connection, name: str, holder: str) -> bool:
        """Give ``name`` back (only if it is still ours)."""
        async with conn.execute(
            "DELETE FROM leases WHERE name = ? AND holder = ? RETURNING name", (name, holder)
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def release_all(conn: Connection, holder: str) -> int:
        async with conn.execute("DELETE FROM leases WHERE holder = ? RETURNING name", (holder,)) as cur:
            return len(await cur.fetchall())

    @staticmethod
    async def purge_expired(conn: Connection, before_ms: int) -> int:
        """Forget leases expired before ``before_ms`` (their work is done or free for anyone: deleting
        a free lease changes nothing, :meth:`acquire` inserts it again)."""
        async with conn.execute(
            "DELETE FROM leases WHERE expires_at < ? RETURNING name", (before_ms,)
        ) as cur:
            return len(await cur.fetchall())

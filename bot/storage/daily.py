"""Question of the day: one schedule per server, one post per (server, local date).

The primary key of ``daily_posts`` is what makes a post happen once: a post is claimed by
inserting its row in the same transaction that moves the schedule's ``next_post_at`` on, so a
restart (or a second wake-up) finds the date taken and the time advanced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.shards import Ownership
from bot.storage.database import Connection, Database, Row
from bot.storage.shards import owned


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    guild_id: int
    channel_id: int
    post_time: str  # local HH:MM
    timezone: str
    role_id: int | None
    reveal_after_hours: int
    topic: str | None
    paused: bool
    pause_reason: str | None
    next_post_at: int  # UTC ms
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class PostRow:
    guild_id: int
    local_date: str
    round_id: int | None
    status: str  # claimed, posted, revealed, skipped, failed
    late: bool
    due_at: int
    posted_at: int | None
    reveal_at: int | None


def _schedule(row: Row) -> ScheduleRow:
    return ScheduleRow(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        post_time=row["post_time"],
        timezone=row["timezone"],
        role_id=row["role_id"],
        reveal_after_hours=row["reveal_after_hours"],
        topic=row["topic"],
        paused=bool(row["paused"]),
        pause_reason=row["pause_reason"],
        next_post_at=row["next_post_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _post(row: Row) -> PostRow:
    return PostRow(
        guild_id=row["guild_id"],
        local_date=row["local_date"],
        round_id=row["round_id"],
        status=row["status"],
        late=bool(row["late"]),
        due_at=row["due_at"],
        posted_at=row["posted_at"],
        reveal_at=row["reveal_at"],
    )


class DailyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- schedules ----------------------------------------------------------------------------

    async def schedule(self, guild_id: int) -> ScheduleRow | None:
        row = await self._db.fetch_one("SELECT * FROM daily_schedules WHERE guild_id = ?", (guild_id,))
        return None if row is None else _schedule(row)

    async def due(self, now_ms: int, limit: int, owner: Ownership | None = None) -> list[ScheduleRow]:
        """Running schedules whose next post time has come, the longest overdue first (of the servers
        ``owner`` owns)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM daily_schedules WHERE paused = 0 AND next_post_at <= ?"
            + owned(owner)
            + " ORDER BY next_post_at, guild_id LIMIT ?",
            (now_ms, limit),
        )
        return [_schedule(r) for r in rows]

    @staticmethod
    async def save_schedule(
        conn: Connection,
        *,
        guild_id: int,
        channel_id: int,
        post_time: str,
        timezone: str,
        role_id: int | None,
        reveal_after_hours: int,
        topic: str | None,
        next_post_at: int,
        now_ms: int,
    ) -> ScheduleRow:
        """Create or replace the server's schedule; a new set-up also un-pauses it."""
        async with conn.execute(
            """
            INSERT INTO daily_schedules (guild_id, channel_id, post_time, timezone, role_id,
                reveal_after_hours, topic, paused, pause_reason, next_post_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET
                channel_id = excluded.channel_id, post_time = excluded.post_time,
                timezone = excluded.timezone, role_id = excluded.role_id,
                reveal_after_hours = excluded.reveal_after_hours, topic = excluded.topic,
                paused = 0, pause_reason = NULL, next_post_at = excluded.next_post_at,
                updated_at = excluded.updated_at
            RETURNING *
            """,
            (
                guild_id,
                channel_id,
                post_time,
                timezone,
                role_id,
                reveal_after_hours,
                topic,
                next_post_at,
                now_ms,
                now_ms,
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return _schedule(row)

    @staticmethod
    async def set_paused(
        conn: Connection,
        guild_id: int,
        *,
        paused: bool,
        reason: str | None,
        now_ms: int,
        next_post_at: int | None = None,
    ) -> bool:
        """Pause (with why) or resume (from ``next_post_at``); False when there is no schedule."""
        async with conn.execute(
            "UPDATE daily_schedules SET paused = ?, pause_reason = ?, updated_at = ?, "
            "next_post_at = COALESCE(?, next_post_at) WHERE guild_id = ? RETURNING guild_id",
            (int(paused), reason, now_ms, next_post_at, guild_id),
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def advance(conn: Connection, guild_id: int, expected_ms: int, next_ms: int) -> bool:
        """Move the next post time on, only if it is still ``expected_ms`` (nobody else moved it) and
        the schedule was not paused meanwhile."""
        async with conn.execute(
            "UPDATE daily_schedules SET next_post_at = ? WHERE guild_id = ? AND next_post_at = ? "
            "AND paused = 0 RETURNING guild_id",
            (next_ms, guild_id, expected_ms),
        ) as cur:
            return await cur.fetchone() is not None

    # -- posts --------------------------------------------------------------------------------

    @staticmethod
    async def claim(
        conn: Connection,
        *,
        guild_id: int,
        local_date: str,
        status: str,
        late: bool,
        due_at: int,
        round_id: int | None = None,
        reveal_at: int | None = None,
    ) -> bool:
        """Insert the (server, date) post; False when that date already has one."""
        async with conn.execute(
            """
            INSERT INTO daily_posts (guild_id, local_date, round_id, status, late, due_at, reveal_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, local_date) DO NOTHING
            RETURNING guild_id
            """,
            (guild_id, local_date, round_id, status, int(late), due_at, reveal_at),
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def set_round(conn: Connection, guild_id: int, local_date: str, round_id: int) -> None:
        await conn.execute(
            "UPDATE daily_posts SET round_id = ? WHERE guild_id = ? AND local_date = ?",
            (round_id, guild_id, local_date),
        )

    @staticmethod
    async def set_status(
        conn: Connection,
        guild_id: int,
        local_date: str,
        status: str,
        *,
        posted_at: int | None = None,
    ) -> None:
        await conn.execute(
            "UPDATE daily_posts SET status = ?, posted_at = COALESCE(?, posted_at) "
            "WHERE guild_id = ? AND local_date = ?",
            (status, posted_at, guild_id, local_date),
        )

    @staticmethod
    async def mark_sending(conn: Connection, guild_id: int, local_date: str, now_ms: int) -> None:
        """Note that the send of a claimed post starts: ``posted_at`` set while still ``claimed``.

        After a crash, a claimed post without it was never sent (safe to send); one with it may
        have reached Discord (never sent again).
        """
        await conn.execute(
            "UPDATE daily_posts SET posted_at = ? "
            "WHERE guild_id = ? AND local_date = ? AND status = 'claimed'",
            (now_ms, guild_id, local_date),
        )

    async def post(self, guild_id: int, local_date: str) -> PostRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM daily_posts WHERE guild_id = ? AND local_date = ?", (guild_id, local_date)
        )
        return None if row is None else _post(row)

    async def last_post(self, guild_id: int) -> PostRow | None:
        """The latest post that reached the channel (posted or revealed)."""
        row = await self._db.fetch_one(
            "SELECT * FROM daily_posts WHERE guild_id = ? AND status IN ('posted', 'revealed') "
            "ORDER BY local_date DESC LIMIT 1",
            (guild_id,),
        )
        return None if row is None else _post(row)

    async def posts(self, guild_id: int) -> list[PostRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM daily_posts WHERE guild_id = ? ORDER BY local_date", (guild_id,)
        )
        return [_post(r) for r in rows]

    async def reveal_due(self, now_ms: int, limit: int, owner: Ownership | None = None) -> list[PostRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM daily_posts WHERE status = 'posted' AND reveal_at <= ?"
            + owned(owner)
            + " ORDER BY reveal_at, guild_id LIMIT ?",
            (now_ms, limit),
        )
        return [_post(r) for r in rows]

    async def with_status(self, status: str, owner: Ownership | None = None) -> list[PostRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM daily_posts WHERE status = ?" + owned(owner) + " ORDER BY guild_id, local_date",
            (status,),
        )
        return [_post(r) for r in rows]

    async def topic_sums(self, guild_id: int) -> dict[str, tuple[int, int]]:
        """topic -> (answered, correct) summed over the server's members."""
        rows = await self._db.fetch_all(
            "SELECT topic, SUM(answered) AS answered, SUM(correct) AS correct FROM topic_scores "
            "WHERE guild_id = ? GROUP BY topic",
            (guild_id,),
        )
        return {str(r["topic"]): (int(r["answered"]), int(r["correct"])) for r in rows}

    @staticmethod
    async def skip_dates(conn: Connection, guild_id: int, dates: Sequence[tuple[str, int]]) -> None:
        """Record missed dates (local date, due ms) as skipped; dates that have a post keep it."""
        await conn.executemany(
            "INSERT INTO daily_posts (guild_id, local_date, status, late, due_at) "
            "VALUES (?, ?, 'skipped', 0, ?) ON CONFLICT (guild_id, local_date) DO NOTHING",
            [(guild_id, d, due) for d, due in dates],
        )

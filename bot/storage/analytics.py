"""Item analytics: the grouped scan of every answer, the snapshot it leaves, reports, disabled items.

The scan (:func:`scan_tallies`) is the only heavy read: one pass over ``answers`` that produces,
per (server, item, bank choice), the sums of :class:`bot.core.item_analysis.ItemTally` for the
server and for all servers. It runs on a read-only connection of its own (the bot runs it on a
thread, ``quizbot bank stats`` directly), so it never holds the writer; the bot keeps its result
as a snapshot in ``item_stats`` that the slash commands read.

A member's totals (for the rest score and the top third) come from ``topic_scores``, the
per-topic sums kept at write time: every stored answer counts there once (a question of the
day's answers from its reveal on), and a leaderboard reset leaves them alone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.item_analysis import MIN_OTHER_ANSWERS
from bot.core.letters import LETTERS
from bot.storage.database import Connection, Database, Row
from bot.storage.postgres import PostgresDatabase
from bot.storage.sql import fetch_all

# The bank choice index of an answer, as SQL over ``answers a``: the ONE place analytics reads it.
# ``answers.choice`` is the posted index (choices are shuffled per posting); ``bank_choice`` is the
# bank's own (migration 0005; NULL never for rows written since, equal to ``choice`` before).
BANK_CHOICE = "COALESCE(a.bank_choice, a.choice)"

ALL_SERVERS = -1  # the scope of the shared bank's statistics across servers
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


@dataclass(frozen=True, slots=True)
class ItemSums:
    """One (server, item) of the scan: the server's sums and all servers' (see ``ItemTally``)."""

    guild_id: int
    item_id: str
    answers: int
    correct: int
    latency_ms: int
    late: int
    choices: tuple[int, ...]  # answers per bank choice index (MAX_CHOICES long)
    top: tuple[int, ...]  # by the server's top third
    top_all: tuple[int, ...]  # by the top third across servers
    d_n: int  # the point-biserial sums against the member's accuracy in the server
    d_x: float
    d_y: float
    d_yy: float
    d_xy: float
    a_n: int  # the same against the member's accuracy across servers
    a_x: float
    a_y: float
    a_yy: float
    a_xy: float


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    scope: int
    item_id: str
    answers: int
    correct: int
    choices: tuple[int, ...]
    top: tuple[int, ...]
    latency_ms: int
    late: int
    d_n: int
    d_x: float
    d_y: float
    d_yy: float
    d_xy: float
    computed_at: int


@dataclass(frozen=True, slots=True)
class RunRow:
    computed_at: int
    answers: int
    seconds: float


@dataclass(frozen=True, slots=True)
class ReportRow:
    guild_id: int
    item_id: str
    user_id: int
    round_id: int | None
    reason: str
    comment: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class DayActivity:
    day: int  # UTC day number (ms // DAY_MS)
    answers: int
    members: int


@dataclass(frozen=True, slots=True)
class ItemWindow:
    item_id: str
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class MemberWindow:
    user_id: int
    display_name: str
    before_answers: int
    before_correct: int
    recent_answers: int
    recent_correct: int


@dataclass(frozen=True, slots=True)
class MemberAccuracy:
    user_id: int
    display_name: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class MemberDue:
    user_id: int
    display_name: str
    due: int  # study cards due now in this server's deck


@dataclass(frozen=True, slots=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: int  # week number since the epoch (ms // WEEK_MS)
    answers: int
    correct: int


_MEMBER_TABLES = (
    "DROP TABLE IF EXISTS temp.member_g",
    "DROP TABLE IF EXISTS temp.member_u",
    """
    CREATE TEMP TABLE member_g (guild_id INTEGER, user_id INTEGER, n INTEGER, c INTEGER, top INTEGER,
        PRIMARY KEY (guild_id, user_id)) WITHOUT ROWID
    """,
    """
    INSERT INTO member_g
    SELECT guild_id, user_id, SUM(answered), SUM(correct), 0 FROM main.topic_scores
    GROUP BY guild_id, user_id HAVING SUM(answered) > 0
    """,
    f"""
    UPDATE member_g SET top = 1 WHERE (guild_id, user_id) IN (
        SELECT guild_id, user_id FROM (
            SELECT guild_id, user_id, NTILE(3) OVER (
                PARTITION BY guild_id ORDER BY CAST(c AS DOUBLE PRECISION) / n DESC, n DESC, user_id) AS third
            FROM member_g WHERE n - 1 >= {MIN_OTHER_ANSWERS}) AS ranked
        WHERE third = 1)
    """,
    """
    CREATE TEMP TABLE member_u (user_id INTEGER PRIMARY KEY, n INTEGER, c INTEGER, top INTEGER)
    """,
    "INSERT INTO member_u SELECT user_id, SUM(n), SUM(c), 0 FROM member_g GROUP BY user_id",
    f"""
    UPDATE member_u SET top = 1 WHERE user_id IN (
        SELECT user_id FROM (
            SELECT user_id, NTILE(3) OVER (
                ORDER BY CAST(c AS DOUBLE PRECISION) / n DESC, n DESC, user_id) AS third
            FROM member_u WHERE n - 1 >= {MIN_OTHER_ANSWERS}) AS ranked
        WHERE third = 1)
    """,
)

MAX_CHOICES = len(LETTERS)

# Per-choice counts as columns, so the scan groups by (item, server) alone: the rounds_item index
# then hands SQLite the rows already in group order, and no sorter ever holds 10M rows.
_CHOICE_COLUMNS = ",\n       ".join(
    f"SUM(CASE WHEN choice = {c} THEN 1 ELSE 0 END), SUM(CASE WHEN choice = {c} THEN top_g END), "
    f"SUM(CASE WHEN choice = {c} THEN top_u END)"
    for c in range(MAX_CHOICES)
)

# Late: in the last 10% of the round's time (10·latency >= 9·window, as bot.core.item_analysis).
_SCAN = f"""
SELECT guild_id, item_id, COUNT(*), SUM(correct), SUM(latency_ms), SUM(late),
       COUNT(rg), SUM(CASE WHEN rg IS NOT NULL THEN correct END), SUM(rg), SUM(rg * rg), SUM(correct * rg),
       COUNT(ru), SUM(CASE WHEN ru IS NOT NULL THEN correct END), SUM(ru), SUM(ru * ru), SUM(correct * ru),
       {_CHOICE_COLUMNS}
FROM (
    SELECT r.guild_id, r.item_id, {BANK_CHOICE} AS choice, a.correct, a.latency_ms,
           CASE WHEN r.closes_at > r.opens_at AND a.latency_ms * 10 >= 9 * (r.closes_at - r.opens_at)
                THEN 1 ELSE 0 END AS late,
           COALESCE(g.top, 0) AS top_g,
           CASE WHEN g.n - 1 >= {MIN_OTHER_ANSWERS} THEN (g.c - a.correct) * 1.0 / (g.n - 1) END AS rg,
           COALESCE(u.top, 0) AS top_u,
           CASE WHEN u.n - 1 >= {MIN_OTHER_ANSWERS} THEN (u.c - a.correct) * 1.0 / (u.n - 1) END AS ru
    FROM main.rounds r INDEXED BY rounds_item
    JOIN main.answers a ON a.round_id = r.id
    LEFT JOIN temp.member_g g ON g.guild_id = a.guild_id AND g.user_id = a.user_id
    LEFT JOIN temp.member_u u ON u.user_id = a.user_id
    WHERE r.status <> 'open'  -- an open question of the day's choices stay unseen until its reveal
) AS scanned
GROUP BY item_id, guild_id
"""
SCAN_CACHE_KIB = 200_000  # the scan's own page cache (its connection is closed right after)


def _for_postgres(sql: str) -> str:
    """The scan's SQLite statements in PostgreSQL's words: its temporary schema is ``pg_temp``, the
    main one has no name, ids need 64 bits, and the index hint is SQLite's own."""
    return (
        sql.replace("temp.", "pg_temp.")
        .replace("main.", "")
        .replace(" WITHOUT ROWID", "")
        .replace("INTEGER", "BIGINT")
        .replace(" INDEXED BY rounds_item", "")
    )


_PG_MEMBER_TABLES = tuple(_for_postgres(statement) for statement in _MEMBER_TABLES)
_PG_SCAN = _for_postgres(_SCAN)


def _int(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]


def _float(value: object) -> float:
    return float(value or 0)  # type: ignore[arg-type]


def private_deck_reports(path: Path | str) -> list[tuple[str, str, str | None]]:
    """(item id, reason, comment) of the 🚩 reports made in DM study sessions (server id 0), by item."""
    conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, isolation_level=None)
    try:
        rows = conn.execute(
            "SELECT item_id, reason, comment FROM item_reports WHERE guild_id = 0 "
            "ORDER BY item_id, created_at"
        ).fetchall()
    finally:
        conn.close()
    return [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]


def scan_tallies(path: Path | str) -> list[ItemSums]:
    """Read every answer once, on a read-only connection of its own; the sums per (server, item).

    Synchronous (the bot runs it on a thread; sqlite3 releases the GIL while SQLite works).
    """
    conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{SCAN_CACHE_KIB}")
        conn.execute("BEGIN")  # one consistent view of the file for the whole scan
        for statement in _MEMBER_TABLES:
            conn.execute(statement)
        rows = conn.execute(_SCAN).fetchall()
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    return _sums(rows)


async def scan_tallies_postgres(db: PostgresDatabase) -> list[ItemSums]:
    """:func:`scan_tallies` on PostgreSQL: the same statements, in one repeatable-read transaction
    on a pooled connection of its own (the scan takes seconds on a large database; the writer's
    lock is not held)."""
    async with db.connection() as conn, conn.raw.transaction(isolation="repeatable_read"):
        for statement in _PG_MEMBER_TABLES:
            await conn.execute(statement)
        rows = await fetch_all(conn, _PG_SCAN)
        await conn.execute("DROP TABLE IF EXISTS pg_temp.member_g")
        await conn.execute("DROP TABLE IF EXISTS pg_temp.member_u")
    return _sums(rows)


def _sums(rows: Sequence[Any]) -> list[ItemSums]:
    found = []
    for r in rows:
        per_choice = r[16:]
        found.append(
            ItemSums(
                guild_id=int(r[0]),
                item_id=str(r[1]),
                answers=_int(r[2]),
                correct=_int(r[3]),
                latency_ms=_int(r[4]),
                late=_int(r[5]),
                d_n=_int(r[6]),
                d_x=_float(r[7]),
                d_y=_float(r[8]),
                d_yy=_float(r[9]),
                d_xy=_float(r[10]),
                a_n=_int(r[11]),
                a_x=_float(r[12]),
                a_y=_float(r[13]),
                a_yy=_float(r[14]),
                a_xy=_float(r[15]),
                choices=tuple(_int(per_choice[3 * c]) for c in range(MAX_CHOICES)),
                top=tuple(_int(per_choice[3 * c + 1]) for c in range(MAX_CHOICES)),
                top_all=tuple(_int(per_choice[3 * c + 2]) for c in range(MAX_CHOICES)),
            )
        )
    return found


def _snapshot(r: Row) -> SnapshotRow:
    return SnapshotRow(
        scope=int(r["scope"]),
        item_id=str(r["item_id"]),
        answers=int(r["answers"]),
        correct=int(r["correct"]),
        choices=tuple(json.loads(r["choices"])),
        top=tuple(json.loads(r["top"])),
        latency_ms=int(r["latency_ms"]),
        late=int(r["late"]),
        d_n=int(r["d_n"]),
        d_x=float(r["d_x"]),
        d_y=float(r["d_y"]),
        d_yy=float(r["d_yy"]),
        d_xy=float(r["d_xy"]),
        computed_at=int(r["computed_at"]),
    )


def _report(r: Row) -> ReportRow:
    return ReportRow(
        guild_id=int(r["guild_id"]),
        item_id=str(r["item_id"]),
        user_id=int(r["user_id"]),
        round_id=None if r["round_id"] is None else int(r["round_id"]),
        reason=str(r["reason"]),
        comment=r["comment"],
        created_at=int(r["created_at"]),
    )


class AnalyticsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the snapshot ---------------------------------------------------------------------------

    @staticmethod
    async def replace_scope(conn: Connection, scope: int, rows: Sequence[SnapshotRow]) -> None:
        """Swap one scope's snapshot for a new one, in the caller's transaction."""
        await conn.execute("DELETE FROM item_stats WHERE scope = ?", (scope,))
        await conn.executemany(
            """
            INSERT INTO item_stats (scope, item_id, answers, correct, choices, top, latency_ms, late,
                d_n, d_x, d_y, d_yy, d_xy, computed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (
                    scope,
                    r.item_id,
                    r.answers,
                    r.correct,
                    json.dumps(list(r.choices)),
                    json.dumps(list(r.top)),
                    r.latency_ms,
                    r.late,
                    r.d_n,
                    r.d_x,
                    r.d_y,
                    r.d_yy,
                    r.d_xy,
                    r.computed_at,
                )
                for r in rows
            ],
        )

    @staticmethod
    async def finish_run(
        conn: Connection, *, kept: Sequence[int], answers: int, seconds: float, now_ms: int
    ) -> None:
        """Drop the scopes the new run did not write (no answers left there) and record the run."""
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS kept_scopes (scope BIGINT PRIMARY KEY)")
        await conn.execute("DELETE FROM kept_scopes")
        await conn.executemany("INSERT INTO kept_scopes (scope) VALUES (?)", [(s,) for s in kept])
        await conn.execute("DELETE FROM item_stats WHERE scope NOT IN (SELECT scope FROM kept_scopes)")
        await conn.execute("DELETE FROM kept_scopes")
        await conn.execute(
            """
            INSERT INTO analytics_runs (id, computed_at, answers, seconds) VALUES (1, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET computed_at = excluded.computed_at, answers = excluded.answers,
                seconds = excluded.seconds
            """,
            (now_ms, answers, seconds),
        )

    async def private_deck_reports(self) -> list[tuple[str, str, str | None]]:
        """:func:`private_deck_reports` through the database (PostgreSQL has no file to open)."""
        rows = await self._db.fetch_all(
            "SELECT item_id, reason, comment FROM item_reports WHERE guild_id = 0 "
            "ORDER BY item_id, created_at"
        )
        return [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]

    async def last_run(self) -> RunRow | None:
        row = await self._db.fetch_one(
            "SELECT computed_at, answers, seconds FROM analytics_runs WHERE id = 1"
        )
        if row is None:
            return None
        return RunRow(int(row["computed_at"]), int(row["answers"]), float(row["seconds"]))

    async def snapshot(self, scope: int) -> list[SnapshotRow]:
        """Every item's sums in a scope (a server, or ``ALL_SERVERS``)."""
        rows = await self._db.fetch_all("SELECT * FROM item_stats WHERE scope = ?", (scope,))
        return [_snapshot(r) for r in rows]

    async def snapshot_item(self, scope: int, item_id: str) -> SnapshotRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM item_stats WHERE scope = ? AND item_id = ?", (scope, item_id)
        )
        return None if row is None else _snapshot(row)

    # -- one item over time ---------------------------------------------------------------------

    async def item_weeks(self, guild_id: int | None, item_id: str) -> list[WeekPoint]:
        """Answers and right answers per week for one item (in a server, or everywhere)."""
        where = "r.item_id = ? AND r.status <> 'open'" + ("" if guild_id is None else " AND r.guild_id = ?")
        params: tuple[object, ...] = (item_id,) if guild_id is None else (item_id, guild_id)
        rows = await self._db.fetch_all(
            f"""
            SELECT a.answered_at / {WEEK_MS} AS week, COUNT(*) AS answers, SUM(a.correct) AS correct
            FROM rounds r JOIN answers a ON a.round_id = r.id
            WHERE {where} GROUP BY week ORDER BY week
            """,
            params,
        )
        return [WeekPoint(int(r["week"]), int(r["answers"]), int(r["correct"] or 0)) for r in rows]

    # -- reports, dismissals, disabled items ------------------------------------------------------

    @staticmethod
    async def add_report(conn: Connection, report: ReportRow) -> bool:
        """Store a report; False when the member had already reported the item here."""
        cursor = await conn.execute(
            """
            INSERT INTO item_reports (guild_id, item_id, user_id, round_id, reason, comment, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, item_id, user_id) DO NOTHING
            """,
            (
                report.guild_id,
                report.item_id,
                report.user_id,
                report.round_id,
                report.reason,
                report.comment,
                report.created_at,
            ),
        )
        return cursor.rowcount > 0

    async def has_reported(self, guild_id: int, item_id: str, user_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM item_reports WHERE guild_id = ? AND item_id = ? AND user_id = ?",
            (guild_id, item_id, user_id),
        )
        return row is not None

    async def reports(self, guild_id: int) -> list[ReportRow]:
        """A server's reports, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM item_reports WHERE guild_id = ? ORDER BY created_at, item_id, user_id", (guild_id,)
        )
        return [_report(r) for r in rows]

    @staticmethod
    async def dismiss(conn: Connection, guild_id: int, item_id: str, by: int, now_ms: int) -> None:
        await conn.execute(
            """
            INSERT INTO item_reviews (guild_id, item_id, dismissed_by, dismissed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id, item_id) DO UPDATE SET
                dismissed_by = excluded.dismissed_by, dismissed_at = excluded.dismissed_at
            """,
            (guild_id, item_id, by, now_ms),
        )

    async def dismissed(self, guild_id: int) -> dict[str, int]:
        """item id -> when it was last dismissed from the server's queue."""
        rows = await self._db.fetch_all(
            "SELECT item_id, dismissed_at FROM item_reviews WHERE guild_id = ?", (guild_id,)
        )
        return {str(r["item_id"]): int(r["dismissed_at"]) for r in rows}

    @staticmethod
    async def disable(conn: Connection, guild_id: int, item_id: str, by: int, now_ms: int) -> bool:
        cursor = await conn.execute(
            """
            INSERT INTO disabled_items (guild_id, item_id, disabled_by, disabled_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id, item_id) DO NOTHING
            """,
            (guild_id, item_id, by, now_ms),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def enable(conn: Connection, guild_id: int, item_id: str) -> bool:
        cursor = await conn.execute(
            "DELETE FROM disabled_items WHERE guild_id = ? AND item_id = ?", (guild_id, item_id)
        )
        return cursor.rowcount > 0

    @staticmethod
    async def forget_item(conn: Connection, guild_id: int, item_id: str) -> None:
        """A server's own item was removed: its reports, dismissal and disabled mark go too."""
        for table in ("item_reports", "item_reviews", "disabled_items"):
            await conn.execute(f"DELETE FROM {table} WHERE guild_id = ? AND item_id = ?", (guild_id, item_id))

    async def disabled(self) -> list[tuple[int, str]]:
        """Every (server, item) disabled, for the pool's in-memory filter."""
        rows = await self._db.fetch_all("SELECT guild_id, item_id FROM disabled_items ORDER BY disabled_at")
        return [(int(r["guild_id"]), str(r["item_id"])) for r in rows]

    # -- the class overview ---------------------------------------------------------------------

    async def activity(self, guild_id: int, since_ms: int) -> list[DayActivity]:
        """Answers and distinct members per UTC day since ``since_ms``."""
        rows = await self._db.fetch_all(
            f"""
            SELECT a.answered_at / {DAY_MS} AS day, COUNT(*) AS answers, COUNT(DISTINCT a.user_id) AS members
            FROM rounds r JOIN answers a ON a.round_id = r.id
            WHERE r.guild_id = ? AND r.opens_at >= ? AND a.answered_at >= ?
            GROUP BY day ORDER BY day
            """,
            (guild_id, since_ms - DAY_MS, since_ms),  # a daily round opens up to a day earlier
        )
        return [DayActivity(int(r["day"]), int(r["answers"]), int(r["members"])) for r in rows]

    async def items_since(self, guild_id: int, since_ms: int) -> list[ItemWindow]:
        rows = await self._db.fetch_all(
            """
            SELECT r.item_id, COUNT(*) AS answers, SUM(a.correct) AS correct
            FROM rounds r JOIN answers a ON a.round_id = r.id
            WHERE r.guild_id = ? AND r.opens_at >= ? AND r.status <> 'open' GROUP BY r.item_id
            """,
            (guild_id, since_ms),
        )
        return [ItemWindow(str(r["item_id"]), int(r["answers"]), int(r["correct"] or 0)) for r in rows]

    async def member_windows(self, guild_id: int, since_ms: int, split_ms: int) -> list[MemberWindow]:
        """Per member: answers and right answers before ``split_ms`` and from it on (since ``since_ms``)."""
        rows = await self._db.fetch_all(
            """
            SELECT a.user_id, COALESCE(MAX(m.display_name), CAST(a.user_id AS TEXT)) AS name,
                   SUM(CASE WHEN a.answered_at < ? THEN 1 ELSE 0 END) AS b_n,
                   SUM(CASE WHEN a.answered_at < ? THEN a.correct END) AS b_c,
                   SUM(CASE WHEN a.answered_at >= ? THEN 1 ELSE 0 END) AS r_n,
                   SUM(CASE WHEN a.answered_at >= ? THEN a.correct END) AS r_c
            FROM rounds r JOIN answers a ON a.round_id = r.id
            LEFT JOIN members m ON m.guild_id = a.guild_id AND m.user_id = a.user_id
            WHERE r.guild_id = ? AND r.opens_at >= ? GROUP BY a.user_id
            """,
            (split_ms, split_ms, split_ms, split_ms, guild_id, since_ms),
        )
        return [
            MemberWindow(
                int(r["user_id"]),
                str(r["name"]),
                int(r["b_n"] or 0),
                int(r["b_c"] or 0),
                int(r["r_n"] or 0),
                int(r["r_c"] or 0),
            )
            for r in rows
        ]

    async def member_accuracy(self, guild_id: int) -> list[MemberAccuracy]:
        """Every member's answers and right answers here (from the kept topic sums)."""
        rows = await self._db.fetch_all(
            """
            SELECT t.user_id, COALESCE(MAX(m.display_name), CAST(t.user_id AS TEXT)) AS name,
                   SUM(t.answered) AS answered, SUM(t.correct) AS correct
            FROM topic_scores t LEFT JOIN members m ON m.guild_id = t.guild_id AND m.user_id = t.user_id
            WHERE t.guild_id = ? GROUP BY t.user_id
            """,
            (guild_id,),
        )
        return [
            MemberAccuracy(int(r["user_id"]), str(r["name"]), int(r["answered"]), int(r["correct"]))
            for r in rows
        ]

    async def members_due(self, guild_id: int, now_ms: int, at_least: int, limit: int) -> list[MemberDue]:
        """Members with at least ``at_least`` study cards due now here, most due first."""
        rows = await self._db.fetch_all(
            """
            SELECT c.user_id, COUNT(*) AS due,
                   (SELECT MAX(m.display_name) FROM members m
                    WHERE m.guild_id = c.guild_id AND m.user_id = c.user_id) AS name
            FROM cards c WHERE c.guild_id = ? AND c.due_at <= ?
            GROUP BY c.guild_id, c.user_id HAVING COUNT(*) >= ? ORDER BY due DESC, c.user_id LIMIT ?
            """,
            (guild_id, now_ms, at_least, limit),
        )
        return [MemberDue(int(r["user_id"]), str(r["name"] or r["user_id"]), int(r["due"])) for r in rows]

    async def topic_accuracy(self, guild_id: int) -> list[TopicAccuracy]:
        rows = await self._db.fetch_all(
            """
            SELECT topic, SUM(answered) AS answered, SUM(correct) AS correct FROM topic_scores
            WHERE guild_id = ? GROUP BY topic
            """,
            (guild_id,),
        )
        return [TopicAccuracy(str(r["topic"]), int(r["answered"]), int(r["correct"])) for r in rows]

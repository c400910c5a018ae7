"""Boards read from the aggregates kept at write time, and archives of finished boards.

Three kinds of board share one shape: a period of ``scores`` (all-time, a week, a month, a running
season), a topic of ``topic_scores``, and an archive in ``score_archive_rows``. Each is read a page
at a time in board order with the index that matches it, and a member's rank is one more than the
rows strictly ahead of theirs (a range count on the same index). Nothing here sums ``answers``.
Reads use the reader connection, so they never wait on the answer writer's lock.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.storage.database import Connection, Database, Row


class Source(enum.Enum):
    SCORES = "scores"
    TOPIC = "topic"
    ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class BoardKey:
    """Which rows make a board: ``(SCORES, guild, 'week', '2026-W02')``, ``(TOPIC, guild, 'topic', 'lora')``,
    ``(ARCHIVE, guild, 'archive', '<archive id>')``."""

    source: Source
    guild_id: int
    period_kind: str
    period_key: str


@dataclass(frozen=True, slots=True)
class BoardRow:
    user_id: int
    display_name: str | None  # None when the member never answered under a cached name
    points: int | None  # None on topic boards, which rank by correct answers
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class TopicRow:
    topic: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class StreakRow:
    correct_current: int
    correct_best: int
    daily_current: int
    daily_best: int
    last_daily_date: date | None


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    id: int
    guild_id: int
    kind: str
    label: str
    created_at: int
    season_id: int | None


@dataclass(frozen=True, slots=True)
class _Shape:
    """SQL fragments for one kind of board. ``:g`` is the guild and ``:key`` the board key."""

    table: str
    where: str
    points: str
    order: str
    ahead: str  # rows strictly ahead of a row given as :points, :correct, :answered
    member: str  # the row of member :user


_SHAPES = {
    Source.SCORES: _Shape(
        table="scores",
        where="s.guild_id = :g AND s.period_kind = :kind AND s.period_key = :key",
        points="s.points",
        order="s.points DESC, s.user_id",
        ahead="s.points > :points",
        member="s.user_id = :user",
    ),
    Source.TOPIC: _Shape(
        table="topic_scores",
        where="s.guild_id = :g AND s.topic = :key",
        points="NULL",
        # Matches the index (guild_id, topic, correct DESC, answered); see bot.core.ranking.topic_key.
        order="s.correct DESC, s.answered, s.user_id",
        ahead="(s.correct > :correct OR (:correct > 0 AND s.correct = :correct AND s.answered < :answered))",
        member="s.user_id = :user",
    ),
    Source.ARCHIVE: _Shape(
        table="score_archive_rows",
        where="s.archive_id = CAST(CAST(:key AS TEXT) AS BIGINT)",  # PostgreSQL types :key by the outer cast
        points="s.points",
        order="s.points DESC, s.user_id",
        ahead="s.points > :points",
        member="s.user_id = :user",
    ),
}


_NAMED = re.compile(r":([a-z]+)\b")


def _bind(sql: str, board: BoardKey, **extra: Any) -> tuple[str, tuple[Any, ...]]:
    """``:name`` placeholders to positional ones (Database.fetch_* bind a sequence), in order."""
    values = {"g": board.guild_id, "kind": board.period_kind, "key": board.period_key, **extra}
    names = _NAMED.findall(sql)
    return _NAMED.sub("?", sql), tuple(values[name] for name in names)


def _row(r: Row) -> BoardRow:
    return BoardRow(
        user_id=int(r["user_id"]),
        display_name=r["display_name"],
        points=None if r["points"] is None else int(r["points"]),
        answered=int(r["answered"]),
        correct=int(r["correct"]),
    )


class ScoreRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- boards --------------------------------------------------------------------------------

    async def page(self, board: BoardKey, offset: int, limit: int) -> list[BoardRow]:
        """Rows ``offset`` .. ``offset + limit`` in board order, with cached display names."""
        shape = _SHAPES[board.source]
        rows = await self._db.fetch_all(
            *_bind(
                f"""
                SELECT s.user_id, m.display_name, {shape.points} AS points, s.answered, s.correct
                FROM {shape.table} s LEFT JOIN members m ON m.guild_id = :g AND m.user_id = s.user_id
                WHERE {shape.where}
                ORDER BY {shape.order}
                LIMIT :limit OFFSET :offset
                """,
                board,
                limit=limit,
                offset=offset,
            )
        )
        return [_row(r) for r in rows]

    async def size(self, board: BoardKey) -> int:
        """How many members are on the board."""
        shape = _SHAPES[board.source]
        row = await self._db.fetch_one(
            *_bind(f"SELECT COUNT(*) FROM {shape.table} s WHERE {shape.where}", board)
        )
        return int(row[0]) if row else 0

    async def count_ahead(self, board: BoardKey, row: BoardRow) -> int:
        """How many members sort strictly ahead of ``row`` (their rank is this plus one)."""
        shape = _SHAPES[board.source]
        found = await self._db.fetch_one(
            *_bind(
                f"SELECT COUNT(*) FROM {shape.table} s WHERE {shape.where} AND {shape.ahead}",
                board,
                points=row.points,
                correct=row.correct,
                answered=row.answered,
            )
        )
        return int(found[0]) if found else 0

    async def member_row(self, board: BoardKey, user_id: int) -> BoardRow | None:
        """The member's row on the board (a primary-key look-up), or None."""
        shape = _SHAPES[board.source]
        found = await self._db.fetch_one(
            *_bind(
                f"""
                SELECT s.user_id, m.display_name, {shape.points} AS points, s.answered, s.correct
                FROM {shape.table} s LEFT JOIN members m ON m.guild_id = :g AND m.user_id = s.user_id
                WHERE {shape.where} AND {shape.member}
                """,
                board,
                user=user_id,
            )
        )
        return None if found is None else _row(found)

    # -- a member's stats ----------------------------------------------------------------------

    async def member_topics(self, guild_id: int, user_id: int) -> list[TopicRow]:
        rows = await self._db.fetch_all(
            "SELECT topic, answered, correct FROM topic_scores WHERE guild_id = ? AND user_id = ? "
            "ORDER BY topic",
            (guild_id, user_id),
        )
        return [TopicRow(str(r["topic"]), int(r["answered"]), int(r["correct"])) for r in rows]

    async def streak(self, guild_id: int, user_id: int) -> StreakRow | None:
        row = await self._db.fetch_one(
            "SELECT correct_current, correct_best, daily_current, daily_best, last_daily_date "
            "FROM streaks WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return None
        last = row["last_daily_date"]
        return StreakRow(
            correct_current=int(row["correct_current"]),
            correct_best=int(row["correct_best"]),
            daily_current=int(row["daily_current"]),
            daily_best=int(row["daily_best"]),
            last_daily_date=date.fromisoformat(last) if last else None,
        )

    async def display_name(self, guild_id: int, user_id: int) -> str | None:
        row = await self._db.fetch_one(
            "SELECT display_name FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else str(row["display_name"])

    # -- archives ------------------------------------------------------------------------------

    async def archive(self, archive_id: int) -> ArchiveRow | None:
        row = await self._db.fetch_one(
            "SELECT id, guild_id, kind, label, created_at, season_id FROM score_archives WHERE id = ?",
            (archive_id,),
        )
        return None if row is None else _archive(row)

    async def archive_of_season(self, season_id: int) -> ArchiveRow | None:
        row = await self._db.fetch_one(
            "SELECT id, guild_id, kind, label, created_at, season_id FROM score_archives WHERE season_id = ?",
            (season_id,),
        )
        return None if row is None else _archive(row)

    async def archives(self, guild_id: int) -> list[ArchiveRow]:
        """The server's archives, newest first."""
        rows = await self._db.fetch_all(
            "SELECT id, guild_id, kind, label, created_at, season_id FROM score_archives "
            "WHERE guild_id = ? ORDER BY created_at DESC, id DESC",
            (guild_id,),
        )
        return [_archive(r) for r in rows]

    @staticmethod
    async def archive_and_clear(
        conn: Connection,
        *,
        guild_id: int,
        period_kind: str,
        period_key: str,
        archive_kind: str,
        label: str,
        now_ms: int,
        season_id: int | None = None,
    ) -> tuple[int, int]:
        """Copy a period's board into a new archive, then delete it. Returns (archive id, rows).

        Call inside a transaction: the copy and the delete are one change.
        """
        async with conn.execute(
            "INSERT INTO score_archives (guild_id, kind, label, created_at, season_id) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (guild_id, archive_kind, label, now_ms, season_id),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        archive_id = int(row[0])
        cur2 = await conn.execute(
            """
            INSERT INTO score_archive_rows (archive_id, user_id, points, answered, correct)
            SELECT ?, user_id, points, answered, correct FROM scores
            WHERE guild_id = ? AND period_kind = ? AND period_key = ?
            """,
            (archive_id, guild_id, period_kind, period_key),
        )
        copied = cur2.rowcount
        await conn.execute(
            "DELETE FROM scores WHERE guild_id = ? AND period_kind = ? AND period_key = ?",
            (guild_id, period_kind, period_key),
        )
        return archive_id, copied


def _archive(row: Row) -> ArchiveRow:
    return ArchiveRow(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        kind=str(row["kind"]),
        label=str(row["label"]),
        created_at=int(row["created_at"]),
        season_id=None if row["season_id"] is None else int(row["season_id"]),
    )

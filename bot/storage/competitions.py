"""Competitions between a server's teams, and their scores (written with the answers, see answers.py).

At most one competition runs per server (the partial unique index competitions_one_running); the
database says which are due (competitions_due).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.shards import Ownership
from bot.storage.database import Connection, Database, IntegrityErrors, Row
from bot.storage.shards import owned

_COLUMNS = "id, guild_id, name, scoring, started_at, ends_at, ended_at, channel_id, started_by"


@dataclass(frozen=True, slots=True)
class CompetitionRow:
    id: int
    guild_id: int
    name: str
    scoring: str
    started_at: int
    ends_at: int
    ended_at: int | None
    channel_id: int | None
    started_by: int | None

    @property
    def running(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class TeamTotalRow:
    team_id: int
    name: str
    points: int
    active_members: int


@dataclass(frozen=True, slots=True)
class MemberScoreRow:
    team_id: int
    user_id: int
    display_name: str
    points: int
    correct: int
    answered: int


def _competition(row: Row) -> CompetitionRow:
    def opt(name: str) -> int | None:
        return None if row[name] is None else int(row[name])

    return CompetitionRow(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        scoring=str(row["scoring"]),
        started_at=int(row["started_at"]),
        ends_at=int(row["ends_at"]),
        ended_at=opt("ended_at"),
        channel_id=opt("channel_id"),
        started_by=opt("started_by"),
    )


class CompetitionNameTakenError(Exception):
    """The server already had a competition of that name."""


class CompetitionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def running_all(self) -> list[CompetitionRow]:
        """Every running competition of every server (loaded into memory at start-up)."""
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM competitions WHERE ended_at IS NULL")
        return [_competition(r) for r in rows]

    async def due(self, now_ms: int, owner: Ownership | None = None) -> list[CompetitionRow]:
        """Running competitions whose end time has come (the partial index competitions_due)."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM competitions WHERE ended_at IS NULL AND ends_at <= ?{owned(owner)} "
            "ORDER BY ends_at, id",
            (now_ms,),
        )
        return [_competition(r) for r in rows]

    async def by_name(self, guild_id: int, name: str) -> CompetitionRow | None:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM competitions WHERE guild_id = ? AND lower(name) = lower(?)",
            (guild_id, name),
        )
        found = [_competition(r) for r in rows]
        exact = [c for c in found if c.name == name]
        if exact:
            return exact[0]
        return found[0] if len(found) == 1 else None

    async def latest(self, guild_id: int) -> CompetitionRow | None:
        """The running competition, else the one that ended last."""
        found = await self.of_guild(guild_id, limit=1)
        return found[0] if found else None

    async def of_guild(self, guild_id: int, limit: int = 25) -> list[CompetitionRow]:
        """The server's competitions: the running one first, then the most recently ended."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM competitions WHERE guild_id = ? "
            "ORDER BY ended_at IS NOT NULL, ended_at DESC, id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_competition(r) for r in rows]

    async def team_totals(self, competition_id: int, guild_id: int) -> list[TeamTotalRow]:
        """Every team of the server with its points in the competition and how many members scored.

        Teams that earned nothing are listed with 0, so the table shows every team.
        """
        rows = await self._db.fetch_all(
            """
            SELECT t.id AS team_id, t.name AS name,
                   COALESCE(SUM(cs.points), 0) AS points,
                   COUNT(DISTINCT CASE WHEN cs.answered > 0 THEN cs.user_id END) AS active
            FROM teams t
            LEFT JOIN competition_scores cs ON cs.team_id = t.id AND cs.competition_id = ?
            WHERE t.guild_id = ?
            GROUP BY t.id ORDER BY t.id
            """,
            (competition_id, guild_id),
        )
        return [
            TeamTotalRow(int(r["team_id"]), str(r["name"]), int(r["points"]), int(r["active"])) for r in rows
        ]

    async def best_members(self, competition_id: int, per_team: int) -> list[MemberScoreRow]:
        """The ``per_team`` best members of each team (by points, then correct answers), named."""
        rows = await self._db.fetch_all(
            """
            SELECT team_id, user_id, display_name, points, correct, answered FROM (
                SELECT cs.team_id, cs.user_id,
                       COALESCE(m.display_name, 'member ' || cs.user_id) AS display_name,
                       cs.points, cs.correct, cs.answered,
                       ROW_NUMBER() OVER (PARTITION BY cs.team_id
                                          ORDER BY cs.points DESC, cs.correct DESC, cs.user_id) AS place
                FROM competition_scores cs
                JOIN competitions c ON c.id = cs.competition_id
                LEFT JOIN members m ON m.guild_id = c.guild_id AND m.user_id = cs.user_id
                WHERE cs.competition_id = ?
            ) AS ranked WHERE place <= ? ORDER BY team_id, place
            """,
            (competition_id, per_team),
        )
        return [
            MemberScoreRow(
                int(r["team_id"]),
                int(r["user_id"]),
                str(r["display_name"]),
                int(r["points"]),
                int(r["correct"]),
                int(r["answered"]),
            )
            for r in rows
        ]

    @staticmethod
    async def running_in(conn: Connection, guild_id: int) -> CompetitionRow | None:
        async with conn.execute(
            f"SELECT {_COLUMNS} FROM competitions WHERE guild_id = ? AND ended_at IS NULL", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _competition(row)

    @staticmethod
    async def create(
        conn: Connection,
        *,
        guild_id: int,
        name: str,
        scoring: str,
        started_at: int,
        ends_at: int,
        channel_id: int | None,
        started_by: int | None,
    ) -> CompetitionRow:
        """Insert a running competition. The caller checks for a running one first, in the same
        transaction; a name used before raises CompetitionNameTakenError."""
        async with conn.execute(
            "SELECT 1 FROM competitions WHERE guild_id = ? AND lower(name) = lower(?)", (guild_id, name)
        ) as cur:
            if await cur.fetchone() is not None:
                raise CompetitionNameTakenError(name)
        try:
            async with conn.execute(
                f"""
                INSERT INTO competitions (guild_id, name, scoring, started_at, ends_at, ended_at, channel_id,
                    started_by)
                VALUES (?, ?, ?, ?, ?, NULL, ?, ?) RETURNING {_COLUMNS}
                """,
                (guild_id, name, scoring, started_at, ends_at, channel_id, started_by),
            ) as cur:
                row = await cur.fetchone()
        except IntegrityErrors as exc:  # the NOCASE index: a name differing only in case
            raise CompetitionNameTakenError(name) from exc
        assert row is not None
        return _competition(row)

    @staticmethod
    async def mark_ended(conn: Connection, competition_id: int, now_ms: int) -> CompetitionRow | None:
        """End a running competition exactly once: the ended row, or None if it had already ended."""
        async with conn.execute(
            f"UPDATE competitions SET ended_at = ? WHERE id = ? AND ended_at IS NULL RETURNING {_COLUMNS}",
            (now_ms, competition_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _competition(row)

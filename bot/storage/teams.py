"""Teams and explicit memberships. Role-bound teams keep no member rows: the role decides."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Connection, Database, IntegrityErrors, Row

_COLUMNS = "id, guild_id, name, role_id, created_at"


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    guild_id: int
    name: str
    role_id: int | None
    created_at: int


@dataclass(frozen=True, slots=True)
class MembershipRow:
    guild_id: int
    user_id: int
    team_id: int


def _team(row: Row) -> TeamRow:
    return TeamRow(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        role_id=None if row["role_id"] is None else int(row["role_id"]),
        created_at=int(row["created_at"]),
    )


class TeamNameTakenError(Exception):
    """The server already has a team of that name (the unique index said so)."""


class TeamRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def all_teams(self) -> list[TeamRow]:
        """Every team of every server (loaded into memory at start-up)."""
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM teams ORDER BY id")
        return [_team(r) for r in rows]

    async def all_memberships(self) -> list[MembershipRow]:
        rows = await self._db.fetch_all("SELECT guild_id, user_id, team_id FROM team_members")
        return [MembershipRow(int(r["guild_id"]), int(r["user_id"]), int(r["team_id"])) for r in rows]

    async def member_names(self, team_id: int, limit: int = 10) -> tuple[int, list[str]]:
        """How many explicit members a team has, and the names of the first ``limit`` (by joining)."""
        count = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM team_members WHERE team_id = ?", (team_id,)
        )
        rows = await self._db.fetch_all(
            """
            SELECT COALESCE(m.display_name, 'member ' || tm.user_id) AS name
            FROM team_members tm LEFT JOIN members m ON m.guild_id = tm.guild_id AND m.user_id = tm.user_id
            WHERE tm.team_id = ? ORDER BY tm.joined_at, tm.user_id LIMIT ?
            """,
            (team_id, limit),
        )
        return (int(count["n"]) if count else 0), [str(r["name"]) for r in rows]

    @staticmethod
    async def create(
        conn: Connection, *, guild_id: int, name: str, role_id: int | None, created_at: int
    ) -> TeamRow:
        try:
            async with conn.execute(
                "INSERT INTO teams (guild_id, name, role_id, created_at) VALUES (?, ?, ?, ?) "
                f"RETURNING {_COLUMNS}",
                (guild_id, name, role_id, created_at),
            ) as cur:
                row = await cur.fetchone()
        except IntegrityErrors as exc:
            raise TeamNameTakenError(name) from exc
        assert row is not None
        return _team(row)

    @staticmethod
    async def join(
        conn: Connection,
        *,
        guild_id: int,
        user_id: int,
        display_name: str,
        team_id: int,
        now_ms: int,
    ) -> bool:
        """Put a member on a team; False if they already are on one (at most one per server).

        Their display name is cached in ``members`` too, so /team list names them before they answer.
        """
        cur = await conn.execute(
            """
            INSERT INTO team_members (guild_id, user_id, team_id, joined_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id, user_id) DO NOTHING
            """,
            (guild_id, user_id, team_id, now_ms),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            """
            INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id, user_id) DO UPDATE SET
                display_name = excluded.display_name, updated_at = excluded.updated_at
            """,
            (guild_id, user_id, display_name, now_ms),
        )
        return True

    @staticmethod
    async def leave(conn: Connection, *, guild_id: int, user_id: int) -> int | None:
        """Take a member off their team; the team id they left, or None if they were on none."""
        async with conn.execute(
            "DELETE FROM team_members WHERE guild_id = ? AND user_id = ? RETURNING team_id",
            (guild_id, user_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else int(row[0])

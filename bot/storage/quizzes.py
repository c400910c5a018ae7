"""Quiz sessions and their rounds: the state a restart resumes from."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.shards import Ownership
from bot.core.shuffle import decode_order, encode_order
from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus
from bot.storage.database import Connection, Database, IntegrityErrors, Row
from bot.storage.shards import owned

log = logging.getLogger(__name__)


class SessionAlreadyRunningError(Exception):
    """A session is already running in the channel (the partial unique index said so)."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(f"a session is already running in channel {channel_id}")
        self.channel_id = channel_id


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    guild_id: int
    channel_id: int
    started_by: int
    kind: QuizKind
    topic: str | None
    lang: str
    mode: AnswerMode
    seconds: int
    total_questions: int
    item_ids: tuple[str, ...]
    status: str
    created_at: int
    ended_at: int | None


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    guild_id: int
    channel_id: int
    session_id: int | None
    kind: QuizKind
    position: int
    item_id: str
    mode: AnswerMode
    message_id: int | None
    opens_at: int
    closes_at: int
    status: RoundStatus
    # The order the choices were posted in, ``order[posted position] = bank index``
    # (bot.core.shuffle); None for a round posted before orders were stored: bank order.
    choice_order: tuple[int, ...] | None = None


def _mode(row: Row) -> AnswerMode:
    """The answer mode a row stores: ``typed`` is ``buttons`` with the ``typed`` flag
    (migrations/*_typed_answers.sql)."""
    return AnswerMode.TYPED if row["typed"] else AnswerMode(row["mode"])


def _stored_mode(mode: AnswerMode) -> tuple[str, int]:
    """(mode, typed) as the columns hold them."""
    return (AnswerMode.BUTTONS, 1) if mode == AnswerMode.TYPED else (mode, 0)


def _session(row: Row) -> SessionRow:
    return SessionRow(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        started_by=row["started_by"],
        kind=QuizKind(row["kind"]),
        topic=row["topic"],
        lang=row["lang"],
        mode=_mode(row),
        seconds=row["seconds"],
        total_questions=row["total_questions"],
        item_ids=tuple(json.loads(row["item_ids"])),
        status=row["status"],
        created_at=row["created_at"],
        ended_at=row["ended_at"],
    )


def _round(row: Row) -> RoundRow:
    return RoundRow(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        session_id=row["session_id"],
        kind=QuizKind(row["kind"]),
        position=row["position"],
        item_id=row["item_id"],
        mode=_mode(row),
        message_id=row["message_id"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        status=RoundStatus(row["status"]),
        choice_order=_order(row["id"], row["choice_order"]),
    )


def _order(round_id: int, text: str | None) -> tuple[int, ...] | None:
    """A round's stored choice order; text that is not one is read as bank order, and logged."""
    if text is None:
        return None
    try:
        return decode_order(text)
    except ValueError as exc:
        log.warning("round %s: stored choice order unreadable (%s); bank order used", round_id, exc)
        return None


class QuizRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def create_session(
        conn: Connection,
        *,
        guild_id: int,
        channel_id: int,
        started_by: int,
        kind: QuizKind,
        topic: str | None,
        lang: str,
        mode: AnswerMode,
        seconds: int,
        item_ids: Sequence[str],
        now_ms: int,
    ) -> SessionRow:
        """Insert a running session. The partial unique index refuses a second one in the channel:
        :class:`SessionAlreadyRunningError`."""
        try:
            async with conn.execute(
                """
                INSERT INTO quiz_sessions (guild_id, channel_id, started_by, kind, topic, lang, mode, typed,
                    seconds, total_questions, item_ids, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
                RETURNING *
                """,
                (
                    guild_id,
                    channel_id,
                    started_by,
                    kind,
                    topic,
                    lang,
                    *_stored_mode(mode),
                    seconds,
                    len(item_ids),
                    json.dumps(list(item_ids)),
                    now_ms,
                ),
            ) as cur:
                row = await cur.fetchone()
        except IntegrityErrors as exc:
            raise SessionAlreadyRunningError(channel_id) from exc
        assert row is not None
        return _session(row)

    async def running_in_channel(self, channel_id: int) -> SessionRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM quiz_sessions WHERE channel_id = ? AND status = 'running'", (channel_id,)
        )
        return None if row is None else _session(row)

    async def running_sessions(self, owner: Ownership | None = None) -> list[SessionRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM quiz_sessions WHERE status = 'running'" + owned(owner) + " ORDER BY id"
        )
        return [_session(r) for r in rows]

    async def session(self, session_id: int) -> SessionRow | None:
        row = await self._db.fetch_one("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,))
        return None if row is None else _session(row)

    @staticmethod
    async def end_session(conn: Connection, session_id: int, status: str, now_ms: int) -> bool:
        """Mark a running session finished or stopped; False if it had already ended."""
        async with conn.execute(
            "UPDATE quiz_sessions SET status = ?, ended_at = ? "
            "WHERE id = ? AND status = 'running' RETURNING id",
            (status, now_ms, session_id),
        ) as cur:
            return await cur.fetchone() is not None

    @staticmethod
    async def create_round(
        conn: Connection,
        *,
        guild_id: int,
        channel_id: int,
        session_id: int | None,
        kind: QuizKind,
        position: int,
        item_id: str,
        mode: AnswerMode,
        opens_at: int,
        closes_at: int,
        choice_order: Sequence[int] | None = None,
    ) -> RoundRow:
        """Insert an open round; ``choice_order`` is the posting's order of the choices (None: bank order)."""
        async with conn.execute(
            """
            INSERT INTO rounds (guild_id, channel_id, session_id, kind, position, item_id, mode, typed,
                opens_at, closes_at, status, choice_order)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
            RETURNING *
            """,
            (
                guild_id,
                channel_id,
                session_id,
                kind,
                position,
                item_id,
                *_stored_mode(mode),
                opens_at,
                closes_at,
                None if choice_order is None else encode_order(choice_order),
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return _round(row)

    @staticmethod
    async def set_round_message(
        conn: Connection, round_id: int, message_id: int, opens_at: int, closes_at: int
    ) -> None:
        """Record the posted message; the answer window starts when the question is visible."""
        await conn.execute(
            "UPDATE rounds SET message_id = ?, opens_at = ?, closes_at = ? WHERE id = ?",
            (message_id, opens_at, closes_at, round_id),
        )

    @staticmethod
    async def close_round(conn: Connection, round_id: int, status: RoundStatus, now_ms: int) -> bool:
        """Move a round forward (open -> closed -> revealed); False if it was already there."""
        previous = {
            RoundStatus.CLOSED: (RoundStatus.OPEN,),
            RoundStatus.REVEALED: (RoundStatus.OPEN, RoundStatus.CLOSED),
        }[status]
        placeholders = ", ".join("?" for _ in previous)
        async with conn.execute(
            "UPDATE rounds SET status = ?, "
            "revealed_at = CASE WHEN ? = 'revealed' THEN ? ELSE revealed_at END "
            f"WHERE id = ? AND status IN ({placeholders}) RETURNING id",
            (status, status, now_ms, round_id, *previous),
        ) as cur:
            return await cur.fetchone() is not None

    async def rounds_of_session(self, session_id: int) -> list[RoundRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM rounds WHERE session_id = ? ORDER BY position", (session_id,)
        )
        return [_round(r) for r in rows]

    async def round_by_message(self, message_id: int) -> RoundRow | None:
        row = await self._db.fetch_one("SELECT * FROM rounds WHERE message_id = ?", (message_id,))
        return None if row is None else _round(row)

    async def round(self, round_id: int) -> RoundRow | None:
        row = await self._db.fetch_one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return None if row is None else _round(row)

    @staticmethod
    async def item_is_open(conn: Connection, guild_id: int, item_id: str) -> bool:
        """Whether the item is on a question of the server that has not been revealed yet."""
        async with conn.execute(
            "SELECT 1 FROM rounds WHERE guild_id = ? AND item_id = ? AND status != 'revealed' LIMIT 1",
            (guild_id, item_id),
        ) as cur:
            return await cur.fetchone() is not None

    async def open_rounds(self) -> list[RoundRow]:
        rows = await self._db.fetch_all("SELECT * FROM rounds WHERE status != 'revealed' ORDER BY closes_at")
        return [_round(r) for r in rows]

"""Cards, the review log, members' tutor settings and reminders, and study sessions.

A deck is ``(guild_id, user_id)``; guild 0 is the member's private deck (DMs, the terminal).
Writes take the transaction's connection, for
:meth:`bot.storage.database.Database.write`: the answer writer calls :meth:`CardRepository.load`
and :meth:`CardRepository.save_reviews` inside the transaction that stores a batch of answers, so
a card moves with its answer or not at all. Reads run on the reader connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.shards import Ownership
from bot.storage.database import Connection, Database
from bot.storage.shards import owned
from bot.storage.sql import clear_temp, fetch_all, fetch_one, run_script, stage_rows, temp_table

Key = tuple[int, int, str]  # (guild id, user id, item id)

_CARD_COLUMNS = (
    "id, guild_id, user_id, item_id, topic, state, step, stability, difficulty, due_at, last_review_at, "
    "reps, lapses, created_at"
)


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    guild_id: int
    user_id: int
    item_id: str
    topic: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: int
    last_review_at: int | None
    reps: int
    lapses: int
    created_at: int

    @property
    def key(self) -> Key:
        return (self.guild_id, self.user_id, self.item_id)


def _card(row: Sequence[object]) -> CardRow:
    return CardRow(*row)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ReviewWrite:
    """A card's state after a review, and the review itself."""

    guild_id: int
    user_id: int
    item_id: str
    topic: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: int
    rating: int
    reviewed_at: int
    duration_ms: int | None
    source: str
    prior_state: int  # 0 for a new card
    lapse: bool


@dataclass(frozen=True, slots=True)
class ReviewLogRow:
    card_id: int
    reviewed_at: int
    rating: int
    duration_ms: int | None
    source: str
    prior_state: int


@dataclass(frozen=True, slots=True)
class StudyMember:
    guild_id: int
    user_id: int
    desired_retention: float
    new_per_day: int
    remind_time: str | None
    remind_timezone: str | None
    remind_next_at: int | None
    remind_last_date: str | None
    remind_off_reason: str | None
    #: The interface language of the member's Discord when last seen (their reminders' language).
    language: str | None = None


@dataclass(frozen=True, slots=True)
class StudySessionRow:
    id: int
    guild_id: int
    user_id: int
    topic: str | None
    lang: str
    item_ids: tuple[str, ...]
    new_ids: tuple[str, ...]
    position: int
    phase: str  # ask, shown (flashcard answer shown), answered, done
    last_choice: int | None
    last_rating: int | None
    reviewed: int
    correct: int
    shown_at: int
    created_at: int
    ended_at: int | None

    @property
    def total(self) -> int:
        return len(self.item_ids)

    @property
    def item_id(self) -> str | None:
        return self.item_ids[self.position - 1] if 1 <= self.position <= len(self.item_ids) else None


_SESSION_COLUMNS = (
    "id, guild_id, user_id, topic, lang, item_ids, new_ids, position, phase, last_choice, last_rating, "
    "reviewed, correct, shown_at, created_at, ended_at"
)


def _session(row: Sequence[object]) -> StudySessionRow:
    values = list(row)
    values[5] = tuple(json.loads(str(values[5])))
    values[6] = tuple(json.loads(str(values[6])))
    return StudySessionRow(*values)  # type: ignore[arg-type]


_MEMBER_COLUMNS = (
    "guild_id, user_id, desired_retention, new_per_day, remind_time, remind_timezone, remind_next_at, "
    "remind_last_date, remind_off_reason, language"
)


def _member(row: Sequence[object]) -> StudyMember:
    return StudyMember(*row)  # type: ignore[arg-type]


_KEYS_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS card_keys (guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
    "item_id TEXT NOT NULL, PRIMARY KEY (guild_id, user_id, item_id))"
)


_REVIEW_STAGE_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS review_stage (seq INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, "
    "user_id INTEGER NOT NULL, item_id TEXT NOT NULL, topic TEXT NOT NULL, state INTEGER NOT NULL, "
    "step INTEGER, stability DOUBLE PRECISION, difficulty DOUBLE PRECISION, due_at INTEGER NOT NULL, "
    "rating INTEGER NOT NULL, reviewed_at INTEGER NOT NULL, duration_ms INTEGER, source TEXT NOT NULL, "
    "prior_state INTEGER NOT NULL, lapse INTEGER NOT NULL)"
)
_REVIEW_STAGE_COLUMNS = (
    "seq",
    "guild_id",
    "user_id",
    "item_id",
    "topic",
    "state",
    "step",
    "stability",
    "difficulty",
    "due_at",
    "rating",
    "reviewed_at",
    "duration_ms",
    "source",
    "prior_state",
    "lapse",
)


_UPSERT_REVIEWED_CARDS = """
INSERT INTO cards (guild_id, user_id, item_id, topic, state, step, stability, difficulty, due_at,
    last_review_at, reps, lapses, introduced_by, created_at)
SELECT r.guild_id, r.user_id, r.item_id, r.topic, r.state, r.step, r.stability, r.difficulty,
    r.due_at, r.reviewed_at, n.reps, n.lapses, f.source, f.reviewed_at
FROM (SELECT MIN(seq) AS first_seq, MAX(seq) AS last_seq, COUNT(*) AS reps, SUM(lapse) AS lapses
      FROM review_stage GROUP BY guild_id, user_id, item_id) AS n
JOIN review_stage r ON r.seq = n.last_seq
JOIN review_stage f ON f.seq = n.first_seq
WHERE true
ON CONFLICT (guild_id, user_id, item_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due_at = excluded.due_at,
    last_review_at = excluded.last_review_at, reps = cards.reps + excluded.reps,
    lapses = cards.lapses + excluded.lapses
"""
_LOG_REVIEWS = """
INSERT INTO review_log (card_id, guild_id, user_id, rating, reviewed_at, duration_ms, source,
    prior_state)
SELECT c.id, r.guild_id, r.user_id, r.rating, r.reviewed_at, r.duration_ms, r.source,
    r.prior_state
FROM review_stage r
JOIN cards c ON c.guild_id = r.guild_id AND c.user_id = r.user_id AND c.item_id = r.item_id
ORDER BY r.seq
"""


_MEMBER_KEYS_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS member_keys (guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
    "PRIMARY KEY (guild_id, user_id))"
)


class CardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes (inside Database.write or a transaction) -------------------------------------------

    @staticmethod
    async def load(conn: Connection, keys: Iterable[Key]) -> dict[Key, CardRow]:
        """The existing cards among ``keys`` (one indexed join, whatever the batch size)."""
        await run_script(conn, temp_table(conn, _KEYS_DDL, without_rowid=True), clear_temp(conn, "card_keys"))
        await stage_rows(conn, "card_keys", ("guild_id", "user_id", "item_id"), sorted(set(keys)))
        rows = await fetch_all(
            conn,
            f"""
            SELECT {", ".join("c." + c.strip() for c in _CARD_COLUMNS.split(","))}
            FROM card_keys k JOIN cards c
              ON c.guild_id = k.guild_id AND c.user_id = k.user_id AND c.item_id = k.item_id
            """,
        )
        await conn.execute("DELETE FROM card_keys")
        return {(r[1], r[2], r[3]): _card(r) for r in rows}

    @staticmethod
    async def retentions(
        conn: Connection, members: Iterable[tuple[int, int]]
    ) -> dict[tuple[int, int], float]:
        """Desired retention of the members who set one (the others use the default): one join."""
        await run_script(
            conn, temp_table(conn, _MEMBER_KEYS_DDL, without_rowid=True), clear_temp(conn, "member_keys")
        )
        await stage_rows(conn, "member_keys", ("guild_id", "user_id"), sorted(set(members)))
        rows = await fetch_all(
            conn,
            """
            SELECT s.guild_id, s.user_id, s.desired_retention FROM member_keys k
            JOIN study_members s ON s.guild_id = k.guild_id AND s.user_id = k.user_id
            """,
        )
        await conn.execute("DELETE FROM member_keys")
        return {(int(g), int(u)): float(r) for g, u, r in rows}

    @staticmethod
    async def parameters_for(conn: Connection, guild_ids: Iterable[int]) -> dict[int, tuple[float, ...]]:
        """Fitted FSRS parameters of the given servers (those without keep py-fsrs's defaults)."""
        wanted = sorted(set(guild_ids))
        if not wanted:
            return {}
        rows = await fetch_all(
            conn,
            "SELECT guild_id, parameters FROM fsrs_parameters "
            f"WHERE guild_id IN ({', '.join('?' * len(wanted))})",
            wanted,
        )
        return {int(g): tuple(float(x) for x in json.loads(p)) for g, p in rows}

    @staticmethod
    async def save_parameters(
        conn: Connection, guild_id: int, parameters: Sequence[float], reviews: int, now_ms: int
    ) -> None:
        await conn.execute(
            """
            INSERT INTO fsrs_parameters (guild_id, parameters, reviews, fitted_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET parameters = excluded.parameters, reviews = excluded.reviews,
                fitted_at = excluded.fitted_at
            """,
            (guild_id, json.dumps(list(parameters)), reviews, now_ms),
        )

    @staticmethod
    async def save_reviews(conn: Connection, reviews: Sequence[ReviewWrite]) -> None:
        """Upsert each card with its new state and log its review, in order."""
        if not reviews:
            return
        # Staged, then two set-based statements: each card takes its last state of the batch (a
        # member may review one card twice in a batch), its reps and lapses grow by the batch's
        # count and sum; the log gets every review, in order, joined to the cards just written.
        await run_script(
            conn, temp_table(conn, _REVIEW_STAGE_DDL, without_rowid=True), clear_temp(conn, "review_stage")
        )
        await stage_rows(
            conn,
            "review_stage",
            _REVIEW_STAGE_COLUMNS,
            [
                (
                    seq,
                    r.guild_id,
                    r.user_id,
                    r.item_id,
                    r.topic,
                    r.state,
                    r.step,
                    r.stability,
                    r.difficulty,
                    r.due_at,
                    r.rating,
                    r.reviewed_at,
                    r.duration_ms,
                    r.source,
                    r.prior_state,
                    int(r.lapse),
                )
                for seq, r in enumerate(reviews)
            ],
        )
        await run_script(conn, _UPSERT_REVIEWED_CARDS, _LOG_REVIEWS, "DELETE FROM review_stage")

    @staticmethod
    async def save_member(
        conn: Connection,
        guild_id: int,
        user_id: int,
        now_ms: int,
        *,
        desired_retention: float | None = None,
        new_per_day: int | None = None,
    ) -> None:
        """Create the member's settings row (defaults) and change what is given."""
        await conn.execute(
            "INSERT INTO study_members (guild_id, user_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, user_id) DO NOTHING",
            (guild_id, user_id, now_ms),
        )
        await conn.execute(
            """
            UPDATE study_members SET desired_retention = COALESCE(?, desired_retention),
                new_per_day = COALESCE(?, new_per_day), updated_at = ?
            WHERE guild_id = ? AND user_id = ?
            """,
            (desired_retention, new_per_day, now_ms, guild_id, user_id),
        )

    @staticmethod
    async def set_reminder(
        conn: Connection,
        guild_id: int,
        user_id: int,
        now_ms: int,
        *,
        remind_time: str | None,
        timezone: str | None,
        next_at: int | None,
        off_reason: str | None = None,
        language: str | None = None,
    ) -> None:
        """Turn the reminder on (a time) or off; ``language``, when given, is kept for its DMs."""
        await CardRepository.save_member(conn, guild_id, user_id, now_ms)
        await conn.execute(
            """
            UPDATE study_members SET remind_time = ?, remind_timezone = ?, remind_next_at = ?,
                remind_off_reason = ?, language = COALESCE(?, language), updated_at = ?
            WHERE guild_id = ? AND user_id = ?
            """,
            (remind_time, timezone, next_at, off_reason, language, now_ms, guild_id, user_id),
        )

    @staticmethod
    async def seen_language(conn: Connection, guild_id: int, user_id: int, language: str) -> None:
        """The member's interface language as just seen, kept while their reminders are on (a member
        without reminders gets no row and no write)."""
        await conn.execute(
            """
            UPDATE study_members SET language = ?
            WHERE guild_id = ? AND user_id = ? AND remind_time IS NOT NULL
                AND (language IS NULL OR language <> ?)
            """,
            (language, guild_id, user_id, language),
        )

    @staticmethod
    async def claim_reminders(
        conn: Connection, claims: Sequence[tuple[int, int, int, int | None, str | None]]
    ) -> list[tuple[int, int]]:
        """Move each due reminder on: (guild, user, expected next_at, new next_at, local date sent
        or None when nothing is sent). Returns the members whose claim held (a reminder changed
        meanwhile, or claimed by another run, is left alone)."""
        held = []
        for guild_id, user_id, expected, next_at, sent_date in claims:
            cur = await conn.execute(
                """
                UPDATE study_members SET remind_next_at = ?,
                    remind_last_date = COALESCE(?, remind_last_date)
                WHERE guild_id = ? AND user_id = ? AND remind_next_at = ?
                """,
                (next_at, sent_date, guild_id, user_id, expected),
            )
            if cur.rowcount:
                held.append((guild_id, user_id))
        return held

    @staticmethod
    async def create_session(
        conn: Connection,
        *,
        guild_id: int,
        user_id: int,
        topic: str | None,
        lang: str,
        item_ids: Sequence[str],
        new_ids: Sequence[str],
        now_ms: int,
    ) -> StudySessionRow:
        row = await fetch_one(
            conn,
            f"""
            INSERT INTO study_sessions (guild_id, user_id, topic, lang, item_ids, new_ids, shown_at,
                created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_SESSION_COLUMNS}
            """,
            (
                guild_id,
                user_id,
                topic,
                lang,
                json.dumps(list(item_ids)),
                json.dumps(list(new_ids)),
                now_ms,
                now_ms,
            ),
        )
        return _session(row)

    @staticmethod
    async def session_for_update(conn: Connection, session_id: int) -> StudySessionRow | None:
        row = await fetch_one(
            conn, f"SELECT {_SESSION_COLUMNS} FROM study_sessions WHERE id = ?", (session_id,)
        )
        return _session(row) if row is not None else None

    @staticmethod
    async def update_session(
        conn: Connection,
        session_id: int,
        *,
        position: int,
        phase: str,
        last_choice: int | None,
        last_rating: int | None,
        reviewed: int,
        correct: int,
        shown_at: int,
        ended_at: int | None = None,
    ) -> None:
        await conn.execute(
            """
            UPDATE study_sessions SET position = ?, phase = ?, last_choice = ?, last_rating = ?, reviewed = ?,
                correct = ?, shown_at = ?, ended_at = ?
            WHERE id = ?
            """,
            (position, phase, last_choice, last_rating, reviewed, correct, shown_at, ended_at, session_id),
        )

    # -- reads ---------------------------------------------------------------------------------

    async def member(self, guild_id: int, user_id: int) -> StudyMember | None:
        row = await self._db.fetch_one(
            f"SELECT {_MEMBER_COLUMNS} FROM study_members WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return _member(tuple(row)) if row is not None else None

    async def deck(self, guild_id: int, user_id: int) -> list[CardRow]:
        rows = await self._db.fetch_all(
            f"SELECT {_CARD_COLUMNS} FROM cards WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return [_card(tuple(r)) for r in rows]

    async def card(self, guild_id: int, user_id: int, item_id: str) -> CardRow | None:
        row = await self._db.fetch_one(
            f"SELECT {_CARD_COLUMNS} FROM cards WHERE guild_id = ? AND user_id = ? AND item_id = ?",
            (guild_id, user_id, item_id),
        )
        return _card(tuple(row)) if row is not None else None

    async def due(self, guild_id: int, user_id: int, now_ms: int) -> list[CardRow]:
        """The member's cards due at ``now_ms`` (the member-and-due index)."""
        rows = await self._db.fetch_all(
            f"SELECT {_CARD_COLUMNS} FROM cards WHERE guild_id = ? AND user_id = ? AND due_at <= ?",
            (guild_id, user_id, now_ms),
        )
        return [_card(tuple(r)) for r in rows]

    async def due_states(
        self, guild_id: int, user_id: int, now_ms: int
    ) -> list[tuple[str, float | None, int | None]]:
        """(item id, stability, last review ms) of the member's cards due at ``now_ms``: only what
        ordering them by retrievability needs (the member-and-due index finds them)."""
        rows = await self._db.fetch_all(
            "SELECT item_id, stability, last_review_at FROM cards "
            "WHERE guild_id = ? AND user_id = ? AND due_at <= ?",
            (guild_id, user_id, now_ms),
        )
        return [(str(r[0]), r[1], r[2]) for r in rows]

    async def due_count(self, guild_id: int, user_id: int, now_ms: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM cards WHERE guild_id = ? AND user_id = ? AND due_at <= ?",
            (guild_id, user_id, now_ms),
        )
        return int(row[0]) if row is not None else 0

    async def next_due(self, guild_id: int, user_id: int) -> int | None:
        row = await self._db.fetch_one(
            "SELECT MIN(due_at) FROM cards WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return int(row[0]) if row is not None and row[0] is not None else None

    async def item_ids(self, guild_id: int, user_id: int) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT item_id FROM cards WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return {str(r[0]) for r in rows}

    async def introduced_since(self, guild_id: int, user_id: int, since_ms: int) -> int:
        """New cards a study session introduced since ``since_ms`` (today's new-card count)."""
        row = await self._db.fetch_one(
            """
            SELECT COUNT(*) FROM cards WHERE guild_id = ? AND user_id = ? AND introduced_by = 'study'
              AND created_at >= ?
            """,
            (guild_id, user_id, since_ms),
        )
        return int(row[0]) if row is not None else 0

    async def topic_sums(self, guild_id: int, user_id: int) -> dict[str, tuple[int, int]]:
        """topic -> (reviews, remembered) over the member's review log in this deck."""
        rows = await self._db.fetch_all(
            """
            SELECT c.topic, COUNT(*), SUM(CASE WHEN r.rating > 1 THEN 1 ELSE 0 END)
            FROM review_log r JOIN cards c ON c.id = r.card_id
            WHERE r.guild_id = ? AND r.user_id = ? GROUP BY c.topic
            """,
            (guild_id, user_id),
        )
        return {str(r[0]): (int(r[1]), int(r[2] or 0)) for r in rows}

    async def review_times(self, guild_id: int, user_id: int, since_ms: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT reviewed_at FROM review_log WHERE guild_id = ? AND user_id = ? AND reviewed_at >= ?",
            (guild_id, user_id, since_ms),
        )
        return [int(r[0]) for r in rows]

    async def retention_counts(self, guild_id: int, user_id: int, since_ms: int) -> tuple[int, int]:
        """(remembered, reviews) of cards that were in the review state, since ``since_ms``."""
        row = await self._db.fetch_one(
            """
            SELECT COUNT(*), SUM(CASE WHEN rating > 1 THEN 1 ELSE 0 END) FROM review_log
            WHERE guild_id = ? AND user_id = ? AND reviewed_at >= ? AND prior_state = 2
            """,
            (guild_id, user_id, since_ms),
        )
        if row is None:
            return (0, 0)
        return (int(row[1] or 0), int(row[0] or 0))

    async def review_log(self, guild_id: int, user_id: int) -> list[ReviewLogRow]:
        rows = await self._db.fetch_all(
            """
            SELECT card_id, reviewed_at, rating, duration_ms, source, prior_state FROM review_log
            WHERE guild_id = ? AND user_id = ? ORDER BY reviewed_at, id
            """,
            (guild_id, user_id),
        )
        return [ReviewLogRow(*tuple(r)) for r in rows]

    async def session(self, session_id: int) -> StudySessionRow | None:
        row = await self._db.fetch_one(
            f"SELECT {_SESSION_COLUMNS} FROM study_sessions WHERE id = ?", (session_id,)
        )
        return _session(tuple(row)) if row is not None else None

    async def due_reminders(
        self, now_ms: int, limit: int, owner: Ownership | None = None
    ) -> list[StudyMember]:
        rows = await self._db.fetch_all(
            f"""
            SELECT {_MEMBER_COLUMNS} FROM study_members
            WHERE remind_next_at IS NOT NULL AND remind_next_at <= ?{owned(owner)}
            ORDER BY remind_next_at LIMIT ?
            """,
            (now_ms, limit),
        )
        return [_member(tuple(r)) for r in rows]

    async def due_counts(self, members: Sequence[tuple[int, int]], now_ms: int) -> dict[tuple[int, int], int]:
        """Cards due now per member, for a chunk of reminders (one indexed count per member)."""
        found: dict[tuple[int, int], int] = {}
        for start in range(0, len(members), 300):
            chunk = members[start : start + 300]
            sql = " UNION ALL ".join(
                [
                    "SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), (SELECT COUNT(*) FROM cards "
                    "WHERE guild_id = ? AND user_id = ? AND due_at <= ?)"
                ]
                * len(chunk)
            )
            params = [v for g, u in chunk for v in (g, u, g, u, now_ms)]
            for g, u, n in await self._db.fetch_all(sql, params):
                found[(int(g), int(u))] = int(n)
        return found

    async def study_context(
        self, guild_id: int, user_id: int
    ) -> tuple[int | None, str | None, tuple[float, ...] | None]:
        """(new cards per day, reminder zone, the server's fitted FSRS parameters) in one read;
        None where the member or the server has set nothing."""
        row = await self._db.fetch_one(
            """
            SELECT (SELECT new_per_day FROM study_members WHERE guild_id = ?1 AND user_id = ?2),
                   (SELECT remind_timezone FROM study_members WHERE guild_id = ?1 AND user_id = ?2),
                   (SELECT parameters FROM fsrs_parameters WHERE guild_id = ?1)
            """,
            (guild_id, user_id),
        )
        if row is None:
            return (None, None, None)
        parameters = tuple(float(x) for x in json.loads(row[2])) if row[2] is not None else None
        return (row[0], row[1], parameters)

    async def parameters(self, guild_id: int) -> tuple[float, ...] | None:
        """The server's fitted FSRS parameters, None for py-fsrs's defaults."""
        row = await self._db.fetch_one(
            "SELECT parameters FROM fsrs_parameters WHERE guild_id = ?", (guild_id,)
        )
        return tuple(float(x) for x in json.loads(row[0])) if row is not None else None

    async def review_counts(self) -> dict[int, int]:
        """Review log entries per server (deck 0, the private decks, included)."""
        rows = await self._db.fetch_all("SELECT guild_id, COUNT(*) FROM review_log GROUP BY guild_id")
        return {int(g): int(n) for g, n in rows}

    async def review_histories(self, guild_id: int) -> dict[int, list[tuple[int, int]]]:
        """card id -> [(reviewed_at ms, rating)] in time order, every card of the server."""
        rows = await self._db.fetch_all(
            "SELECT card_id, reviewed_at, rating FROM review_log WHERE guild_id = ? "
            "ORDER BY card_id, reviewed_at, id",
            (guild_id,),
        )
        found: dict[int, list[tuple[int, int]]] = {}
        for card_id, at, rating in rows:
            found.setdefault(int(card_id), []).append((int(at), int(rating)))
        return found

    async def guild_item_cards(self, guild_id: int, item_ids: Sequence[str]) -> list[CardRow]:
        """Every member's card for the given items in the server (for /quiz weak)."""
        found: list[CardRow] = []
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start : start + 500])
            rows = await self._db.fetch_all(
                f"SELECT {_CARD_COLUMNS} FROM cards WHERE guild_id = ? AND item_id IN "
                f"({', '.join('?' * len(chunk))})",
                [guild_id, *chunk],
            )
            found.extend(_card(tuple(r)) for r in rows)
        return found

"""Answers and the aggregates kept at write time, saved a batch at a time.

A batch goes through a staging table so the whole thing is a handful of set-based statements
whatever its size: the first answer per (round, member) is accepted, later ones and ones already
stored are not; scores per period, per-topic accuracy, streaks and display names are updated from
the accepted rows only, in the same transaction. Nothing is ever counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.ranking import DailyStreak, correct_streak_after, daily_streak_after
from bot.storage.database import Connection, Database
from bot.storage.sql import (
    POSTGRESQL,
    analyze_temp,
    clear_temp,
    dialect_of,
    fetch_all,
    run_script,
    stage_rows,
    temp_table,
)


@dataclass(frozen=True, slots=True)
class NewAnswer:
    round_id: int
    guild_id: int
    user_id: int
    display_name: str
    item_id: str
    topic: str
    choice: int  # posted index: the letter the member picked as it was shown (A = 0)
    correct: bool
    points: int
    latency_ms: int
    answered_at: int
    week_key: str
    month_key: str
    season_id: int | None = None
    # A daily question's local date (YYYY-MM-DD): a correct answer extends the member's day streak.
    daily_date: str | None = None
    # The server's running competition and the member's team in it, resolved at answer time.
    competition_id: int | None = None
    team_id: int | None = None
    # Kept out of every aggregate until the round's reveal (a question of the day is open for hours;
    # the boards would otherwise tell who was right). See :meth:`AnswerRepository.release_scores`.
    defer_scores: bool = False
    # The bank's own index of the picked choice (the same at every posting, for statistics);
    # None when the choices were posted in bank order, where it equals ``choice``.
    bank_choice: int | None = None
    # What the member typed, for a typed answer (whose ``choice`` is -1); None for a letter.
    typed_text: str | None = None


@dataclass(frozen=True, slots=True)
class ChoiceCount:
    choice: int
    count: int


@dataclass(frozen=True, slots=True)
class RoundAnswer:
    user_id: int
    display_name: str
    choice: int  # as posted
    correct: bool
    points: int
    latency_ms: int


_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS answer_stage (
    seq INTEGER PRIMARY KEY, round_id INTEGER NOT NULL, user_id INTEGER NOT NULL, guild_id INTEGER NOT NULL,
    display_name TEXT NOT NULL, item_id TEXT NOT NULL, topic TEXT NOT NULL, choice INTEGER NOT NULL,
    correct INTEGER NOT NULL, points INTEGER NOT NULL, latency_ms INTEGER NOT NULL,
    answered_at INTEGER NOT NULL, week_key TEXT NOT NULL, month_key TEXT NOT NULL, season_id INTEGER,
    daily_date TEXT, competition_id INTEGER, team_id INTEGER, deferred INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0, bank_choice INTEGER, typed_text TEXT
)
"""

# Without these the correlated look-ups below make a batch quadratic in its size.
_STAGE_DDL = (
    _STAGE,
    "CREATE INDEX IF NOT EXISTS temp.answer_stage_round_user ON answer_stage (round_id, user_id, seq)",
    "CREATE INDEX IF NOT EXISTS temp.answer_stage_member ON answer_stage (guild_id, user_id, accepted, seq)",
)
# PostgreSQL: the same table (see :func:`temp_table`); its indexes live in the temporary schema
# by themselves.
_PG_STAGE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS answer_stage_round_user ON answer_stage (round_id, user_id, seq)",
    "CREATE INDEX IF NOT EXISTS answer_stage_member ON answer_stage (guild_id, user_id, accepted, seq)",
)


_STAGE_COLUMNS = (
    "seq",
    "round_id",
    "user_id",
    "guild_id",
    "display_name",
    "item_id",
    "topic",
    "choice",
    "correct",
    "points",
    "latency_ms",
    "answered_at",
    "week_key",
    "month_key",
    "season_id",
    "daily_date",
    "competition_id",
    "team_id",
    "deferred",
    "bank_choice",
    "typed_text",
)


def _stage_ddl(conn: Connection) -> tuple[str, ...]:
    if dialect_of(conn) == POSTGRESQL:
        return (temp_table(conn, _STAGE), *_PG_STAGE_INDEXES)
    return _STAGE_DDL


_SCORE_UPSERT = """
INSERT INTO scores (guild_id, period_kind, period_key, user_id, points, answered, correct, updated_at)
SELECT guild_id, '{kind}', {key}, user_id, SUM(points), COUNT(*), SUM(correct), MAX(answered_at)
FROM answer_stage WHERE accepted = 1 {extra}
GROUP BY guild_id, {group}user_id
ON CONFLICT (guild_id, period_kind, period_key, user_id) DO UPDATE SET
    points = scores.points + excluded.points,
    answered = scores.answered + excluded.answered,
    correct = scores.correct + excluded.correct,
    updated_at = excluded.updated_at
"""

_SCORE_STATEMENTS = (
    # (PostgreSQL refuses a constant in GROUP BY: the all-time key is grouped by nothing.)
    _SCORE_UPSERT.format(kind="all", key="'all'", group="", extra=""),
    _SCORE_UPSERT.format(kind="week", key="week_key", group="week_key, ", extra=""),
    _SCORE_UPSERT.format(kind="month", key="month_key", group="month_key, ", extra=""),
    _SCORE_UPSERT.format(
        kind="season", key="CAST(season_id AS TEXT)", group="season_id, ", extra="AND season_id IS NOT NULL"
    ),
)


_ACCEPT = """
UPDATE answer_stage SET accepted = 1
WHERE seq IN (SELECT MIN(seq) FROM answer_stage GROUP BY round_id, user_id)
  AND NOT EXISTS (SELECT 1 FROM answers a
                  WHERE a.round_id = answer_stage.round_id AND a.user_id = answer_stage.user_id)
"""
_INSERT_ANSWERS = """
INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms,
    answered_at, bank_choice, typed_text)
SELECT round_id, user_id, guild_id, item_id, choice, correct, points, latency_ms, answered_at,
    bank_choice, typed_text
FROM answer_stage WHERE accepted = 1 ORDER BY seq
"""
_UPSERT_MEMBERS = """
INSERT INTO members (guild_id, user_id, display_name, updated_at)
SELECT guild_id, user_id, display_name, answered_at FROM answer_stage s
WHERE accepted = 1 AND seq = (SELECT MAX(seq) FROM answer_stage t WHERE t.accepted = 1
                              AND t.guild_id = s.guild_id AND t.user_id = s.user_id)
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    display_name = excluded.display_name, updated_at = excluded.updated_at
"""
_DEFER_SCORES = """
INSERT INTO pending_scores (round_id, user_id, guild_id, item_id, topic, correct, points,
    answered_at, week_key, month_key, season_id, daily_date, competition_id, team_id)
SELECT round_id, user_id, guild_id, item_id, topic, correct, points, answered_at, week_key,
    month_key, season_id, daily_date, competition_id, team_id
FROM answer_stage WHERE accepted = 1 AND deferred = 1
"""
_COMPETITION_SCORES = """
INSERT INTO competition_scores (competition_id, team_id, user_id, points, answered, correct)
        SELECT competition_id, team_id, user_id, SUM(points), COUNT(*), SUM(correct)
        FROM answer_stage WHERE accepted = 1 AND competition_id IS NOT NULL AND team_id IS NOT NULL
        GROUP BY competition_id, team_id, user_id
        ON CONFLICT (competition_id, team_id, user_id) DO UPDATE SET
            points = competition_scores.points + excluded.points,
            answered = competition_scores.answered + excluded.answered,
            correct = competition_scores.correct + excluded.correct
"""
_TOPIC_SCORES = """
INSERT INTO topic_scores (guild_id, user_id, topic, answered, correct)
        SELECT guild_id, user_id, topic, COUNT(*), SUM(correct)
        FROM answer_stage WHERE accepted = 1 GROUP BY guild_id, user_id, topic
        ON CONFLICT (guild_id, user_id, topic) DO UPDATE SET
            answered = topic_scores.answered + excluded.answered,
            correct = topic_scores.correct + excluded.correct
"""


_STREAK_COLUMNS = (
    "guild_id",
    "user_id",
    "correct_current",
    "correct_best",
    "daily_current",
    "daily_best",
    "last_daily_date",
)
_STREAK_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS streak_stage (guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
    "correct_current INTEGER NOT NULL, correct_best INTEGER NOT NULL, daily_current INTEGER NOT NULL, "
    "daily_best INTEGER NOT NULL, last_daily_date TEXT)"
)
_UPSERT_STREAKS = """
INSERT INTO streaks (guild_id, user_id, correct_current, correct_best, daily_current, daily_best,
    last_daily_date)
SELECT guild_id, user_id, correct_current, correct_best, daily_current, daily_best, last_daily_date
FROM streak_stage WHERE true
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    correct_current = excluded.correct_current, correct_best = excluded.correct_best,
    daily_current = excluded.daily_current, daily_best = excluded.daily_best,
    last_daily_date = excluded.last_daily_date
"""


class AnswerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def save_batch(conn: Connection, answers: Sequence[NewAnswer]) -> list[bool]:
        """Store a batch in order; for each answer, whether it was accepted (the first for its round).

        For :meth:`Database.write`: on SQLite the dozen statements of a batch then cost one trip to
        the writer thread instead of one event-loop round trip each.
        """
        if not answers:
            return []
        await run_script(conn, *_stage_ddl(conn), clear_temp(conn, "answer_stage"))
        await stage_rows(
            conn,
            "answer_stage",
            _STAGE_COLUMNS,
            [
                (
                    seq,
                    a.round_id,
                    a.user_id,
                    a.guild_id,
                    a.display_name,
                    a.item_id,
                    a.topic,
                    a.choice,
                    int(a.correct),
                    a.points,
                    a.latency_ms,
                    a.answered_at,
                    a.week_key,
                    a.month_key,
                    a.season_id,
                    a.daily_date,
                    a.competition_id,
                    a.team_id,
                    int(a.defer_scores),
                    a.choice if a.bank_choice is None else a.bank_choice,
                    a.typed_text,
                )
                for seq, a in enumerate(answers)
            ],
        )
        # The set-based steps go as scripts: one round trip each on PostgreSQL.
        await run_script(conn, _ACCEPT, _INSERT_ANSWERS, _UPSERT_MEMBERS, _DEFER_SCORES)
        rows = await fetch_all(
            conn,
            "SELECT seq, guild_id, user_id, correct, daily_date, deferred FROM answer_stage "
            "WHERE accepted = 1 ORDER BY seq",
        )
        accepted = {int(r[0]) for r in rows}
        # Deferred answers (a question of the day) score at their reveal, by release_scores.
        scored = [(int(r[1]), int(r[2]), bool(r[3]), r[4]) for r in rows if not r[5]]
        await _apply_aggregates(conn, scored, first="UPDATE answer_stage SET accepted = 0 WHERE deferred = 1")
        return [seq in accepted for seq in range(len(answers))]

    @staticmethod
    async def release_scores(conn: Connection, round_id: int) -> int:
        """Apply a revealed round's deferred answers to every aggregate; returns how many.

        For :meth:`Database.write`. Idempotent: the pending rows go in the same transaction. Points
        are not added to a season or a competition that ended meanwhile (its final table was
        announced); they still count on the other boards.
        """
        await run_script(conn, *_stage_ddl(conn), clear_temp(conn, "answer_stage"))
        await conn.execute(
            """
            INSERT INTO answer_stage (seq, round_id, user_id, guild_id, display_name, item_id, topic, choice,
                correct, points, latency_ms, answered_at, week_key, month_key, season_id, daily_date,
                competition_id, team_id, accepted)
            SELECT ROW_NUMBER() OVER (ORDER BY p.answered_at, p.user_id), p.round_id, p.user_id, p.guild_id,
                '', p.item_id, p.topic, 0, p.correct, p.points, 0, p.answered_at, p.week_key, p.month_key,
                CASE WHEN EXISTS (SELECT 1 FROM seasons s WHERE s.id = p.season_id AND s.ended_at IS NULL)
                     THEN p.season_id END,
                p.daily_date,
                CASE WHEN EXISTS (SELECT 1 FROM competitions c
                                  WHERE c.id = p.competition_id AND c.ended_at IS NULL)
                     THEN p.competition_id END,
                p.team_id, 1
            FROM pending_scores p WHERE p.round_id = ?
            """,
            (round_id,),
        )
        await run_script(conn, analyze_temp(conn, "answer_stage", "seq"))  # a reveal may release thousands
        async with conn.execute("SELECT COUNT(*) FROM answer_stage") as cur:
            released = (await cur.fetchone())[0]
        if released:
            rows = await fetch_all(
                conn,
                "SELECT guild_id, user_id, correct, daily_date FROM answer_stage "
                "WHERE accepted = 1 ORDER BY seq",
            )
            await _apply_aggregates(conn, [(int(r[0]), int(r[1]), bool(r[2]), r[3]) for r in rows])
            await conn.execute("DELETE FROM pending_scores WHERE round_id = ?", (round_id,))
        else:
            await conn.execute("DELETE FROM answer_stage")
        return int(released)

    async def round_answers(self, round_id: int) -> list[RoundAnswer]:
        """Every stored answer of a round, fastest first, with the member's cached name."""
        rows = await self._db.fetch_all(
            """
            SELECT a.user_id, COALESCE(m.display_name, CAST(a.user_id AS TEXT)) AS display_name, a.choice,
                   a.correct, a.points, a.latency_ms
            FROM answers a LEFT JOIN members m ON m.guild_id = a.guild_id AND m.user_id = a.user_id
            WHERE a.round_id = ? ORDER BY a.latency_ms, a.user_id
            """,
            (round_id,),
        )
        return [
            RoundAnswer(
                r["user_id"], r["display_name"], r["choice"], bool(r["correct"]), r["points"], r["latency_ms"]
            )
            for r in rows
        ]

    async def answered_users(self, round_id: int) -> dict[int, int]:
        """user id -> posted choice for a round (to rebuild in-memory state after a restart)."""
        rows = await self._db.fetch_all("SELECT user_id, choice FROM answers WHERE round_id = ?", (round_id,))
        return {int(r["user_id"]): int(r["choice"]) for r in rows}

    async def session_totals(self, session_id: int) -> dict[int, tuple[int, int, int, str]]:
        """user id -> (points, correct, answered, display name) over a quiz session's rounds."""
        rows = await self._db.fetch_all(
            """
            SELECT a.user_id, SUM(a.points) AS points, SUM(a.correct) AS correct, COUNT(*) AS answered,
                   COALESCE(MAX(m.display_name), CAST(a.user_id AS TEXT)) AS display_name
            FROM answers a JOIN rounds r ON r.id = a.round_id
            LEFT JOIN members m ON m.guild_id = a.guild_id AND m.user_id = a.user_id
            WHERE r.session_id = ? GROUP BY a.user_id
            """,
            (session_id,),
        )
        return {
            int(r["user_id"]): (
                int(r["points"]),
                int(r["correct"]),
                int(r["answered"]),
                str(r["display_name"]),
            )
            for r in rows
        }


async def _apply_aggregates(
    conn: Connection, scored: Sequence[tuple[int, int, bool, str | None]], *, first: str = ""
) -> None:
    """Add the staged rows marked accepted to scores, competition scores, topic accuracy, streaks,
    then empty the stage. ``scored``: those rows' (guild, member, correct, daily date), in order.
    ``first``: a statement to run before, in the same script."""
    await run_script(conn, first, *_SCORE_STATEMENTS, _COMPETITION_SCORES, _TOPIC_SCORES)
    await _update_streaks(conn, scored)
    await run_script(conn, "DELETE FROM answer_stage")


async def _update_streaks(conn: Connection, accepted: Sequence[tuple[int, int, bool, str | None]]) -> None:
    """Streaks, applied in answer order: a wrong quiz answer ends the correct-answer run; a correct
    daily answer extends the day run (once per local date, see :func:`daily_streak_after`)."""
    if not accepted:
        return
    async with conn.execute(
        """
        SELECT s.guild_id, s.user_id, s.correct_current, s.correct_best, s.daily_current, s.daily_best,
               s.last_daily_date
        FROM (SELECT DISTINCT guild_id, user_id FROM answer_stage WHERE accepted = 1) a
        JOIN streaks s ON s.guild_id = a.guild_id AND s.user_id = a.user_id
        """
    ) as cur:
        rows = await cur.fetchall()
    state: dict[tuple[int, int], tuple[int, int, DailyStreak]] = {
        (int(r[0]), int(r[1])): (
            int(r[2]),
            int(r[3]),
            DailyStreak(int(r[4]), int(r[5]), date.fromisoformat(r[6]) if r[6] else None),
        )
        for r in rows
    }
    for guild_id, user_id, correct, daily_date in accepted:
        current, best, daily = state.get((guild_id, user_id), (0, 0, DailyStreak(0, 0, None)))
        if daily_date is None:
            current, best = correct_streak_after(current, best, correct)
        elif correct:
            # A question of the day counts for the day streak only: applied at its reveal, hours after
            # quiz answers given since, it would break or extend the right-in-a-row run out of order.
            daily = daily_streak_after(daily, date.fromisoformat(daily_date))
        state[(guild_id, user_id)] = (current, best, daily)
    await run_script(conn, temp_table(conn, _STREAK_STAGE), clear_temp(conn, "streak_stage"))
    await stage_rows(
        conn,
        "streak_stage",
        _STREAK_COLUMNS,
        [  # only members of this batch are in state
            (g, u, c, b, d.current, d.best, d.last_date.isoformat() if d.last_date else None)
            for (g, u), (c, b, d) in state.items()
        ],
    )
    await run_script(conn, _UPSERT_STREAKS, "DELETE FROM streak_stage")

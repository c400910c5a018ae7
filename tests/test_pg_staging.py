"""PostgreSQL's staging tables stay cheap however long the bot runs.

Autovacuum never visits a temporary table, so the writer looks after its own: a batch records the
stage's row count (``stage_rows`` analyzes it), so the planner joins a few hundred staged rows to a
big table by its index instead of reading the whole table into a hash; and a stage whose file has
grown with dead rows is truncated instead of emptied row by row (``clear_temp``).
"""

from __future__ import annotations

import pytest

from bot.storage import cards as cards_module
from bot.storage import sql
from bot.storage.answers import AnswerRepository
from bot.storage.database import Database
from bot.storage.sql import clear_temp, fetch_one, insert_rows, run_script, stage_rows, temp_table

GUILD = 1 << 40
ITEM = "popular-question"


def review(seq: int, user_id: int) -> tuple[object, ...]:
    # seq, guild, user, item, topic, state, step, stability, difficulty, due, rating, reviewed,
    # duration, source, prior state, lapse
    return (seq, GUILD, user_id, ITEM, "lora", 2, None, 3.0, 5.0, 10**12, 3, 10**12, 1000, "quiz", 2, 0)


async def plan(conn: sql.PostgresConnection, statement: str) -> str:
    return "\n".join(r[0] for r in await conn.raw.fetch("EXPLAIN " + statement))


async def test_a_batch_joins_its_cards_by_key_after_many_batches(pg_url: str) -> None:
    """5,000 members have a card for one question of one server; the stage's file still holds the
    dead rows of earlier batches. Ten staged reviews must find their ten cards by key, not read
    all 5,000 (a hash join over a scan of cards made each batch as dear as the table is big)."""
    db = await Database.open(pg_url)
    try:
        await db.migrate()
        async with db.transaction() as conn:
            await insert_rows(
                conn,
                "cards",
                ("guild_id", "user_id", "item_id", "topic", "state", "due_at", "introduced_by", "created_at"),
                [(GUILD, user_id, ITEM, "lora", 2, 10**12, "quiz", 10**12) for user_id in range(1, 5001)],
            )
        async with db.transaction() as conn:
            await run_script(
                conn, temp_table(conn, cards_module._REVIEW_STAGE_DDL), clear_temp(conn, "review_stage")
            )
            # Earlier batches, emptied row by row: their dead rows stay in the file.
            await insert_rows(
                conn,
                "review_stage",
                cards_module._REVIEW_STAGE_COLUMNS,
                [review(s, s + 1) for s in range(4000)],
            )
            await conn.execute("DELETE FROM review_stage")
            await stage_rows(
                conn,
                "review_stage",
                cards_module._REVIEW_STAGE_COLUMNS,
                [review(s, s + 1) for s in range(10)],
            )
            shown = await plan(conn, _log_select())
        assert "Seq Scan on cards" not in shown, shown
        assert "Index" in shown, shown
    finally:
        await db.close()


def _log_select() -> str:
    """The review log's SELECT (EXPLAIN of the INSERT would show the same join)."""
    text = cards_module._LOG_REVIEWS
    return text[text.index("SELECT") :]


@pytest.mark.parametrize(("rows", "truncated"), [(20, False), (20_000, True)])
async def test_clear_temp_truncates_a_stage_grown_past_its_limit(
    pg_url: str, rows: int, truncated: bool
) -> None:
    db = await Database.open(pg_url)
    try:
        await db.migrate()
        async with db.transaction() as conn:
            ddl = temp_table(conn, "CREATE TEMP TABLE IF NOT EXISTS probe_stage (seq INTEGER, note TEXT)")
            await run_script(conn, ddl, clear_temp(conn, "probe_stage"))
            await insert_rows(conn, "probe_stage", ("seq", "note"), [(n, "x" * 40) for n in range(rows)])
            await conn.execute("DELETE FROM probe_stage")  # a batch's rows, gone; the file keeps them
            before = (await fetch_one(conn, "SELECT pg_relation_size('probe_stage')"))[0]
            await run_script(conn, clear_temp(conn, "probe_stage"))
            after = (await fetch_one(conn, "SELECT pg_relation_size('probe_stage')"))[0]
            left = (await fetch_one(conn, "SELECT COUNT(*) FROM probe_stage"))[0]
        assert (before > sql.TEMP_TABLE_MAX_BYTES) is truncated
        assert left == 0
        assert after == (0 if truncated else before)
    finally:
        await db.close()


async def test_a_reveal_analyzes_the_scores_it_releases(pg_url: str) -> None:
    """A question of the day's reveal fills the stage by INSERT ... SELECT from pending_scores
    (thousands of rows in a big server), not by stage_rows: it records the row count too."""
    db = await Database.open(pg_url)
    try:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO rounds (id, guild_id, channel_id, kind, position, item_id, mode, message_id,"
                " opens_at, closes_at, status)"
                " VALUES (1, ?, 1, 'daily', 1, ?, 'reactions', 1, 0, 1, 'closed')",
                (GUILD, ITEM),
            )
            await insert_rows(
                conn,
                "pending_scores",
                (
                    "round_id",
                    "user_id",
                    "guild_id",
                    "item_id",
                    "topic",
                    "correct",
                    "points",
                    "answered_at",
                    "week_key",
                    "month_key",
                ),
                [(1, u, GUILD, ITEM, "lora", u % 2, 10, 1, "2026-W49", "2026-12") for u in range(1, 301)],
            )
        async with db.transaction() as conn:
            assert await AnswerRepository.release_scores(conn, 1) == 300
            (known,) = await fetch_one(
                conn,
                "SELECT reltuples FROM pg_class WHERE relname = 'answer_stage'"
                " AND relnamespace = pg_my_temp_schema()",
            )
        assert known == 300
        assert (await db.fetch_one("SELECT COUNT(*) AS n FROM scores WHERE period_kind = 'all'"))["n"] == 300
    finally:
        await db.close()

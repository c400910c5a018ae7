"""``quizbot db copy``: a bot's data moves into a new database whole, or not at all, and says so.

The source is a real SQLite database at the latest schema with EVERY table of the schema filled
(``FILL``; a table added to the schema without test data here fails
``test_the_test_database_fills_every_table``), copied into a fresh PostgreSQL database of its own
(``pg_url``) and compared value by value.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.cli import main
from bot.storage.copy import CopyRefusedError, copy_database, foreign_key_order, sqlite_tables
from bot.storage.database import Database
from bot.storage.pg_migrations import migrate_postgres

T = 1_764_547_200_000  # 2025-12-01 00:00 UTC in epoch ms
GUILD = 1_234_567_890_123_456_789  # a snowflake beyond int4
PI = 3.141592653589793

# (table, row) in an order the foreign keys accept. Columns left out take their default, or, for
# NOT NULL columns without one, a filler (see fill_source).
FILL: list[tuple[str, dict[str, Any]]] = [
    (
        "guild_settings",
        {"guild_id": GUILD, "timezone": "Asia/Shanghai", "ui_language": "zh", "updated_at": T},
    ),
    ("members", {"guild_id": GUILD, "user_id": 501, "display_name": "小明", "updated_at": T}),
    ("members", {"guild_id": GUILD, "user_id": 502, "display_name": "Zoë 🎓", "updated_at": T}),
    (
        "quiz_sessions",
        {
            "id": 3,
            "guild_id": GUILD,
            "channel_id": 900,
            "started_by": 501,
            "lang": "zh",
            "mode": "buttons",
            "seconds": 20,
            "total_questions": 2,
            "item_ids": '["s000-q01", "s000-q02"]',
            "status": "finished",
            "created_at": T,
        },
    ),
    (
        "rounds",
        {
            "id": 7,
            "guild_id": GUILD,
            "channel_id": 900,
            "session_id": 3,
            "kind": "quiz",
            "item_id": "s000-q01",
            "mode": "buttons",
            "message_id": 1_300_000_000_000_000_001,
            "opens_at": T,
            "closes_at": T + 20_000,
            "status": "revealed",
            "choice_order": "2,0,3,1",
        },
    ),
    (
        "rounds",
        {
            "id": 8,
            "guild_id": GUILD,
            "channel_id": 901,
            "kind": "daily",
            "item_id": "s000-q02",
            "mode": "reactions",
            "opens_at": T,
            "closes_at": T + 3_600_000,
        },
    ),
    *[
        (
            "answers",
            {
                "round_id": 7,
                "user_id": user,
                "guild_id": GUILD,
                "item_id": "s000-q01",
                "choice": user % 4,
                "bank_choice": (user + 2) % 4,
                "correct": user % 2,
                "points": 10 * (user % 2),
                "latency_ms": 1_000 + user,
                "answered_at": T + user,
            },
        )
        for user in range(501, 508)
    ],
    (
        "answers",
        {
            "round_id": 8,
            "user_id": 501,
            "guild_id": GUILD,
            "item_id": "s000-q02",
            "choice": -1,
            "bank_choice": -1,
            "correct": 1,
            "points": 10,
            "latency_ms": 900,
            "answered_at": T,
            "typed_text": "低秩适配",
        },
    ),
    ("scores", {"guild_id": GUILD, "period_kind": "week", "period_key": "2025-W49", "user_id": 501}),
    ("topic_scores", {"guild_id": GUILD, "user_id": 501, "topic": "lora", "answered": 3, "correct": 2}),
    ("streaks", {"guild_id": GUILD, "user_id": 501, "last_daily_date": "2025-11-30"}),
    ("question_usage", {"guild_id": GUILD, "item_id": "s000-q01", "times_used": 2, "last_used_at": T}),
    (
        "daily_schedules",
        {
            "guild_id": GUILD,
            "channel_id": 901,
            "post_time": "09:00",
            "timezone": "Asia/Shanghai",
            "next_post_at": T,
        },
    ),
    (
        "daily_posts",
        {"guild_id": GUILD, "local_date": "2025-12-01", "round_id": 8, "status": "posted", "due_at": T},
    ),
    ("seasons", {"id": 4, "guild_id": GUILD, "name": "第一季", "started_at": T, "ended_at": T + 1}),
    ("score_archives", {"id": 5, "guild_id": GUILD, "kind": "season", "label": "第一季", "season_id": 4}),
    ("score_archive_rows", {"archive_id": 5, "user_id": 501, "points": 30, "answered": 4, "correct": 3}),
    ("teams", {"id": 6, "guild_id": GUILD, "name": "Red", "created_at": T}),
    ("team_members", {"guild_id": GUILD, "user_id": 501, "team_id": 6, "joined_at": T}),
    ("competitions", {"id": 9, "guild_id": GUILD, "name": "Cup", "scoring": "average", "started_at": T}),
    ("competition_scores", {"competition_id": 9, "team_id": 6, "user_id": 501, "points": 10}),
    ("guild_items", {"guild_id": GUILD, "item_id": "g-1", "payload": '{"prompt": "什么是 LoRA?"}'}),
    ("command_sync", {"scope": "global", "hash": "abc123", "synced_at": T}),
    (
        "pending_scores",
        {
            "round_id": 8,
            "user_id": 502,
            "guild_id": GUILD,
            "item_id": "s000-q02",
            "topic": "lora",
            "correct": 0,
            "week_key": "2025-W49",
            "month_key": "2025-12",
            "daily_date": "2025-12-01",
        },
    ),
    (
        "cards",
        {
            "id": 11,
            "guild_id": 0,
            "user_id": 501,
            "item_id": "s000-q01",
            "topic": "lora",
            "state": 2,
            "stability": PI,
            "difficulty": 5.5,
            "introduced_by": "study",
        },
    ),
    (
        "review_log",
        {
            "id": 12,
            "card_id": 11,
            "guild_id": 0,
            "user_id": 501,
            "rating": 3,
            "source": "study",
            "prior_state": 2,
        },
    ),
    ("study_members", {"guild_id": 0, "user_id": 501, "desired_retention": 0.87, "remind_time": "20:30"}),
    ("study_sessions", {"id": 13, "guild_id": 0, "user_id": 501, "lang": "en", "item_ids": '["s000-q01"]'}),
    ("fsrs_parameters", {"guild_id": GUILD, "parameters": "[0.212, 1.2931]", "reviews": 1000}),
    (
        "item_stats",
        {
            "scope": -1,
            "item_id": "s000-q01",
            "choices": "[1, 5, 0, 2]",
            "top": "[0, 3, 0, 0]",
            "d_x": 0.1,
            "d_xy": 1e-300,
        },
    ),
    ("analytics_runs", {"id": 1, "seconds": 0.25}),
    (
        "item_reports",
        {"guild_id": GUILD, "item_id": "s000-q01", "user_id": 502, "reason": "typo", "comment": "错别字"},
    ),
    ("item_reviews", {"guild_id": GUILD, "item_id": "s000-q01"}),
    ("disabled_items", {"guild_id": GUILD, "item_id": "s000-q02"}),
    (
        "leases",
        {
            "name": f"daily-post:{GUILD}:2026-03-26",
            "holder": "host:4242:ab12",
            "expires_at": 1_900_000_000_000,
        },
    ),
]

FILLER = {"INTEGER": 1, "REAL": 0.5, "TEXT": "x"}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"  # an absolute path gives sqlite:////abs/path


async def migrated_sqlite(path: Path) -> Path:
    db = await Database.open(path)
    try:
        await db.migrate()
    finally:
        await db.close()
    return path


def fill_source(path: Path, rows: list[tuple[str, dict[str, Any]]] = FILL) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        for table, given in rows:
            row = dict(given)
            for _cid, name, type_, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
                if name not in row and notnull and default is None and not pk:
                    row[name] = FILLER[type_]
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values()))
        conn.execute("COMMIT")
    finally:
        conn.close()


async def filled_source(tmp_path: Path, name: str = "quiz.db") -> Path:
    path = await migrated_sqlite(tmp_path / name)
    fill_source(path)
    return path


def schema_tables(path: Path) -> dict[str, tuple[str, ...]]:
    conn = sqlite3.connect(path)
    try:
        return {name: table.column_names() for name, table in sqlite_tables(conn).items()}
    finally:
        conn.close()


def sqlite_content(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            name: sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall(), key=repr)
            for name, cols in schema_tables(path).items()
        }
    finally:
        conn.close()


async def pg_content(url: str, tables: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {
            name: sorted(
                (tuple(r) for r in await conn.fetch(f"SELECT {', '.join(cols)} FROM {name}")), key=repr
            )
            for name, cols in tables.items()
        }
    finally:
        await conn.close()


async def run_cli(*argv: str) -> int:
    """``quizbot ...`` as a shell runs it (its own event loop, on a thread of its own)."""
    return await asyncio.to_thread(main, list(argv))


async def test_the_test_database_fills_every_table(tmp_path: Path) -> None:
    path = await filled_source(tmp_path)
    filled = {table for table, _row in FILL}
    assert set(schema_tables(path)) - filled == set(), "a table of the schema has no test data in FILL"
    assert all(rows for rows in sqlite_content(path).values())


async def test_every_table_is_copied_to_postgresql_with_ids_and_values_kept(
    tmp_path: Path, pg_url: str
) -> None:
    path = await filled_source(tmp_path)
    tables = schema_tables(path)

    result = await copy_database(sqlite_url(path), pg_url)

    assert {c.table for c in result.counts} == set(tables)
    assert result.differing == []
    assert all(c.source >= 1 for c in result.counts)
    assert result.rows == len(FILL)
    assert result.schema_version == 9 or result.schema_version > 9  # the code's latest
    assert await pg_content(pg_url, tables) == sqlite_content(path)  # every value, every table

    conn = await asyncpg.connect(pg_url)
    try:
        # Ids kept, and the foreign keys join as they did.
        joined = await conn.fetch(
            "SELECT s.id AS session, r.id AS round, a.user_id, m.display_name FROM answers a"
            " JOIN rounds r ON r.id = a.round_id JOIN quiz_sessions s ON s.id = r.session_id"
            " JOIN members m ON m.guild_id = a.guild_id AND m.user_id = a.user_id ORDER BY a.user_id"
        )
        assert [tuple(r) for r in joined] == [(3, 7, 501, "小明"), (3, 7, 502, "Zoë 🎓")]
        assert await conn.fetchval("SELECT typed_text FROM answers WHERE round_id = 8") == "低秩适配"
        assert await conn.fetchval("SELECT stability FROM cards WHERE id = 11") == PI
        assert await conn.fetchval("SELECT d_xy FROM item_stats") == 1e-300
        assert await conn.fetchval("SELECT guild_id FROM guild_settings") == GUILD
        # An insert after the copy gets a fresh id from every identity sequence: no conflict.
        identities = await conn.fetch(
            "SELECT c.relname AS t, a.attname AS col FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid WHERE a.attidentity <> ''"
            " AND c.relnamespace = current_schema()::regnamespace"
        )
        assert {r["t"] for r in identities} >= {"quiz_sessions", "rounds", "cards", "teams", "seasons"}
        for r in identities:
            top = await conn.fetchval(f"SELECT max({r['col']}) FROM {r['t']}")
            fresh = await conn.fetchval(f"SELECT nextval(pg_get_serial_sequence('{r['t']}', '{r['col']}'))")
            assert fresh > top, f"{r['t']}.{r['col']}: the next id {fresh} is not past the copied {top}"
        new_id = await conn.fetchval(
            "INSERT INTO quiz_sessions (guild_id, channel_id, started_by, lang, mode, seconds,"
            " total_questions, item_ids, created_at)"
            " VALUES ($1, 902, 501, 'en', 'reactions', 20, 1, '[]', 0) RETURNING id",
            GUILD,
        )
        assert new_id > 3
        # Analyzed: the planner knows every copied table's size (autovacuum may be off).
        unanalyzed = await conn.fetch(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE last_analyze IS NULL AND relname = ANY($1::text[])",
            list(tables),
        )
        assert [r["relname"] for r in unanalyzed] == []
    finally:
        await conn.close()


async def test_the_bot_reads_the_copy(tmp_path: Path, pg_url: str) -> None:
    """The copy is a database the bot opens as its own: at its schema, nothing pending."""
    path = await filled_source(tmp_path)
    await copy_database(sqlite_url(path), pg_url)
    db = await Database.open(pg_url)
    try:
        current, latest = await db.schema_version()
        assert current == latest
        assert await db.migrate() == []
        row = await db.fetch_one("SELECT name FROM seasons WHERE id = ?", (4,))
        assert row is not None and row["name"] == "第一季"
    finally:
        await db.close()


async def test_a_copy_goes_back_from_postgresql_to_sqlite(tmp_path: Path, pg_url: str) -> None:
    path = await filled_source(tmp_path)
    await copy_database(sqlite_url(path), pg_url)
    back = tmp_path / "back" / "quiz.db"

    result = await copy_database(pg_url, sqlite_url(back))

    assert result.differing == [] and result.rows == len(FILL)
    assert sqlite_content(back) == sqlite_content(path)
    with contextlib.closing(sqlite3.connect(back)) as conn:  # analyzed: sqlite_stat1 has the tables
        analyzed = {r[0] for r in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"answers", "cards", "scores"} <= analyzed


async def test_a_postgresql_database_copies_into_another(
    tmp_path: Path, pg_url: str, pg_url_factory: Any
) -> None:
    path = await filled_source(tmp_path)
    await copy_database(sqlite_url(path), pg_url)
    second = await pg_url_factory()

    result = await copy_database(pg_url, second)

    assert result.differing == [] and result.rows == len(FILL)
    tables = schema_tables(path)
    assert await pg_content(second, tables) == await pg_content(pg_url, tables)
    await pg_url_factory.drop(second)


async def test_the_cli_prints_the_counts_and_exits_0(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await filled_source(tmp_path)

    code = await run_cli("db", "copy", "--from", sqlite_url(path), "--to", pg_url)

    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert "answers" in out and "every count matches" in lines[-1]
    answers = next(line for line in lines if line.startswith("answers "))
    assert answers.split() == ["answers", "8", "8"]
    assert "error:" not in err and "answers:" not in err  # no refusal; no progress for a small table


async def test_a_target_that_holds_rows_is_refused_and_left_alone(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await filled_source(tmp_path)
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate_postgres(conn)
        await conn.execute("INSERT INTO members VALUES (1, 2, 'already here', 0)")
        await conn.execute("INSERT INTO teams (guild_id, name, created_at) VALUES (1, 'Blue', 0)")

        code = await run_cli("db", "copy", "--from", sqlite_url(path), "--to", pg_url)

        err = capsys.readouterr().err
        assert code == 5
        assert err.startswith("error: ") and "already holds rows in members, teams" in err
        assert len(err.strip().splitlines()) == 1
        assert await conn.fetchval("SELECT count(*) FROM members") == 1
        assert await conn.fetchval("SELECT count(*) FROM answers") == 0
    finally:
        await conn.close()


async def test_a_count_that_differs_exits_1_naming_the_table(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target that loses rows on the way in (a trigger stands in for whatever might) is caught."""
    path = await filled_source(tmp_path)
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate_postgres(conn)
        await conn.execute(
            "CREATE FUNCTION drop_one() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN IF NEW.user_id = 503 THEN RETURN NULL; END IF; RETURN NEW; END $$;"
            " CREATE TRIGGER lose_a_row BEFORE INSERT ON answers FOR EACH ROW EXECUTE FUNCTION drop_one()"
        )
    finally:
        await conn.close()

    code = await run_cli("db", "copy", "--from", sqlite_url(path), "--to", pg_url)

    out, err = capsys.readouterr()
    assert code == 1
    assert "row counts differ in answers (source 8, target 7)" in err
    assert "members" not in err
    answers = next(line for line in out.splitlines() if line.startswith("answers "))
    assert answers.split() == ["answers", "8", "7", "DIFFERS"]


async def test_an_unreachable_target_is_one_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await filled_source(tmp_path)

    code = await run_cli(
        "db", "copy", "--from", sqlite_url(path), "--to", "postgresql://quiz@127.0.0.1:1/quiz"
    )

    out, err = capsys.readouterr()
    assert code == 3
    assert err.count("\n") == 1
    assert err.startswith("error: cannot reach PostgreSQL at postgresql://quiz@127.0.0.1:1/quiz (")
    assert "is it running, and is the --to URL right?" in err
    assert out == ""


async def test_a_missing_source_is_exit_3_and_a_wrong_url_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    assert (
        await run_cli("db", "copy", "--from", sqlite_url(missing), "--to", sqlite_url(tmp_path / "t.db")) == 3
    )
    assert f"no SQLite database at {missing}" in capsys.readouterr().err
    assert not missing.exists()
    assert await run_cli("db", "copy", "--from", "mysql://x/y", "--to", sqlite_url(tmp_path / "t.db")) == 2
    assert "--from 'mysql://x/y': give a sqlite:///path or a postgresql://" in capsys.readouterr().err


async def test_a_source_at_an_older_schema_is_refused(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await filled_source(tmp_path)
    conn = sqlite3.connect(path)
    latest = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA user_version = {latest - 1}")
    conn.close()

    code = await run_cli("db", "copy", "--from", sqlite_url(path), "--to", pg_url)

    err = capsys.readouterr().err
    assert code == 5
    assert (
        f"schema version {latest - 1}, this Quiz Tutor's is {latest}" in err and "quizbot db migrate" in err
    )


async def test_values_the_target_cannot_take_are_named_and_nothing_is_copied(
    tmp_path: Path, pg_url: str
) -> None:
    path = await filled_source(tmp_path)
    conn = sqlite3.connect(path)
    # SQLite keeps what it cannot convert: text in an INTEGER column, 1.5 in one, text in a REAL one.
    conn.execute("UPDATE answers SET points = 'lots' WHERE user_id = 504")
    conn.execute("UPDATE rounds SET position = 1.5 WHERE id = 8")
    conn.execute("UPDATE cards SET stability = 'high' WHERE id = 11")
    bad_rowid = conn.execute("SELECT rowid FROM answers WHERE user_id = 504").fetchone()[0]
    conn.commit()
    conn.close()

    with pytest.raises(CopyRefusedError) as refused:
        await copy_database(sqlite_url(path), pg_url)

    message = str(refused.value)
    assert refused.value.exit_code == 5
    assert "3 rows" in message and "nothing was copied" in message
    assert f"answers rowid {bad_rowid}, column points: the text 'lots' where the column is bigint" in message
    assert "rounds rowid 8, column position: the real number 1.5 where the column is bigint" in message
    assert "cards rowid 11, column stability: the text 'high' where the column is double precision" in message
    conn2 = await asyncpg.connect(pg_url)
    try:
        assert await conn2.fetchval("SELECT count(*) FROM guild_settings") == 0  # rolled back whole
    finally:
        await conn2.close()
    # Fixed in the source, the same target takes the copy (it was left migrated and empty).
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET points = 0 WHERE user_id = 504")
    conn.execute("UPDATE rounds SET position = 1 WHERE id = 8")
    conn.execute("UPDATE cards SET stability = 2.5 WHERE id = 11")
    conn.commit()
    conn.close()
    assert (await copy_database(sqlite_url(path), pg_url)).differing == []


async def test_a_running_bot_keeps_writing_and_the_copy_is_its_snapshot(tmp_path: Path, pg_url: str) -> None:
    """Writes made during the copy neither wait for it nor slip into it; progress lines are given."""
    path = await filled_source(tmp_path)
    writer = sqlite3.connect(path, isolation_level=None, timeout=0.1)  # a busy file would fail fast
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if len(lines) == 1:  # the bot answers while the answers are being copied
            writer.execute(
                "INSERT INTO answers (round_id, user_id, guild_id, item_id, choice, correct, points,"
                " latency_ms, answered_at) VALUES (7, 999, ?, 's000-q01', 0, 1, 10, 1, 0)",
                (GUILD,),
            )

    result = await copy_database(
        sqlite_url(path), pg_url, chunk_rows=3, progress=progress, progress_min_rows=8, progress_every_s=0
    )
    writer.close()

    assert lines[0] == "answers: copying 8 rows"
    assert "answers: 3 / 8 rows (37%)" in lines and lines[-2] == "answers: 8 rows copied"
    assert lines[-1] == "analyzing the copy (planner statistics)"
    assert result.differing == []
    assert next(c for c in result.counts if c.table == "answers").target == 8
    assert sqlite3.connect(path).execute("SELECT count(*) FROM answers").fetchone()[0] == 9


def test_tables_come_after_the_tables_they_reference() -> None:
    order = foreign_key_order(
        {"answers": {"rounds"}, "rounds": {"quiz_sessions"}, "quiz_sessions": set(), "a": {"a"}}
    )
    assert order == ["a", "quiz_sessions", "rounds", "answers"]
    with pytest.raises(CopyRefusedError, match="x, y form a cycle"):
        foreign_key_order({"x": {"y"}, "y": {"x"}})


async def test_the_schema_order_puts_every_table_after_its_references(tmp_path: Path) -> None:
    path = await migrated_sqlite(tmp_path / "quiz.db")
    conn = sqlite3.connect(path)
    tables = sqlite_tables(conn)
    conn.close()
    order = foreign_key_order({n: t.references for n, t in tables.items()})
    position: Callable[[str], int] = order.index
    for name, table in tables.items():
        for referenced in table.references:
            assert position(referenced) < position(name), f"{name} is copied before {referenced}"
    assert position("quiz_sessions") < position("rounds") < position("answers")

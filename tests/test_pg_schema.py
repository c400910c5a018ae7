"""The PostgreSQL schema is the SQLite schema, and its migration runner is safe to run anywhere.

The two schemas are built by their own migrations (migrations/ on a SQLite file, migrations/postgresql
on a fresh PostgreSQL database), read back from each engine's catalogue into one plain shape, and
compared: tables, columns in order, types (BIGINT ~ INTEGER, DOUBLE PRECISION ~ REAL, TEXT, BYTEA ~
BLOB), NOT NULL, defaults, primary keys, foreign keys with their ON DELETE, unique constraints, which
columns carry a CHECK, and every named index with its columns, order, uniqueness and partial WHERE.
Normalised on purpose: a primary-key column counts as NOT NULL on both sides (SQLite lets a non-rowid
key column hold NULL, a legacy quirk nothing relies on), and SQLite's ``name COLLATE NOCASE`` index
column is PostgreSQL's ``lower(name)``.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.storage.migrations import MigrationError, NewerDatabaseError, discover, migrate
from bot.storage.pg_migrations import PG_MIGRATIONS_DIR, current_pg_version, migrate_postgres, pg_status

SQLITE_TYPE = {"bigint": "INTEGER", "double precision": "REAL", "text": "TEXT", "bytea": "BLOB"}
ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # SQLite's spelling
    not_null: bool
    default: str | None


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]  # "points DESC", "lower(name)"
    unique: bool
    where: str | None


@dataclass
class Table:
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...], str]] = field(default_factory=set)
    unique: set[tuple[str, ...]] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)  # columns with a CHECK constraint
    indexes: dict[str, Index] = field(default_factory=dict)


Schema = dict[str, Table]


def normal_sql(expr: str | None) -> str | None:
    """An expression as both engines agree to spell it: no casts or quotes, no outer parentheses, one case."""
    if expr is None:
        return None
    expr = re.sub(r"::(text|bigint|integer|numeric|double precision)\b", "", expr)
    expr = " ".join(expr.replace('"', "").split()).lower()  # PostgreSQL quotes keywords: "position"
    while expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        expr = expr[1:-1].strip()
    return expr


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _top_level_parts(body: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p.strip() for p in parts]


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        schema: Schema = {}
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for name in names:
            table = schema[name] = Table()
            info = conn.execute(f"PRAGMA table_info({name})").fetchall()
            for _cid, col, type_, notnull, default, pk in info:
                table.columns.append(Column(col, type_.upper(), bool(notnull or pk), normal_sql(default)))
            table.primary_key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            fks: dict[int, list[tuple[str, str, str, str]]] = {}
            for fk_id, _seq, ref, src, dst, _upd, on_delete, _match in conn.execute(
                f"PRAGMA foreign_key_list({name})"
            ):
                fks.setdefault(fk_id, []).append((src, ref, dst, on_delete))
            for rows in fks.values():
                table.foreign_keys.add(
                    (tuple(r[0] for r in rows), rows[0][1], tuple(r[2] for r in rows), rows[0][3])
                )
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            sql = re.sub(r"--[^\n]*", "", sql)
            body = sql[sql.index("(") + 1 : sql.rindex(")")]
            column_names = {c.name for c in table.columns}
            for part in _top_level_parts(body):
                first = part.split()[0] if part else ""
                if first in column_names and re.search(r"\bCHECK\s*\(", part, re.IGNORECASE):
                    table.checked.add(first)
            for _seq, index, unique, origin, _partial in conn.execute(f"PRAGMA index_list({name})"):
                keys = [r for r in conn.execute(f"PRAGMA index_xinfo({index})") if r[5]]
                columns = tuple(
                    (f"lower({col})" if (coll or "").upper() == "NOCASE" else col) + (" DESC" if desc else "")
                    for _seqno, _cid, col, desc, coll, _key in keys
                )
                if origin == "pk":
                    continue
                if origin == "u":
                    table.unique.add(columns)
                    continue
                (index_sql,) = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
                ).fetchone()
                where = re.search(r"\bWHERE\b(.*)$", index_sql, re.IGNORECASE | re.DOTALL)
                table.indexes[index] = Index(
                    columns, bool(unique), normal_sql(where.group(1)) if where else None
                )
        return schema
    finally:
        conn.close()


async def postgres_schema(conn: asyncpg.Connection) -> Schema:
    schema: Schema = {}
    tables = await conn.fetch(
        "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_version'"
    )
    for oid, name in tables:
        table = schema[name] = Table()
        attnames: dict[int, str] = {}
        for row in await conn.fetch(
            "SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid) AS default FROM pg_attribute a"
            " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            oid,
        ):
            attnames[row["attnum"]] = row["attname"]
            type_ = SQLITE_TYPE.get(row["type"], row["type"])
            table.columns.append(Column(row["attname"], type_, row["attnotnull"], normal_sql(row["default"])))
        backing: set[int] = set()
        for con in await conn.fetch(
            "SELECT contype::text, conkey, confrelid::regclass::text AS ref, confkey,"
            " confdeltype::text, conindid FROM pg_constraint WHERE conrelid = $1",
            oid,
        ):
            columns = tuple(attnames[k] for k in con["conkey"] or ())
            kind = con["contype"]
            if kind == "p":
                table.primary_key = columns
                backing.add(con["conindid"])
            elif kind == "u":
                table.unique.add(columns)
                backing.add(con["conindid"])
            elif kind == "c":
                table.checked.update(columns)
            elif kind == "f":
                ref_cols = await conn.fetch(
                    "SELECT attnum, attname FROM pg_attribute WHERE attrelid = $1::regclass", con["ref"]
                )
                ref_names = {r["attnum"]: r["attname"] for r in ref_cols}
                table.foreign_keys.add(
                    (
                        columns,
                        con["ref"],
                        tuple(ref_names[k] for k in con["confkey"]),
                        ON_DELETE[con["confdeltype"]],
                    )
                )
        for ix in await conn.fetch(
            "SELECT i.indexrelid, c.relname, i.indisunique, i.indnkeyatts, i.indoption::int2[] AS options,"
            " pg_get_expr(i.indpred, i.indrelid) AS predicate"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1",
            oid,
        ):
            if ix["indexrelid"] in backing:
                continue
            columns = []
            for k in range(ix["indnkeyatts"]):
                column = await conn.fetchval("SELECT pg_get_indexdef($1, $2, true)", ix["indexrelid"], k + 1)
                desc = ix["options"][k] & 1
                columns.append(normal_sql(column) + (" DESC" if desc else ""))
            table.indexes[ix["relname"]] = Index(
                tuple(columns), ix["indisunique"], normal_sql(ix["predicate"])
            )
    return schema


def differences(sqlite: Schema, postgresql: Schema) -> list[str]:
    """Every way the two schemas differ, one line each; empty when they agree."""
    found: list[str] = []
    for name in sorted(sqlite.keys() - postgresql.keys()):
        found.append(f"table {name}: only in SQLite")
    for name in sorted(postgresql.keys() - sqlite.keys()):
        found.append(f"table {name}: only in PostgreSQL")
    for name in sorted(sqlite.keys() & postgresql.keys()):
        lite, pg = sqlite[name], postgresql[name]
        lite_names = [c.name for c in lite.columns]
        pg_names = [c.name for c in pg.columns]
        if lite_names != pg_names:
            found.append(f"{name}: columns differ: SQLite {lite_names}, PostgreSQL {pg_names}")
        pg_columns = {c.name: c for c in pg.columns}
        for column in lite.columns:
            twin = pg_columns.get(column.name)
            if twin is not None and twin != column:
                found.append(f"{name}.{column.name}: SQLite {column}, PostgreSQL {twin}")
        for what in ("primary_key", "foreign_keys", "unique", "checked"):
            if getattr(lite, what) != getattr(pg, what):
                found.append(f"{name}: {what}: SQLite {getattr(lite, what)}, PostgreSQL {getattr(pg, what)}")
        for index in sorted(lite.indexes.keys() | pg.indexes.keys()):
            a, b = lite.indexes.get(index), pg.indexes.get(index)
            if a != b:
                found.append(f"{name}: index {index}: SQLite {a}, PostgreSQL {b}")
    return found


@pytest.fixture
async def pg(pg_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(pg_url)
    yield conn
    await conn.close()


async def advisory_locks(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))


async def migrated_sqlite(tmp_path: Path) -> Schema:
    path = tmp_path / "quiz.db"
    async with aiosqlite.connect(path) as conn:
        await migrate(conn)
    return sqlite_schema(path)


async def test_the_postgresql_schema_is_the_sqlite_schema(tmp_path: Path, pg: asyncpg.Connection) -> None:
    await migrate_postgres(pg)
    lite, postgresql = await migrated_sqlite(tmp_path), await postgres_schema(pg)
    assert len(lite) >= 30 and len(postgresql) >= 30, "the schemas were not read"
    assert sum(len(t.indexes) for t in lite.values()) >= 30
    problems = differences(lite, postgresql)
    assert problems == [], "the PostgreSQL migrations differ from SQLite's:\n" + "\n".join(problems)
    identity = await pg.fetch(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    )
    rowid_keys = {n for n, t in lite.items() if t.primary_key == ("id",) and n != "analytics_runs"}
    assert {r["table_name"] for r in identity} == rowid_keys, "every rowid key is an identity column"


async def test_the_comparison_sees_each_kind_of_difference(tmp_path: Path) -> None:
    lite = await migrated_sqlite(tmp_path)

    def changed(table: str, **what: object) -> Schema:
        copy = dict(lite)
        copy[table] = replace(lite[table], **what)
        return copy

    rounds = lite["rounds"]
    assert differences(lite, lite) == []
    probes = {
        "columns differ": changed("rounds", columns=rounds.columns[:-1]),
        "rounds.typed:": changed(
            "rounds", columns=[*rounds.columns[:-1], replace(rounds.columns[-1], default="1")]
        ),
        "rounds.message_id:": changed(
            "rounds",
            columns=[replace(c, not_null=c.name == "message_id" or c.not_null) for c in rounds.columns],
        ),
        "foreign_keys": changed("rounds", foreign_keys=set()),
        "primary_key": changed("members", primary_key=("guild_id",)),
        "unique": changed("seasons", unique=set()),
        "checked": changed("rounds", checked=rounds.checked - {"typed"}),
        "index rounds_message": changed(
            "rounds",
            indexes={
                **rounds.indexes,
                "rounds_message": replace(rounds.indexes["rounds_message"], unique=False),
            },
        ),
        "index seasons_due": changed(
            "seasons",
            indexes={
                **lite["seasons"].indexes,
                "seasons_due": replace(lite["seasons"].indexes["seasons_due"], where=None),
            },
        ),
        "table members: only in SQLite": {k: v for k, v in lite.items() if k != "members"},
    }
    for expected, other in probes.items():
        found = differences(lite, other)
        assert len(found) == 1 and expected in found[0], (expected, found)


async def test_migrating_twice_applies_nothing_the_second_time(pg: asyncpg.Connection) -> None:
    latest = discover(PG_MIGRATIONS_DIR)[-1].version
    assert (await pg_status(pg)).current == 0
    first = await migrate_postgres(pg)
    assert [m.version for m in first] == list(range(1, latest + 1))
    assert await migrate_postgres(pg) == []
    state = await pg_status(pg)
    assert (state.current, state.latest, state.pending) == (latest, latest, ())
    assert await pg.fetchval("SELECT count(*) FROM schema_version") == 1


async def test_two_processes_starting_at_once_migrate_once(pg_url: str) -> None:
    first, second = await asyncpg.connect(pg_url), await asyncpg.connect(pg_url)
    try:
        applied = await asyncio.gather(migrate_postgres(first), migrate_postgres(second))
        versions = sorted(m.version for run in applied for m in run)
        assert versions == [m.version for m in discover(PG_MIGRATIONS_DIR)]
        assert [] in applied, "one of the two found the other's work done"
        assert await current_pg_version(second) == versions[-1]
    finally:
        await first.close()
        await second.close()


async def test_a_newer_database_is_refused(pg: asyncpg.Connection) -> None:
    await migrate_postgres(pg)
    latest = discover(PG_MIGRATIONS_DIR)[-1].version
    await pg.execute("UPDATE schema_version SET version = $1", latest + 1)
    with pytest.raises(NewerDatabaseError, match=rf"quizdb is at schema version {latest + 1}") as caught:
        await migrate_postgres(pg, where="quizdb")
    assert (caught.value.found, caught.value.known) == (latest + 1, latest)
    assert await advisory_locks(pg) == 0, "the migration lock was let go"


async def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path, pg: asyncpg.Connection) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE kept (id BIGINT);\n", encoding="utf-8")
    broken = folder / "0002_broken.sql"
    broken.write_text(
        "CREATE TABLE half (id BIGINT);\nINSERT INTO kept VALUES (1);\nINSERT INTO nowhere VALUES (1);\n",
        encoding="utf-8",
    )
    with pytest.raises(MigrationError, match=r"0002_broken\.sql failed and was rolled back"):
        await migrate_postgres(pg, folder)
    assert await current_pg_version(pg) == 1
    assert await pg.fetchval("SELECT to_regclass('half')") is None
    assert await pg.fetchval("SELECT count(*) FROM kept") == 0
    assert await advisory_locks(pg) == 0, "the migration lock was let go"
    broken.write_text("CREATE TABLE half (id BIGINT);\n", encoding="utf-8")
    assert [m.version for m in await migrate_postgres(pg, folder)] == [2]
    assert await current_pg_version(pg) == 2

"""One connection shape for both backends: what repositories call, whichever database is behind it.

Repositories are written once, in the SQL both SQLite and PostgreSQL accept (``ON CONFLICT``,
``RETURNING``, ``CAST``, ``COALESCE``...), with SQLite's ``?`` and ``:name`` placeholders. A
:class:`Connection` runs such a statement:

- ``await conn.execute(sql, params)`` runs it and returns a :class:`Cursor`;
- ``async with conn.execute(sql, params) as cur:`` the same, for reading rows from ``cur``;
- ``await conn.executemany(sql, rows)``.

Three implementations: aiosqlite's own connection (the write transaction on SQLite, which already
has this shape), :class:`SyncSqliteConnection` (a plain ``sqlite3`` connection on the batch thread,
driven without an event loop by :func:`run_sync`) and :class:`PostgresConnection` (asyncpg, with the
placeholders rewritten to ``$1, $2...`` once per statement text). Rows read by name (``row["id"]``)
and by position (``row[0]``) on all three.

Where the dialects cannot share a statement (DDL of temporary tables, mostly) a repository asks
``conn.dialect``; :data:`SQLITE` and :data:`POSTGRESQL` are its two values.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Coroutine, Generator, Iterable, Mapping, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any, Protocol, TypeVar

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

T = TypeVar("T")

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: ``row["name"]`` or ``row[0]`` (``sqlite3.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Any: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class Cursor(Protocol):
    rowcount: int

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Execution(Protocol):
    """What ``execute`` returns: await it, or enter it, for the :class:`Cursor`."""

    def __await__(self) -> Generator[Any, None, Any]: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> Any: ...


class Connection(Protocol):
    """The connection a repository write is handed (see the module docstring)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


def dialect_of(conn: object) -> str:
    """:data:`POSTGRESQL` for a :class:`PostgresConnection`, :data:`SQLITE` for the others."""
    return getattr(conn, "dialect", SQLITE)


# -- SQLite, synchronously: the batch thread ----------------------------------------------------


class _SyncCursor:
    __slots__ = ("_cursor", "rowcount")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


class _Ready:
    """An execution that has already run: awaiting or entering it never suspends."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, Any]:
        return self._cursor
        yield  # pragma: no cover  (makes this a generator that finishes at once)

    async def __aenter__(self) -> Any:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        return None


class SyncSqliteConnection:
    """A plain ``sqlite3`` connection in the :class:`Connection` shape, for :func:`run_sync`.

    Every statement runs when ``execute`` is called; the awaits around it never suspend, so a
    repository coroutine given this connection runs to its end in one step, on the calling thread.
    """

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Any = (), /) -> _Ready:
        return _Ready(_SyncCursor(self._conn.execute(sql, parameters)))

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> _SyncCursor:
        return _SyncCursor(self._conn.executemany(sql, parameters))


class SuspendedError(RuntimeError):
    """Batch work awaited something other than its connection (it would need an event loop)."""


def run_sync(work: Awaitable[T]) -> T:
    """Run a coroutine that awaits only a :class:`SyncSqliteConnection` to its end, here and now."""
    if not isinstance(work, Coroutine):
        raise TypeError(f"batch work must be a coroutine, not {type(work).__name__}")
    try:
        work.send(None)
    except StopIteration as done:
        return done.value
    work.close()
    raise SuspendedError(
        "batch work awaited something that suspends; Database.write work may only await its connection"
    )


# -- PostgreSQL ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?(\d*)|(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> tuple[str, tuple[str | int, ...]]:
    """``sql`` with ``?``, ``?NNN`` and ``:name`` placeholders numbered ``$1, $2...``, and where each
    number's value comes from: a position in the parameter sequence, or a name in the mapping.

    Quoted strings, quoted names and ``--`` comments are left alone.
    """
    order: list[str | int] = []
    numbers: dict[str, int] = {}
    positional = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal positional
        text = match.group(0)
        if text == "?":
            order.append(positional)
            positional += 1
            return f"${len(order)}"
        if match.group(1):  # ?NNN: the NNNth value, wherever it appears
            number = int(match.group(1))
            while len(order) < number:
                order.append(len(order))
            return f"${number}"
        name = match.group(2)
        if name is None:
            return text  # a string, a quoted name or a comment
        if name not in numbers:
            order.append(name)
            numbers[name] = len(order)
        return f"${numbers[name]}"

    return _TOKEN.sub(replace, sql), tuple(order)


def bind(order: tuple[str | int, ...], parameters: Any) -> list[Any]:
    """The arguments for asyncpg, in ``$n`` order, from SQLite-style parameters."""
    if isinstance(parameters, Mapping):
        return [parameters[key] for key in order]
    values = list(parameters)
    if len(values) != len(order):
        raise ValueError(f"the statement has {len(order)} placeholders but {len(values)} values were given")
    return values


_ROWS = re.compile(r"^\s*(?:SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


def returns_rows(sql: str) -> bool:
    return bool(_ROWS.search(sql))


def status_rowcount(status: str) -> int:
    """``"UPDATE 3"`` → 3, ``"INSERT 0 2"`` → 2; -1 when the status carries no count (like sqlite3)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PostgresCursor:
    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return self._rows


class _PostgresExecution:
    __slots__ = ("_run",)

    def __init__(self, run: Awaitable[PostgresCursor]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PostgresCursor]:
        return self._run.__await__()

    async def __aenter__(self) -> PostgresCursor:
        return await self._run

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PostgresConnection:
    """An asyncpg connection in the :class:`Connection` shape (SQLite placeholders accepted)."""

    dialect = POSTGRESQL

    def __init__(self, conn: Any) -> None:
        self.raw = conn  # the asyncpg connection, for COPY and the like

    def execute(self, sql: str, parameters: Any = (), /) -> _PostgresExecution:
        return _PostgresExecution(self._run(sql, parameters))

    async def _run(self, sql: str, parameters: Any) -> PostgresCursor:
        text, order = to_postgres(sql)
        args = bind(order, parameters)
        if returns_rows(sql):
            rows = await self.raw.fetch(text, *args)
            return PostgresCursor(rows, len(rows))
        status = await self.raw.execute(text, *args)
        return PostgresCursor([], status_rowcount(status))

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> PostgresCursor:
        text, order = to_postgres(sql)
        batch = [bind(order, p) for p in parameters]
        if batch:
            await self.raw.executemany(text, batch)
        return PostgresCursor([], -1)


async def fetch_all(conn: Connection, sql: str, parameters: Any = ()) -> list[Any]:
    """Every row of ``sql`` on a write connection (inside its transaction)."""
    async with conn.execute(sql, parameters) as cur:
        return list(await cur.fetchall())


async def fetch_one(conn: Connection, sql: str, parameters: Any = ()) -> Any:
    """The first row of ``sql`` on a write connection, or None."""
    async with conn.execute(sql, parameters) as cur:
        return await cur.fetchone()


def temp_table(conn: Connection, ddl: str, *, without_rowid: bool = False) -> str:
    """A ``CREATE TEMP TABLE`` written once for both dialects, as each wants it: on PostgreSQL
    ``INTEGER`` becomes ``BIGINT`` (Discord ids are 64-bit); on SQLite ``WITHOUT ROWID`` is added
    if asked (a key table). Empty one before each use with :func:`clear_temp`."""
    if dialect_of(conn) == POSTGRESQL:
        return ddl.replace("INTEGER", "BIGINT")
    return ddl + " WITHOUT ROWID" if without_rowid else ddl


# A staging table whose file has grown past this is truncated instead of emptied row by row.
TEMP_TABLE_MAX_BYTES = 1 << 20


def clear_temp(conn: Connection, table: str) -> str:
    """The statement that empties a staging table before a batch uses it.

    ``DELETE`` is what SQLite wants, and on PostgreSQL it is cheap too, but there it leaves dead
    rows, and autovacuum never visits a temporary table: they pile up, and every later batch's
    scans of the table read them again (50,000 answers in a row took p99 from 100 to 300 ms).
    So on PostgreSQL a table past :data:`TEMP_TABLE_MAX_BYTES` is truncated instead, in place of
    the delete, one batch in fifty or so. Not at every commit (``ON COMMIT DELETE ROWS``): that
    rebuilds the table's indexes each time and makes every statement that reads it plan again,
    which cost more than the dead rows in short runs.
    """
    if dialect_of(conn) == POSTGRESQL:
        return (
            f"DO $$BEGIN IF pg_relation_size('{table}') > {TEMP_TABLE_MAX_BYTES} THEN TRUNCATE {table}; "
            f"ELSE DELETE FROM {table}; END IF; END$$"
        )
    return f"DELETE FROM {table}"


async def run_script(conn: Connection, *statements: str) -> None:
    """Statements without parameters, in order, in the caller's transaction: one round trip on
    PostgreSQL (its simple query protocol takes several statements at once, so a batch's set-based
    steps do not wait on the event loop between them), each in turn on SQLite (in-process). Empty
    statements (a step one dialect does not need) are left out."""
    wanted = [s.strip().rstrip(";") for s in statements if s.strip()]
    if not wanted:
        return
    if isinstance(conn, PostgresConnection):
        await conn.raw.execute(";\n".join(wanted))
        return
    for statement in wanted:
        await conn.execute(statement)


async def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows at once: ``COPY`` on PostgreSQL (one round trip for the lot, the fastest
    way in), an ``executemany`` of one prepared ``INSERT`` on SQLite (in-process: no trips)."""
    if not rows:
        return
    if isinstance(conn, PostgresConnection):
        await conn.raw.copy_records_to_table(table, records=rows, columns=list(columns))
        return
    placeholders = ", ".join("?" for _ in columns)
    await conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


async def stage_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Fill a staging table (see :func:`temp_table`) with many rows at once.

    PostgreSQL: ``COPY`` (one round trip for the lot), then ``ANALYZE`` of the table's first
    column, which records its row count. Autovacuum never analyzes a temporary table, so without
    it the planner guesses the stage's size from its file (thousands of rows, where a batch holds
    a few hundred) and joins it to cards or answers by reading the whole table into a hash: each
    batch then costs as much as the table is big. Only one column, so a batch rewrites one
    statistics row. SQLite: :func:`insert_rows` alone.
    """
    await insert_rows(conn, table, columns, rows)
    if rows and isinstance(conn, PostgresConnection):
        await conn.raw.execute(analyze_temp(conn, table, columns[0]))


def analyze_temp(conn: Connection, table: str, column: str) -> str:
    """``ANALYZE`` of one column of a staging table filled by an ``INSERT … SELECT`` (see
    :func:`stage_rows`, which runs it itself); empty on SQLite, whose planner does not need it."""
    return f"ANALYZE {table} ({column})" if dialect_of(conn) == POSTGRESQL else ""

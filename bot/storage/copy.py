"""``quizbot db copy``: copy a bot's data into a new database (SQLite to PostgreSQL, the move to scale out).

The source is read in one read-only snapshot: on SQLite one read transaction on a ``mode=ro``
connection (in WAL mode a running bot keeps writing beside it; what it writes after the snapshot
is not copied), on PostgreSQL one ``REPEATABLE READ READ ONLY`` transaction. The target is migrated
to the code's schema, must hold no rows, and is written in one transaction: a copy that fails part
way leaves it migrated and empty, ready for another try.

Tables are the target schema's (schema bookkeeping aside), copied in foreign-key order derived from
the schema's own foreign keys, in chunks: ``COPY`` (asyncpg's ``copy_records_to_table``) on
PostgreSQL, ``executemany`` on SQLite. Every value is checked against the target column's type
first: SQLite keeps what it is given (text in an INTEGER column, 1.5 in an INTEGER column), which
PostgreSQL refuses or, worse, truncates silently; such a value stops the copy with its table, rowid
and column named. Identity sequences are then moved past the copied ids, and the row counts of
source (in the snapshot) and target (after the commit) are compared table by table.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.storage.database import DatabaseOpenError, sqlite_path
from bot.storage.migrations import MIGRATIONS_DIR, MigrationError, discover

log = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK_ROWS = 10_000
PROGRESS_MIN_ROWS = 100_000  # tables at least this big get progress lines
PROGRESS_EVERY_S = 2.0
MAX_PROBLEMS = 20  # value problems listed before the rest are only counted

INT_RANGES = {"bigint": 2**63, "integer": 2**31, "smallint": 2**15}


class CopyRefusedError(Exception):
    """The copy was refused or stopped before anything was committed to the target: exit code 5."""

    def __init__(self, message: str, exit_code: int = 5) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # "integer", "real", "text", "blob", "boolean" or "other"
    type: str  # as the database spells it, for messages
    not_null: bool
    identity: bool = False  # PostgreSQL: GENERATED ... AS IDENTITY


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    references: frozenset[str]  # tables its foreign keys point at

    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


@dataclass
class CopyResult:
    source: str
    target: str
    schema_version: int
    counts: list[TableCount] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # source tables outside the schema
    seconds: float = 0.0

    @property
    def differing(self) -> list[TableCount]:
        return [c for c in self.counts if not c.matches]

    @property
    def rows(self) -> int:
        return sum(c.target for c in self.counts)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def foreign_key_order(tables: Mapping[str, Iterable[str]]) -> list[str]:
    """Table names, each after every table it references (names in ``tables`` only; a table's
    reference to itself is ignored). Ties in alphabetical order, so the order is stable."""
    pending = {name: {r for r in refs if r in tables and r != name} for name, refs in tables.items()}
    order: list[str] = []
    while pending:
        ready = sorted(name for name, refs in pending.items() if not refs)
        if not ready:
            raise CopyRefusedError(
                f"the foreign keys of {', '.join(sorted(pending))} form a cycle: no order copies them"
            )
        for name in ready:
            del pending[name]
            order.append(name)
        for refs in pending.values():
            refs.difference_update(ready)
    return order


def kind_of_pg(type_name: str) -> str:
    if type_name in INT_RANGES:
        return "integer"
    if type_name in ("double precision", "real"):
        return "real"
    if type_name == "text" or type_name.startswith(("character varying", "varchar")):
        return "text"
    if type_name == "bytea":
        return "blob"
    if type_name == "boolean":
        return "boolean"
    return "other"


def kind_of_sqlite(declared: str) -> str:
    """SQLite's type affinity of a declared column type (https://sqlite.org/datatype3.html 3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if upper == "" or "BLOB" in upper:
        return "blob"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "other"  # NUMERIC affinity


class Undecodable(bytes):
    """A SQLite TEXT value that is not UTF-8 (PostgreSQL's text would refuse it)."""


def _text_factory(raw: bytes) -> str | Undecodable:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Undecodable(raw)


def _describe(value: Any) -> str:
    if isinstance(value, Undecodable):
        return f"text that is not UTF-8 ({bytes(value)[:40]!r})"
    if isinstance(value, bytes):
        return f"a blob of {len(value)} bytes"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the text {shown!r}"
    if isinstance(value, float):
        return f"the real number {value!r}"
    if isinstance(value, int):
        return f"the integer {value}"
    return f"{value!r} ({type(value).__name__})"


def convert(value: Any, column: Column, target_dialect: str) -> Any:
    """``value`` as ``column`` of the target takes it; ValueError saying why not."""
    if value is None:
        if column.not_null:
            raise ValueError(f"NULL where the column is NOT NULL in {target_dialect}")
        return None
    kind = column.kind
    if isinstance(value, Undecodable):
        raise ValueError(_describe(value))
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_describe(value)} where the column is {column.type} (an integer)")
        limit = INT_RANGES.get(column.type)
        if limit is not None and not -limit <= value < limit:
            raise ValueError(f"{_describe(value)}, out of the range of {column.type}")
        return value
    if kind == "real":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{_describe(value)} where the column is {column.type} (a number)")
        return float(value)
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError(f"{_describe(value)} where the column is {column.type}")
        if "\x00" in value:
            raise ValueError(f"{_describe(value)} holds a NUL character, which {target_dialect} text cannot")
        return value
    if kind == "blob":
        if not isinstance(value, bytes):
            raise ValueError(f"{_describe(value)} where the column is {column.type} (bytes)")
        return bytes(value)
    if kind == "boolean":
        if value in (0, 1) and not isinstance(value, float):
            return bool(value)
        raise ValueError(f"{_describe(value)} where the column is boolean (0 or 1)")
    return value


# --- sources -----------------------------------------------------------------------------------


class Source:
    """One read-only snapshot of the database to copy."""

    dialect: str
    where: str
    row_label = "row"  # how a row is named in messages: "rowid 17" on SQLite, "row 17" (in read order) else

    async def version(self) -> tuple[int, int]:
        """(its schema version, the newest this code knows)."""
        raise NotImplementedError

    async def tables(self) -> dict[str, Table]:
        raise NotImplementedError

    async def count(self, table: str) -> int:
        raise NotImplementedError

    def rows(self, table: Table, chunk: int) -> AsyncIterator[list[tuple[int, tuple[Any, ...]]]]:
        """Chunks of (row id for messages, values in ``table.columns`` order)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _SqliteThread:
    """A sqlite3 connection used on one thread of its own (sqlite3 objects stay on their thread)."""

    _executor: ThreadPoolExecutor
    _conn: sqlite3.Connection | None

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        def call() -> T:
            assert self._conn is not None
            return work(self._conn)

        return asyncio.get_running_loop().run_in_executor(self._executor, call)


class SqliteSource(_SqliteThread, Source):
    """A ``mode=ro`` connection inside one read transaction, used on a thread of its own."""

    dialect = "SQLite"
    row_label = "rowid"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-source")
        self._conn = None

    @classmethod
    async def open(cls, path: Path) -> SqliteSource:
        source = cls(path)

        def connect() -> None:
            if not path.is_file():
                raise DatabaseOpenError(f"no SQLite database at {path}: check the --from path")
            uri = path.resolve().as_uri() + "?mode=ro"
            try:
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                conn.text_factory = _text_factory
                conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute("BEGIN")
                # The snapshot starts at the first read, not at BEGIN: read now, so version, counts
                # and rows all come from this one moment.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                raise DatabaseOpenError(f"cannot read the SQLite database {path}: {exc}") from None
            source._conn = conn

        try:
            await asyncio.get_running_loop().run_in_executor(source._executor, connect)
        except BaseException:
            source._executor.shutdown(wait=True)
            raise
        return source

    async def version(self) -> tuple[int, int]:
        migrations = discover(MIGRATIONS_DIR)
        (current,) = await self._run(lambda c: c.execute("PRAGMA user_version").fetchone())
        return int(current), migrations[-1].version if migrations else 0

    async def tables(self) -> dict[str, Table]:
        return await self._run(sqlite_tables)

    async def count(self, table: str) -> int:
        (n,) = await self._run(lambda c: c.execute(f"SELECT count(*) FROM {quote(table)}").fetchone())
        return int(n)

    async def rows(self, table: Table, chunk: int) -> AsyncIterator[list[tuple[int, tuple[Any, ...]]]]:
        columns = ", ".join(quote(c) for c in table.column_names())
        has_rowid = await self._run(lambda c: _has_rowid(c, table.name))
        key = "rowid" if has_rowid else "NULL"
        sql = f"SELECT {key}, {columns} FROM {quote(table.name)}" + (" ORDER BY rowid" if has_rowid else "")
        cursor = await self._run(lambda c: c.execute(sql))
        position = 0

        def fetch(_conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return cursor.fetchmany(chunk)

        # Read the next chunk on the source's thread while the caller writes this one.
        pending = self._run(fetch)
        try:
            while True:
                raw = await pending
                if not raw:
                    return
                pending = self._run(fetch)
                out = []
                for row in raw:
                    position += 1
                    out.append((row[0] if has_rowid else position, row[1:]))
                yield out
        finally:
            await asyncio.wait({pending})
            cursor.close()

    async def close(self) -> None:
        def close(conn: sqlite3.Connection) -> None:
            if conn.in_transaction:
                conn.execute("COMMIT")
            conn.close()

        if self._conn is not None:
            await self._run(close)
            self._conn = None
        self._executor.shutdown(wait=True)


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, Table]:
    """The tables of a SQLite database (its own ``sqlite_*`` tables aside) with their columns and the
    tables their foreign keys reference."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    ]
    found: dict[str, Table] = {}
    for name in names:
        columns = tuple(
            Column(col, kind_of_sqlite(type_), type_ or "(no type)", bool(notnull))
            for _cid, col, type_, notnull, _default, _pk in conn.execute(f"PRAGMA table_info({quote(name)})")
        )
        refs = frozenset(r[2] for r in conn.execute(f"PRAGMA foreign_key_list({quote(name)})"))
        found[name] = Table(name, columns, refs)
    return found


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    try:
        conn.execute(f"SELECT rowid FROM {quote(table)} LIMIT 0")
    except sqlite3.OperationalError:
        return False  # a WITHOUT ROWID table
    return True


_PG_TABLES = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
"""
_PG_COLUMNS = """
SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity <> '' AS identity
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""
_PG_REFERENCES = """
SELECT src.relname AS table_name, dst.relname AS referenced
FROM pg_constraint k JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
WHERE k.contype = 'f' AND src.relnamespace = current_schema()::regnamespace
"""
PG_BOOKKEEPING = frozenset({"schema_version"})


async def pg_tables(conn: asyncpg.Connection) -> dict[str, Table]:
    names = [r[0] for r in await conn.fetch(_PG_TABLES)]
    columns: dict[str, list[Column]] = {n: [] for n in names}
    for r in await conn.fetch(_PG_COLUMNS):
        columns[r["table_name"]].append(
            Column(r["name"], kind_of_pg(r["type"]), r["type"], r["not_null"], r["identity"])
        )
    refs: dict[str, set[str]] = {n: set() for n in names}
    for r in await conn.fetch(_PG_REFERENCES):
        refs[r["table_name"]].add(r["referenced"])
    return {n: Table(n, tuple(columns[n]), frozenset(refs[n])) for n in names if n not in PG_BOOKKEEPING}


class PostgresSource(Source):
    """One connection inside a ``REPEATABLE READ READ ONLY`` transaction: one snapshot."""

    dialect = "PostgreSQL"

    def __init__(self, url: str, conn: asyncpg.Connection, transaction: Any) -> None:
        from bot.storage.postgres import redact

        self.where = redact(url)
        self._conn = conn
        self._transaction = transaction

    @classmethod
    async def open(cls, url: str) -> PostgresSource:
        from bot.storage.postgres import connect

        conn = await connect(url)
        transaction = conn.transaction(isolation="repeatable_read", readonly=True)
        await transaction.start()
        return cls(url, conn, transaction)

    async def version(self) -> tuple[int, int]:
        from bot.storage.pg_migrations import pg_status

        state = await pg_status(self._conn)
        return state.current, state.latest

    async def tables(self) -> dict[str, Table]:
        return await pg_tables(self._conn)

    async def count(self, table: str) -> int:
        return int(await self._conn.fetchval(f"SELECT count(*) FROM {quote(table)}"))

    async def rows(self, table: Table, chunk: int) -> AsyncIterator[list[tuple[int, tuple[Any, ...]]]]:
        columns = ", ".join(quote(c) for c in table.column_names())
        cursor = await self._conn.cursor(f"SELECT {columns} FROM {quote(table.name)}")
        position = 0
        while True:
            records = await cursor.fetch(chunk)
            if not records:
                return
            out = []
            for record in records:
                position += 1
                out.append((position, tuple(record)))
            yield out

    async def close(self) -> None:
        try:
            if not self._conn.is_closed():
                await self._transaction.rollback()  # read only: nothing to keep
        finally:
            await self._conn.close()


# --- targets -----------------------------------------------------------------------------------


class Target:
    """The database copied into: migrated, then written in one transaction."""

    dialect: str
    where: str

    async def tables(self) -> dict[str, Table]:
        raise NotImplementedError

    async def tables_with_rows(self, names: Iterable[str]) -> list[str]:
        raise NotImplementedError

    async def begin(self) -> None:
        raise NotImplementedError

    async def write(self, table: Table, records: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    async def reset_sequences(self, tables: Iterable[Table]) -> None:
        """Move identity sequences past the copied ids, so the next insert gets a fresh one."""

    async def commit(self) -> None:
        raise NotImplementedError

    async def rollback(self) -> None:
        raise NotImplementedError

    async def count(self, table: str) -> int:
        raise NotImplementedError

    async def analyze(self) -> None:
        """Planner statistics for the copied tables. A database filled in one go has none until
        autovacuum comes round (never, where it is off), and without them PostgreSQL plans the
        bot's first batches as if every table were small."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PostgresTarget(Target):
    dialect = "PostgreSQL"

    def __init__(self, url: str, conn: asyncpg.Connection) -> None:
        from bot.storage.postgres import redact

        self.where = redact(url)
        self._conn = conn
        self._transaction: Any = None

    @classmethod
    async def open(cls, url: str) -> PostgresTarget:
        from bot.storage.pg_migrations import migrate_postgres
        from bot.storage.postgres import connect, redact

        conn = await connect(url)
        try:
            await migrate_postgres(conn, where=redact(url))
        except BaseException:
            await conn.close()
            raise
        return cls(url, conn)

    async def tables(self) -> dict[str, Table]:
        return await pg_tables(self._conn)

    async def tables_with_rows(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if await self._conn.fetchval(f"SELECT EXISTS (SELECT FROM {quote(n)})")]

    async def begin(self) -> None:
        self._transaction = self._conn.transaction()
        await self._transaction.start()

    async def write(self, table: Table, records: list[tuple[Any, ...]]) -> None:
        await self._conn.copy_records_to_table(table.name, records=records, columns=table.column_names())

    async def reset_sequences(self, tables: Iterable[Table]) -> None:
        for table in tables:
            for column in table.columns:
                if column.identity:
                    await self._conn.execute(
                        f"SELECT setval(pg_get_serial_sequence($1, $2), "
                        f"COALESCE(max({quote(column.name)}), 0) + 1, false) FROM {quote(table.name)}",
                        quote(table.name),
                        column.name,
                    )

    async def commit(self) -> None:
        await self._transaction.commit()
        self._transaction = None

    async def rollback(self) -> None:
        if self._transaction is not None and not self._conn.is_closed():
            await self._transaction.rollback()
        self._transaction = None

    async def count(self, table: str) -> int:
        return int(await self._conn.fetchval(f"SELECT count(*) FROM {quote(table)}"))

    async def analyze(self) -> None:
        await self._conn.execute("ANALYZE")

    async def close(self) -> None:
        await self._conn.close()


class SqliteTarget(_SqliteThread, Target):
    """A SQLite file (``--to sqlite:///…``): migrated by the bot's own runner, then written on a thread."""

    dialect = "SQLite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-target")
        self._conn = None

    @classmethod
    async def open(cls, path: Path) -> SqliteTarget:
        from bot.storage.database import SqliteDatabase

        if path.parent != Path() and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await SqliteDatabase.open(path)
        try:
            await db.migrate()
        finally:
            await db.close()
        target = cls(path)

        def connect() -> None:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA foreign_keys = ON")
            target._conn = conn

        await asyncio.get_running_loop().run_in_executor(target._executor, connect)
        return target

    async def tables(self) -> dict[str, Table]:
        return await self._run(sqlite_tables)

    async def tables_with_rows(self, names: Iterable[str]) -> list[str]:
        wanted = list(names)

        def check(conn: sqlite3.Connection) -> list[str]:
            return [
                n for n in wanted if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(n)})").fetchone()[0]
            ]

        return await self._run(check)

    async def begin(self) -> None:
        await self._run(lambda c: c.execute("BEGIN IMMEDIATE"))

    async def write(self, table: Table, records: list[tuple[Any, ...]]) -> None:
        names = table.column_names()
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        await self._run(lambda c: c.executemany(sql, records))

    async def commit(self) -> None:
        await self._run(lambda c: c.execute("COMMIT"))

    async def rollback(self) -> None:
        def rollback(conn: sqlite3.Connection) -> None:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

        if self._conn is not None:
            await self._run(rollback)

    async def count(self, table: str) -> int:
        (n,) = await self._run(lambda c: c.execute(f"SELECT count(*) FROM {quote(table)}").fetchone())
        return int(n)

    async def analyze(self) -> None:
        await self._run(lambda c: c.execute("ANALYZE"))

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(lambda c: c.close())
            self._conn = None
        self._executor.shutdown(wait=True)


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite://")


def _check_url(url: str, option: str) -> None:
    if not (_is_postgres(url) or _is_sqlite(url)):
        raise CopyRefusedError(
            f"{option} {url!r}: give a sqlite:///path or a postgresql://user@host:port/db URL",
            exit_code=2,
        )


def _named_by(exc: DatabaseOpenError, option: str) -> DatabaseOpenError:
    """The bot's open errors point at DATABASE_URL; here the URL came from ``option``."""
    return DatabaseOpenError(str(exc).replace("DATABASE_URL", f"the {option} URL"))


async def open_source(url: str) -> Source:
    try:
        if _is_postgres(url):
            return await PostgresSource.open(url)
        return await SqliteSource.open(sqlite_path(url))
    except DatabaseOpenError as exc:
        raise _named_by(exc, "--from") from None


async def open_target(url: str) -> Target:
    try:
        if _is_postgres(url):
            return await PostgresTarget.open(url)
        return await SqliteTarget.open(sqlite_path(url))
    except DatabaseOpenError as exc:
        raise _named_by(exc, "--to") from None
    except MigrationError as exc:
        raise CopyRefusedError(f"the target cannot be migrated: {exc}") from None


# --- the copy ----------------------------------------------------------------------------------

Progress = Callable[[str], None]


def _no_progress(_line: str) -> None:
    pass


async def copy_database(
    source_url: str,
    target_url: str,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress = _no_progress,
    progress_min_rows: int = PROGRESS_MIN_ROWS,
    progress_every_s: float = PROGRESS_EVERY_S,
) -> CopyResult:
    """Copy every table of the schema from ``source_url`` into ``target_url``; the counts compared.

    Raises :class:`CopyRefusedError` (nothing committed to the target) for a source at another
    schema version than the code's, a target holding rows, a schema that differs, or values the
    target cannot take; :class:`DatabaseOpenError` when either database cannot be opened.
    """
    _check_url(source_url, "--from")
    _check_url(target_url, "--to")
    started = time.monotonic()
    source = await open_source(source_url)
    try:
        current, latest = await source.version()
        _check_source_version(source, current, latest)
        target = await open_target(target_url)
        try:
            result = await _copy(
                source, target, current, chunk_rows, progress, progress_min_rows, progress_every_s
            )
        finally:
            await target.close()
    finally:
        await source.close()
    result.seconds = time.monotonic() - started
    return result


def _check_source_version(source: Source, current: int, latest: int) -> None:
    if current == latest:
        return
    if current == 0:
        raise CopyRefusedError(
            f"{source.where} is not a Quiz Tutor database (schema version 0): check --from"
        )
    if current > latest:
        raise CopyRefusedError(
            f"{source.where} is at schema version {current}, written by a newer Quiz Tutor (this one knows "
            f"up to {latest}): copy it with that newer version"
        )
    raise CopyRefusedError(
        f"{source.where} is at schema version {current}, this Quiz Tutor's is {latest}: migrate the source "
        f"first (DATABASE_URL=<the --from URL> quizbot db migrate, or start the bot once), then copy again"
    )


async def _copy(
    source: Source,
    target: Target,
    version: int,
    chunk_rows: int,
    progress: Progress,
    progress_min_rows: int,
    progress_every_s: float,
) -> CopyResult:
    result = CopyResult(source.where, target.where, version)
    target_tables = await target.tables()
    source_tables = await source.tables()
    missing = sorted(set(target_tables) - set(source_tables))
    if missing:
        raise CopyRefusedError(
            f"{source.where} lacks the tables {', '.join(missing)} of schema {version}: "
            "it is not a Quiz Tutor database at that version"
        )
    result.skipped = sorted(set(source_tables) - set(target_tables))
    for name, table in target_tables.items():
        theirs, ours = set(source_tables[name].column_names()), set(table.column_names())
        if theirs != ours:
            raise CopyRefusedError(
                f"the columns of {name} differ: {source.where} has "
                f"{', '.join(sorted(theirs - ours)) or 'none'} extra and lacks "
                f"{', '.join(sorted(ours - theirs)) or 'none'}; is it a Quiz Tutor database?"
            )
    order = foreign_key_order({n: t.references for n, t in target_tables.items()})

    await target.begin()
    try:
        full = await target.tables_with_rows(order)
        if full:
            raise CopyRefusedError(
                f"{target.where} already holds rows in {', '.join(full)}: copy into a new, empty database "
                "(createdb), or drop these rows first"
            )
        source_counts: dict[str, int] = {}
        problems: list[str] = []
        problem_count = 0
        for name in order:
            table = target_tables[name]
            total = source_counts[name] = await source.count(name)
            show = total >= progress_min_rows
            if show:
                progress(f"{name}: copying {total:,} rows")
            done = 0
            last_shown = time.monotonic()
            async for chunk in source.rows(table, chunk_rows):
                records: list[tuple[Any, ...]] = []
                for rowid, values in chunk:
                    try:
                        records.append(
                            tuple(
                                convert(v, c, target.dialect)
                                for v, c in zip(values, table.columns, strict=True)
                            )
                        )
                    except ValueError:
                        problem_count += 1
                        if len(problems) < MAX_PROBLEMS:
                            problems.append(
                                _row_problems(
                                    f"{name} {source.row_label} {rowid}", values, table, target.dialect
                                )
                            )
                if not problems:  # after a problem, keep reading only to report every one of them
                    await target.write(table, records)
                done += len(chunk)
                if show and time.monotonic() - last_shown >= progress_every_s:
                    last_shown = time.monotonic()
                    progress(f"{name}: {done:,} / {total:,} rows ({100 * done // max(total, 1)}%)")
            if show:
                progress(f"{name}: {done:,} rows copied")
        if problems:
            more = problem_count - len(problems)
            listed = "\n".join(f"  {p}" for p in problems)
            tail = f"\n  ... and {more} more rows" if more > 0 else ""
            raise CopyRefusedError(
                f"{problem_count} rows of {source.where} hold values {target.dialect} cannot take; nothing "
                f"was copied. Fix them in the source and copy again:\n{listed}{tail}"
            )
        await target.reset_sequences(target_tables[n] for n in order)
        await target.commit()
    except BaseException:
        await target.rollback()
        raise
    if sum(source_counts.values()) >= progress_min_rows:
        progress("analyzing the copy (planner statistics)")
    await target.analyze()

    for name in order:
        result.counts.append(TableCount(name, source_counts[name], await target.count(name)))
    return result


def _row_problems(row: str, values: Sequence[Any], table: Table, dialect: str) -> str:
    """``answers rowid 17, column points: the text 'x' where ...`` (every bad column of the row)."""
    found = []
    for value, column in zip(values, table.columns, strict=True):
        try:
            convert(value, column, dialect)
        except ValueError as exc:
            found.append(f"column {column.name}: {exc}")
    return f"{row}, " + "; ".join(found)

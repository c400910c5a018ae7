"""The database: SQLite (the default, one file) or PostgreSQL (:mod:`bot.storage.postgres`).

:class:`Database` is what services and repositories hold; :meth:`Database.open` picks the backend
from a path or a URL (``sqlite:///path``, ``postgresql://user@host:port/db``). Both offer:

- :meth:`Database.transaction`: a write transaction whose connection repositories write through;
- :meth:`Database.write`: ``work(connection, *args)`` (a coroutine function) in one transaction,
  in one trip: the answer writer's batches;
- :meth:`Database.fetch_all` / :meth:`Database.fetch_one`: reads of committed data.

Repositories' SQL is written once for both (see :mod:`bot.storage.sql`).

On SQLite: one write connection, serialised by a lock, and a separate read connection, so long
reads (leaderboards, stats) never wait behind the answer writer in WAL mode. Batch writes run on a
plain ``sqlite3`` connection of their own, on a thread of their own, under the same write lock:
public API only (no aiosqlite internals).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import asyncpg

from bot.storage.sql import SQLITE, Connection, Row, SyncSqliteConnection, run_sync

__all__ = ["Connection", "Database", "DatabaseOpenError", "IntegrityErrors", "Row", "SqliteDatabase"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
# SQLite's default page cache is 2 MB: on a database that has lived a while (millions of answers,
# cards and reviews) every batch then reads its index pages from the OS again. 64 MiB of cache
# per connection and memory-mapped reads keep the hot index pages at hand.
CACHE_SIZE_KIB = 65_536
MMAP_SIZE_BYTES = 256 * 1024 * 1024

T = TypeVar("T")


PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
    f"PRAGMA cache_size = -{CACHE_SIZE_KIB}",
    f"PRAGMA mmap_size = {MMAP_SIZE_BYTES}",
)


# A constraint refused a write (unique, foreign key, check), whichever backend refused it:
# ``except IntegrityErrors``. On PostgreSQL the transaction is then aborted: raise, don't carry on.
IntegrityErrors: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)


class DatabaseOpenError(Exception):
    """The database file cannot be opened or written: one line for the operator, exit code 3."""

    exit_code = 3


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open a connection in autocommit mode with the pragmas this project relies on.

    ``foreign_keys`` is a no-op inside a transaction, so it is set here, before any. A file that
    cannot be used raises :class:`DatabaseOpenError` naming it and saying what to do; the
    connection's thread is closed first (left open, it keeps the process from ever exiting).
    """
    conn = aiosqlite.connect(str(path), isolation_level=None)
    try:
        await conn
    except sqlite3.Error as exc:
        # aiosqlite queues its thread's stop without waiting for it: wait here, or the thread outlives
        # the event loop and prints "Event loop is closed" on the way out. ``_thread`` is the one
        # private aiosqlite name used here (no public way to wait for that thread); tested by
        # tests/test_operator_errors.py, which fails by hanging if it stops working.
        await asyncio.to_thread(conn._thread.join, 5)
        raise DatabaseOpenError(describe_open_error(Path(path), exc)) from None
    try:
        conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, sqlite3.Error):
            raise DatabaseOpenError(describe_open_error(Path(path), exc)) from None
        raise
    return conn


class BatchConnection:
    """A plain ``sqlite3`` connection that lives on one thread of its own.

    :meth:`run` hands a synchronous function the connection on that thread: a transaction of many
    statements costs one hand-off instead of an event-loop round trip per statement.
    """

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-batch")
        self._conn: sqlite3.Connection | None = None
        self.thread: threading.Thread | None = None  # where the batches run (benches read its CPU time)

    def _open(self) -> sqlite3.Connection:
        self.thread = threading.current_thread()
        conn = sqlite3.connect(self._path, isolation_level=None)  # made, used and closed on this thread
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            conn.execute(pragma)
        return conn

    async def open(self) -> None:
        self._conn = await asyncio.get_running_loop().run_in_executor(self._executor, self._open)

    def submit(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Run ``work(connection)`` on the connection's thread; its future."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("the batch connection is not open")
        return asyncio.get_running_loop().run_in_executor(self._executor, work, conn)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
        self._executor.shutdown(wait=True)


def describe_open_error(path: Path, exc: sqlite3.Error) -> str:
    """One line naming the file and what the operator can do about it."""
    text = str(exc)
    user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "this user"
    if "not a database" in text:
        return (
            f"{path} is not a SQLite database ({text}): set DATABASE_PATH to a new file, "
            "or to the Quiz Tutor database you meant"
        )
    if path.is_dir():
        return f"{path} is a folder: set DATABASE_PATH to a file in it, such as {path / 'quiz.db'}"
    if "readonly" in text or "unable to open" in text:
        return (
            f"cannot write the database {path} ({text}): make the file and its folder {path.parent} "
            f"writable by {user} (a Docker volume owned by root: chown it), or set DATABASE_PATH elsewhere"
        )
    return f"cannot use the database {path}: {text}"


async def _check_writable(conn: aiosqlite.Connection, path: Path) -> None:
    """Fail now, with the file named, if SQLite can read the file but not write it (read-only file or
    folder): otherwise the first answer of the first quiz would be what fails."""
    try:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("CREATE TABLE IF NOT EXISTS _write_check (x)")
        await conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise DatabaseOpenError(describe_open_error(path, exc)) from None


class Database:
    """What services and repositories hold: one of :class:`SqliteDatabase` and
    :class:`bot.storage.postgres.PostgresDatabase`, opened by :meth:`open`."""

    dialect: str
    # What Database.open was given (a file path or a URL), to open the same database again.
    target: str
    # Where the data is, for logs and messages (a file path, or a URL without its password).
    where: str

    @staticmethod
    async def open(target: Path | str) -> Database:
        """Open the database at ``target``: a SQLite file path, ``sqlite:///path`` or ``postgresql://…``."""
        url = str(target)
        if url.startswith(("postgresql://", "postgres://")):
            from bot.storage.postgres import PostgresDatabase

            return await PostgresDatabase.open(url)
        return await SqliteDatabase.open(sqlite_path(url))

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        raise NotImplementedError

    async def write(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """``await work(connection, *args)`` in one write transaction, in one trip.

        ``work`` may await only its connection (on SQLite it runs on the batch thread, without an
        event loop: :func:`bot.storage.sql.run_sync`).
        """
        raise NotImplementedError

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read of committed data."""
        raise NotImplementedError

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        raise NotImplementedError

    async def migrate(self) -> list[Any]:
        """Apply the pending migrations of this backend; the ones applied."""
        raise NotImplementedError

    async def schema_version(self) -> tuple[int, int]:
        """(the database's schema version, the newest this code knows)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


def sqlite_path(target: str) -> Path:
    """The file of ``sqlite:///relative/path``, ``sqlite:////absolute/path`` or a plain path."""
    if target.startswith("sqlite://"):
        rest = target[len("sqlite://") :]
        if not rest.startswith("/"):
            raise ValueError(f"{target}: a SQLite URL is sqlite:///path (three slashes before the path)")
        return Path(rest[1:])  # sqlite:///quiz.db is relative, sqlite:////var/quiz.db absolute
    return Path(target)


class SqliteDatabase(Database):
    """A writer and a reader connection to one SQLite file."""

    dialect = SQLITE

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, batch: BatchConnection
    ) -> None:
        self.path = path
        self.target = str(path)
        self.where = str(path)
        self._writer = writer
        self._reader = reader
        self._batch = batch
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:  # type: ignore[override]
        writer = await connect(path)
        batch = BatchConnection(path)
        try:
            await _check_writable(writer, path)
            reader = await connect(path)
            try:
                await batch.open()
            except BaseException:
                await reader.close()
                raise
        except BaseException:
            await batch.close()
            await writer.close()
            raise
        return cls(path, writer, reader, batch)

    @property
    def batch_thread(self) -> threading.Thread | None:
        """The thread :meth:`write` runs batches on."""
        return self._batch.thread

    @property
    def writer(self) -> aiosqlite.Connection:
        return self._writer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the writer; rolled back on any exception.

        Safe against cancellation: a statement aiosqlite has queued still runs in its thread after
        the awaiting task is cancelled, so a cancelled ``BEGIN`` (or body, or ``COMMIT``) could
        otherwise leave the connection inside a transaction nobody ends, failing every later one.
        """
        async with self._write_lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                yield self._writer
                await self._writer.execute("COMMIT")
            except BaseException:
                await asyncio.shield(self._abort())
                raise

    async def _abort(self) -> None:
        """Roll back whatever transaction the writer is in, once queued statements have run."""
        try:
            await self._writer.execute("SELECT 1")  # runs after anything already queued
            if self._writer.in_transaction:
                await self._writer.execute("ROLLBACK")
        except Exception:
            log.exception("could not roll back the write transaction")

    async def write(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """``work(connection, *args)`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT``, in one trip.

        ``work`` runs on the batch connection's thread with a plain ``sqlite3`` connection, driven
        by :func:`run_sync` (its awaits never suspend), so a transaction of many statements costs
        one hand-off instead of an event-loop round trip per statement (under load each of those
        waits for a turn of a busy loop). It is also whole under cancellation: the function runs to
        COMMIT or ROLLBACK on the thread, and the write lock is held until it has, so the next
        transaction never meets the file still locked by a batch that is finishing.
        """

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = run_sync(work(SyncSqliteConnection(conn), *args))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        async with self._write_lock:
            done = self._batch.submit(run)
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                await asyncio.wait({done})
                raise

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read on the reader connection (sees committed data only)."""
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def migrate(self) -> list[Any]:
        from bot.storage.migrations import migrate

        return await migrate(self._writer, where=self.path)

    async def schema_version(self) -> tuple[int, int]:
        from bot.storage.migrations import status

        state = await status(self._writer)
        return state.current, state.latest

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Waiting for the lock means an in-flight transaction finishes before the file closes.
        async with self._write_lock:
            await self._reader.close()
            await self._batch.close()
            await self._writer.close()
        log.info("database closed: %s", self.path)

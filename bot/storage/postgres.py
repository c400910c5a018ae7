"""PostgreSQL through asyncpg: the scale-out backend, with the same :class:`Database` surface.

A pool of connections serves reads; writes take one connection each, inside a transaction. Within
one process writes are serialised by a lock, as on SQLite: repositories were written for SQLite's
one writer (a read-then-write inside a transaction sees no other write of this process), and the
answer writer's batches keep throughput. Between processes, each server's writes come from the
process that owns its shard, and shared due work is claimed with leases (:mod:`bot.storage.leases`).

Numbers: every integer column is ``BIGINT``, so ``SUM`` gives ``numeric``; a codec reads
``numeric`` back as ``int`` when it is whole and ``float`` otherwise (``AVG``), as SQLite gives them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import Database, DatabaseOpenError
from bot.storage.sql import POSTGRESQL, PostgresConnection, Row, bind, to_postgres

log = logging.getLogger(__name__)

# What a failed statement raises (for callers outside bot/storage, which do not import asyncpg).
PostgresError = asyncpg.PostgresError

T = TypeVar("T")

POOL_MIN = 1
POOL_MAX = 8
CONNECT_TIMEOUT_S = 10.0


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, f"{user}{host}", parts.path, parts.query, parts.fragment))


def _numeric(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


async def _prepare_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


async def connect(url: str) -> asyncpg.Connection:
    """One connection with this project's codecs (the pool's connections get the same)."""
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise DatabaseOpenError(describe_connect_error(url, exc)) from None
    await _prepare_connection(conn)
    return conn


def describe_connect_error(url: str, exc: BaseException) -> str:
    where = redact(url)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"{where}: {exc}: create the database first (createdb), or fix DATABASE_URL"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError):
        return f"{where}: {exc}: check the user and password in DATABASE_URL"
    if isinstance(exc, asyncio.TimeoutError):
        return f"{where}: no answer within {CONNECT_TIMEOUT_S:.0f} s: is PostgreSQL running and reachable?"
    return f"cannot reach PostgreSQL at {where} ({exc}): is it running, and is DATABASE_URL right?"


def _lost(conn: asyncpg.pool.PoolConnectionProxy) -> bool:
    """Closed, or given back by the pool itself (it detaches a connection the server dropped)."""
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True


class PostgresDatabase(Database):
    dialect = POSTGRESQL

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self.target = url
        self.where = redact(url)
        self._pool = pool
        self._write_lock = asyncio.Lock()
        # Writes are serialised by the lock, so they all go through one connection held for the
        # purpose, like SQLite's one writer: its temporary staging tables, their indexes and the
        # statements it prepared stay warm from one batch to the next.
        self._writer: asyncpg.pool.PoolConnectionProxy | None = None
        self._closed = False

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:  # type: ignore[override]
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=POOL_MIN,
                max_size=POOL_MAX,
                init=_prepare_connection,
                timeout=CONNECT_TIMEOUT_S,
            )
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise DatabaseOpenError(describe_connect_error(url, exc)) from None
        assert pool is not None
        return cls(url, pool)

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    async def _writer_connection(self) -> asyncpg.pool.PoolConnectionProxy:
        """The writers' connection (call with the write lock held); a new one if it was lost."""
        if self._writer is not None and _lost(self._writer):
            await self._drop_writer()
        if self._writer is None:
            self._writer = await self._pool.acquire()
        return self._writer

    async def _drop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                await self._pool.release(writer)
            except Exception:
                log.debug("could not give the writer connection back", exc_info=True)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[PostgresConnection]:
        async with self._write_lock:
            conn = await self._writer_connection()
            try:
                async with conn.transaction():
                    yield PostgresConnection(conn)
            except asyncpg.PostgresError as exc:
                if isinstance(exc, asyncpg.PostgresConnectionError):
                    await self._drop_writer()  # the connection broke: the next write takes a new one
                raise
            except BaseException:
                # Broken, or cancelled mid-statement: the pool resets or replaces it; the next write
                # takes a fresh one.
                await asyncio.shield(self._drop_writer())
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        async with self._writing() as conn:
            yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PostgresConnection]:
        """A pooled connection outside the write lock, for a long read of its own (no transaction)."""
        async with self._pool.acquire() as conn:
            yield PostgresConnection(conn)

    async def write(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        async with self._writing() as conn:
            return await work(conn, *args)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        text, order = to_postgres(sql)
        return list(await self._pool.fetch(text, *bind(order, params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        text, order = to_postgres(sql)
        row: Row | None = await self._pool.fetchrow(text, *bind(order, params))
        return row

    async def migrate(self) -> list[Any]:
        from bot.storage.pg_migrations import migrate_postgres

        async with self._pool.acquire() as conn:
            return await migrate_postgres(conn, where=self.where)

    async def schema_version(self) -> tuple[int, int]:
        from bot.storage.pg_migrations import pg_status

        async with self._pool.acquire() as conn:
            state = await pg_status(conn)
        return state.current, state.latest

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            await self._drop_writer()
            await self._pool.close()
        log.info("database closed: %s", self.where)

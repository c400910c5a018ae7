"""PostgreSQL for the tests: a server to reach, and fresh databases made and dropped on it.

The server is named by ``TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``),
a URL of a role that may create databases; each test database is ``quiz_test_<pid>_<counter>`` on that
server, so parallel runs never share one. Tests do not call these directly: they ask for the
``pg_url_factory`` fixture (tests/conftest.py), which drops every database it made at the end of
the session and decides whether an unreachable server skips the tests or fails them
(``CI`` or ``REQUIRE_POSTGRES=1``: fail).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 5.0

_counter = itertools.count(1)


def admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL


def required() -> bool:
    """Whether an unreachable PostgreSQL fails the tests that need it instead of skipping them."""
    return bool(os.environ.get("CI")) or os.environ.get("REQUIRE_POSTGRES") == "1"


def shown(url: str) -> str:
    """``url`` without its password, for messages and the report header."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _admin():  # type: ignore[no-untyped-def]
    import asyncpg

    return await asyncpg.connect(admin_url(), timeout=CONNECT_TIMEOUT)


async def check_postgres() -> str | None:
    """The async form of :func:`postgres_reachable`."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed (pip install asyncpg)"
    try:
        conn = await _admin()
    except Exception as exc:
        return f"cannot connect to {shown(admin_url())}: {type(exc).__name__}: {exc}"
    try:
        if not await conn.fetchval(
            "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
        ):
            return f"the role of {shown(admin_url())} may not create databases"
    finally:
        await conn.close()
    return None


def postgres_reachable() -> str | None:
    """None if the tests can make databases on the server; otherwise why not, in one line."""
    return asyncio.run(check_postgres())


async def create_database(prefix: str = "quiz_test", *, template: str | None = None) -> str:
    """A fresh database ``<prefix>_<pid>_<counter>``, empty or a copy of the database of the URL
    ``template``; returns its postgresql:// URL."""
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    copy = f" TEMPLATE {_quote(database_name(template))}" if template else ""
    conn = await _admin()
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")  # a crashed run's leftover
        await conn.execute(f"CREATE DATABASE {_quote(name)}{copy}")
    finally:
        await conn.close()
    return with_database(admin_url(), name)


async def drop_database(url: str) -> None:
    """Drop the database of ``url``, ending any connection still open to it first."""
    name = database_name(url)
    conn = await _admin()
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    finally:
        await conn.close()

"""Fixtures for end-to-end tests: a fresh Discord stand-in and the real bot, per test.

``fake`` is a :class:`fakediscord.FakeDiscord` on 127.0.0.1 with the default study server;
``world`` holds its handles (guild, channel, admin, alice, bob); ``bot`` is the real QuizBot
built by ``bot.app.create_bot`` from a real Settings object (a SQLite file in tmp_path, the real
scheduler), connected and ready. ``start_bot`` does the same on demand, for tests that change
the world or add a test-only command first. At teardown the bot is closed and the stand-in's
strictness check runs: an unknown route, a refused request, an ERROR log or an unexpected
command error fails the test that caused it. See tests/fakediscord/README.md.

PostgreSQL (tests/pg.py): ``pg_url`` is the postgresql:// URL of a fresh, empty database made for
one test and dropped after it; ``pg_url_factory`` (session-wide) makes more on demand,
``url = await pg_url_factory()``, and drops every one of them when the session ends. With no
PostgreSQL to reach, a test asking for either is skipped, or fails if ``CI`` or
``REQUIRE_POSTGRES=1`` is set; the report's last line says which backends the suite ran on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from tests import pg
from tests.fakediscord import BotHarness, FakeDiscord, StudyServer, discord_py_endpoints, study_server
from tests.fakediscord.harness import DEFAULT_LOGGERS, USER_ERRORS

if TYPE_CHECKING:
    from bot.app import QuizBot
    from bot.core.clock import Clock

StartBot = Callable[..., Awaitable["QuizBot"]]
T = TypeVar("T")


def _run_aside(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end on a loop of its own in another thread: the test's loop stays untouched."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class _Postgres:
    """What the session found out about PostgreSQL, checked once, on first need."""

    checked = False
    problem: str | None = None
    used = False  # a test asked for a PostgreSQL database

    @classmethod
    def check(cls) -> str | None:
        if not cls.checked:
            cls.problem = _run_aside(pg.check_postgres())
            cls.checked = True
        return cls.problem

    @classmethod
    def line(cls) -> str:
        if cls.check() is None:
            return f"PostgreSQL: tests ran on both backends ({pg.shown(pg.admin_url())})"
        outcome = "failed (CI or REQUIRE_POSTGRES=1 is set)" if pg.required() else "was skipped"
        return f"PostgreSQL NOT reachable ({cls.problem}): the PostgreSQL half of the suite {outcome}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Whether the stand-in validates requests against Discord's OpenAPI description."""
    from tests.fakediscord.spec import status_line

    return [status_line()] if config.get_verbosity() >= 0 else []


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """With -q there is no header: say it once at the end instead. Which backends the tests ran on."""
    from tests.fakediscord.spec import status_line

    if config.get_verbosity() < 0:
        terminalreporter.write_line(status_line())
    if _Postgres.used:
        terminalreporter.write_line(_Postgres.line())


class PgDatabases:
    """``await pg_url_factory()``: the URL of a fresh database, dropped at the end of the session."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self._template: str | None = None

    async def __call__(self, prefix: str = "quiz_test") -> str:
        url = await pg.create_database(prefix)
        self.urls.append(url)
        return url

    async def migrated(self) -> str:
        """A fresh database at the latest schema: a copy of one migrated once per session."""
        if self._template is None:
            from bot.storage.database import Database

            template = await self("quiz_template")
            db = await Database.open(template)
            try:
                await db.migrate()
            finally:
                await db.close()
            self._template = template
        url = await pg.create_database("quiz_test", template=self._template)
        self.urls.append(url)
        return url

    async def drop(self, url: str) -> None:
        await pg.drop_database(url)
        self.urls.remove(url)


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A ``quizbot`` command run in-process sets up logging (``basicConfig(force=True)``: a handler on
    the test's captured stderr, pytest's own handlers removed). Put the root logger back after each
    test, so no later test logs into a closed stream or loses its log capture."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def pg_url_factory() -> Iterator[PgDatabases]:
    _Postgres.used = True
    problem = _Postgres.check()
    if problem is not None:
        if pg.required():
            pytest.fail(f"PostgreSQL is required here (CI or REQUIRE_POSTGRES=1) but {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    databases = PgDatabases()
    yield databases

    async def drop_all() -> None:
        for url in list(databases.urls):
            await databases.drop(url)

    _run_aside(drop_all())


@pytest.fixture
async def pg_url(pg_url_factory: PgDatabases) -> AsyncIterator[str]:
    """The postgresql:// URL of a fresh, empty database for this test alone."""
    url = await pg_url_factory()
    yield url
    await pg_url_factory.drop(url)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """Where a test's database is, once per backend: a SQLite file in tmp_path, or a PostgreSQL
    database of its own at the latest schema (a copy of the session's migrated template), dropped
    after the test. The repository, service and end-to-end suites run on both through this."""
    if request.param == "sqlite":
        yield str(tmp_path / "quiz.db")
        return
    factory: PgDatabases = request.getfixturevalue("pg_url_factory")
    url = await factory.migrated()
    yield url
    await factory.drop(url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as stand_in:
        yield stand_in
    stand_in.check()


@pytest.fixture
def world(fake: FakeDiscord) -> StudyServer:
    return study_server(fake)


@pytest.fixture
async def start_bot(
    fake: FakeDiscord, world: StudyServer, tmp_path: Any, database_url: str
) -> AsyncIterator[StartBot]:
    """``await start_bot(prepare=None, clock=None, **settings)``: build, connect, return the real bot.

    Runs once per backend (``database_url``): SQLite in tmp_path, or a PostgreSQL database of the
    test's own; a restart within the test (a second ``start_bot``) finds the same data.

    ``prepare(bot)`` runs before login, e.g. to add a test-only command to ``bot.tree``;
    ``clock`` (a ``bot.core.clock.FakeClock``) lets a test move quiz time without sleeping.
    """
    from bot.app import create_bot
    from bot.core.errors import UserFacingError
    from bot.settings import Settings

    harnesses: list[BotHarness] = []

    async def start(
        prepare: Callable[[QuizBot], None] | None = None, clock: Clock | None = None, **overrides: Any
    ) -> QuizBot:
        values: dict[str, Any] = {
            "discord_token": fake.token,
            "database_path": tmp_path / "quiz.db",
            "database_url": database_url if database_url.startswith("postgresql://") else None,
            "discord_api_base": fake.api_base,
            "discord_gateway_url": fake.gateway_url,
            "dev_guild_id": world.guild.id,
            "log_level": "INFO",
            **overrides,
        }
        settings = Settings(_env_file=None, **values)
        quiz_bot = await create_bot(settings, clock=clock, guild_ready_timeout=0.05)
        harness = BotHarness(
            fake,
            quiz_bot,
            loggers=(*DEFAULT_LOGGERS, "bot", "cogs"),
            expected_errors=(*USER_ERRORS, UserFacingError),
        )
        harnesses.append(harness)
        if prepare is not None:
            prepare(quiz_bot)
        await harness.start()
        return quiz_bot

    # create_bot points discord.py's class-level endpoints at the stand-in; put them back.
    with discord_py_endpoints():
        yield start
        for harness in reversed(harnesses):
            await harness.stop()


@pytest.fixture
async def bot(start_bot: StartBot) -> QuizBot:
    return await start_bot()

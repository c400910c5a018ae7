"""Running a real discord.py client against the stand-in, strictly.

:class:`BotHarness` logs the client in, connects it, waits for READY, and turns what would
otherwise only be a log line into a strictness violation: ERROR records on the ``discord``
logger (and any other logger named), and errors reaching the app command tree's ``on_error``
that are not the expected, user-facing kind. It does not change the client: the tree's
``on_error`` is wrapped, not replaced, so the bot's own handler still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import discord
import yarl
from discord import app_commands

from .server import FakeDiscord
from .strict import GATEWAY, LOG, TREE_ERROR

#: Errors a command tree is expected to see in normal use: the member did something the bot
#: refuses politely. Anything else reaching ``on_error`` is a bug and fails the test.
USER_ERRORS: tuple[type[BaseException], ...] = (app_commands.CheckFailure, app_commands.TransformerError)

DEFAULT_LOGGERS: tuple[str, ...] = ("discord", "asyncio")


@contextlib.contextmanager
def discord_py_endpoints(fake: FakeDiscord | None = None) -> Iterator[None]:
    """Point discord.py at ``fake`` (if given) and put the previous endpoints back afterwards.

    discord.py keeps both endpoints in class attributes, so a test that changes them must
    restore them or the next test (or a unit test) inherits a dead port.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if fake is not None:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


def _default_identify_hook(client: discord.Client) -> bool:
    """Whether the client still has discord.py's own hook (a bot's own one is left alone)."""
    hook = getattr(type(client), "before_identify_hook", None)
    return hook is discord.Client.before_identify_hook and "before_identify_hook" not in vars(client)


def _client_shards(client: discord.Client, fake: FakeDiscord) -> list[int]:
    """The shard ids ``client`` will IDENTIFY as."""
    if isinstance(client, discord.AutoShardedClient):
        if client.shard_ids is not None:
            return list(client.shard_ids)
        return list(range(client.shard_count or fake.shard_count))
    return [client.shard_id or 0]


class _StrictLogHandler(logging.Handler):
    def __init__(self, fake: FakeDiscord, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(level=logging.ERROR)
        self.fake = fake
        self.loop = loop
        self.loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        text = f"{record.levelname} from {record.name}: {record.getMessage()}"
        if exc is not None:
            text += f" [{type(exc).__name__}: {exc}]"

        def put() -> None:
            self.fake.strict.record(LOG, text, logger=record.name, error=exc)

        # discord.py's heartbeat thread logs too; the violation log belongs to the loop.
        if threading.get_ident() == self.loop_thread:
            put()
        else:
            self.loop.call_soon_threadsafe(put)


class BotHarness:
    """Start and stop one discord.py client against ``fake``; see the module docstring."""

    def __init__(
        self,
        fake: FakeDiscord,
        client: discord.Client,
        *,
        token: str | None = None,
        loggers: Sequence[str] = DEFAULT_LOGGERS,
        expected_errors: tuple[type[BaseException], ...] = USER_ERRORS,
        identify_wait: bool = False,
    ) -> None:
        self.fake = fake
        #: discord.py's default before_identify_hook sleeps 5 s before every IDENTIFY but the
        #: first (Discord's identify rate limit, which the stand-in checks). Without
        #: ``identify_wait`` a client that keeps the default hook identifies at once, and the
        #: stand-in is told each skipped wait was the harness's doing (not a violation).
        self.identify_wait = identify_wait
        self.client = client
        self.token = token or fake.token
        self.logger_names = tuple(loggers)
        self.expected_errors = expected_errors
        self.task: asyncio.Task[None] | None = None
        #: Every error the tree's on_error saw, expected or not, for assertions.
        self.tree_errors: list[tuple[discord.Interaction, BaseException]] = []
        self._handler: _StrictLogHandler | None = None
        self._levels: dict[str, int] = {}
        self._surfaced = False

    async def start(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109 (a waiting helper; README)
        """Log in, connect, wait for READY; raises what stopped the client if it stopped."""
        self._attach_logging()
        gateway = self.fake.gateway
        for shard_id in _client_shards(self.client, self.fake):
            # A test restarting the bot in-process identifies again within milliseconds; Discord
            # would answer op 9 and discord.py retry 5 s later, which is not what such a test
            # is about. A second client of the same shard started by the harness is excused.
            if gateway.has_identified(shard_id):
                gateway.excuse_identify(shard_id)
        if not self.identify_wait and _default_identify_hook(self.client):

            async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
                if not initial:  # where discord.py would have waited 5 s
                    gateway.excuse_identify(shard_id)

            self.client.before_identify_hook = identify_now  # type: ignore[method-assign]
        await self.client.login(self.token)
        # After login: setup_hook (which runs inside login) may install the bot's handler.
        self._wrap_tree()
        self.task = asyncio.create_task(self.client.connect(reconnect=True), name="fakediscord-client")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self.task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self.task in done:
                self._surfaced = True
                self.task.result()  # re-raise what ended the client (e.g. PrivilegedIntentsRequired)
                raise AssertionError("the client stopped before READY")
            raise AssertionError(f"the client was not ready after {timeout} s\n{self.fake.describe_state()}")

    async def stop(self) -> None:
        try:
            if not self.client.is_closed():
                await self.client.close()
            if self.task is not None:
                done, _ = await asyncio.wait({self.task}, timeout=5.0)
                if not done:
                    self.task.cancel()
                    self.fake.strict.record(
                        GATEWAY, "the client's connection did not end within 5 s of close()"
                    )
                elif not self.task.cancelled() and self.task.exception() is not None and not self._surfaced:
                    exc = self.task.exception()
                    self.fake.strict.record(GATEWAY, f"the client's connection ended with {exc!r}", error=exc)
        finally:
            self._detach_logging()

    async def __aenter__(self) -> BotHarness:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- logging ---------------------------------------------------------------------------

    def _attach_logging(self) -> None:
        self._handler = _StrictLogHandler(self.fake, asyncio.get_running_loop())
        for name in self.logger_names:
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() > logging.ERROR:
                self._levels[name] = logger.level
                logger.setLevel(logging.ERROR)
            logger.addHandler(self._handler)

    def _detach_logging(self) -> None:
        if self._handler is None:
            return
        for name in self.logger_names:
            logging.getLogger(name).removeHandler(self._handler)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        self._handler = None

    # -- the command tree ------------------------------------------------------------------

    def _wrap_tree(self) -> None:
        tree: app_commands.CommandTree[Any] | None = getattr(self.client, "tree", None)
        if tree is None:
            return
        original = tree.on_error

        async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self._record_tree_error(interaction, error)
            await original(interaction, error)

        tree.on_error = on_error  # type: ignore[method-assign]

    def _record_tree_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        self.tree_errors.append((interaction, error))
        root = getattr(error, "original", error)
        if isinstance(error, self.expected_errors) or isinstance(root, self.expected_errors):
            return
        command = interaction.command.qualified_name if interaction.command else "?"
        self.fake.strict.record(
            TREE_ERROR,
            f"app command /{command} raised {type(root).__name__}: {root}",
            error=error,
            command=command,
        )

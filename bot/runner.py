"""Run the bot until Discord disconnects for good or the process is told to stop.

SIGTERM (docker stop) and SIGINT (Ctrl-C) close the bot cleanly: the gateway is closed,
pending background writes finish, the scheduler stops and the database closes; exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket

import aiohttp
import yarl

from bot.app import create_bot
from bot.core.clock import SystemClock
from bot.heartbeat import beat, clear, keep_beating
from bot.settings import Settings

log = logging.getLogger(__name__)

# Pauses between start-up attempts to reach Discord: four attempts, giving up about 6 s after the
# first (a supervisor such as Docker's restart policy takes over from there).
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 3.0)
ATTEMPT_TIMEOUT = 3.0


class DiscordUnreachableError(Exception):
    """Discord's API could not be reached at start-up: one line for the operator, exit code 4."""

    exit_code = 4


def describe_network_error(exc: BaseException, url: yarl.URL) -> str:
    """One line naming the host and what went wrong, for the log and the final error."""
    host = url.host or str(url)
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, socket.gaierror):
            return f"cannot resolve {host} (DNS: {exc.os_error.strerror})"
        return f"cannot connect to {host}:{url.port} ({exc.os_error.strerror or exc.os_error})"
    if isinstance(exc, TimeoutError):
        return f"{host} did not answer within {ATTEMPT_TIMEOUT:g} s"
    return f"cannot reach {host} ({type(exc).__name__}: {exc})"


async def wait_for_discord(api_base: str, *, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
    """Ask Discord's unauthenticated ``GET /gateway`` until it answers, with backoff.

    Each failed attempt is one log line naming the host; after the last one,
    :class:`DiscordUnreachableError` says what to check. (discord.py's own login would print a
    long aiohttp traceback for a DNS failure, and retries some 5xx answers for 16 s.)
    """
    url = yarl.URL(f"{api_base}/gateway")
    attempts = len(delays) + 1
    timeout = aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for attempt in range(1, attempts + 1):
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
                    problem = f"{url.host} answered HTTP {response.status} (Discord is having trouble)"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                problem = describe_network_error(exc, url)
            if attempt == attempts:
                raise DiscordUnreachableError(
                    f"{problem}; gave up after {attempts} attempts: check this machine's network and DNS "
                    "(and DISCORD_API_BASE if set), or Discord's status at https://discordstatus.com, "
                    "then start again"
                )
            delay = delays[attempt - 1]
            log.warning(
                "Discord unreachable (attempt %d/%d): %s; retrying in %g s", attempt, attempts, problem, delay
            )
            await asyncio.sleep(delay)


async def run_bot(settings: Settings) -> int:
    token = settings.token()  # before any resource is opened: a missing token is exit 2
    bot = await create_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows event loops
            loop.add_signal_handler(sig, stop.set)

    async def on_ready() -> None:
        log.info("ready: logged in as %s, in %d server(s)", bot.user, len(bot.guilds))
        with contextlib.suppress(OSError):  # keep_beating reports a heartbeat it cannot write
            beat(heartbeat, SystemClock().now())

    # Once per gateway session: the bot is up and answering. Removed before closing, because
    # discord.py may still finish a pending READY after close() and fail to schedule listeners.
    bot.add_listener(on_ready)

    async def start() -> None:
        await wait_for_discord(settings.discord_api_base)
        await bot.start(token)

    heartbeat = settings.heartbeat_file()
    clock = SystemClock()
    beating = asyncio.create_task(
        keep_beating(heartbeat, lambda: bot.is_ready() and not bot.is_closed(), clock.now), name="heartbeat"
    )
    try:
        runner = asyncio.create_task(start(), name="discord-client")
        stopper = asyncio.create_task(stop.wait(), name="signal-wait")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stop signal received; shutting down")
            bot.remove_listener(on_ready)
            await bot.close()
            await asyncio.gather(runner, return_exceptions=True)
        else:
            stopper.cancel()
            runner.result()  # re-raise what ended the client
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
        clear(heartbeat)  # a stopped bot is not healthy
        bot.remove_listener(on_ready)
        await bot.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
    log.info("shut down cleanly")
    return 0

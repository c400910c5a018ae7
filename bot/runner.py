"""Run the bot until Discord disconnects for good or the process is told to stop.

SIGTERM (docker stop) and SIGINT (Ctrl-C) close the bot cleanly: the gateway is closed,
pending background writes finish, the scheduler stops and the database closes; exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import create_bot
from bot.settings import Settings

log = logging.getLogger(__name__)


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

    # Once per gateway session: the bot is up and answering. Removed before closing, because
    # discord.py may still finish a pending READY after close() and fail to schedule listeners.
    bot.add_listener(on_ready)
    try:
        runner = asyncio.create_task(bot.start(token), name="discord-client")
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
        bot.remove_listener(on_ready)
        await bot.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
    log.info("shut down cleanly")
    return 0

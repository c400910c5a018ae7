"""The running bot beats its heartbeat, `quizbot health` says so, and a clean stop clears it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from tests.e2e.processes import ROOT, START_WITHIN, BotProcess

pytestmark = pytest.mark.e2e


async def health(bot: BotProcess) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_PATH", "PYTHONPATH"}}
    env.update(DATABASE_PATH=str(bot.db), PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "health", env=env, cwd=bot.db.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_health_follows_the_running_bot(launch: BotProcess) -> None:
    bot = launch
    await bot.wait_log(r"bot\.runner: ready: logged in as ", timeout=START_WITHIN)
    assert bot.has(rf"bot\.app: database: {bot.db}$"), "the start logs the absolute database path"

    code, out = await health(bot)
    assert code == 0, out
    assert out.startswith(f"healthy: database {bot.db} (schema ")

    stopped, _ = await bot.stop(signal.SIGTERM)
    assert stopped == 0
    code, out = await health(bot)
    assert code == 1 and "unhealthy: no heartbeat" in out, out

"""The real entry point, stopped the way an operator stops it: SIGTERM (docker stop) and SIGINT.

``python -m bot`` runs as a subprocess against the stand-in (which runs in the test's event
loop), exactly as in production but for its endpoints. A member starts a question and answers
it, then the process gets the signal: it must exit 0 within seconds, log a clean shutdown, print
no traceback, save the queued answer, and leave the database closed cleanly with the quiz still
running in it, for the next start to resume. (``python -m bot`` without a token is in
tests/test_cli.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, Message, StudyServer

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
#: Settings the test sets itself; a developer's shell must not leak into the child.
OWN_SETTINGS = {"DISCORD_TOKEN", "DATABASE_PATH", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "DEV_GUILD_ID"}
CLEARED = OWN_SETTINGS | {"LOG_LEVEL", "BANK_DIR"}
STOP_WITHIN = 5.0  # seconds from the signal to the exit
START_WITHIN = 20.0  # a cold start imports discord.py and loads the bank; CI machines are slow


class BotProcess:
    """``python -m bot`` in a subprocess, its stderr collected line by line as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process, db: Path) -> None:
        self.proc = proc
        self.db = db
        self.lines: list[str] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, fake: FakeDiscord, world: StudyServer, folder: Path) -> BotProcess:
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        db = folder / "quiz.db"
        env.update(
            DISCORD_TOKEN=fake.token,
            DATABASE_PATH=str(db),
            DISCORD_API_BASE=fake.api_base,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            DEV_GUILD_ID=str(world.guild.id),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=folder,  # no developer .env is read
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc, db)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._new_line.set()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def has(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in self.lines)

    async def wait_log(self, pattern: str, *, timeout: float) -> None:  # noqa: ASYNC109 (a waiting helper)
        """Wait for a log line matching ``pattern``; fail with the log if the process ends first."""
        deadline = time.monotonic() + timeout
        while not self.has(pattern):
            if self._reader.done():
                raise AssertionError(
                    f"the bot exited ({self.proc.returncode}) before {pattern!r}:\n{self.log}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {pattern!r} in the bot's log after {timeout} s:\n{self.log}")
            self._new_line.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_line.wait(), remaining)

    async def stop(self, sig: signal.Signals) -> tuple[int, float]:
        """Send ``sig``; return the exit code and how long the process took to exit."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.proc.wait(), STOP_WITHIN * 2)
        except TimeoutError:
            raise AssertionError(f"still running {STOP_WITHIN * 2} s after {sig.name}:\n{self.log}") from None
        took = time.monotonic() - sent
        await asyncio.wait_for(self._reader, 5)
        return code, took

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


@pytest.fixture
async def launch(fake: FakeDiscord, world: StudyServer, tmp_path: Path) -> AsyncIterator[BotProcess]:
    fake.reaction_rate = None  # the bot's four answer reactions at once: this is not about rate limits
    bot = await BotProcess.start(fake, world, tmp_path)
    try:
        yield bot
    finally:
        await bot.kill()  # only if a test failed before stopping it


def _question(fake: FakeDiscord, world: StudyServer) -> Message | None:
    for m in fake.channel_messages(world.channel):
        if m.embeds and m.embeds[0].get("title", "").startswith("Question") and len(m.reactions) == 4:
            return m
    return None


async def _quiz_in_flight(fake: FakeDiscord, world: StudyServer) -> Message:
    """Alice starts a question, Bob answers it; returns once the bot has received the answer."""
    started = await world.alice.slash("quiz question", topic="lora", seconds=60, mode="reactions")
    assert started.message is not None and "started a question" in started.message.content
    question = await fake.wait_for(lambda: _question(fake, world), what="the question with its reactions")
    await world.bob.react(question, "🇦")
    await fake.wait_delivered()  # the bot has the reaction; its answer is queued or saved
    return question


def _assert_clean_exit(bot: BotProcess, code: int, took: float, sig: signal.Signals) -> None:
    assert code == 0, f"exit code {code} after {sig.name}:\n{bot.log}"
    assert took < STOP_WITHIN, f"{took:.1f} s to stop after {sig.name}:\n{bot.log}"
    assert bot.has(r"bot\.runner: stop signal received; shutting down"), bot.log
    assert bot.has(r"bot\.runner: shut down cleanly$"), bot.log
    assert bot.has(r"bot\.storage\.database: database closed: "), bot.log
    assert "Traceback" not in bot.log, bot.log
    for bad in (
        r" (ERROR|CRITICAL) ",
        r"Unclosed ",
        r"Task was destroyed",
        r"never retrieved",
        r"background task",
    ):
        assert not bot.has(bad), f"{bad!r} in the log:\n{bot.log}"


def _assert_database_ready_to_resume(db: Path, question: Message, bob_id: int) -> None:
    # The last connection to close checkpoints the WAL into the file and deletes it: a database
    # left open (or a process killed) leaves the -wal file behind.
    assert not db.with_name(db.name + "-wal").exists(), "the database was not closed cleanly"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT kind, status FROM quiz_sessions").fetchall() == [("single", "running")]
        rounds = conn.execute("SELECT message_id, status FROM rounds").fetchall()
        assert rounds == [(question.id, "open")], "the open question must be there to resume"
        answers = conn.execute("SELECT user_id, choice FROM answers").fetchall()
        assert answers == [(bob_id, 0)], "the answer queued at the signal must be saved"
    finally:
        conn.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_bot_cleanly_mid_quiz(
    fake: FakeDiscord, world: StudyServer, launch: BotProcess, sig: signal.Signals
) -> None:
    bot = launch
    await bot.wait_log(r"bot\.runner: ready: logged in as ", timeout=START_WITHIN)
    assert fake.synced_command_names(world.guild), "the bot synced its commands to DEV_GUILD_ID"
    question = await _quiz_in_flight(fake, world)

    code, took = await bot.stop(sig)

    _assert_clean_exit(bot, code, took, sig)
    await fake.wait_for(lambda: not fake.gateway.is_connected(), timeout=2, what="the gateway to be closed")
    _assert_database_ready_to_resume(bot.db, question, world.bob.id)


async def test_a_signal_before_ready_stops_the_bot_cleanly_mid_quiz(
    fake: FakeDiscord, world: StudyServer, launch: BotProcess
) -> None:
    bot = launch
    await fake.wait_for(
        lambda: fake.gateway.identifies == 1, timeout=START_WITHIN, what="the bot to identify"
    )
    question = await _quiz_in_flight(fake, world)  # discord.py waits 2 s after the guilds for READY
    if bot.has(r"bot\.runner: ready: "):
        pytest.skip("the machine was too slow to stop the bot before READY")

    code, took = await bot.stop(signal.SIGTERM)

    _assert_clean_exit(bot, code, took, signal.SIGTERM)
    _assert_database_ready_to_resume(bot.db, question, world.bob.id)

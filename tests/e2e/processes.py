"""The real entry point as an OS process: ``python -m bot`` against the stand-in, its log read live.

The stand-in runs in the test's event loop; the bot runs exactly as in production but for its
endpoints and settings, which come from the environment as an operator would give them. The test
reads the bot's stderr line by line (:meth:`BotProcess.wait_log`), stops it with a signal
(:meth:`BotProcess.stop`) or kills it (:meth:`BotProcess.kill`, SIGKILL), and can start another
process with the same settings (:meth:`BotProcess.again`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from pathlib import Path

from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
#: Settings a test may set itself; a developer's shell must not leak any of them into the child.
CLEARED = {
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DATABASE_URL",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DEV_GUILD_ID",
    "SHARD_COUNT",
    "SHARD_IDS",
    "LOG_LEVEL",
    "BANK_DIR",
}
STOP_WITHIN = 5.0  # seconds from the signal to the exit
START_WITHIN = 20.0  # a cold start imports discord.py and loads the bank; CI machines are slow


class BotProcess:
    """``python -m bot`` in a subprocess, its stderr collected line by line as it comes."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        fake: FakeDiscord,
        folder: Path,
        settings: dict[str, str],
        name: str,
    ) -> None:
        self.proc = proc
        self.fake = fake
        self.folder = folder
        self.settings = settings
        self.name = name
        self.db = Path(settings["DATABASE_PATH"])  # the SQLite file, or beside the heartbeat with PostgreSQL
        self.lines: list[str] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(
        cls, fake: FakeDiscord, folder: Path, *, name: str = "the bot", **settings: str
    ) -> BotProcess:
        """Start ``python -m bot`` in ``folder`` (its working directory, so no developer ``.env`` is
        read; it must exist) with the stand-in's endpoints and token and ``settings``
        (``DATABASE_URL=...``, ...)."""
        given = {
            "DISCORD_TOKEN": fake.token,
            "DATABASE_PATH": str(folder / "quiz.db"),
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "LOG_LEVEL": "INFO",
            **settings,
        }
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env.update(given, PYTHONPATH=str(ROOT))
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=folder,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc, fake, folder, given, name)

    async def again(self) -> BotProcess:
        """A new process with this one's settings (after this one ended)."""
        assert self.proc.returncode is not None, f"{self.name} is still running"
        return await BotProcess.start(self.fake, self.folder, name=self.name, **self.settings)

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

    def matching(self, pattern: str) -> list[str]:
        return [line for line in self.lines if re.search(pattern, line)]

    async def wait_log(self, pattern: str, *, timeout: float) -> None:  # noqa: ASYNC109 (a waiting helper)
        """Wait for a log line matching ``pattern``; fail with the log if the process ends first."""
        deadline = time.monotonic() + timeout
        while not self.has(pattern):
            if self._reader.done():
                raise AssertionError(
                    f"{self.name} exited ({self.proc.returncode}) before {pattern!r}:\n{self.log}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {pattern!r} in the log of {self.name} after {timeout} s:\n{self.log}"
                )
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
            raise AssertionError(
                f"{self.name} still running {STOP_WITHIN * 2} s after {sig.name}:\n{self.log}"
            ) from None
        took = time.monotonic() - sent
        await asyncio.wait_for(self._reader, 5)
        return code, took

    async def kill(self) -> None:
        """SIGKILL (``kill -9``): no shutdown at all; the log read so far is kept."""
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._reader), 5)
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)

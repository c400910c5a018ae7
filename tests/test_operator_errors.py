"""What an operator can get wrong: one line naming the thing and what to do, a documented exit
code, no traceback, and back at the shell within 10 s (a hang fails the test at its timeout).

Each case runs the real entry point in a subprocess. Nothing reaches the internet: the DNS failure
uses a ``.invalid`` host (reserved, never resolves) and the 5xx answers come from a server on
127.0.0.1 in this test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
WITHIN = 10.0  # seconds from start to exit
CLEARED = {"DISCORD_TOKEN", "DATABASE_PATH", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "DEV_GUILD_ID"}
CLEARED |= {"LOG_LEVEL", "BANK_DIR"}
EXIT_SETTINGS, EXIT_DATABASE, EXIT_NETWORK, EXIT_BROKEN_PIPE = 2, 3, 4, 141


@cache
def unprivileged() -> list[str] | None:
    """The prefix that runs the child as an unprivileged user; None where that cannot be done.

    Root ignores file permissions, so as root the permission cases drop to "nobody" (setpriv). An
    interpreter that nobody can run (pyenv's under a private /root links its libpython from there)
    leaves no way to test them here; as any other user they always run.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    # The child must be able to run this interpreter and import the project from where it lies (a
    # checkout inside a private folder, e.g. one made by mktemp -d, is out of nobody's reach).
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import bot.cli"],
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=WITHIN,
    )
    return prefix if probe.returncode == 0 else None


def as_unprivileged() -> list[str]:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("as root, and an unprivileged user cannot run this interpreter or read the project")
    return prefix


def child_env(cwd: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(settings, PYTHONPATH=str(ROOT))
    return env


def quizbot(*args: str, cwd: Path, prefix: list[str] | None = None, **settings: str) -> tuple[int, str, str]:
    """Run ``quizbot ARGS``; returns (exit code, stdout, stderr), failing past WITHIN seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=child_env(cwd, **settings),
        capture_output=True,
        text=True,
        timeout=WITHIN,
    )
    assert time.monotonic() - started < WITHIN
    return done.returncode, done.stdout, done.stderr


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert not [line for line in stderr.splitlines() if line.startswith(("  ", "\t"))], stderr
    return errors[0]


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder every user can enter (pytest's own is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="quizbot-operator-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


# --- the database ---------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my shopping list\n", encoding="utf-8")
    code, _, stderr = quizbot("db", "migrate", cwd=tmp_path, DATABASE_PATH=str(notes))
    assert code == EXIT_DATABASE
    line = one_error_line(stderr)
    assert str(notes) in line and "not a SQLite database" in line and "set DATABASE_PATH" in line
    assert notes.read_text(encoding="utf-8") == "my shopping list\n", "the file is left alone"


def test_a_folder_given_as_the_database(tmp_path: Path) -> None:
    code, _, stderr = quizbot("run", cwd=tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(tmp_path))
    assert code == EXIT_DATABASE
    line = one_error_line(stderr)
    assert f"{tmp_path} is a folder" in line and str(tmp_path / "quiz.db") in line


def test_a_missing_folder_that_cannot_be_created(open_tmp: Path) -> None:
    volume = open_tmp / "volume"
    volume.mkdir(mode=0o555)  # like a root-owned Docker volume, seen by the bot's user
    volume.chmod(0o555)
    target = volume / "sub" / "quiz.db"
    code, _, stderr = quizbot(
        "db", "migrate", cwd=open_tmp, prefix=as_unprivileged(), DATABASE_PATH=str(target)
    )
    assert code == EXIT_DATABASE
    line = one_error_line(stderr)
    assert f"cannot create the folder {volume / 'sub'}" in line and "writable" in line


def test_a_folder_that_is_not_writable(open_tmp: Path) -> None:
    volume = open_tmp / "volume"
    volume.mkdir()
    volume.chmod(0o555)
    target = volume / "quiz.db"
    code, _, stderr = quizbot(
        "run", cwd=open_tmp, prefix=as_unprivileged(), DISCORD_TOKEN="x", DATABASE_PATH=str(target)
    )
    assert code == EXIT_DATABASE
    line = one_error_line(stderr)
    assert f"cannot write the database {target}" in line and "chown" in line


def test_a_database_file_that_is_read_only(open_tmp: Path) -> None:
    target = open_tmp / "quiz.db"
    assert quizbot("db", "migrate", cwd=open_tmp, DATABASE_PATH=str(target))[0] == 0
    target.chmod(0o444)
    code, _, stderr = quizbot(
        "db", "migrate", cwd=open_tmp, prefix=as_unprivileged(), DATABASE_PATH=str(target)
    )
    assert code == EXIT_DATABASE
    assert f"cannot write the database {target}" in one_error_line(stderr)


def test_db_status_shows_the_absolute_path_and_the_start_logs_it(tmp_path: Path) -> None:
    code, stdout, stderr = quizbot("db", "migrate", cwd=tmp_path, DATABASE_PATH="var/q.db")
    assert code == 0, stderr
    assert f"database: {tmp_path / 'var' / 'q.db'}" in stderr
    code, stdout, _ = quizbot("db", "status", cwd=tmp_path, DATABASE_PATH="var/q.db")
    assert code == 0
    assert f"database: {tmp_path / 'var' / 'q.db'}\n" in stdout


# --- the network ----------------------------------------------------------------------------------


def attempts_logged(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Discord unreachable (attempt" in line]


def test_dns_failure_is_retried_then_one_line(tmp_path: Path) -> None:
    code, _, stderr = quizbot(
        "run",
        cwd=tmp_path,
        DISCORD_TOKEN="x",
        DATABASE_PATH=str(tmp_path / "q.db"),
        DISCORD_API_BASE="http://discord.invalid/api/v10",
    )
    assert code == EXIT_NETWORK
    retries = attempts_logged(stderr)
    assert len(retries) == 3, stderr
    assert all("cannot resolve discord.invalid" in line for line in retries)
    line = one_error_line(stderr)
    assert "cannot resolve discord.invalid" in line and "gave up after 4 attempts" in line
    assert "check this machine's network" in line


async def run_against(server: web.Application, tmp_path: Path) -> tuple[int, str]:
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=child_env(
                tmp_path,
                DISCORD_TOKEN="x",
                DATABASE_PATH=str(tmp_path / "q.db"),
                DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
            ),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), WITHIN)
        assert proc.returncode is not None
        return proc.returncode, err.decode()
    finally:
        await runner.cleanup()


async def test_discord_answering_5xx_is_retried_then_one_line(tmp_path: Path) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503, text="upstream connect error")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", down)
    code, stderr = await run_against(app, tmp_path)
    assert code == EXIT_NETWORK
    assert len(attempts_logged(stderr)) == 3, stderr
    line = one_error_line(stderr)
    assert "127.0.0.1 answered HTTP 503" in line and "discordstatus.com" in line


async def test_a_5xx_at_login_after_the_probe_is_one_line(tmp_path: Path) -> None:
    async def gateway(request: web.Request) -> web.Response:
        return web.json_response({"url": "ws://127.0.0.1:9/gateway"})

    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503, text="upstream connect error")

    app = web.Application()
    app.router.add_get("/api/v10/gateway", gateway)
    app.router.add_route("*", "/{tail:.*}", down)
    code, stderr = await run_against(app, tmp_path)
    assert code == EXIT_NETWORK
    line = one_error_line(stderr)
    assert "while logging in" in line and "127.0.0.1" in line


# --- output into a closed pipe -----------------------------------------------------------------------


def test_bank_export_into_head_exits_quietly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "bank", "export"],
        cwd=tmp_path,
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b"[")  # `head -c 100`, then the reader goes away
    proc.stdout.close()
    code = proc.wait(timeout=WITHIN)
    stderr = proc.stderr.read().decode()
    assert code == EXIT_BROKEN_PIPE, stderr
    assert stderr == "", "nothing is wrong: no error, no traceback"


def test_play_against_a_database_written_by_a_newer_version_says_so_and_exits(tmp_path: Path) -> None:
    # Regression: play opened the database, the migration refused it, and the open connection's
    # thread kept the process alive after the error line.
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    code, _, stderr = quizbot("play", "--questions", "1", cwd=tmp_path, DATABASE_PATH=str(path))
    assert code == 1
    line = one_error_line(stderr)
    assert str(path) in line and "newer" in line

"""`quizbot health`: the database opens and the running bot's heartbeat is fresh (Docker HEALTHCHECK)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.heartbeat import FRESH_FOR, beat, heartbeat_path, keep_beating, last_beat


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "quiz.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


def test_no_database_is_unhealthy(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    assert (
        capsys.readouterr().out
        == f"unhealthy: no database at {db}: is the bot running with this DATABASE_PATH?\n"
    )


def test_a_database_without_a_heartbeat_is_unhealthy(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "migrate"]) == 0
    capsys.readouterr()
    assert main(["health"]) == 1
    assert "unhealthy: no heartbeat in" in capsys.readouterr().out


def test_a_fresh_heartbeat_is_healthy_and_a_stale_one_is_not(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "migrate"]) == 0
    now = datetime.now(UTC)
    beat(heartbeat_path(db), now - timedelta(seconds=20))
    capsys.readouterr()
    assert main(["health"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"healthy: database {db} (schema ") and "heartbeat 20 s ago" in out

    beat(heartbeat_path(db), now - FRESH_FOR - timedelta(seconds=5))
    assert main(["health"]) == 1
    assert "s old (fresh: under 120 s)" in capsys.readouterr().out


def test_a_file_that_is_not_a_database_is_exit_3(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db.write_text("not sqlite", encoding="utf-8")
    assert main(["health"]) == 3
    assert "is not a SQLite database" in capsys.readouterr().err


async def test_the_heartbeat_is_written_only_while_the_bot_is_connected(tmp_path: Path) -> None:
    path = tmp_path / "quiz.db.heartbeat"
    connected = False
    times = iter(datetime(2026, 1, 1, 12, 0, s, tzinfo=UTC) for s in range(60))  # read only when beating
    task = asyncio.create_task(keep_beating(path, lambda: connected, lambda: next(times), timedelta(0)))
    try:
        for _ in range(5):
            await asyncio.sleep(0)
        assert last_beat(path) is None
        connected = True
        for _ in range(5):
            await asyncio.sleep(0)
        beaten = last_beat(path)
        assert beaten is not None and beaten.date() == datetime(2026, 1, 1, tzinfo=UTC).date()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""The entry points as an operator meets them: exit codes and one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_module(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DEV_GUILD_ID", "LOG_LEVEL"}}
    clean.update(env)
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )


def test_python_m_bot_without_token_exits_2_and_says_how(tmp_path: Path) -> None:
    result = run_module(["-m", "bot"], tmp_path, DATABASE_PATH=str(tmp_path / "q.db"))
    assert result.returncode == 2, result.stderr
    assert "DISCORD_TOKEN" in result.stderr
    assert "export DISCORD_TOKEN=" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "q.db").exists()  # nothing opened before the check


def test_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_module(["-m", "bot"], tmp_path, DISCORD_TOKEN="x", DEV_GUILD_ID="abc")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "DEV_GUILD_ID" in lines[0]
    assert "Traceback" not in result.stderr


def test_quizbot_run_without_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err


def test_db_migrate_then_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "quiz.db"))
    assert main(["db", "status"]) == 0
    assert "not created yet" in capsys.readouterr().out
    assert main(["db", "migrate"]) == 0
    assert (tmp_path / "data" / "quiz.db").exists()
    assert main(["db", "migrate"]) == 0  # idempotent
    capsys.readouterr()
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "pending: none" in out


def test_db_status_reports_a_newer_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import sqlite3

    path = tmp_path / "quiz.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    assert main(["db", "status"]) == 1
    assert main(["db", "migrate"]) == 1
    err = capsys.readouterr().err
    assert "newer" in err and "Traceback" not in err


def test_no_subcommand_prints_help(capsys) -> None:
    assert main([]) == 2
    assert "usage: quizbot" in capsys.readouterr().out

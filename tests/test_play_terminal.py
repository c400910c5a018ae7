"""``quizbot play`` under a real pseudo-terminal, as a person runs it.

The child gets the pty as its controlling terminal (``pty.fork``), so Ctrl-C is the byte ``\\x03``
turned into SIGINT by the terminal driver, Enter is ``\\r``, and rich sees the terminal's width.
Timeouts here only catch hangs; they are not speed targets.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[1]
CLEARED = {"DISCORD_TOKEN", "DATABASE_PATH", "BANK_DIR", "LOG_LEVEL", "COLUMNS", "LINES"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
HANG = 10.0  # seconds: longer means the program hangs

pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "play.db"), TERM="xterm-256color")
    env.update(extra)
    return env


class Terminal:
    """``quizbot play ARGS`` on a pseudo-terminal of the given size."""

    def __init__(self, tmp_path: Path, *args: str, columns: int = 100) -> None:
        env = env_for(tmp_path)
        pid, fd = pty.fork()
        if pid == 0:  # the child: size its terminal, then become quizbot
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "play", *args], env)
        self.pid, self.fd = pid, fd
        self.raw = ""
        self.code: int | None = None

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw).replace("\r\n", "\n")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child has gone and closed its side
            return False
        if not data:
            return False
        self.raw += data.decode("utf-8", "replace")
        return True

    def expect(self, needle: str, timeout: float = HANG) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if time.monotonic() > deadline or (not self._read(0.1) and needle not in self.text):
                raise AssertionError(f"{needle!r} never appeared; the terminal shows:\n{self.text}")

    def settle(self, seconds: float = 0.3) -> None:
        """Read whatever comes within ``seconds`` (to show that something does *not* come)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read(0.05):
            pass

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def wait(self, timeout: float = HANG) -> int:
        deadline = time.monotonic() + timeout
        while True:
            self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05) and self.raw:
                    if not select.select([self.fd], [], [], 0)[0]:
                        break
                os.close(self.fd)
                self.code = os.waitstatus_to_exitcode(status)
                return self.code
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                raise AssertionError(f"quizbot play did not exit within {timeout} s:\n{self.text}")

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.wait()


def statuses(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "play.db") as conn:
        return [row[0] for row in conn.execute("SELECT status FROM quiz_sessions ORDER BY id")]


def test_ctrl_c_ends_at_once_and_marks_the_session_stopped(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--questions", "3", "--seconds", "120")
    term.expect("Your answer (")
    assert "type a letter and Enter to answer · q to stop · Ctrl-C quits at once" in term.text
    term.send(b"\x03")
    assert term.wait() == 130
    assert "Stopped." in term.text and "Traceback" not in term.text
    assert statuses(tmp_path) == ["stopped"]


def test_enter_goes_on_after_the_reveal_which_repeats_the_pick(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--questions", "2", "--seconds", "120")
    term.expect("Your answer (")
    term.send(b"b\r")
    term.expect("Enter: next question")
    assert "You picked B." in term.text
    term.settle()
    assert "Question 2/2" not in term.text, "the next question waits for Enter"
    term.send(b"\r")
    term.expect("Question 2/2")
    term.send(b"\x03")
    assert term.wait() == 130
    assert statuses(tmp_path) == ["stopped"]


def test_the_end_of_the_quiz_returns_to_the_shell_at_once(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--questions", "1", "--seconds", "120")
    term.expect("Your answer (")
    term.send(b"a\r")
    assert term.wait() == 0, term.text  # no further Enter needed
    assert "You picked A." in term.text and "Done: " in term.text
    assert statuses(tmp_path) == ["finished"]


def test_a_session_left_running_by_a_crash_is_ended_at_the_next_start(tmp_path: Path) -> None:
    crashed = Terminal(tmp_path, "--questions", "2", "--seconds", "120")
    crashed.expect("Your answer (")
    crashed.kill()
    assert statuses(tmp_path) == ["running"]

    term = Terminal(tmp_path, "--questions", "1", "--seconds", "120")
    term.expect("Your answer (")
    assert "left running by an earlier `quizbot play` (session 1) was ended as stopped" in term.text
    assert "already running" not in term.text
    term.send(b"c\r")
    assert term.wait() == 0, term.text
    assert statuses(tmp_path) == ["stopped", "finished"]


def test_chinese_labels_wrap_by_display_width(tmp_path: Path) -> None:
    columns = 40
    term = Terminal(tmp_path, "--language", "zh", "--questions", "1", "--seconds", "120", columns=columns)
    term.expect("你的答案（")
    term.send(b"a\r")
    assert term.wait() == 0, term.text
    text = term.text
    assert "第 1/1 题" in text and "你选了 A." in text and "结束：" in text
    too_wide = [line for line in text.splitlines() if cell_len(line.rstrip()) > columns]
    assert too_wide == [], f"lines wider than {columns} cells: {too_wide}"
    assert "**" not in text, "Markdown is rendered, not shown raw"


# --- BANK_DIR, as `run` honours it -------------------------------------------------------------------


@pytest.fixture
def zh_only_bank(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "bank" / "s003_chapter6_zh.yaml", folder)
    return folder


def quizbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env_for(tmp_path, **env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=HANG,
    )


def test_bank_dir_is_honoured_by_play_bank_check_and_bank_export(tmp_path: Path, zh_only_bank: Path) -> None:
    played = quizbot(tmp_path, "play", "--language", "en", BANK_DIR=str(zh_only_bank))
    assert played.returncode == 1
    assert "no questions for any enabled topic in language `en`" in played.stderr

    checked = quizbot(tmp_path, "bank", "check", BANK_DIR=str(zh_only_bank))
    everything = quizbot(tmp_path, "bank", "check")
    assert checked.returncode == 0 and everything.returncode == 0
    assert checked.stdout != everything.stdout

    exported = json.loads(quizbot(tmp_path, "bank", "export", BANK_DIR=str(zh_only_bank)).stdout)
    assert exported and {item["lang"] for item in exported} == {"zh"}
    assert len({item["source"] for item in exported}) == 1, "only the one file in BANK_DIR"

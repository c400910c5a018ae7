"""quizbot play: the same quiz, offline, in a terminal."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from bot.play import play
from bot.services.quiz import QuizOptions


async def test_play_two_questions_scores_into_the_database(tmp_path: Path) -> None:
    lines = iter(["nonsense\n", "A\n", "\n", "B\n"])  # Enter after the first reveal goes on
    out = io.StringIO()
    db_path = tmp_path / "play.db"
    code = await play(
        QuizOptions(topic="qlora", questions=2, seconds=60, lang="en"),
        str(db_path),
        read_line=lambda: next(lines, ""),
        out=out,
    )
    text = out.getvalue()
    assert code == 0
    assert "Question 1/2" in text and "Question 2/2" in text
    assert "Type one of A, B, C, D" in text
    assert "the answer is" in text
    assert "You picked A." in text and "You picked B." in text, "the reveal repeats the pick"
    assert text.count("Enter: next question") == 1, "Enter between questions, not after the last"
    assert "Done:" in text
    with sqlite3.connect(db_path) as conn:
        answered = conn.execute("SELECT COUNT(*) FROM answers WHERE guild_id = 0").fetchone()[0]
        (points,) = conn.execute(
            "SELECT points FROM scores WHERE guild_id = 0 AND period_kind = 'all'"
        ).fetchone()
    assert answered == 2
    assert points >= 0


async def test_play_quit_stops_with_results(tmp_path: Path) -> None:
    lines = iter(["q\n"])
    out = io.StringIO()
    code = await play(
        QuizOptions(questions=3, seconds=60, lang="zh"),
        str(tmp_path / "p.db"),
        read_line=lambda: next(lines, ""),
        out=out,
    )
    assert code == 0
    text = out.getvalue()
    assert "输入字母并回车作答" in text, "the intro line names the keys, in Chinese"
    assert "第 1/3 题" in text
    assert "第 2/3 题" not in text
    assert "已停止。" in text and "结束：1 道题都没有作答。" in text

"""quizbot study: the same study session, offline, in a terminal, on the private deck."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from bot.cli import build_parser
from bot.study_cli import study


def _answering(out: io.StringIO, answers: list[str]):
    """Answer what the terminal last asked: a letter, Enter, or a rating (recorded in ``answers``)."""

    def read() -> str:
        last = out.getvalue().rstrip().splitlines()[-1]
        if last.startswith("Your answer"):
            answers.append("A")
            return "A\n"
        if last.startswith("(Enter shows"):
            return "\n"
        if last.startswith("How well"):
            answers.append("3")
            return "3\n"
        return ""

    return read


async def test_study_in_the_terminal_reviews_choice_cards_and_rated_flashcards(tmp_path: Path) -> None:
    out = io.StringIO()
    answers: list[str] = []
    db_path = tmp_path / "study.db"
    code = await study(
        topic="qlora",
        lang="en",
        cards=10,
        database_path=str(db_path),
        read_line=_answering(out, answers),
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "Card 1/" in text and "Done: " in text
    assert "A" in answers and "3" in answers, "the qlora pool has choice items and short answers"
    assert "Model answer:" in text and "3 Good · " in text
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT guild_id, user_id, source FROM review_log").fetchall()
    assert len(rows) == len(answers) and set(rows) == {(0, 1, "study")}


async def test_study_stops_on_q_and_the_parser_knows_the_options(tmp_path: Path) -> None:
    out = io.StringIO()
    lines = iter(["q\n"])
    code = await study(
        topic=None,
        lang="en",
        cards=3,
        database_path=str(tmp_path / "s.db"),
        read_line=lambda: next(lines, ""),
        out=out,
    )
    assert code == 0 and "Stopped" in out.getvalue()
    args = build_parser().parse_args(["study", "--topic", "lora", "--language", "zh", "--cards", "5"])
    assert (args.topic, args.language, args.cards) == ("lora", "zh", 5)


async def test_quizbot_play_answers_feed_the_private_deck(tmp_path: Path) -> None:
    from bot.play import play
    from bot.services.quiz import QuizOptions

    lines = iter(["A\n", "\n", "B\n"])  # Enter after the first reveal goes on
    db_path = tmp_path / "play.db"
    options = QuizOptions(topic="qlora", questions=2, seconds=60, lang="en")
    assert await play(options, str(db_path), read_line=lambda: next(lines, ""), out=io.StringIO()) == 0
    with sqlite3.connect(db_path) as conn:
        cards = conn.execute("SELECT guild_id, user_id FROM cards").fetchall()
        sources = conn.execute("SELECT source FROM review_log").fetchall()
    assert cards == [(0, 1), (0, 1)] and sources == [("play",), ("play",)]

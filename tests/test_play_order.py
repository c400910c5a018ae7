"""quizbot play shows the choices in the posting's order and reveals the key under that letter."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

from bot.bank.loader import load_bank
from bot.core.letters import LETTERS
from bot.play import play
from bot.services.quiz import QuizOptions


async def test_play_answers_with_the_letter_the_key_was_printed_under(tmp_path: Path) -> None:
    bank = load_bank()
    out = io.StringIO()
    db_path = tmp_path / "play.db"
    answered: list[str] = []

    def read_line() -> str:  # runs on play's reader thread: answer under the letter the key was posted
        if answered:
            return ""
        deadline = time.monotonic() + 5
        while "Your answer" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.01)
        with sqlite3.connect(db_path) as conn:
            item_id, order = conn.execute(
                "SELECT item_id, choice_order FROM rounds WHERE guild_id = 0 ORDER BY id DESC LIMIT 1"
            ).fetchone()
        item = bank.by_id(item_id)
        assert item is not None
        posted = [int(i) for i in order.split(",")] if order else list(range(len(item.choices)))
        letter = LETTERS[posted.index(item.answer_index)]
        # The screen shows the key's text under that letter.
        screen = " ".join(out.getvalue().split())
        key_start = " ".join(item.choices[item.answer_index].split())[:30]
        assert f"{letter}. {key_start}" in screen, screen
        answered.append(letter)
        return f"{letter}\n"

    options = QuizOptions(topic="lora", questions=1, seconds=60, lang="en")
    code = await play(options, str(db_path), read_line=read_line, out=out)
    assert code == 0 and len(answered) == 1
    with sqlite3.connect(db_path) as conn:
        item_id, choice, bank_choice, correct = conn.execute(
            "SELECT item_id, choice, bank_choice, correct FROM answers WHERE guild_id = 0"
        ).fetchone()
    item = bank.by_id(item_id)
    assert item is not None
    assert (choice, bank_choice, correct) == (LETTERS.index(answered[0]), item.answer_index, 1)
    assert f"✔ right: the answer is {answered[0]}." in " ".join(out.getvalue().split())

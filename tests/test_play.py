"""quizbot play: the same quiz, offline, in a terminal."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from pathlib import Path

import pytest

from bot.core.vocabulary import AnswerMode
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


async def test_the_end_of_input_ends_the_quiz_instead_of_waiting_for_an_enter_that_cannot_come(
    tmp_path: Path,
) -> None:
    # Regression: the end of input reached the queue once; the wait for Enter after the reveal then
    # waited forever (`quizbot play < /dev/null`, Ctrl-D, or a pipe of answers that ran out).
    for given in ([], ["A\n"]):
        lines = iter(given)
        out = io.StringIO()
        db_path = tmp_path / f"eof{len(given)}.db"
        code = await asyncio.wait_for(
            play(
                QuizOptions(topic="qlora", questions=3, seconds=60, lang="en"),
                str(db_path),
                read_line=lambda lines=lines: next(lines, ""),
                out=out,
            ),
            timeout=10,
        )
        text = out.getvalue()
        assert code == 0
        assert "Question 1/3" in text and "Question 2/3" not in text
        assert "Stopped." in text and "Done:" in text
        with sqlite3.connect(db_path) as conn:
            statuses = [r[0] for r in conn.execute("SELECT status FROM quiz_sessions")]
        assert statuses == ["stopped"]


TYPED_BANK = """\
version: 1
items:
  - id: s901-q01
    type: short_answer
    lang: en
    topics: [fundamentals]
    prompt: Which optimiser decouples weight decay from the gradient update?
    answer: AdamW
    accepted: [AdamW, Adam with decoupled weight decay]
    explanation: AdamW applies weight decay directly to the weights, not through the gradient.
    source: {file: test.txt, locator: q1}
  - id: s901-q02
    type: short_answer
    lang: en
    topics: [sft]
    prompt: What is the name of the loss a causal language model is trained with?
    answer: Cross-entropy
    accepted: [cross-entropy, cross entropy loss]
    explanation: Next-token prediction minimises the cross-entropy of the true next token.
    source: {file: test.txt, locator: q2}
  - id: s901-q03
    type: short_answer
    lang: en
    topics: [fundamentals]
    prompt: Explain fine-tuning.
    answer: Fine-tuning continues the training of a pre-trained model on a smaller dataset for a task.
    explanation: A model answer to read, never typed.
    source: {file: test.txt, locator: q3}
"""


async def test_play_typed_takes_typed_answers_and_never_asks_a_long_model_answer(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "typed.yaml").write_text(TYPED_BANK, encoding="utf-8")
    db_path = tmp_path / "play.db"
    texts = []
    for answer in ("Adam with decopled weight decay", "Adam"):  # a slip in a long answer; a fragment
        given = iter([answer + "\n"])
        out = io.StringIO()
        code = await play(
            QuizOptions(topic="fundamentals", questions=5, seconds=60, lang="en", mode=AnswerMode.TYPED),
            str(db_path),
            read_line=lambda given=given: next(given, ""),
            out=out,
            bank_paths=[bank],
        )
        assert code == 0, out.getvalue()
        texts.append(out.getvalue())
    slip, fragment = texts
    assert "1 question · type the answer and Enter · /q to stop" in slip, "the model answer is left out"
    assert "Explain fine-tuning" not in slip + fragment
    assert re.search(r"Your answer, \d+ s:", slip)
    assert "You typed: Adam with decopled weight decay" in slip and "✔ right: the answer is AdamW" in slip
    assert "You typed: Adam" in fragment and "✘ not quite: the answer is AdamW" in fragment
    assert "Accepted: AdamW, Adam with decoupled weight decay" in fragment
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT typed_text, correct, choice FROM answers WHERE guild_id = 0").fetchall()
    assert sorted(rows) == [("Adam", 0, -1), ("Adam with decopled weight decay", 1, -1)]


async def test_play_typed_stops_with_a_slash_q_since_any_word_may_be_an_answer(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "typed.yaml").write_text(TYPED_BANK, encoding="utf-8")
    lines = iter(["q\n", "\n", "/q\n"])
    out = io.StringIO()
    code = await play(
        QuizOptions(questions=2, seconds=60, lang="en", mode=AnswerMode.TYPED),
        str(tmp_path / "p.db"),
        read_line=lambda: next(lines, ""),
        out=out,
        bank_paths=[bank],
    )
    text = out.getvalue()
    assert code == 0
    assert "You typed: q" in text, "q is an answer here"
    assert "Stopped." in text and "Done: 0/2 right" in text, "the second question was asked, then /q"


async def test_play_typed_on_a_bank_without_short_answers_says_where_they_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    code = await play(
        QuizOptions(questions=2, seconds=60, lang="en", mode=AnswerMode.TYPED),
        str(tmp_path / "p.db"),
        read_line=lambda: "",
        out=out,
    )
    assert code == 1
    assert "no questions to answer by typing" in capsys.readouterr().err


async def test_play_a_files_questions_typed_without_importing_them_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gift = tmp_path / "hamlet.gift"
    gift.write_text(
        "::bard:: Who wrote Hamlet? {=Shakespeare ####Hamlet is Shakespeare's.}\n\n"
        "::acts:: How many acts has Hamlet? {=5 ~3 ~4}\n",
        encoding="utf-8",
    )
    given = iter(["Shakespere\n"])
    out = io.StringIO()
    code = await play(
        QuizOptions(questions=5, seconds=60, lang="any", mode=AnswerMode.TYPED),
        str(tmp_path / "p.db"),
        read_line=lambda: next(given, ""),
        out=out,
        question_file=gift,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "1 question ·" in text and "Who wrote Hamlet?" in text
    assert "✔ right: the answer is Shakespeare" in text

    broken = tmp_path / "essays.gift"
    broken.write_text("::e:: Describe Hamlet. {}\n", encoding="utf-8")
    code = await play(QuizOptions(mode=AnswerMode.TYPED), str(tmp_path / "p.db"), question_file=broken)
    assert code == 1
    assert "error: essays.gift:1: nothing to import: only essay questions" in capsys.readouterr().err

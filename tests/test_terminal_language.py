"""Issue 19: `quizbot play` and `quizbot study` speak the language of `--language zh` (labels,
topics, difficulty, refusals) and wrap Chinese by display width; English stays English."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from bot.cli import build_parser
from bot.core.topics import TOPICS, topic_label
from bot.play import play
from bot.services.quiz import QuizOptions
from bot.study_cli import WIDTH, study

REFUSAL = "error: 主题 `dpo` 没有语言为 `zh` 的题目。`/quiz topics` 列出了现有的题目。"
ENGLISH_LABELS = ("Question ", "You picked", "Done:", "the answer is", "Card ", "Your answer", "Comes back")


async def test_play_in_chinese_labels_everything_in_chinese(tmp_path: Path) -> None:
    lines = iter(["A\n", "\n", "B\n"])
    out = io.StringIO()
    code = await play(
        QuizOptions(topic="lora", questions=2, seconds=60, lang="zh"),
        str(tmp_path / "p.db"),
        read_line=lambda: next(lines, ""),
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "共 2 题" in text and "输入字母并回车作答" in text
    headings = re.findall(r"第 (\d)/2 题 · (\S+) · (\S+)", text)
    assert [h[0] for h in headings] == ["1", "2"], text
    assert all(h[2] in ("简单", "中等", "难") for h in headings), headings  # the difficulty, translated
    assert "你选了 A." in text and "你选了 B." in text and "正确答案是" in text
    assert "回车：下一题 · q：结束" in text and "结束：" in text
    assert [label for label in ENGLISH_LABELS if label in text] == []


async def test_play_in_english_shows_topics_by_name(tmp_path: Path) -> None:
    lines = iter(["A\n"])
    out = io.StringIO()
    code = await play(
        QuizOptions(topic="data-prep", questions=1, seconds=60, lang="en"),
        str(tmp_path / "p.db"),
        read_line=lambda: next(lines, ""),
        out=out,
    )
    assert code == 0
    heading = re.search(r"Question 1/1 · (.+?) · (easy|medium|hard)", out.getvalue())
    assert heading is not None and heading[1] in {topic_label(t) for t in TOPICS}, out.getvalue()
    assert "1 question ·" in out.getvalue()


async def test_play_refuses_in_the_language_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The Chinese chapter has no DPO question: the quiz service's refusal, translated.
    code = await play(QuizOptions(topic="dpo", lang="zh"), str(tmp_path / "p.db"), read_line=lambda: "")
    assert code == 1
    # Other lines may reach stderr (a log handler another test left behind): the error is one line.
    assert REFUSAL in capsys.readouterr().err.splitlines()


def _answering_in_chinese(out: io.StringIO, asked: list[str]):
    """Answer what the terminal last asked, recognising only its Chinese prompts."""

    def read() -> str:
        last = out.getvalue().rstrip().splitlines()[-1]
        for prompt, answer in (("你的答案（", "A"), ("（回车显示答案", ""), ("你掌握得怎么样？", "3")):
            if last.startswith(prompt):
                asked.append(prompt)
                return answer + "\n"
        return ""

    return read


async def test_study_in_chinese_labels_cards_prompts_and_summary_in_chinese(tmp_path: Path) -> None:
    out = io.StringIO()
    asked: list[str] = []
    code = await study(
        topic=None,
        lang="zh",
        cards=6,
        database_path=str(tmp_path / "s.db"),
        read_line=_answering_in_chinese(out, asked),
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert re.search(r"── 第 1/\d+ 张 · \S+ · 新卡片 · (简单|中等|难) ──", text), text
    assert "你的答案（" in asked, "the Chinese chapter has choice questions"
    assert "下次出现：" in text and re.search(r"完成：复习 \d+ 张，答对 \d+ 张。", text)
    assert [label for label in ENGLISH_LABELS if label in text] == []
    too_wide = [line for line in text.splitlines() if cell_len(line) > WIDTH]
    assert too_wide == [], f"lines wider than {WIDTH} terminal cells: {too_wide}"


async def test_study_in_chinese_refuses_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await study(
        topic="dpo",
        lang="zh",
        cards=3,
        database_path=str(tmp_path / "s.db"),
        read_line=lambda: "",
        out=io.StringIO(),
    )
    assert code == 1
    # Other lines may reach stderr (a log handler another test left behind): the error is one line.
    assert REFUSAL in capsys.readouterr().err.splitlines()


def test_study_takes_language_zh() -> None:
    args = build_parser().parse_args(["study", "--language", "zh"])
    assert args.language == "zh"

"""The importers read the three raw seed shapes, and name the line of every part they cannot read."""

from __future__ import annotations

import json

import pytest

from bot.bank.importers import (
    ImportFormat,
    detect_format,
    guess_topics,
    id_prefix,
    import_text,
    parse_answer_md,
    parse_checkbox_md,
    parse_json_mc,
)
from bot.bank.loader import Problem
from bot.bank.schema import BankItem

from .helpers import seed_path, seed_text


def keys(items: list[dict[str, object]]) -> str:
    return "".join(str(i["answer"]) for i in items if i["type"] != "short_answer")


# --- the seeds ----------------------------------------------------------------------------


def test_seed_000_json_mc() -> None:
    result = parse_json_mc(seed_text("000"), seed_path("000").name)
    assert result.problems == []
    assert len(result.items) == 42
    first = result.items[0]
    assert first["id"] == "s000-q01"
    assert first["prompt"] == "What is Supervised Fine-Tuning (SFT) in the context of LLMs?"
    assert first["answer"] == "B"
    assert first["choices"][1] == "A method to train models on specific tasks using labeled data"
    assert first["source"] == {"file": "000_1d3711cd8408743c.txt", "locator": "q1"}
    assert [i["source"]["locator"] for i in result.items] == [f"q{n}" for n in range(1, 43)]
    assert result.items[-1]["id"] == "s000-q42" and result.items[-1]["answer"] == "C"
    assert {i["lang"] for i in result.items} == {"en"}
    assert result.empty_explanations == 42


def test_seed_002_checkbox_md() -> None:
    result = parse_checkbox_md(seed_text("002"), seed_path("002").name)
    assert result.problems == []
    assert len(result.items) == 7
    assert keys(result.items) == "CDBACAA"  # the ☒ option of each question
    q3 = result.items[2]
    # The fourth option sits outside the list ("☐ By ..." with no "- "); "☒ Correct" is no option.
    assert q3["choices"][-1] == "By increasing the model's vocabulary size."
    assert len(q3["choices"]) == 4
    assert q3["explanation"].startswith("The scoring function assigns higher scores")
    q2 = result.items[1]
    assert q2["prompt"].count("```") == 4 and "def formatting_prompts_func(mydataset):" in q2["prompt"]
    q7 = result.items[6]
    assert len(q7["choices"]) == 4
    assert q7["choices"][0].startswith("chosen:\n\nHuman: What are some job options")
    assert "find_short = lambda dataset, max_length: [" in q7["choices"][1]
    assert q7["explanation"].startswith("get_response function prepares data")
    assert q7["source"] == {"file": "002_3f51bef0b273ef89.txt", "locator": "q7"}


def test_seed_003_answer_md() -> None:
    result = parse_answer_md(seed_text("003"), seed_path("003").name)
    assert result.problems == []
    choice = [i for i in result.items if i["type"] == "single_choice"]
    short = [i for i in result.items if i["type"] == "short_answer"]
    assert [i["answer"] for i in choice] == list("CBCBABBACC")
    assert [i["source"]["locator"] for i in choice] == [f"mc{n}" for n in range(1, 11)]
    assert [i["source"]["locator"] for i in short] == [f"sa{n}" for n in range(1, 6)]
    assert {i["lang"] for i in result.items} == {"zh"}
    assert all(i["explanation"] == "" for i in result.items)
    assert choice[0]["id"] == "s003-mc01" and short[0]["id"] == "s003-sa01"
    # Question 5 continues on a second ### line.
    assert choice[4]["prompt"].endswith("①观察状态 ②选择动作 ③执行动作 ④接收奖励和新状态 ⑤更新策略")
    assert choice[0]["choices"][2] == "$W_0$冻结，$A$、$B$更新"
    assert short[0]["prompt"] == "请简述LoRA微调的原理。"
    assert short[1]["answer"].startswith("Pretrain和SFT均使用CLM建模")
    assert "```python\ntrainer = Trainer(" in short[4]["answer"]
    assert short[4]["answer"].endswith("因此不推荐使用LoRA进行模型预训练或后训练。")


@pytest.mark.parametrize(
    ("prefix", "fmt"),
    [("000", ImportFormat.JSON_MC), ("002", ImportFormat.CHECKBOX_MD), ("003", ImportFormat.ANSWER_MD)],
)
def test_the_format_of_each_seed_is_detected(prefix: str, fmt: ImportFormat) -> None:
    assert detect_format(seed_text(prefix)) is fmt
    assert import_text(seed_text(prefix), seed_path(prefix).name).format is fmt


@pytest.mark.parametrize("prefix", ["001", "004"])
def test_seeds_without_keys_are_not_guessed_at(prefix: str) -> None:
    result = import_text(seed_text(prefix), seed_path(prefix).name)
    assert result.items == []
    assert result.problems == [
        Problem(
            seed_path(prefix).name,
            1,
            "cannot tell which format this is; pass --format json-mc | checkbox-md | answer-md",
        )
    ]


@pytest.mark.parametrize("prefix", ["000", "002", "003"])
def test_every_draft_is_a_valid_item_once_explained(prefix: str) -> None:
    for draft in import_text(seed_text(prefix), seed_path(prefix).name).items:
        BankItem.model_validate({**draft, "explanation": draft["explanation"] or "written"})
        assert list(draft) == [
            "id",
            "type",
            "lang",
            "topics",
            "difficulty",
            "prompt",
            "choices",
            "answer",
            "explanation",
            "source",
        ]
        assert draft["difficulty"] == "medium"


# --- ids and guesses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("000_1d3711cd8408743c.txt", "s000"),
        ("/some/where/042-quiz.md", "s042"),
        ("1234_quiz.txt", "1234-quiz"),
        ("My Quiz (v2).md", "my-quiz-v2"),
        ("第六章.md", "bank"),
    ],
)
def test_id_prefix(name: str, prefix: str) -> None:
    assert id_prefix(name) == prefix


def test_topics_are_guessed_by_keyword_with_a_fallback() -> None:
    assert guess_topics("What is QLoRA?") == ["qlora"]
    assert guess_topics("在LoRA微调中") == ["lora"]
    assert guess_topics("How does warmup_ratio impact training?") == ["hyperparameters"]
    assert guess_topics("Which is true?", ["A reward model scores responses", "b"]) == ["reward-models"]
    assert guess_topics("What colour is the sky?") == ["fundamentals"]


# --- json-mc irregularities --------------------------------------------------------------


def mc(question: str, correct: str = "A") -> dict[str, str]:
    return {"question": question, "answer_a": "yes", "answer_b": "no", "correct_answer": correct}


def test_json_mc_reports_a_broken_object_by_line_and_keeps_the_rest() -> None:
    good = json.dumps(mc("First?"))
    broken = '{"question": "Broken?", "answer_a": }'
    text = f"page header\n[\n  {good},\n  {broken},\n  {json.dumps(mc('Third?'))}\n]\nfooter\n"
    result = parse_json_mc(text, "quiz.json")
    assert [i["prompt"] for i in result.items] == ["First?", "Third?"]
    assert [i["source"]["locator"] for i in result.items] == ["q1", "q3"]
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [(4, "question 2")]


def test_json_mc_key_not_among_the_choices() -> None:
    text = json.dumps([mc("First?"), mc("Second?", correct="E")], indent=2)
    result = parse_json_mc(text, "quiz.json")
    assert [i["prompt"] for i in result.items] == ["First?"]
    assert result.problems == [
        Problem(
            "quiz.json", 12, "question 2: correct_answer 'E' is not one of the choice letters A, B; skipped"
        )
    ]


def test_json_mc_accepts_the_correct_choice_text_as_the_key() -> None:
    result = parse_json_mc(json.dumps([mc("First?", correct="no")]), "quiz.json")
    assert result.items[0]["answer"] == "B"


def test_json_mc_true_false_choices_make_a_true_false_item() -> None:
    obj = {
        "question": "LoRA freezes the base weights.",
        "answer_a": "True",
        "answer_b": "False",
        "correct_answer": "A",
    }
    result = parse_json_mc(json.dumps([obj]), "quiz.json")
    assert result.items[0]["type"] == "true_false"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no json here", "no JSON array of question objects (`[{...}, ...]`) found"),
        (
            '[{"question": "Q?", "answer_a": "a", "answer_b": "b", "correct_answer": "A"}',
            "the JSON array is not closed with `]`",
        ),
    ],
)
def test_json_mc_unreadable_text_is_a_problem(text: str, message: str) -> None:
    result = parse_json_mc(text, "x.json")
    assert message in [p.message for p in result.problems]


# --- checkbox-md irregularities ----------------------------------------------------------

CHECKBOX = """\
Your grade: 50%

1. Which one?

1 / 1 point

- ☐ Wrong
- ☒ Right

✓ Correct

Because.

2. Which other one?

0 / 1 point

- ☒ Picked
- ☐ Not picked

✗ Incorrect

Try again.

3. Pick two?

- ☒ One
- ☒ Two

✓ Correct

4. No options?

✓ Correct
"""


def test_checkbox_md_skips_what_it_cannot_trust_and_says_why() -> None:
    result = parse_checkbox_md(CHECKBOX, "quiz.md")
    assert [(i["prompt"], i["answer"], i["explanation"]) for i in result.items] == [
        ("Which one?", "B", "Because.")
    ]
    assert result.problems == [
        Problem("quiz.md", 14, "question 2: graded incorrect, so the ☒ option is not the key; skipped"),
        Problem("quiz.md", 25, "question 3: 2 ☒ options (a multiple-answer question); skipped"),
        Problem("quiz.md", 32, "question 4: no ☐/☒ options found; skipped"),
    ]


def test_checkbox_md_ignores_markers_inside_code_blocks() -> None:
    text = "1. Which?\n\n```\n- ☒ not an option\n2. not a question\n```\n\n- ☐ A\n- ☒ B\n\n✓ Correct\n\nOk.\n"
    result = parse_checkbox_md(text, "quiz.md")
    assert result.problems == []
    (only,) = result.items
    assert "- ☒ not an option\n2. not a question" in only["prompt"]
    assert only["choices"] == ["A", "B"] and only["answer"] == "B"


# --- answer-md irregularities ------------------------------------------------------------


def test_answer_md_reports_questions_without_a_key() -> None:
    text = (
        "## 选择题\n\n### 1. 问题一（  ）。\n\nA. 甲\n\nB. 乙\n\n"
        "### 2. 问题二（  ）。\n\nA. 甲\n\nB. 乙\n\n答案：B\n"
    )
    result = parse_answer_md(text, "ch1.md")
    assert [i["source"]["locator"] for i in result.items] == ["mc2"]
    assert result.problems == [Problem("ch1.md", 3, "question mc1: no `答案：X` line; skipped")]


def test_answer_md_key_outside_the_options() -> None:
    text = "### 1. 问题（  ）。\nA. 甲\nB. 乙\n答案：D\n"
    result = parse_answer_md(text, "ch1.md")
    assert result.items == []
    assert result.problems == [
        Problem("ch1.md", 4, "question mc1: 答案 'D' is not one of the option letters A, B; skipped")
    ]


def test_answer_md_keeps_a_解析_line_as_the_explanation() -> None:
    text = "### 1. 问题（  ）。\nA. 甲\nB. 乙\n答案：A\n解析：因为甲。\n"
    (only,) = parse_answer_md(text, "ch1.md").items
    assert only["explanation"] == "因为甲。"

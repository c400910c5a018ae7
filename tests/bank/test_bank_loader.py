"""The loader names every problem with its file and line, all at once; the Bank index answers queries."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bank.loader import (
    DEFAULT_BANK_DIR,
    PROJECT_ROOT,
    Bank,
    BankError,
    Problem,
    check_bank,
    check_text,
    load_bank,
    normalise_prompt,
)
from bot.bank.schema import BankItem, ItemType

from .helpers import ITEM_LINES, bank_text, item

WriteBank = Callable[[str, str], Path]

# Lines in a file made by bank_text(item(...), ...): the first item starts on line 3.
FIRST, SECOND = 3, 3 + ITEM_LINES
TOPICS_LINE, PROMPT_LINE, ANSWER_LINE, EXPLANATION_LINE = 3, 4, 6, 7  # offsets from an item's first line


def problems_of(*paths: Path) -> list[Problem]:
    with pytest.raises(BankError) as caught:
        load_bank(list(paths))
    return caught.value.problems


def test_a_valid_file_loads(write_bank: WriteBank) -> None:
    path = write_bank(
        "ok.yaml", bank_text(item("t-q01"), item("t-q02", prompt="What is QLoRA?", locator="q2"))
    )
    bank = load_bank([path])
    assert [i.id for i in bank.items] == ["t-q01", "t-q02"]
    assert bank.origin("t-q02") == f"{path}:{SECOND}"


def test_duplicate_id_across_two_files_names_both_places(write_bank: WriteBank) -> None:
    first = write_bank("a.yaml", bank_text(item("t-q01")))
    second = write_bank(
        "b.yaml", bank_text(item("t-q02", prompt="What is PEFT?"), item("t-q01", prompt="What is DPO?"))
    )
    assert problems_of(first, second) == [
        Problem(str(second), SECOND, f"duplicate id 't-q01'; first used at {first}:{FIRST}"),
    ]


def test_duplicate_id_within_a_file(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item("t-q01"), item("t-q01", prompt="What is DPO?")))
    assert problems_of(path) == [
        Problem(str(path), SECOND, f"duplicate id 't-q01'; first used at {path}:{FIRST}")
    ]


def test_key_not_among_the_choices_points_at_the_answer_line(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(answer="D")))
    assert problems_of(path) == [
        Problem(str(path), FIRST + ANSWER_LINE, "t-q01: answer 'D' is not among the choice letters A, B, C"),
    ]


def test_unknown_topic_points_at_the_topics_line(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(topics="[lora, magic]")))
    (problem,) = problems_of(path)
    assert (problem.file, problem.line) == (str(path), FIRST + TOPICS_LINE)
    assert problem.message.startswith("t-q01: topics: unknown topic(s) ['magic']; known topics: fundamentals")


@pytest.mark.parametrize("empty", ["''", '"   "', "null"])
def test_empty_explanation_points_at_the_explanation_line(write_bank: WriteBank, empty: str) -> None:
    path = write_bank("a.yaml", bank_text(item(explanation=empty)))
    assert problems_of(path) == [
        Problem(
            str(path),
            FIRST + EXPLANATION_LINE,
            "t-q01: explanation is empty; every item needs one (what the reveal teaches)",
        )
    ]


def test_missing_explanation_points_at_the_item(write_bank: WriteBank) -> None:
    text = bank_text(item()).replace("    explanation: Because it trains small matrices.\n", "")
    path = write_bank("a.yaml", text)
    assert problems_of(path) == [
        Problem(
            str(path), FIRST, "t-q01: explanation is empty; every item needs one (what the reveal teaches)"
        )
    ]


def test_yaml_syntax_error_names_its_line(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(prompt="[What is LoRA?")))
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    assert problem.line == FIRST + PROMPT_LINE + 1  # libyaml notices the unclosed [ on the next line
    assert problem.message.startswith("YAML syntax error: ")
    assert f"started at line {FIRST + PROMPT_LINE}" in problem.message


def test_the_same_question_twice_names_both_places(write_bank: WriteBank) -> None:
    path = write_bank(
        "a.yaml",
        bank_text(
            item("t-q01", prompt="What is LoRA?"), item("t-q02", prompt="  what is   lora ", locator="q2")
        ),
    )
    assert problems_of(path) == [
        Problem(
            str(path),
            SECOND + PROMPT_LINE,
            f"t-q02: the same question as t-q01 at {path}:{FIRST + PROMPT_LINE} (same type and prompt)",
        )
    ]


def test_the_same_question_across_files(write_bank: WriteBank) -> None:
    first = write_bank("a.yaml", bank_text(item("t-q01", prompt="What is LoRA?")))
    second = write_bank("b.yaml", bank_text(item("t-q02", prompt="What is LoRA")))
    assert problems_of(first, second) == [
        Problem(
            str(second),
            FIRST + PROMPT_LINE,
            f"t-q02: the same question as t-q01 at {first}:{FIRST + PROMPT_LINE} (same type and prompt)",
        )
    ]


def test_the_same_prompt_with_another_type_is_not_a_repeat(write_bank: WriteBank) -> None:
    short = item("t-q02", type="short_answer", choices="[]", answer="Low-rank adapters.", locator="q2")
    path = write_bank("a.yaml", bank_text(item("t-q01"), short))
    assert len(load_bank([path])) == 2


def test_every_problem_is_reported_at_once_in_line_order(write_bank: WriteBank) -> None:
    broken = write_bank("a.yaml", "version: 1\nitems: [\n")
    bad = write_bank(
        "b.yaml",
        bank_text(
            item("t-q01", answer="E"),
            item("t-q02", topics="[nope]", explanation="''", prompt="What is DPO?", locator="q2"),
            item("t-q01", prompt="Another question?", locator="q3"),
        ),
    )
    problems = problems_of(broken, bad)
    assert [(p.file, p.line) for p in problems] == [
        (str(broken), 3),
        (str(bad), FIRST + ANSWER_LINE),
        (str(bad), SECOND + TOPICS_LINE),
        (str(bad), SECOND + EXPLANATION_LINE),
        (str(bad), SECOND + ITEM_LINES),
    ]
    text = str(BankError(problems))
    assert text.splitlines()[0] == "5 problems in the question bank"
    assert all(str(p) in text for p in problems)


def test_missing_and_unknown_fields(write_bank: WriteBank) -> None:
    text = bank_text(item()).replace("    lang: en\n", "    colour: blue\n")
    path = write_bank("a.yaml", text)
    assert problems_of(path) == [
        Problem(str(path), FIRST, "t-q01: missing field 'lang'"),
        Problem(str(path), FIRST + 2, "t-q01: unknown field 'colour'"),
    ]


def test_a_nested_source_error_points_at_its_key(write_bank: WriteBank) -> None:
    text = bank_text(item()).replace(
        "    source: {file: seed.txt, locator: q1}\n", "    source:\n      file: ''\n      locator: q1\n"
    )
    path = write_bank("a.yaml", text)
    (problem,) = problems_of(path)
    assert (problem.line, problem.message) == (
        FIRST + 9,
        "t-q01: source.file: String should have at least 1 character",
    )


def test_a_repeated_yaml_key_is_a_problem(write_bank: WriteBank) -> None:
    text = bank_text(item()).replace("    answer: B\n", "    answer: B\n    answer: C\n")
    path = write_bank("a.yaml", text)
    assert problems_of(path) == [
        Problem(
            str(path),
            FIRST + ANSWER_LINE + 1,
            f"key 'answer' repeats (first at line {FIRST + ANSWER_LINE}); YAML keeps only the last",
        )
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty; a bank file holds `version: 1` and `items:`"),
        ("- 1\n- 2\n", 1, "the top level must be a mapping of version and items"),
        ("version: 2\nitems: []\n", 1, "unsupported version 2; this bot reads version 1"),
        ("version: true\nitems: []\n", 1, "unsupported version True; this bot reads version 1"),
        ("version: 1\n", 1, "missing `items:`, the list of questions"),
        ("version: 1\nitems: []\n", 2, "`items` is empty"),
        ("version: 1\nitems:\n  a: 1\n", 3, "`items` must be a list of questions"),
        ("version: 1\nitems:\n  - just text\n", 3, "an item must be a mapping of fields (id, type, ...)"),
    ],
)
def test_file_level_problems(write_bank: WriteBank, text: str, line: int, message: str) -> None:
    path = write_bank("a.yaml", text)
    assert problems_of(path) == [Problem(str(path), line, message)]


def test_an_unknown_top_level_key_is_reported_with_the_items(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", "name: x\n" + bank_text(item()))
    assert problems_of(path) == [
        Problem(str(path), 1, "unknown top-level key 'name'; a bank file holds only version and items")
    ]


def test_a_folder_loads_its_yaml_files_in_name_order(tmp_path: Path, write_bank: WriteBank) -> None:
    write_bank("b.yaml", bank_text(item("t-q02", prompt="What is DPO?")))
    write_bank("a.yaml", bank_text(item("t-q01")))
    write_bank("notes.md", "not a bank file")
    assert [i.id for i in load_bank([tmp_path])] == ["t-q01", "t-q02"]


def test_a_yml_file_in_a_folder_is_flagged(tmp_path: Path, write_bank: WriteBank) -> None:
    write_bank("a.yaml", bank_text(item("t-q01")))
    stray = write_bank("b.yml", bank_text(item("t-q02", prompt="What is DPO?")))
    assert problems_of(tmp_path) == [
        Problem(str(stray), 1, "bank files end in .yaml; this file is not loaded")
    ]


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert problems_of(tmp_path / "nope.yaml", empty) == [
        Problem(str(tmp_path / "nope.yaml"), 1, "no such file or folder"),
        Problem(str(empty), 1, "no *.yaml bank files in this folder"),
    ]


def test_a_file_named_twice_is_read_once(write_bank: WriteBank, tmp_path: Path) -> None:
    path = write_bank("a.yaml", bank_text(item()))
    assert len(load_bank([path, tmp_path, path])) == 1


def test_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"version: 1\nitems:\n  - id: \xff\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.message.startswith("not UTF-8 text")) == (3, True)


def test_check_bank_returns_the_valid_items_with_the_problems(write_bank: WriteBank) -> None:
    path = write_bank(
        "a.yaml", bank_text(item("t-q01"), item("t-q02", answer="Z", prompt="Why?", locator="q2"))
    )
    result = check_bank([path])
    assert [i.id for i in result.bank] == ["t-q01"]
    assert [p.line for p in result.problems] == [SECOND + ANSWER_LINE]


def test_files_inside_the_project_are_named_relative_to_it() -> None:
    missing = DEFAULT_BANK_DIR / "no-such-file.yaml"
    assert problems_of(missing) == [Problem("data/bank/no-such-file.yaml", 1, "no such file or folder")]


def test_the_default_bank_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    assert DEFAULT_BANK_DIR == PROJECT_ROOT / "data" / "bank"
    before = check_bank()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        after = check_bank()
    finally:
        os.chdir(cwd)
    assert [i.id for i in after.bank] == [i.id for i in before.bank]
    assert after.problems == before.problems


def test_normalise_prompt_ignores_case_whitespace_and_punctuation() -> None:
    assert normalise_prompt("  What is\tLoRA? ") == normalise_prompt("what is lora")
    assert normalise_prompt("以下哪种方法（  ）。") == normalise_prompt("以下哪种方法")
    assert normalise_prompt("What is LoRA?") != normalise_prompt("What is QLoRA?")


# --- the Bank index -----------------------------------------------------------------------


def make_item(item_id: str, topics: list[str], lang: str = "en", kind: str = "single_choice") -> BankItem:
    choice = kind != "short_answer"
    return BankItem.model_validate(
        {
            "id": item_id,
            "type": kind,
            "lang": lang,
            "topics": topics,
            "prompt": f"Question {item_id}?",
            "choices": (["对", "错"] if lang == "zh" else ["True", "False"])
            if kind == "true_false"
            else (["a", "b", "c"] if choice else []),
            "answer": "A" if choice else "model answer",
            "explanation": "why",
            "source": {"file": f"{item_id[:4]}_seed.txt", "locator": "q1"},
        }
    )


@pytest.fixture
def bank() -> Bank:
    return Bank(
        [
            make_item("b001", ["lora", "peft"]),
            make_item("b002", ["lora"], lang="zh"),
            make_item("b003", ["sft"], kind="short_answer"),
            make_item("b004", ["peft"], kind="true_false"),
            make_item("c005", ["lora"], kind="short_answer", lang="zh"),
        ],
        origins={"b001": ("x.yaml", 3)},
    )


def test_by_id(bank: Bank) -> None:
    found = bank.by_id("b002")
    assert found is not None and found.lang == "zh"
    assert bank.by_id("nope") is None
    assert "b003" in bank and "nope" not in bank
    assert bank.origin("b001") == "x.yaml:3" and bank.origin("b002") is None


def test_filter_matches_every_criterion_in_bank_order(bank: Bank) -> None:
    def ids(items: list[BankItem]) -> list[str]:
        return [i.id for i in items]

    assert ids(bank.filter()) == ["b001", "b002", "b003", "b004", "c005"]
    assert ids(bank.filter(topic="peft")) == ["b001", "b004"]  # any of the item's topics
    assert ids(bank.filter(topic="lora", lang="en")) == ["b001"]
    assert ids(bank.filter(types=[ItemType.SHORT_ANSWER])) == ["b003", "c005"]
    assert ids(bank.filter(types={ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE}, topic="peft")) == [
        "b001",
        "b004",
    ]
    assert ids(bank.filter(types=ItemType.TRUE_FALSE)) == ["b004"]  # a lone type, not a collection
    assert bank.filter(topic="dpo") == []
    assert bank.filter(lang="fr") == []
    assert bank.filter(types=[]) == []


def test_topic_counts_count_choice_items_per_language(bank: Bank) -> None:
    assert bank.topic_counts() == {"lora": {"en": 1, "zh": 1}, "peft": {"en": 2}}


def test_summary_counts_by_source_type_lang_and_topic(bank: Bank) -> None:
    summary = bank.summary()
    assert summary.total == 5
    assert summary.by_source == {
        "b001_seed.txt": 1,
        "b002_seed.txt": 1,
        "b003_seed.txt": 1,
        "b004_seed.txt": 1,
        "c005_seed.txt": 1,
    }
    assert summary.by_type == {"single_choice": 2, "true_false": 1, "short_answer": 2}
    assert summary.by_lang == {"en": 3, "zh": 2}
    assert summary.by_topic == {"sft": 1, "lora": 3, "peft": 2}
    assert summary.by_file == {"x.yaml": 1}
    assert summary.lines()[0] == "5 items"


def test_the_bank_is_immutable(bank: Bank) -> None:
    with pytest.raises(AttributeError):
        bank._items = ()
    with pytest.raises(AttributeError):
        del bank._by_id
    assert isinstance(bank.items, tuple)


def test_a_bank_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="duplicate item id 'b001'"):
        Bank([make_item("b001", ["lora"]), make_item("b001", ["sft"])])


@pytest.mark.parametrize("odd_break", ["\r", "\x85", "\u2028", "\u2029"])
def test_lines_are_counted_by_newline_whatever_other_breaks_yaml_sees(odd_break: str) -> None:
    # YAML ends a line at each of these too; a problem names the line an editor shows.
    text = f'version: 1\nnote: "a{odd_break}b{odd_break}c"\nitems: 3\n'
    problems = [(p.line, p.message) for p in check_text(text, "odd.yaml").problems]
    assert (3, "`items` must be a list of questions") in problems
    assert [line for line, _ in problems] == [2, 3]
    assert str(check_text(f"{odd_break}{odd_break}0", "top.yaml").problems[0]).startswith("top.yaml:1:")

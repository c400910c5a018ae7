"""also_accepted, shuffle: false and the bank check's warnings; every problem in one pass (issues 12, 13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bank.cli import DEFAULT_SCHEMA_PATH, main
from bot.bank.export import EXPORT_FIELDS, bank_json_schema_text, dump_bank_yaml, export_record
from bot.bank.loader import BankError, Problem, check_bank, check_text, load_bank
from bot.bank.schema import TOPICS, BankItem

from .helpers import ITEM_LINES, bank_text, item

WriteBank = Callable[[str, str], Path]

FIRST = 3  # the first item's line in a file made by bank_text
CHOICES_LINE, ANSWER_LINE = 5, 6  # offsets from an item's first line
SOURCE_LINE = ITEM_LINES - 1


def with_fields(text: str, after_answer: str) -> str:
    """Insert field lines (already indented) right after the item's ``answer:`` line."""
    head, sep, tail = text.partition("\n    explanation:")
    return head + "\n" + after_answer.rstrip("\n") + sep + tail


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(BankError) as caught:
        load_bank([path])
    return caught.value.problems


# ---- also_accepted -------------------------------------------------------------------------


def test_an_also_accepted_letter_loads_with_its_index(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", with_fields(bank_text(item(answer="B")), "    also_accepted: [C, A]"))
    (loaded,) = load_bank([path])
    assert loaded.also_accepted == ["C", "A"]
    assert loaded.also_accepted_indexes == (0, 2)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("    also_accepted: [D]", "t-q01: also_accepted names 'D', which is not a choice letter (A, B, C)"),
        ("    also_accepted: [B]", "t-q01: also_accepted names the key 'B'; list only other choices"),
        ("    also_accepted: [a]", "t-q01: also_accepted names 'a', which is not a choice letter (A, B, C)"),
        ("    also_accepted: [A, A]", "t-q01: also_accepted repeats 'A'"),
        (
            "    also_accepted: [C]\n    why_not: {A: Too slow., C: Too small.}",
            "t-q01: also_accepted names 'C', which has a why_not; an accepted choice is not wrong: "
            "drop its why_not and say in the explanation why it is accepted",
        ),
    ],
)
def test_bank_check_validates_also_accepted(write_bank: WriteBank, fields: str, message: str) -> None:
    path = write_bank("a.yaml", with_fields(bank_text(item(answer="B")), fields))
    assert problems_of(path) == [Problem(str(path), FIRST + ANSWER_LINE + 1, message)]


def test_a_short_answer_has_no_also_accepted(write_bank: WriteBank) -> None:
    text = bank_text(item(type="short_answer", choices="[]", answer="Low-rank adapters."))
    path = write_bank("a.yaml", with_fields(text, "    also_accepted: [A]"))
    assert [p.message for p in problems_of(path)] == [
        "t-q01: also_accepted is for choice items; a short_answer item has none"
    ]


def test_the_export_shape_is_unchanged_by_the_new_fields(write_bank: WriteBank) -> None:
    path = write_bank(
        "a.yaml", with_fields(bank_text(item(answer="B")), "    also_accepted: [C]\n    shuffle: false")
    )
    (loaded,) = load_bank([path])
    assert tuple(export_record(loaded)) == EXPORT_FIELDS
    assert export_record(loaded)["answer"] == 1


# ---- shuffle and the warnings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "item_type", "shuffles"),
    [
        ("[Fast, Small, Cheap]", "single_choice", True),
        ("['True', 'False']", "true_false", False),
    ],
)
def test_true_false_items_never_shuffle(
    write_bank: WriteBank, choices: str, item_type: str, shuffles: bool
) -> None:
    path = write_bank("a.yaml", bank_text(item(type=item_type, choices=choices, answer="A")))
    (loaded,) = load_bank([path])
    assert loaded.shuffle is True
    assert loaded.shuffles is shuffles


REFERRING_CHOICES = [
    "All of the above",
    "None of the above",
    "Both A and B",
    "A and C",
    "Options B or D",
    "Answer C",
    "(B)",
    "C",
    "以上都对",
    "以上都不对",
    "A和B",
    "选项C",
    "none of the others",
]


@pytest.mark.parametrize("choice", REFERRING_CHOICES)
def test_a_shuffled_choice_that_refers_to_other_choices_is_a_warning(
    write_bank: WriteBank, choice: str
) -> None:
    path = write_bank("a.yaml", bank_text(item(choices=f"[Fast, Small, '{choice}']")))
    result = check_bank([path])
    assert result.problems == []
    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.level) == (str(path), FIRST + CHOICES_LINE, "warning")
    assert str(warning).startswith(f"{path}:{FIRST + CHOICES_LINE}: warning: t-q01: choice 3 (")
    assert "add `shuffle: false`" in str(warning)


@pytest.mark.parametrize("choice", REFERRING_CHOICES[:3])
def test_shuffle_false_silences_the_warning(write_bank: WriteBank, choice: str) -> None:
    text = with_fields(bank_text(item(choices=f"[Fast, Small, '{choice}']")), "    shuffle: false")
    result = check_bank([write_bank("a.yaml", text)])
    assert (result.problems, result.warnings) == ([], [])
    assert result.bank.items[0].shuffles is False


@pytest.mark.parametrize(
    "choice",
    [
        "A technique to make models run faster",
        "$W_0$、$A$、$B$都更新",  # matrices in LaTeX, not choice letters
        "`A and B` in code",
        "Above-average memory use",  # a different word
        "Type C connectors",
    ],
)
def test_ordinary_choices_are_not_warned_about(write_bank: WriteBank, choice: str) -> None:
    result = check_bank([write_bank("a.yaml", bank_text(item(choices=f"[Fast, Small, '{choice}']")))])
    assert (result.problems, result.warnings) == ([], [])


def test_check_prints_warnings_and_keeps_exit_0(
    capsys: pytest.CaptureFixture[str], write_bank: WriteBank
) -> None:
    path = write_bank("a.yaml", bank_text(item(choices="[Fast, Small, 'All of the above']")))
    code = main(["bank", "check", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith(f"{path}:{FIRST + CHOICES_LINE}: warning: t-q01: choice 3 (All of the above)")
    assert out[-1] == "no problems, 1 warning"


def test_warnings_do_not_turn_an_error_exit_into_success(
    capsys: pytest.CaptureFixture[str], write_bank: WriteBank
) -> None:
    path = write_bank(
        "a.yaml",
        bank_text(
            item("t-q01", answer="Z"),
            item("t-q02", prompt="What is DPO?", choices="[Fast, Small, 'All of the above']"),
        ),
    )
    code = main(["bank", "check", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert (
        out[0] == f"{path}:{FIRST + ANSWER_LINE}: t-q01: answer 'Z' is not among the choice letters A, B, C"
    )
    assert out[1].startswith(f"{path}:{FIRST + ITEM_LINES + CHOICES_LINE}: warning: t-q02: choice 3")
    assert out[-1] == "1 problem, 1 warning"


EXPLANATION_LINE = 7  # offset of ``explanation`` from an item's first line


@pytest.mark.parametrize(
    "explanation",
    [
        "The seed's key is B, but it is debatable.",
        "C is also right, since it says the same.",
        "Small is right; the key is debatable against C.",
        "Fast (A) is wrong.",
        "答案是 B，因为参数少。",
        "注意选项 C 的写法。",
    ],
)
def test_an_explanation_that_names_a_choice_letter_is_a_warning_when_shuffled(
    write_bank: WriteBank, explanation: str
) -> None:
    result = check_bank([write_bank("a.yaml", bank_text(item(explanation=f'"{explanation}"')))])
    (warning,) = result.warnings
    assert warning.line == FIRST + EXPLANATION_LINE
    assert "t-q01: explanation names a choice by letter" in warning.message
    fixed = with_fields(bank_text(item(explanation=f'"{explanation}"')), "    shuffle: false")
    assert check_bank([write_bank("b.yaml", fixed)]).warnings == []


@pytest.mark.parametrize(
    "explanation",
    [
        "LoRA trains the matrices A and B; B is initialised to zero.",
        "A good template keeps the context.",
        "Only A and B are trained, with $A$ random.",
    ],
)
def test_matrices_and_articles_in_an_explanation_are_not_letters(
    write_bank: WriteBank, explanation: str
) -> None:
    result = check_bank([write_bank("a.yaml", bank_text(item(explanation=f'"{explanation}"')))])
    assert result.warnings == []


def test_a_why_not_that_names_a_letter_is_warned_at_its_line(write_bank: WriteBank) -> None:
    text = with_fields(
        bank_text(item()), "    why_not:\n      A: Slower than C is wrong.\n      C: Option A is better."
    )
    result = check_bank([write_bank("a.yaml", text)])
    assert [(w.line, w.message.split(" names")[0]) for w in result.warnings] == [
        (FIRST + ANSWER_LINE + 2, "t-q01: why_not.A"),
        (FIRST + ANSWER_LINE + 3, "t-q01: why_not.C"),
    ]


def test_check_text_returns_warnings_too() -> None:
    result = check_text(bank_text(item(choices="[Fast, Small, 'Both A and B']")), "upload.yaml")
    assert [w.line for w in result.warnings] == [FIRST + CHOICES_LINE]


# ---- every problem in one pass (issue 13, item 5) -------------------------------------------


def test_a_missing_source_no_longer_hides_a_bad_key(write_bank: WriteBank) -> None:
    text = bank_text(item(answer="Z")).replace("    source: {file: seed.txt, locator: q1}\n", "")
    path = write_bank("a.yaml", text)
    assert problems_of(path) == [
        Problem(str(path), FIRST, "t-q01: missing field 'source'"),
        Problem(str(path), FIRST + ANSWER_LINE, "t-q01: answer 'Z' is not among the choice letters A, B, C"),
    ]


def test_every_rule_an_item_breaks_is_reported_not_only_the_first(write_bank: WriteBank) -> None:
    text = with_fields(
        bank_text(item(answer="Z", topics="[nope]")),
        "    also_accepted: [E]\n    why_not: {D: Not a choice.}",
    )
    path = write_bank("a.yaml", text)
    messages = [p.message for p in problems_of(path)]
    assert messages == [
        "t-q01: topics: unknown topic(s) ['nope']; known topics: " + ", ".join(TOPICS),
        "t-q01: answer 'Z' is not among the choice letters A, B, C",
        "t-q01: also_accepted names 'E', which is not a choice letter (A, B, C)",
        "t-q01: why_not names 'D', which is not a choice letter",
    ]


def test_a_field_that_is_itself_invalid_is_not_reported_twice(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(answer="[B]")))
    messages = [p.message for p in problems_of(path)]
    assert messages == ["t-q01: answer: Input should be a valid string"]


@pytest.mark.parametrize(
    ("choices", "written"),
    [("[True, False]", "True"), ("[yes, 'No way']", "yes"), ("[on, 'Off']", "on")],
)
def test_unquoted_true_false_choices_get_a_hint_to_quote_them(
    write_bank: WriteBank, choices: str, written: str
) -> None:
    path = write_bank("a.yaml", bank_text(item(type="true_false", choices=choices, answer="A")))
    problem = problems_of(path)[0]
    assert problem.line == FIRST + CHOICES_LINE
    assert problem.message == (
        f"t-q01: choices.0: Input should be a valid string "
        f"(YAML reads the unquoted {written} as a boolean; quote it: '{written}')"
    )


def test_an_unquoted_number_choice_gets_the_same_hint(write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(choices="['0', 1, '-100']", answer="C")))
    (problem,) = problems_of(path)
    assert problem.message.endswith("(YAML reads the unquoted 1 as a number; quote it: '1')")


# ---- quizbot bank schema -------------------------------------------------------------------


def test_schema_without_output_prints_and_leaves_the_tracked_file_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = (DEFAULT_SCHEMA_PATH.read_bytes(), DEFAULT_SCHEMA_PATH.stat().st_mtime_ns)
    code = main(["bank", "schema"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == bank_json_schema_text()
    assert err == ""
    assert (DEFAULT_SCHEMA_PATH.read_bytes(), DEFAULT_SCHEMA_PATH.stat().st_mtime_ns) == before


def test_the_schema_describes_the_new_fields() -> None:
    properties = BankItem.model_json_schema()["properties"]
    assert properties["shuffle"]["default"] is True
    assert properties["also_accepted"]["items"] == {"type": "string"}


# ---- the shipped bank ----------------------------------------------------------------------

# Decided from each item's explanation and seed (see data/bank/README.md); the key stays the seed's.
SHIPPED_ALSO_ACCEPTED = {
    "s000-q34": ["A"],  # higher r: more capacity, more memory; the key's trade-off seen from the other side
    "s000-q36": ["D"],  # recomputing forward passes: the mechanism of the keyed trade-off
    "s000-q37": ["A"],  # with Adam, alpha acts much like the adapter's learning rate
    "s000-q41": ["B"],  # NF4 QLoRA matched 16-bit fine-tuning: compression with minimal impact
    "s000-q42": ["B"],  # explicit turn boundaries, arguably the stronger answer
    "s002-q04": ["B"],  # the classic Bradley-Terry ratio p_i / (p_i + p_j), the sigmoid form for p = exp(r)
    "s002-q05": ["D"],  # train() also logs/records training metrics, as the seed's feedback says
    "s002-q06": ["C"],  # instructions in, labelled outputs out: also a correct description
}


def test_the_shipped_also_accepted_decisions() -> None:
    bank = load_bank()
    assert {i.id: i.also_accepted for i in bank if i.also_accepted} == SHIPPED_ALSO_ACCEPTED
    for item_id in SHIPPED_ALSO_ACCEPTED:
        found = bank.by_id(item_id)
        assert found is not None and "accepted too" in found.explanation, item_id


def test_the_shipped_bank_has_no_warnings() -> None:
    result = check_bank()
    assert result.warnings == [], "\n".join(str(w) for w in result.warnings)


def test_bank_yaml_writes_the_new_fields_after_the_answer_and_skips_defaults() -> None:
    base = {
        "id": "t-q01",
        "type": "single_choice",
        "lang": "en",
        "topics": ["lora"],
        "prompt": "What is LoRA?",
        "choices": ["Fast", "Small", "Cheap"],
        "answer": "B",
        "explanation": "Because.",
        "source": {"file": "seed.txt", "locator": "q1"},
    }
    text = dump_bank_yaml([{**base, "shuffle": False, "also_accepted": ["C"]}, {**base, "shuffle": True}])
    first, second = text.split("\n\n  - ")
    assert "answer: B\n    also_accepted: [C]\n    shuffle: false\n    explanation:" in first
    assert "shuffle" not in second and "also_accepted" not in second
    (read_back,) = load_bank_text(dump_bank_yaml([{**base, "shuffle": False, "also_accepted": ["C"]}]))
    assert (read_back.also_accepted, read_back.shuffle) == (["C"], False)


def load_bank_text(text: str) -> list[BankItem]:
    result = check_text(text, "x.yaml")
    assert result.problems == []
    return list(result.bank)

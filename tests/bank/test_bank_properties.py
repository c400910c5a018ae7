"""Property tests: importers fed any text return drafts or problems, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bank.export import dump_bank_yaml
from bot.bank.importers import PARSERS, ImportFormat, ImportResult, import_text
from bot.bank.loader import DEFAULT_BANK_DIR, check_bank
from bot.bank.schema import BankItem

from .helpers import seed_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SEEDS = {prefix: seed_text(prefix) for prefix in ("000", "002", "003")}

# Lines that mean something to one parser or another, to splice into the seeds.
MARKUP = [
    "```",
    "~~~",
    "- ☒ picked",
    "- ☐ not picked",
    "☒",
    "☐",
    "✓ Correct",
    "☒ Correct",
    "✗ Incorrect",
    "1 / 1 point",
    "8. A new question?",
    "0. Zero?",
    "### 11. 新问题（  ）。",
    "### ②续行",
    "## 简答题",
    "A. 甲",
    "E. 戊",
    "答案：Z",
    "答案：",
    "答案：AB",
    "答：",
    "6. **新简答题**",
    "解析：因为。",
    "[",
    "]",
    "{",
    "}",
    "},",
    '"correct_answer": "Q"',
    '{"question": "Q?", "answer_a": "", "answer_b": "", "correct_answer": "A"},',
    '{"question": 1, "answer_a": [], "correct_answer": null},',
    "[" * 50,
    "",
]


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """A real seed, cut, spliced and shuffled a little."""
    lines = SEEDS[draw(st.sampled_from(sorted(SEEDS)))].split("\n")
    for op in draw(st.lists(st.sampled_from(["slice", "delete", "insert", "copy", "chars"]), max_size=6)):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        if op == "slice":
            end = draw(st.integers(at, len(lines)))
            lines = lines[at:end]
        elif op == "delete":
            del lines[at : at + draw(st.integers(1, 8))]
        elif op == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(MARKUP), st.text(max_size=30))))
        elif op == "copy":
            lines.insert(draw(st.integers(0, len(lines))), lines[at])
        else:
            text = "\n".join(lines)
            start = draw(st.integers(0, len(text)))
            lines = (text[:start] + text[draw(st.integers(start, len(text))) :]).split("\n")
    return "\n".join(lines)


any_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=20)), max_size=30).map("\n".join),
    mutated_seed(),
)


def check_result(result: Any, text: str) -> None:
    assert isinstance(result, ImportResult)
    assert result.items or result.problems, "neither items nor a problem"
    last_line = text.count("\n") + 1
    for problem in result.problems:
        assert 1 <= problem.line <= last_line, problem
        assert problem.message
    ids = [item["id"] for item in result.items]
    assert len(ids) == len(set(ids))
    for item in result.items:
        BankItem.model_validate({**item, "explanation": item["explanation"] or "written later"})


@SETTINGS
@given(text=any_text)
def test_json_mc_never_raises(text: str) -> None:
    check_result(PARSERS[ImportFormat.JSON_MC](text, "000_seed.txt"), text)


@SETTINGS
@given(text=any_text)
def test_checkbox_md_never_raises(text: str) -> None:
    check_result(PARSERS[ImportFormat.CHECKBOX_MD](text, "002_seed.txt"), text)


@SETTINGS
@given(text=any_text)
def test_answer_md_never_raises(text: str) -> None:
    check_result(PARSERS[ImportFormat.ANSWER_MD](text, "003_seed.txt"), text)


@SETTINGS
@given(text=any_text, name=st.text(min_size=1, max_size=20))
def test_detection_and_import_never_raise(text: str, name: str) -> None:
    check_result(import_text(text, name), text)


draft_text = st.text(min_size=1, max_size=120)


@st.composite
def drafts(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [
        {
            "id": f"t-q{n:02d}",
            "type": "single_choice",
            "lang": "en",
            "topics": ["lora"],
            "difficulty": "medium",
            "prompt": draw(draft_text),
            "choices": draw(st.lists(draft_text, min_size=2, max_size=5)),
            "answer": "A",
            "explanation": draw(st.text(max_size=200)),
            "source": {"file": "x.txt", "locator": f"q{n}"},
        }
        for n in range(1, draw(st.integers(1, 3)) + 1)
    ]


@SETTINGS
@given(items=drafts())
def test_bank_yaml_reads_back_unchanged(items: list[dict[str, Any]]) -> None:
    assert yaml.safe_load(dump_bank_yaml(items, header="a header\nwith two lines")) == {
        "version": 1,
        "items": items,
    }


SHIPPED_SAMPLE = sorted(DEFAULT_BANK_DIR.glob("*.yaml"))[0].read_text(encoding="utf-8")[:6000]


@st.composite
def mutated_bank(draw: st.DrawFn) -> str:
    """The start of a shipped bank file with lines deleted, duplicated or replaced."""
    lines = SHIPPED_SAMPLE.split("\n")
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "copy", "replace"]))
        if op == "delete" and len(lines) > 1:
            del lines[at]
        elif op == "copy":
            lines.insert(draw(st.integers(0, len(lines))), lines[at])
        else:
            lines[at] = draw(st.text(max_size=30))
    return "\n".join(lines)


@SETTINGS
@given(text=st.one_of(st.text(), mutated_bank()))
def test_the_loader_reports_problems_and_never_raises_on_any_file(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bank.yaml"
        path.write_text(text, encoding="utf-8")
        result = check_bank([path])
    last_line = text.count("\n") + 1
    for problem in result.problems:
        assert 1 <= problem.line <= last_line + 1, problem
    assert result.problems or len(result.bank) > 0

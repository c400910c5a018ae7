"""The ``quizbot bank`` commands, run through their argparse handlers."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.bank.cli import add_bank_commands, build_parser, main
from bot.bank.export import bank_json_schema_text, dump_bank_yaml

from .helpers import bank_text, item, seed_path

WriteBank = Callable[[str, str], Path]


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_bank_group_joins_a_parent_parser() -> None:
    parser = argparse.ArgumentParser(prog="quizbot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_bank_commands(subparsers)
    for argv in (
        ["bank", "check"],
        ["bank", "export", "--format", "json"],
        ["bank", "schema"],
        ["bank", "import", "x"],
    ):
        args = parser.parse_args(argv)
        assert callable(args.handler)
    with pytest.raises(SystemExit):
        parser.parse_args(["bank", "import", "x", "--format", "csv"])


def test_check_passes_on_a_sound_bank(capsys: pytest.CaptureFixture[str], write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item()))
    code, out, _ = run(capsys, "bank", "check", path)
    assert code == 0
    assert out.splitlines()[0] == "1 item"
    assert "  type     single_choice 1" in out
    assert out.splitlines()[-1] == "no problems"


def test_check_prints_every_problem_then_the_summary(
    capsys: pytest.CaptureFixture[str], write_bank: WriteBank
) -> None:
    bad = write_bank(
        "a.yaml", bank_text(item("t-q01", answer="Z"), item("t-q02", explanation="''", prompt="Why?"))
    )
    good = write_bank("b.yaml", bank_text(item("t-q03", prompt="What is DPO?")))
    code, out, _ = run(capsys, "bank", "check", bad, good)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{bad}:9: t-q01: answer 'Z' is not among the choice letters A, B, C"
    assert lines[1].startswith(f"{bad}:19: t-q02: explanation is empty")
    assert "1 item" in lines and lines[-1] == "2 problems"
    assert any(line.startswith("  source   seed.txt 1") for line in lines)


def test_check_defaults_to_the_shipped_bank(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bank", "check")
    assert code == 0, out


def test_import_writes_a_file_that_passes_check_once_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "s000.yaml"
    code, out, err = run(capsys, "bank", "import", seed_path("000"), "--output", output)
    assert code == 0
    # One of its 42 questions is already in the shared bank (from seed 004): skipped as a duplicate.
    assert f"wrote 41 items to {output}" in out
    assert "skipped: duplicate question: the bank already has it (s004-q16)" in err
    assert "41 of 41 explanations are empty" in err and "quizbot bank check" in err

    code, out, _ = run(capsys, "bank", "check", output)
    assert code == 1
    assert out.count("explanation is empty") == 41

    document = yaml.safe_load(output.read_text(encoding="utf-8"))
    for draft in document["items"]:
        draft["explanation"] = f"Why {draft['answer']} is right."
    output.write_text(dump_bank_yaml(document["items"]), encoding="utf-8")
    code, out, _ = run(capsys, "bank", "check", output)
    assert code == 0, out
    assert "41 items" in out


@pytest.mark.parametrize(("prefix", "count"), [("002", 7), ("003", 15)])
def test_import_the_markdown_seeds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, prefix: str, count: int
) -> None:
    output = tmp_path / "out.yaml"
    code, out, _ = run(capsys, "bank", "import", seed_path(prefix), "--output", output)
    assert code == 0
    assert f"wrote {count} items" in out
    assert len(yaml.safe_load(output.read_text(encoding="utf-8"))["items"]) == count


def test_import_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.yaml"
    output.write_text("keep me", encoding="utf-8")
    code, _, err = run(capsys, "bank", "import", seed_path("002"), "--output", output)
    assert code == 1 and "--force" in err
    assert output.read_text(encoding="utf-8") == "keep me"
    code, _, _ = run(capsys, "bank", "import", seed_path("002"), "--output", output, "--force")
    assert code == 0
    assert output.read_text(encoding="utf-8") != "keep me"


def test_import_reports_unparsed_parts_and_still_imports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, write_bank: WriteBank
) -> None:
    good = {"question": "Q?", "answer_a": "a", "answer_b": "b", "correct_answer": "B"}
    seed = write_bank("007_quiz.txt", f'[\n{json.dumps(good)},\n{{"question": oops}}\n]\n')
    code, out, err = run(capsys, "bank", "import", seed, "--output", tmp_path / "out.yaml")
    assert code == 0
    assert "wrote 1 items" in out
    assert f"{seed}:3: skipped: question 2: not valid JSON" in err
    assert "1 part(s) could not be imported" in err


def test_import_exits_1_when_nothing_can_be_imported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.yaml"
    code, _, err = run(capsys, "bank", "import", seed_path("001"), "--output", output)
    assert code == 1
    assert f"{seed_path('001')}:1: cannot tell which format this is" in err
    assert not output.exists()
    code, _, err = run(capsys, "bank", "import", seed_path("001"), "--format", "json-mc", "--output", output)
    assert code == 1 and "no JSON array" in err


def test_import_of_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "bank", "import", tmp_path / "nope.txt")
    assert code == 1 and "cannot read the file" in err


def test_import_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bank", "import", seed_path("003"), "--output", "-")
    assert code == 0
    assert len(yaml.safe_load(out)["items"]) == 15


def test_export_prints_one_json_array(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bank", "export", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert isinstance(records, list) and records


def test_export_refuses_a_broken_bank(capsys: pytest.CaptureFixture[str], write_bank: WriteBank) -> None:
    path = write_bank("a.yaml", bank_text(item(answer="Z")))
    code, out, err = run(capsys, "bank", "export", path)
    assert code == 1 and out == ""
    assert f"{path}:9:" in err


def test_schema_writes_the_json_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "bank.schema.json"
    code, _, _ = run(capsys, "bank", "schema", "--output", output)
    assert code == 0
    assert output.read_text(encoding="utf-8") == bank_json_schema_text()
    schema = json.loads(output.read_text(encoding="utf-8"))
    assert schema["title"] == "BankFile"
    assert "sft" in schema["$defs"]["BankItem"]["properties"]["topics"]["items"]["enum"]


def test_the_standalone_parser_needs_a_command() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bank"])

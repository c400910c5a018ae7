"""`quizbot bank import` and the Discord upload parser on the new formats."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.bank.cli import main
from bot.bank.upload import parse_upload

from . import fixtures as F


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_skips_and_reports_then_writes_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "net.gift"
    source.write_text(F.GIFT, encoding="utf-8")
    output = tmp_path / "out.yaml"
    code, out, err = run(capsys, "bank", "import", source, "--output", output, "--topic", "Networks")
    assert code == 0 and "wrote 7 items" in out
    assert f"{source}:4: skipped: essay question: question 1 (essay 1)" in err
    assert f"{source}:27: skipped: question with more than 5 choices" in err
    assert "imported 7 items from" in err and "as gift; 6 part(s) could not be imported" in err
    assert "topics outside the shared taxonomy: networks." in err and "upload net.gift itself" in err
    items = yaml.safe_load(output.read_text(encoding="utf-8"))["items"]
    assert {tuple(i["topics"]) for i in items} == {("networks",)}
    arp = next(i for i in items if i["type"] == "short_answer")
    assert arp["accepted"] == ["ARP", "Address Resolution Protocol"]


def test_import_lang_overrides_detection(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "dns.txt"
    source.write_text(F.AIKEN, encoding="utf-8")
    code, out, _err = run(
        capsys, "bank", "import", source, "--output", "-", "--lang", "zh", "--format", "aiken"
    )
    assert code == 0
    items = yaml.safe_load(out)["items"]
    assert {i["lang"] for i in items} == {"zh"}
    assert items[1]["choices"] == ["对", "错"]


def test_nothing_importable_exits_non_zero_naming_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "essays.gift"
    source.write_text(F.GIFT_ONLY_ESSAY, encoding="utf-8")
    output = tmp_path / "out.yaml"
    code, _out, err = run(capsys, "bank", "import", source, "--output", output)
    assert code == 1 and not output.exists()
    assert err.splitlines()[-1] == f"{source}: nothing could be imported: only essay questions"


def test_a_malformed_file_imports_nothing_and_lists_every_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "broken.txt"
    source.write_text(F.AIKEN_BROKEN, encoding="utf-8")
    output = tmp_path / "out.yaml"
    code, _out, err = run(capsys, "bank", "import", source, "--output", output)
    assert code == 1 and not output.exists()  # its one good question is not imported either
    assert f"{source}:1: question 1: fewer than two options" in err
    assert f"{source}:5: question 2: no `ANSWER: X` line" in err
    assert f"{source}:17: question 4: ANSWER 'Q'" in err
    assert "nothing imported: the file is malformed (3 errors)" in err


def test_an_unknown_file_suggests_no_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("just some notes\n", encoding="utf-8")
    code, _out, err = run(capsys, "bank", "import", source, "--output", tmp_path / "o.yaml")
    assert code == 1 and f"{source}:1: cannot tell which format this is: it looks like none of" in err
    assert "--format" not in err and "malformed" not in err and len(err.splitlines()) == 1


def test_an_uploaded_red_list_is_not_mistaken_for_a_bank_file() -> None:
    parsed = parse_upload(F.RED.encode(), "networking.yaml")
    assert parsed.format == "red-trivia" and not parsed.problems
    assert [str(p) for p in parsed.skipped] == [
        "networking.yaml:19: skipped: duplicate question: it repeats the one at line 17"
    ]
    line, item = parsed.items[0]
    assert line == 5 and item.topics == ["networking"] and item.accepted == ["No"]
    assert parsed.without_explanation == len(parsed.items)


def test_an_upload_with_only_skips_says_why_nothing_imports() -> None:
    parsed = parse_upload(F.GIFT_ONLY_ESSAY.encode(), "essays.gift")
    assert parsed.items == []
    assert [str(p) for p in parsed.problems] == ["essays.gift:1: nothing to import: only essay questions"]
    assert len(parsed.skipped) == 2


def test_a_long_skip_report_is_clipped_and_attached_whole() -> None:
    from bot.bank.loader import Problem
    from bot.services.guild_bank import ImportReport
    from cogs.bank import REPORT_BUDGET, report_message, report_text

    skipped = tuple(Problem("big.gift", n, f"skipped: essay question: question {n}") for n in range(1, 201))
    report = ImportReport("big.gift", "gift", added=(), skipped=skipped, total=5)
    text, clipped = report_message(report)
    assert clipped and len(text) <= REPORT_BUDGET + 200
    assert text.startswith("Imported **0** questions from `big.gift` (gift).")
    assert "200 questions were skipped:" in text and "more (the attached report lists them all)" in text
    assert report_text(report).count("skipped: essay question") == 200
    short = ImportReport("s.gift", "gift", skipped=skipped[:1], total=1)
    assert report_message(short) == (
        "Imported **0** questions from `s.gift` (gift). This server now has 1 of its own (up to 2000); "
        "they join its quizzes from the next one on.\n1 question was skipped:\n"
        "`big.gift:1: skipped: essay question: question 1`",
        False,
    )


POSITIONAL_GIFT = """\
::q1:: Which of these are fruits? {
=All of the above
~Apple
~Banana
~Cherry
}

::q2:: Which port does HTTPS use by default? {
=443
~80
~8443
}
"""


def test_an_imported_choice_that_refers_to_the_others_keeps_its_item_in_bank_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Regression: imported items always shuffled, so a server's "All of the above" could be posted
    # under A, above nothing (the shipped bank marks such items `shuffle: false` by hand).
    parsed = parse_upload(POSITIONAL_GIFT.encode(), "fruits.gift")
    assert not parsed.problems
    shuffles = {item.prompt: item.shuffles for _line, item in parsed.items}
    assert shuffles == {"Which of these are fruits?": False, "Which port does HTTPS use by default?": True}

    source = tmp_path / "fruits.gift"
    source.write_text(POSITIONAL_GIFT, encoding="utf-8")
    out = tmp_path / "fruits.yaml"
    code, _, _ = run(capsys, "bank", "import", source, "--output", out)
    assert code == 0
    items = {i["prompt"]: i for i in yaml.safe_load(out.read_text(encoding="utf-8"))["items"]}
    assert items["Which of these are fruits?"]["shuffle"] is False
    assert "shuffle" not in items["Which port does HTTPS use by default?"]

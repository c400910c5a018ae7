"""Uploaded question files: the bank format and the three seed shapes, every problem with its line."""

from __future__ import annotations

from bot.bank.loader import load_bank
from bot.bank.upload import BANK_FORMAT, NO_EXPLANATION, parse_upload
from bot.services.guild_bank import GUILD_ID_PREFIX
from tests.bank.helpers import bank_text, item, seed_path


def test_each_seed_shape_is_told_apart_and_parsed() -> None:
    for prefix, shape in (("000", "json-mc"), ("002", "checkbox-md"), ("003", "answer-md")):
        path = seed_path(prefix)
        parsed = parse_upload(path.read_bytes(), path.name)
        assert parsed.format == shape and parsed.items and not parsed.problems, (prefix, parsed.problems)
    # 003 carries no explanations: each gets the stand-in sentence, and the count says so.
    parsed = parse_upload(seed_path("003").read_bytes(), "003.txt")
    assert parsed.without_explanation == len(parsed.items)
    assert all(i.explanation == NO_EXPLANATION for _line, i in parsed.items)
    lines = [line for line, _i in parsed.items]
    assert lines == sorted(lines) and lines[0] > 1


def test_a_bank_file_gives_items_with_their_lines_and_problems_with_theirs() -> None:
    text = bank_text(item("club-q01"), item("club-q02", prompt="What is QLoRA?", answer="Q"))
    parsed = parse_upload(text.encode(), "club.yaml")
    assert parsed.format == BANK_FORMAT
    assert [(line, i.id) for line, i in parsed.items] == [(3, "club-q01")]
    [problem] = parsed.problems
    assert problem.file == "club.yaml" and "club-q02: answer 'Q'" in problem.message
    assert text.splitlines()[problem.line - 1].strip().startswith("answer:")


def test_text_that_is_no_known_shape_or_not_utf8() -> None:
    [problem] = parse_upload(b"hello\n", "notes.txt").problems
    assert "cannot tell which format" in problem.message and problem.line == 1
    [problem] = parse_upload(b"ok\nfine\n\xff\n", "notes.txt").problems
    assert (problem.line, problem.message.startswith("not UTF-8")) == (3, True)


def test_the_shared_bank_never_uses_the_prefix_of_servers_own_questions() -> None:
    assert not [i.id for i in load_bank() if i.id.startswith(GUILD_ID_PREFIX)]

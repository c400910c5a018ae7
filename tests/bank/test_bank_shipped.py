"""The shipped bank (data/bank) loads cleanly, covers every seed, and agrees with the raw seeds."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.bank.export import bank_json_schema_text
from bot.bank.importers import import_text
from bot.bank.loader import DEFAULT_BANK_DIR, Bank, LoadResult, check_bank
from bot.bank.schema import BankItem, ItemType

from .helpers import seed_path, seed_text

SEED_004_QUESTIONS = 25  # counted by hand; test_seed_004_has_25_questions re-counts them


@pytest.fixture(scope="module")
def shipped() -> LoadResult:
    return check_bank()


@pytest.fixture(scope="module")
def bank(shipped: LoadResult) -> Bank:
    """The valid part of the shipped bank, so the count tests say something even when items are broken."""
    return shipped.bank


def from_seed(bank: Bank, prefix: str) -> list[BankItem]:
    return [item for item in bank if item.source.file == seed_path(prefix).name]


def locators(items: list[BankItem]) -> list[str]:
    return sorted((i.source.locator for i in items), key=lambda loc: (re.sub(r"\d", "", loc), len(loc), loc))


def test_the_shipped_bank_loads_without_problems(shipped: LoadResult) -> None:
    report = "\n".join(str(p) for p in shipped.problems)
    assert not shipped.problems, f"{len(shipped.problems)} problem(s) in the shipped bank:\n{report}"


def test_every_shipped_item_names_an_existing_seed(bank: Bank) -> None:
    seeds = {seed_path(prefix).name for prefix in ("000", "001", "002", "003", "004")}
    strays = [f"{i.id}: {i.source.file}" for i in bank if i.source.file not in seeds]
    assert not strays, "items whose source is not a seed file:\n" + "\n".join(strays)


def test_seed_000_gives_42_items_one_per_question(bank: Bank) -> None:
    items = from_seed(bank, "000")
    assert locators(items) == [f"q{n}" for n in range(1, 43)]


def test_seed_001_gives_10_items(bank: Bank) -> None:
    items = from_seed(bank, "001")
    assert locators(items) == [f"q{n}" for n in range(1, 11)]


def test_seed_002_gives_7_items(bank: Bank) -> None:
    items = from_seed(bank, "002")
    assert locators(items) == [f"q{n}" for n in range(1, 8)]


def test_seed_003_gives_10_chinese_choice_and_5_chinese_short_answer_items(bank: Bank) -> None:
    items = from_seed(bank, "003")
    kinds = Counter((i.lang, i.type) for i in items)
    assert kinds == {("zh", ItemType.SINGLE_CHOICE): 10, ("zh", ItemType.SHORT_ANSWER): 5}
    assert locators(items) == [f"mc{n}" for n in range(1, 11)] + [f"sa{n}" for n in range(1, 6)]


def test_seed_004_has_25_questions() -> None:
    # A question is a line ending in "?", give or take a "(Very Frequent)" tag and an emoji;
    # table rows ("| ... |") are not questions.
    lines = [line for line in seed_text("004").splitlines() if not line.startswith("|")]
    questions = [line for line in lines if re.search(r"\?\s*(\(Very Frequent\))?[\s\W]*$", line)]
    assert len(questions) == SEED_004_QUESTIONS, "\n".join(questions)


def test_every_seed_004_question_is_a_short_answer_item(bank: Bank) -> None:
    short = [i for i in from_seed(bank, "004") if i.type is ItemType.SHORT_ANSWER]
    assert locators(short) == [f"q{n}" for n in range(1, SEED_004_QUESTIONS + 1)]


def test_seed_004_has_at_least_15_single_choice_items(bank: Bank) -> None:
    choice = [i for i in from_seed(bank, "004") if i.type is ItemType.SINGLE_CHOICE]
    assert len(choice) >= 15
    valid = {f"q{n}" for n in range(1, SEED_004_QUESTIONS + 1)}
    assert {i.source.locator for i in choice} <= valid, "a choice item's locator names no 004 question"


def test_every_item_has_an_explanation(bank: Bank) -> None:
    empty = [i.id for i in bank if not i.explanation.strip()]
    assert not empty, f"items without an explanation: {empty}"
    assert len(bank) > 0


def ws(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("prefix", ["000", "002", "003"])
def test_shipped_items_agree_with_their_raw_seed(bank: Bank, prefix: str) -> None:
    """Same key, choices and prompt (whitespace-normalised) as the importer reads from the seed."""
    drafts = import_text(seed_text(prefix), seed_path(prefix).name).items
    shipped = {(i.source.file, i.source.locator): i for i in bank}
    disagreements: list[str] = []
    for draft in drafts:
        locator = draft["source"]["locator"]
        item = shipped.get((draft["source"]["file"], locator))
        if item is None:
            disagreements.append(f"{locator}: not in the shipped bank")
            continue
        if item.type.value != draft["type"]:
            disagreements.append(
                f"{item.id} ({locator}): type {item.type.value}, the seed says {draft['type']}"
            )
        if ws(item.prompt) != ws(draft["prompt"]):
            disagreements.append(
                f"{item.id} ({locator}): prompt differs from the seed's:\n  {draft['prompt']!r}"
            )
        if [ws(c) for c in item.choices] != [ws(c) for c in draft["choices"]]:
            disagreements.append(
                f"{item.id} ({locator}): choices differ from the seed's: {draft['choices']!r}"
            )
        if ws(item.answer) != ws(draft["answer"]):
            disagreements.append(
                f"{item.id} ({locator}): key {item.answer!r}, the seed says {draft['answer']!r}"
            )
    assert not disagreements, "\n".join(disagreements)


def test_the_shipped_json_schema_is_current() -> None:
    path = DEFAULT_BANK_DIR / "bank.schema.json"
    assert path.read_text(encoding="utf-8") == bank_json_schema_text(), (
        "run `quizbot bank schema --output data/bank/bank.schema.json`"
    )

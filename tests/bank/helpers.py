"""Helpers for the bank tests: seed files and small bank files written on the fly."""

from __future__ import annotations

from pathlib import Path

from bot.bank.loader import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"


def seed_path(prefix: str) -> Path:
    """The raw seed file whose name starts with ``prefix`` (e.g. ``"000"``)."""
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


# One valid item; every field on its own line, so line numbers in the tests are easy to count:
# the item's "- id" line is the first, "answer" the 7th, "explanation" the 8th.
ITEM = """\
  - id: {id}
    type: {type}
    lang: en
    topics: {topics}
    prompt: {prompt}
    choices: {choices}
    answer: {answer}
    explanation: {explanation}
    source: {{file: seed.txt, locator: {locator}}}
"""
ITEM_LINES = ITEM.count("\n")


def item(
    id: str = "t-q01",
    *,
    type: str = "single_choice",
    topics: str = "[lora]",
    prompt: str = "What is LoRA?",
    choices: str = "[Fast, Small, Cheap]",
    answer: str = "B",
    explanation: str = "Because it trains small matrices.",
    locator: str = "q1",
) -> str:
    return ITEM.format(
        id=id,
        type=type,
        topics=topics,
        prompt=prompt,
        choices=choices,
        answer=answer,
        explanation=explanation,
        locator=locator,
    )


def bank_text(*items: str) -> str:
    """A bank file: ``version`` on line 1, ``items:`` on line 2, the first item from line 3."""
    return "version: 1\nitems:\n" + "".join(items)

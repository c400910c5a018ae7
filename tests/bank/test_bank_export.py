"""The JSON export keeps its exact shape; bank YAML written for curators reads back unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.bank.export import EXPORT_FIELDS, dump_bank_yaml, export_json
from bot.bank.importers import import_text
from bot.bank.loader import load_bank

from .helpers import bank_text, item, seed_path, seed_text

WriteBank = Callable[[str, str], Path]


def test_export_shape(write_bank: WriteBank) -> None:
    short = item("t-q02", type="short_answer", choices="[]", answer="Low-rank adapters.", prompt="Why?")
    path = write_bank("a.yaml", bank_text(item("t-q01", answer="C"), short))
    records = json.loads(export_json(load_bank([path])))
    assert records == [
        {
            "id": "t-q01",
            "type": "single_choice",
            "lang": "en",
            "topics": ["lora"],
            "prompt": "What is LoRA?",
            "choices": ["Fast", "Small", "Cheap"],
            "answer": 2,
            "explanation": "Because it trains small matrices.",
            "source": "seed.txt",
        },
        {
            "id": "t-q02",
            "type": "short_answer",
            "lang": "en",
            "topics": ["lora"],
            "prompt": "Why?",
            "choices": [],
            "answer": "Low-rank adapters.",
            "explanation": "Because it trains small matrices.",
            "source": "seed.txt",
        },
    ]
    assert all(tuple(record) == EXPORT_FIELDS for record in records)


def test_export_of_the_shipped_bank_has_the_contract_shape() -> None:
    records = json.loads(export_json(load_bank()))
    assert records, "the shipped bank is empty"
    for record in records:
        assert tuple(record) == EXPORT_FIELDS
        assert isinstance(record["source"], str)
        if record["type"] == "short_answer":
            assert record["choices"] == [] and isinstance(record["answer"], str)
        else:
            assert type(record["answer"]) is int and 0 <= record["answer"] < len(record["choices"])


def test_export_keeps_chinese_readable() -> None:
    text = export_json(load_bank())
    assert "\\u" not in text
    assert "LoRA" in text


@pytest.mark.parametrize("prefix", ["000", "002", "003"])
def test_imported_drafts_written_as_yaml_read_back_unchanged(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    drafts = import_text(seed_text(prefix), seed_path(prefix).name).items
    text = dump_bank_yaml(drafts, header="made by a test")
    assert not caplog.records, "the readable (block-style) YAML should have round-tripped"
    assert text.startswith("# made by a test\nversion: 1\nitems:\n  - id: ")
    assert yaml.safe_load(text) == {"version": 1, "items": drafts}
    assert "\\u" not in text and "\\x" not in text  # UTF-8 kept as is, for a readable diff


def test_yaml_uses_block_scalars_and_the_readme_key_order() -> None:
    drafts = import_text(seed_text("002"), seed_path("002").name).items
    text = dump_bank_yaml(drafts)
    assert "    prompt: |-\n      For fine-tuning the model" in text  # multi-line text as a literal block
    assert (
        "    explanation: >-\n      Instruction-tuning uses supervised learning" in text
    )  # long text folded
    first = text.split("\n\n")[0]
    keys = [
        line.split(":")[0].strip()
        for line in first.splitlines()
        if line.startswith(("  - ", "    ")) and not line.startswith("      ")
    ]
    assert keys == [
        "- id",
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
    assert "    topics: [sft]\n" in text

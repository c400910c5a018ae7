"""Write the bank out: bank YAML for curators, JSON for tools, the JSON Schema for editors."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from bot.bank.loader import BANK_VERSION, Bank
from bot.bank.schema import ID_PATTERN, TOPICS, BankFile, BankItem
from bot.core.letters import LETTERS

log = logging.getLogger(__name__)

# The README's key order: what a curator reads first comes first.
ITEM_KEY_ORDER = (
    "id",
    "type",
    "lang",
    "topics",
    "difficulty",
    "prompt",
    "choices",
    "answer",
    "also_accepted",
    "shuffle",
    "explanation",
    "why_not",
    "accepted",
    "source",
)
SOURCE_KEY_ORDER = ("file", "locator")

# The export contract: tools rely on exactly these fields, in this order.
EXPORT_FIELDS = ("id", "type", "lang", "topics", "prompt", "choices", "answer", "explanation", "source")

YAML_WIDTH = 100
FOLD_OVER = 88  # longer one-line texts are folded over several lines
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def export_record(item: BankItem) -> dict[str, Any]:
    """One item in the export shape: ``answer`` is the choice index, or the model answer text."""
    return {
        "id": item.id,
        "type": item.type.value,
        "lang": item.lang,
        "topics": list(item.topics),
        "prompt": item.prompt,
        "choices": list(item.choices),
        "answer": item.answer_index if item.is_choice else item.answer,
        "explanation": item.explanation,
        "source": item.source.file,
    }


def export_json(bank: Bank | Iterable[BankItem]) -> str:
    """Every item as one JSON array (UTF-8 text kept readable, two-space indent)."""
    return json.dumps([export_record(item) for item in bank], ensure_ascii=False, indent=2)


def bank_json_schema() -> dict[str, Any]:
    """JSON Schema of a bank file, with the topic taxonomy and id shape spelled out for editors."""
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, **BankFile.model_json_schema()}
    properties = schema["$defs"]["BankItem"]["properties"]
    properties["topics"]["items"] = {"enum": list(TOPICS), "type": "string"}
    properties["topics"]["uniqueItems"] = True
    properties["id"]["pattern"] = ID_PATTERN.pattern
    properties["also_accepted"]["items"] = {"enum": list(LETTERS), "type": "string"}
    properties["also_accepted"]["uniqueItems"] = True
    return schema


def bank_json_schema_text() -> str:
    return json.dumps(bank_json_schema(), ensure_ascii=False, indent=2) + "\n"


class _Flow(list[Any]):
    """A list written inline (``topics: [sft, lora]``)."""


class _BankDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the README's example does.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if "\n" in value:
        style = "|"
    elif len(value) > FOLD_OVER and " " in value:
        style = ">"
    # PyYAML falls back to a quoted style by itself where a block style cannot hold the text.
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_BankDumper.add_representer(str, _represent_str)
_BankDumper.add_representer(_Flow, _represent_flow)

_ITEM_START = re.compile(r"^  - ", re.MULTILINE)


def _ordered_item(item: Mapping[str, Any]) -> dict[str, Any]:
    ordered: dict[str, Any] = {}
    for key in (*ITEM_KEY_ORDER, *(k for k in item if k not in ITEM_KEY_ORDER)):
        if key not in item:
            continue
        value = item[key]
        if key in ("why_not", "also_accepted", "accepted") and not value:
            continue
        if key == "shuffle" and value is True:
            continue  # the default: only `shuffle: false` is worth a line
        if key in ("topics", "also_accepted"):
            value = _Flow(value)
        elif key == "source" and isinstance(value, Mapping):
            value = {k: value[k] for k in (*SOURCE_KEY_ORDER, *value) if k in value}
        ordered[key] = value
    return ordered


def dump_bank_yaml(items: Sequence[Mapping[str, Any]], header: str = "") -> str:
    """A bank file for a diff: block scalars for long text, UTF-8 as is, a blank line between items.

    The result always loads back to the same data: where PyYAML's block styles or raw UTF-8
    would mangle a text (it writes a raw NEL, U+0085, that it then reads as a line break),
    the file is written again with quoted, escaped scalars.
    """
    document = {"version": BANK_VERSION, "items": [_ordered_item(item) for item in items]}
    text = yaml.dump(
        document,
        Dumper=_BankDumper,
        sort_keys=False,
        allow_unicode=True,
        width=YAML_WIDTH,
        default_flow_style=False,
    )
    text = _ITEM_START.sub("\n  - ", text).replace("items:\n\n", "items:\n", 1)
    if yaml.safe_load(text) != document:
        log.warning("bank YAML did not read back unchanged; writing escaped, quoted scalars instead")
        plain = json.loads(json.dumps(document))  # _Flow lists become plain lists
        text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=False, width=YAML_WIDTH)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + text

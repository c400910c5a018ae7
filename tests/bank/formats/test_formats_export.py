"""Exports: GIFT that reads back as the same items, and an Anki deck read back by our own reader."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bank.cli import main
from bot.bank.formats import import_text
from bot.bank.formats.export import MODEL_ID, deck_name, export_apkg, export_gift, note_fields, note_guid
from bot.bank.loader import load_bank
from bot.bank.schema import SERVER_TOPICS, BankItem

from . import fixtures as F


def server_items() -> list[BankItem]:
    """A server's own items in every type, with server topics, from the fixtures."""
    items = []
    for text, name in ((F.GIFT, "net.gift"), (F.MOODLE_XML, "cloud.xml"), (F.RED, "trivia.yaml")):
        for draft in import_text(text, name).items:
            draft = {**draft, "id": "g-" + draft["id"], "explanation": draft["explanation"] or "None given."}
            items.append(BankItem.model_validate(draft, context={SERVER_TOPICS: True}))
    return items


@dataclass(frozen=True)
class AnkiNote:
    guid: str
    model_id: int
    fields: list[str]
    deck: str
    tags: list[str]


def read_apkg(data: bytes, tmp_path: Path) -> list[AnkiNote]:
    """An .apkg is a zip holding an SQLite Anki collection: notes, their cards and the decks."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "collection.anki2" in archive.namelist()
        db_path = tmp_path / "collection.anki2"
        db_path.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(db_path)
    try:
        decks = {
            int(k): v["name"]
            for k, v in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()
        }
        rows = conn.execute(
            "SELECT n.guid, n.mid, n.flds, n.tags, c.did FROM notes n"
            " JOIN cards c ON c.nid = n.id ORDER BY n.id"
        ).fetchall()
    finally:
        conn.close()
    return [
        AnkiNote(g, mid, flds.split("\x1f"), decks[did], tags.split()) for g, mid, flds, tags, did in rows
    ]


def test_anki_export_reads_back_with_the_same_content(tmp_path: Path) -> None:
    items = server_items()
    notes = read_apkg(export_apkg(items), tmp_path)
    assert len(notes) == len(items)  # one note (and card) per item
    by_id = {note.fields[2]: note for note in notes}
    for item in items:
        note = by_id[item.id]
        assert note.guid == note_guid(item.id) and note.model_id == MODEL_ID
        assert note.fields[:2] == list(note_fields(item))
        assert note.deck == deck_name(item.main_topic)  # a deck per topic
        assert item.explanation.split("\n")[0].replace("&", "&amp;").replace("<", "&lt;") in note.fields[1]
    assert {n.deck for n in notes} == {deck_name(t) for t in ("routing-basics", "cloud-computing", "trivia")}
    port = next(n for n in notes if n.fields[0].startswith("Which port"))
    assert "A. 443<br>B. 80<br>C. 8443" in port.fields[0] and port.fields[1].startswith("A. 443<br><br>HTTPS")


def test_anki_note_ids_are_stable_so_a_reimport_updates(tmp_path: Path) -> None:
    items = server_items()
    first = read_apkg(export_apkg(items), tmp_path)
    again = read_apkg(export_apkg(list(reversed(items))), tmp_path)
    assert {n.guid: n.fields for n in first} == {n.guid: n.fields for n in again}
    assert len({n.guid for n in first}) == len(items)


def test_gift_export_reads_back_as_the_same_items() -> None:
    items = [*server_items(), *load_bank()]
    result = import_text(export_gift(items), "export.gift")
    assert not result.errors
    back = {d["prompt"]: d for d in result.items}
    prompts = Counter(item.prompt for item in items)
    assert len(result.items) == len(prompts)
    # The shared bank asks one question both as a choice and as a short answer: one is a duplicate.
    assert [s.kind for s in result.skips] == ["duplicate question"] * (len(items) - len(prompts))
    for item in items:
        if prompts[item.prompt] > 1:
            continue
        draft = back[item.prompt]
        assert (draft["type"], draft["lang"], draft["choices"], draft["answer"]) == (
            item.type.value,
            item.lang,
            item.choices,
            item.answer,
        ), item.id
        assert draft["explanation"] == item.explanation, item.id
        assert draft["topics"] == [item.main_topic], item.id
        typed = [a for a in dict.fromkeys([item.answer, *item.accepted]) if len(a) <= 60 and "\n" not in a]
        assert draft.get("accepted", []) == ([] if item.is_choice else typed), item.id
        if not item.is_choice:
            assert draft["answer"] == item.answer, item.id


@pytest.mark.parametrize("fmt", ["gift", "anki", "json"])
def test_cli_export_writes_each_format(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / f"bank.{fmt}"
    assert main(["bank", "export", "--format", fmt, "--output", str(output)]) == 0
    assert f"wrote {len(load_bank())} items to {output} ({fmt})" in capsys.readouterr().err
    data = output.read_bytes()
    if fmt == "anki":
        assert len(read_apkg(data, tmp_path)) == len(load_bank())
    elif fmt == "json":
        records = json.loads(data)
        assert list(records[0]) == [
            "id",
            "type",
            "lang",
            "topics",
            "prompt",
            "choices",
            "answer",
            "explanation",
            "source",
        ]
    else:
        assert len(import_text(data.decode(), "bank.gift").items) >= len(load_bank()) - 1

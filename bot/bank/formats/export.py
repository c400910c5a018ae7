"""Export items as Moodle GIFT text or an Anki ``.apkg`` (built with ``genanki``).

GIFT: a ``$CATEGORY:`` per main topic, ``::id::`` names, every control character escaped and
line breaks written ``\\n``, so ``bot.bank.formats.gift`` reads the same items back.

Anki: one note per item (front: the prompt and lettered choices; back: the answer, then the
explanation), a deck per main topic named ``Quiz Tutor::<topic>``. The note type, deck ids and
note guids derive from fixed names and the item ids, so importing a newer export into Anki
updates the notes it already has instead of adding copies.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
from collections.abc import Iterable

import genanki

from bot.bank.schema import LETTERS, BankItem, ItemType

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("json", "gift", "anki")
DEFAULT_APKG = "quiz-bank.apkg"
DECK_PREFIX = "Quiz Tutor"
GUID_NAMESPACE = "quiz-tutor"
# Fixed: a new id here would make Anki see a new note type and duplicate every note.
MODEL_ID = 1_718_300_118
FIXED_TIMESTAMP = 1_700_000_000.0  # notes' creation time: the build is reproducible

_GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    out = "".join("\\" + ch if ch in _GIFT_SPECIAL else ch for ch in text)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def export_gift(items: Iterable[BankItem]) -> str:
    by_topic: dict[str, list[BankItem]] = {}
    for item in items:
        by_topic.setdefault(item.main_topic, []).append(item)
    parts = ["// Exported by Quiz Tutor (`quizbot bank export --format gift`)", ""]
    for topic, topic_items in by_topic.items():
        parts += [f"$CATEGORY: {topic}", ""]
        for item in topic_items:
            parts.append(f"// {item.id}")
            parts.append(f"::{gift_escape(item.id)}::{gift_escape(item.prompt)}{{{_gift_answers(item)}}}")
            parts.append("")
    return "\n".join(parts)


def _gift_answers(item: BankItem) -> str:
    general = f"####{gift_escape(item.explanation)}" if item.explanation else ""
    if item.type is ItemType.TRUE_FALSE:
        return ("TRUE" if item.answer == "A" else "FALSE") + general
    if item.type is ItemType.SHORT_ANSWER:
        accepted = list(dict.fromkeys([item.answer, *item.accepted]))
        return " ".join(f"={gift_escape(a)}" for a in accepted) + general
    key = item.answer_index
    lines = [("=" if i == key else "~") + gift_escape(c) for i, c in enumerate(item.choices)]
    return "\n" + "\n".join(lines) + ("\n" + general if general else "") + "\n"


def _stable_id(name: str) -> int:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def note_guid(item_id: str) -> str:
    return str(genanki.guid_for(GUID_NAMESPACE, item_id))


def deck_name(topic: str) -> str:
    return f"{DECK_PREFIX}::{topic}"


MODEL = genanki.Model(
    MODEL_ID,
    "Quiz Tutor question",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Id"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }
    ],
    css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }",
)


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def note_fields(item: BankItem) -> tuple[str, str]:
    """The note's front and back, as HTML."""
    front = _html(item.prompt)
    if item.is_choice:
        front += "<br><br>" + "<br>".join(f"{LETTERS[i]}. {_html(c)}" for i, c in enumerate(item.choices))
        answer = f"{item.answer}. {item.choices[item.answer_index]}"
    else:
        answer = item.answer
    back = _html(answer)
    if item.explanation:
        back += "<br><br>" + _html(item.explanation)
    return front, back


def export_apkg(items: Iterable[BankItem]) -> bytes:
    decks: dict[str, genanki.Deck] = {}
    for item in items:
        topic = item.main_topic
        deck = decks.get(topic)
        if deck is None:
            deck = decks[topic] = genanki.Deck(_stable_id(deck_name(topic)), deck_name(topic))
        front, back = note_fields(item)
        deck.add_note(
            genanki.Note(
                model=MODEL,
                fields=[front, back, item.id],
                guid=note_guid(item.id),
                tags=[t.replace(" ", "_") for t in item.topics],
            )
        )
    buffer = io.BytesIO()
    genanki.Package(list(decks.values())).write_to_file(buffer, timestamp=FIXED_TIMESTAMP)
    return buffer.getvalue()

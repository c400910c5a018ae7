"""/study export: a member's review log as FSRS's optimizer reads it, and their cards' states;
or (``format:anki``) the items they have studied as an Anki deck.

``review_log.csv`` has exactly the optimizer's columns (card_id, review_time in epoch
milliseconds, review_rating 1-4, review_duration in milliseconds); ``cards.csv`` has each card's
FSRS state, so a member can take the deck elsewhere. The ``.apkg`` is ``quizbot bank export
--format anki``'s, of the items the member holds cards for in this deck (the same note ids, so
importing it again into Anki updates the notes). No discord import.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.bank.formats.export import export_apkg
from bot.core.clock import from_ms
from bot.storage.cards import CardRepository
from bot.storage.database import Database

if TYPE_CHECKING:
    from bot.services.study import StudyService

REVIEW_COLUMNS = ("card_id", "review_time", "review_rating", "review_duration")
CARD_COLUMNS = (
    "card_id",
    "item_id",
    "topic",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
)
STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}
STUDY_EXPORT_FORMATS = ("csv", "anki")
APKG_NAME = "studied.apkg"


@dataclass(frozen=True, slots=True)
class StudyExport:
    review_log: str
    cards: str
    reviews: int
    card_count: int


async def export_deck(db: Database, guild_id: int, user_id: int) -> StudyExport:
    repo = CardRepository(db)
    log_out = io.StringIO()
    writer = csv.writer(log_out, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    reviews = await repo.review_log(guild_id, user_id)
    for r in reviews:
        writer.writerow((r.card_id, r.reviewed_at, r.rating, "" if r.duration_ms is None else r.duration_ms))
    cards_out = io.StringIO()
    writer = csv.writer(cards_out, lineterminator="\n")
    writer.writerow(CARD_COLUMNS)
    deck = sorted(await repo.deck(guild_id, user_id), key=lambda c: c.id)
    for c in deck:
        writer.writerow(
            (
                c.id,
                c.item_id,
                c.topic,
                STATE_NAMES.get(c.state, str(c.state)),
                "" if c.step is None else c.step,
                "" if c.stability is None else f"{c.stability:.6g}",
                "" if c.difficulty is None else f"{c.difficulty:.6g}",
                from_ms(c.due_at).isoformat(),
                from_ms(c.last_review_at).isoformat() if c.last_review_at is not None else "",
                c.reps,
                c.lapses,
            )
        )
    return StudyExport(log_out.getvalue(), cards_out.getvalue(), len(reviews), len(deck))


@dataclass(frozen=True, slots=True)
class StudiedDeck:
    apkg: bytes  # empty when there is nothing to put in it
    items: int
    gone: int  # cards whose item the bank no longer has (left out)


async def export_studied_apkg(study: StudyService, guild_id: int, user_id: int) -> StudiedDeck:
    """The items the member has cards for in this deck, as an Anki ``.apkg``."""
    items, gone = await study.studied(guild_id, user_id)
    if not items:
        return StudiedDeck(b"", 0, gone)
    # genanki writes an SQLite file and zips it: off the event loop, as /bank export does.
    return StudiedDeck(await asyncio.to_thread(export_apkg, items), len(items), gone)

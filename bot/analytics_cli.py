"""``quizbot bank stats``: item analysis of the shared bank over a whole database, for curators.

The same scan and the same core as the bot's snapshot (``bot/storage/analytics.py``,
``bot/core/item_analysis.py``), read-only, across all servers. Exit 1 when any item is flagged
``suspect_key``, so a curator can run it in CI; 2 for an operator mistake (no such file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.bank.loader import load_bank
from bot.core.item_analysis import FLAG_LABELS, Flag, ItemStats
from bot.core.letters import LETTERS
from bot.services.analytics import REASONS, shared_item_of, stats_for, tallies_from_sums
from bot.settings import load_settings
from bot.storage.analytics import (
    ALL_SERVERS,
    AnalyticsRepository,
    ItemSums,
    private_deck_reports,
    scan_tallies,
    scan_tallies_postgres,
)
from bot.storage.postgres import PostgresDatabase, PostgresError, redact


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def item_json(stats: ItemStats) -> dict[str, Any]:
    """One item in the contract's shape: bank-order letters, only the flags that apply."""
    return {
        "id": stats.item_id,
        "answers": stats.answers,
        "p": _round(stats.p),
        "chance": _round(stats.chance),
        "discrimination": _round(stats.discrimination),
        "choices": {LETTERS[i]: round(share, 2) for i, share in enumerate(stats.shares)},
        "flags": [flag.value for flag in stats.flags],
    }


def compute(sums: list[ItemSums], bank_dir: Path | None, min_answers: int) -> list[ItemStats]:
    """Every shared-bank item that has answers, in id order."""
    bank = load_bank([bank_dir] if bank_dir is not None else None)
    built = tallies_from_sums(sums, shared_item_of(bank))
    found = []
    for item_id, tally in sorted(built.per_scope.get(ALL_SERVERS, {}).items()):
        item = bank.by_id(item_id)
        if item is not None:
            found.append(stats_for(item, tally, min_answers))
    return found


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def print_table(
    items: list[ItemStats],
    min_answers: int,
    seconds: float,
    reports: Sequence[tuple[str, str, str | None]] = (),
) -> None:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 160  # a pipe or a CI log: no wrapping inside rows
    table = Table(title=f"Item analysis: {len(items)} shared item(s) with answers (flags from {min_answers})")
    for name, justify in (
        ("id", "left"),
        ("answers", "right"),
        ("p", "right"),
        ("chance", "right"),
        ("discr.", "right"),
        ("choices", "left"),
        ("late", "right"),
        ("flags", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in items:
        choices = " ".join(
            f"{LETTERS[i]}{'*' if i in s.accepted else ''} {share * 100:.0f}"
            for i, share in enumerate(s.shares)
        )
        flags = ", ".join(FLAG_LABELS[f] for f in s.flags)
        style = "bold red" if Flag.SUSPECT_KEY in s.flags else None
        table.add_row(
            s.item_id,
            str(s.answers),
            _pct(s.p),
            _pct(s.chance),
            "-" if s.discrimination is None else f"{s.discrimination:+.2f}",
            choices,
            _pct(s.late_share),
            flags if s.flags_shown else "(too few answers)",
            style=style,
        )
    console.print(table)
    suspect = sum(Flag.SUSPECT_KEY in s.flags for s in items)
    console.print(f"{suspect} suspect key(s); * marks the key; computed in {seconds:.1f} s")
    if reports:
        console.print(f"{len(reports)} 🚩 report(s) from private study decks (DMs):")
        for item_id, reason, comment in reports:
            console.print(f"  {item_id}: {REASONS.get(reason, reason)}" + (f": {comment}" if comment else ""))


async def _read_postgres(url: str) -> tuple[list[ItemSums], list[tuple[str, str, str | None]]]:
    db = await PostgresDatabase.open(url)
    try:
        return await scan_tallies_postgres(db), await AnalyticsRepository(db).private_deck_reports()
    finally:
        await db.close()


def run_stats(args: argparse.Namespace) -> int:
    settings = load_settings()
    min_answers = args.min_answers if args.min_answers is not None else settings.analytics_min_answers
    if min_answers < 1:
        print("error: --min-answers must be at least 1", file=sys.stderr)
        return 2
    target = args.database or (settings.database_url if settings.uses_postgres else None)
    started = time.perf_counter()
    if target is not None and str(target).startswith(("postgresql://", "postgres://")):
        try:
            sums, reports = asyncio.run(_read_postgres(str(target)))
        except PostgresError as exc:
            where = redact(str(target))
            print(f"error: {where}: cannot read it as a Quiz Tutor database: {exc}", file=sys.stderr)
            return 2
    else:
        database = Path(target).expanduser() if target is not None else settings.database_file()
        if not database.is_file():
            print(f"error: {database}: no such database file (pass --database PATH)", file=sys.stderr)
            return 2
        try:
            sums, reports = scan_tallies(database), private_deck_reports(database)
        except sqlite3.DatabaseError as exc:
            print(f"error: {database}: cannot read it as a Quiz Tutor database: {exc}", file=sys.stderr)
            return 2
    items = compute(sums, settings.bank_dir, min_answers)
    seconds = time.perf_counter() - started
    if args.format == "json":
        print(json.dumps({"items": [item_json(s) for s in items]}, ensure_ascii=False))
    else:
        print_table(items, min_answers, seconds, reports)
    return 1 if any(Flag.SUSPECT_KEY in s.flags for s in items) else 0

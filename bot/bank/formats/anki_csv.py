"""Anki's "Notes in Plain Text" export, whatever the file's extension.

Newer exports start with header lines: ``#separator:tab`` (or ``comma``, ``semicolon``,
``pipe``, ``space``, or the character itself), ``#html:true``, ``#columns:Front\\tBack``,
``#guid column:1``, ``#notetype column:2``, ``#deck column:3``, ``#tags column:9``,
``#deck:Name``. Older ones have none: the separator is then a tab if the first note holds one,
else a comma, else a semicolon. Fields may be quoted and span lines (CSV quoting).

Each note becomes a short-answer item: the front is the prompt, the back the answer (accepted
for typing when it is short). HTML is made text, ``[sound:...]`` dropped; the deck's last part
is the server topic. Skipped: cloze notes, notes with an empty front or back.
"""

from __future__ import annotations

import csv
import io
import re

from bot.bank.formats.common import Drafts, FormatResult, html_to_text, tidy

FORMAT = "anki-csv"

_HEADER = re.compile(r"^#([a-z ]+):(.*)$", re.IGNORECASE)
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":"}
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_CLOZE = re.compile(r"\{\{c\d+::")
HEADER_KEYS = frozenset(
    {
        "separator",
        "html",
        "columns",
        "guid column",
        "notetype column",
        "deck column",
        "tags column",
        "deck",
        "notetype",
        "tags",
        "if matches",
    }
)


def _clean(field: str, as_html: bool) -> str:
    field = _SOUND.sub("", field)
    return html_to_text(field) if as_html else tidy(field)


def parse_anki_csv(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    text = text.lstrip("\ufeff")
    headers: dict[str, str] = {}
    header_lines = 0
    raw_lines = text.split("\n")
    for raw in raw_lines:
        match = _HEADER.match(raw.rstrip("\r"))
        if not match or match.group(1).strip().lower() not in HEADER_KEYS:
            break
        headers[match.group(1).strip().lower()] = match.group(2).strip()
        header_lines += 1
    body = "\n".join(raw_lines[header_lines:])
    sep_name = headers.get("separator", "")
    if sep_name:
        sep = _SEPARATORS.get(sep_name.lower(), sep_name[:1])
    else:
        first = next((line for line in raw_lines[header_lines:] if line.strip()), "")
        sep = "\t" if "\t" in first else "," if "," in first else ";"
    as_html = headers.get("html", "true").lower() != "false"
    special: dict[int, str] = {}
    for key in ("guid", "notetype", "deck", "tags"):
        value = headers.get(f"{key} column", "")
        if value.isdigit() and int(value) >= 1:
            special[int(value) - 1] = key
    names = [n.strip().lower() for n in headers["columns"].split(sep)] if "columns" in headers else []
    default_deck = headers.get("deck")
    # Lines end at \n only (as editors number them; a lone \r is not a line end here).
    physical = [line + "\n" for line in body.split("\n")]
    reader = csv.reader(physical, delimiter=sep, quotechar='"', strict=False)
    previous_end = 0
    number = 0
    try:
        for row in reader:
            line = header_lines + previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            number += 1
            label = f"note {number}"
            fields = [cell for i, cell in enumerate(row) if i not in special]
            if names:
                kept = [n for i, n in enumerate(names) if i not in special]
                named = dict(zip(kept, fields, strict=False))
                front = named.get("front", fields[0] if fields else "")
                back = named.get("back", fields[1] if len(fields) > 1 else "")
            else:
                front = fields[0] if fields else ""
                back = fields[1] if len(fields) > 1 else ""
            if _CLOZE.search(front) or _CLOZE.search(back):
                drafts.skip(line, "cloze note", label)
                continue
            prompt, answer = _clean(front, as_html), _clean(back, as_html)
            if not prompt or not answer:
                side = "no front" if not prompt else "no back"
                drafts.skip(line, "note with an empty side", f"{label} has {side}")
                continue
            deck_index = next((i for i, k in special.items() if k == "deck"), None)
            deck = row[deck_index] if deck_index is not None and deck_index < len(row) else default_deck
            drafts.add(
                line=line,
                locator=f"n{number:03d}",
                prompt=prompt,
                answer=answer,
                accepted=[answer],
                category=deck or None,
                label=label,
            )
    except csv.Error as exc:
        drafts.error(header_lines + reader.line_num, f"not readable as {sep!r}-separated notes ({exc})")
    if number == 0 and not drafts.errors:
        drafts.error(1, "no notes found")
    return drafts.result()


_SIGNAL_HEADER = re.compile(
    r"\A\ufeff?#(separator|html|columns|notetype column|deck column|guid column):", re.IGNORECASE
)


def looks_like(text: str) -> bool:
    """A header line, or (no header) tab-separated lines with the same number of fields."""
    if _SIGNAL_HEADER.match(text):
        return True
    lines = [line for line in text.split("\n") if line.strip()][:50]
    if len(lines) < 2:
        return False
    counts = {line.count("\t") for line in lines}
    if len(counts) == 1 and next(iter(counts)) >= 1:
        return True
    # Comma-separated without a header: every note (CSV quoting) has the same 2-4 fields.
    try:
        rows = [r for r in csv.reader(io.StringIO(text[:20000], newline=""), strict=True) if any(r)][:-1][:50]
    except csv.Error:
        return False
    widths = {len(r) for r in rows}
    if len(rows) < 2 or len(widths) != 1:
        return False
    return 2 <= next(iter(widths)) <= 4 and all(r[0].strip() for r in rows)

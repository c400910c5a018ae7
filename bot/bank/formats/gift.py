"""Moodle GIFT: ``::name::[format]question text{answers}``, questions apart by blank lines.

Imported: multiple choice with one right answer (``=``, or ``~%100%``), true/false (``{T}``,
``{FALSE#feedback}``) and short answer (only ``=`` answers: every full-credit one is accepted),
including the missing-word form (text after the answers: the gap shows as ``_____``).
Skipped: essay (``{}``), numerical (``{#...}``), matching (``->``), multiple-answer (several
right or only partial-credit answers), descriptions (no answer block), more than 5 choices.
Malformed (import nothing): an answer block never closed, a ``}`` with no ``{``.

``//`` comments count only at the start of a line (``http://x`` in a question is text); the
escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` are decoded; the markers ``[html]``,
``[moodle]``, ``[plain]``, ``[markdown]``, ``%50%`` and ``::name::`` are removed; HTML
(``[html]``, or tags in the text) is turned into plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.bank.formats.common import Drafts, FormatResult, html_to_text, looks_like_html, tidy
from bot.bank.importers import _lines
from bot.bank.schema import LETTERS

FORMAT = "gift"

_ESCAPABLE = "~=#{}:\\"
_MARKER = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_CATEGORY = re.compile(r"^\s*\$CATEGORY:\s*(.*)$", re.IGNORECASE)
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)(?=\s*(#|$))", re.IGNORECASE)
_STRAY_TAIL = re.compile(r"^[\"';\s]*$")
GAP = "_____"


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPABLE:
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find(text: str, chars: str, start: int = 0) -> int:
    """Index of the first unescaped character of ``chars`` at or after ``start``, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            return i
        i += 1
    return -1


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _text(raw: str, html: bool) -> str:
    """A GIFT text field as plain text: marker removed, escapes decoded, HTML made text."""
    marker = _MARKER.match(raw)
    fmt = marker.group(1).lower() if marker else ""
    body = raw[marker.end() :] if marker else raw
    # Lines of a multi-line field carry the file's indentation; it is not the author's.
    body = "\n".join(line.strip() for line in body.split("\n"))
    text = _unescape(body)
    if fmt == "html" or (html and fmt != "markdown") or (fmt in ("", "moodle") and looks_like_html(text)):
        return html_to_text(text)
    return tidy(text)


@dataclass
class _Answer:
    right: bool
    weight: float | None
    text: str
    feedback: str


def _answers(block: str) -> tuple[list[_Answer], str] | None:
    """The ``=``/``~`` answers of a block and its general feedback (after ``####``)."""
    general = ""
    parts = _split_unescaped(block, "####")
    if len(parts) > 1:
        block, general = parts[0], "####".join(parts[1:])
    starts = []
    i = 0
    while i < len(block):
        if block[i] == "\\":
            i += 2
            continue
        if block[i] in "=~":
            starts.append(i)
        i += 1
    if not starts or block[: starts[0]].strip():
        return None
    answers = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(block)
        chunk = block[start + 1 : end]
        weight_match = _WEIGHT.match(chunk)
        weight = float(weight_match.group(1)) if weight_match else None
        if weight_match:
            chunk = chunk[weight_match.end() :]
        hash_at = _find(chunk, "#")
        text, feedback = (chunk[:hash_at], chunk[hash_at + 1 :]) if hash_at != -1 else (chunk, "")
        answers.append(_Answer(block[start] == "=", weight, text, feedback))
    return answers, general


@dataclass
class _Block:
    line: int
    text: str  # comments removed, lines joined with \n


def _blocks(text: str) -> list[tuple[_Block, str | None]]:
    """Questions (with the category in force), split at blank lines as Moodle does."""
    out: list[tuple[_Block, str | None]] = []
    category: str | None = None
    current: list[str] = []
    start = 0

    def flush() -> None:
        nonlocal current
        body = "\n".join(current).strip()
        if body:
            out.append((_Block(start, body), category))
        current = []

    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue  # a comment only at the start of a line; `http://x` in a text is text
        if cat := _CATEGORY.match(line):
            flush()
            category = cat.group(1).strip()
            continue
        if not stripped:
            flush()
            continue
        if not current:
            start = lineno
        current.append(line)
    flush()
    return out


def parse_gift(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    for number, (block, category) in enumerate(_blocks(text), start=1):
        _question(drafts, block, category, number)
    if not drafts.items and not drafts.skips and not drafts.errors:
        drafts.error(1, "no GIFT questions (`question text {=right ~wrong}`) found")
    return drafts.result()


def _question(drafts: Drafts, block: _Block, category: str | None, number: int) -> None:
    body = block.text
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end == -1:
            drafts.error(block.line, "a question name `::name::` is not closed")
            return
        name = body[2:end].strip()
        body = body[end + 2 :]
    label = f"question {number}" + (f" ({_unescape(name)})" if name else "")
    open_at = _find(body, "{")
    close_stray = _find(body, "}")
    if open_at == -1:
        if close_stray != -1:
            drafts.error(block.line, f"{label}: a `}}` closes an answer block that was never opened")
        else:
            drafts.skip(block.line, "description without answers", label)
        return
    close_at = _find(body, "}", open_at + 1)
    if close_at == -1:
        drafts.error(block.line, f"{label}: the answer block `{{` is never closed with `}}`")
        return
    before, inner, after = body[:open_at], body[open_at + 1 : close_at], body[close_at + 1 :]
    if _find(after, "{") != -1:
        drafts.error(block.line, f"{label}: more than one answer block (or questions without a blank line)")
        return
    marker = _MARKER.match(before)
    html = bool(marker) and marker is not None and marker.group(1).lower() == "html"
    prompt = _text(before, False)
    tail = after.strip()
    if tail and not _STRAY_TAIL.match(tail):
        rest = _text(tail, html)
        prompt = f"{prompt} {GAP}{' ' if rest[:1].isalnum() else ''}{rest}".strip()
    elif not prompt:
        prompt = name and _unescape(name)
    locator = f"q{number:02d}"
    stripped = inner.strip()
    if not stripped:
        drafts.skip(block.line, "essay question", label)
        return
    if stripped.startswith("#"):
        drafts.skip(block.line, "numerical question", label)
        return
    if tf := _TRUE_FALSE.match(stripped):
        truth = tf.group(1).upper().startswith("T")
        rest = stripped[tf.end() :]
        feedbacks = _split_unescaped(rest, "####")
        general = _text(feedbacks[1], html) if len(feedbacks) > 1 else ""
        notes = [f for f in _split_unescaped(feedbacks[0], "#") if f.strip()]
        explanation = general or (_text(notes[0], html) if notes else "")
        drafts.add(
            line=block.line,
            locator=locator,
            prompt=prompt,
            choices=["True", "False"],
            answer="A" if truth else "B",
            explanation=explanation,
            category=category,
            label=label,
        )
        return
    parsed = _answers(inner)
    if parsed is None:
        drafts.error(block.line, f"{label}: the answer block holds no `=`/`~` answers, nor T/F, # or nothing")
        return
    answers, general_raw = parsed
    if any("->" in a.text for a in answers if a.right):
        drafts.skip(block.line, "matching question", label)
        return
    general = _text(general_raw, html)
    texts = [_text(a.text, html) for a in answers]
    full = [
        i
        for i, a in enumerate(answers)
        if (a.right and (a.weight is None or a.weight >= 100))
        or (not a.right and a.weight is not None and a.weight >= 100)
    ]
    has_wrong = any(not a.right for a in answers)
    if not has_wrong:
        accepted = [texts[i] for i in full if texts[i]]
        if not accepted:
            drafts.skip(block.line, "short-answer question without a full-credit answer", label)
            return
        if any(t == "*" for t in accepted):
            accepted = [t for t in accepted if t != "*"]
        feedback = _text(answers[full[0]].feedback, html) if full else ""
        drafts.add(
            line=block.line,
            locator=locator,
            prompt=prompt,
            answer=accepted[0],
            accepted=accepted,
            explanation=general or feedback,
            category=category,
            label=label,
        )
        return
    partial = [a for a in answers if not a.right and a.weight is not None and 0 < a.weight < 100]
    if len(full) != 1 or (partial and not any(a.right for a in answers)):
        drafts.skip(block.line, "multiple-answer question", label)
        return
    if any(not t for t in texts):
        drafts.error(block.line, f"{label}: an answer has no text")
        return
    right = full[0]
    feedback = _text(answers[right].feedback, html)
    drafts.add(
        line=block.line,
        locator=locator,
        prompt=prompt,
        choices=texts,
        answer=LETTERS[right] if right < len(LETTERS) else "?",
        explanation=general or feedback,
        category=category,
        label=label,
    )


# Question text, then an answer block: `{=`, `{~`, `{T}`, `{FALSE#`, `{#` or the essay's `{}`.
_SIGNAL_BLOCK = re.compile(
    r"[^\s{}\\][ \t]*\r?\n?[ \t]*\{\s*(?:[=~]|(?:T|F|TRUE|FALSE)\s*[}#]|#|\})", re.IGNORECASE
)
_SIGNAL_NAME = re.compile(r"^\s*::[^:\n]+::", re.MULTILINE)


def looks_like(text: str) -> bool:
    return bool(_SIGNAL_NAME.search(text)) or bool(_SIGNAL_BLOCK.search(text))

"""What every format parser shares: text cleanup, language, topic slugs, and the draft builder.

A parser reports two kinds of trouble, kept apart because they decide different things:

* an **error** (``Drafts.error``) means the file is malformed (a syntax error): nothing of it
  is imported, and every error is listed;
* a **skip** (``Drafts.skip``) is one question the bank cannot hold (an essay, six choices, a
  duplicate): it is reported as ``FILE:LINE: skipped: reason`` and the rest imports.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from bot.bank.importers import id_prefix
from bot.bank.loader import Problem
from bot.bank.schema import (
    LETTERS,
    MAX_ACCEPTED,
    MAX_CHOICES,
    SERVER_TOPICS,
    TRUE_FALSE_CHOICES,
    BankItem,
    Difficulty,
    ItemType,
)

log = logging.getLogger(__name__)

SKIPPED = "skipped: "
# An accepted answer longer than this is a model answer to read, not one to type.
SHORT_ANSWER_CHARS = 60
MAX_EXPLANATION_CHARS = 1800  # the reveal shows it in an embed; the rest is cut with "…"
FALLBACK_TOPIC_SLUG = "imported"
MAX_TOPIC_CHARS = 40

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def detect_lang(text: str) -> str:
    """``zh`` when the text is mostly CJK: more CJK characters than Latin words.

    A CJK character carries about what a word does, so ``LoRA 微调时冻结哪些权重`` is Chinese
    and an English sentence quoting one 词 is English.
    """
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk >= len(_LATIN_WORD.findall(text)) else "en"


def slugify(text: str) -> str:
    """A topic name: lowercase words joined by ``-`` (accents folded, other scripts kept)."""
    folded = unicodedata.normalize("NFKD", html.unescape(text)).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    slug = re.sub(r"[\W_]+", "-", folded).strip("-")
    return slug[:MAX_TOPIC_CHARS].strip("-")


@cache
def category_topic(category: str) -> str:
    """The last part of a category path (``$course$/Iota/Kappa``, ``Deck::Sub``), slugified."""
    parts = [p for p in re.split(r"/|::", category) if p.strip() and not p.strip().startswith("$")]
    return slugify(parts[-1]) if parts else ""


# --- text cleanup --------------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tbody", "thead"}
    | {"ul", "ol", "blockquote", "hr", "dt", "dd", "section"}
)


class _HtmlText(HTMLParser):
    """HTML to plain text: block tags end lines, ``<pre>`` becomes a fenced code block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pre = 0
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "pre":
            self.out.append("\n```\n")
            self.pre += 1
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "img":
            src = dict(attrs).get("src") or ""
            if src.startswith(("http://", "https://")):
                self.out.append(f" {src} ")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")
        elif tag == "td" or tag == "th":
            self.out.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.out.append("\n```\n")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(text: str) -> str:
    """Tags stripped, entities decoded, line breaks and ``<pre>`` code kept."""
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
        raw = "".join(parser.out)
    except Exception:  # HTMLParser is lenient, but this must never fail an import
        log.debug("HTML parser gave up; stripping tags by pattern", exc_info=True)
        raw = html.unescape(_TAG.sub(" ", text))
    return tidy(raw)


_KNOWN_TAG = re.compile(
    r"</?(?:p|br|b|i|u|em|strong|div|span|img|a|ul|ol|li|table|tbody|thead|tr|td|th|code|pre|sub|sup"
    r"|h[1-6]|tt|hr|blockquote|font|small|big|strike|del|ins|mark)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    """Text with real HTML tags or entities (``<<START>>`` or ``a < b`` are not HTML)."""
    return bool(_KNOWN_TAG.search(text)) or bool(
        re.search(r"&(?:[a-z]{2,8}|#\d{1,6}|#x[0-9a-f]{1,5});", text, re.I)
    )


def tidy(text: str) -> str:
    """Non-breaking spaces made spaces, trailing spaces dropped, blank-line runs made one."""
    text = text.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n").replace("\u200b", "")
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        line = line.rstrip() if fenced else (line.strip() if not line.startswith("    ") else line.rstrip())
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def deterministic_slot(key: str, size: int) -> int:
    """A position in ``range(size)`` that depends only on ``key`` (the same on every run)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % size


_HEAD_NOUN = re.compile(r"\b(question|note|type|entry|description|result)\b")
_PLURALS = {"entry": "entries"}


def plural(kind: str) -> str:
    """``essay question`` -> ``essay questions``; ``question with 6 choices`` -> ``questions with ...``."""
    return _HEAD_NOUN.sub(lambda m: _PLURALS.get(m.group(1), m.group(1) + "s"), kind, count=1)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skip:
    """One question left out: where, a short kind for the summary, and the reason shown."""

    line: int
    kind: str
    reason: str

    def problem(self, file_name: str) -> Problem:
        return Problem(file_name, self.line, SKIPPED + self.reason)


@dataclass(frozen=True)
class FormatResult:
    """What a format parser made of a text."""

    format: str | None
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line each item starts on
    errors: list[Problem] = field(default_factory=list)  # the file is malformed: import nothing
    skips: list[Skip] = field(default_factory=list)
    file_name: str = ""

    @property
    def skipped(self) -> list[Problem]:
        return [s.problem(self.file_name) for s in self.skips]

    @property
    def report(self) -> list[Problem]:
        """Every error and skip as ``FILE:LINE: message``, in line order."""
        return sorted([*self.errors, *self.skipped], key=lambda p: p.line)

    @property
    def empty_explanations(self) -> int:
        return sum(1 for item in self.items if not item["explanation"])

    def why_nothing(self) -> str:
        """Why nothing could be imported, in one phrase ("only essay questions")."""
        if self.format is None:
            return "it is in no format this bot reads"
        if self.errors:
            count = len(self.errors)
            return f"the file is malformed ({count} error{'s' if count != 1 else ''})"
        if not self.skips:
            return "no questions found"
        kinds = Counter(s.kind for s in self.skips)
        if len(kinds) == 1:
            return f"only {plural(next(iter(kinds)))}"
        return "every question was skipped: " + ", ".join(
            f"{n} {plural(k) if n != 1 else k}" for k, n in kinds.most_common()
        )


# --- the draft builder ---------------------------------------------------------------------


@dataclass
class Drafts:
    """Collects a file's drafts, errors and skips; checks each draft against the schema."""

    file_name: str
    format: str
    lang: str | None = None  # --lang: overrides detection
    topic: str | None = None  # --topic: overrides the category and the file name
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    @cached_property
    def source_file(self) -> str:
        return PurePath(self.file_name).name or self.file_name

    @cached_property
    def id_prefix(self) -> str:
        return id_prefix(self.file_name)

    @cached_property
    def file_topic(self) -> str:
        return slugify(PurePath(self.source_file).stem) or FALLBACK_TOPIC_SLUG

    def error(self, line: int, message: str) -> None:
        self.errors.append(Problem(self.file_name, max(1, line), message))

    def skip(self, line: int, kind: str, detail: str = "") -> None:
        self.skips.append(Skip(max(1, line), kind, f"{kind}: {detail}" if detail else kind))

    def topic_for(self, category: str | None) -> str:
        if self.topic:
            return self.topic
        return (category_topic(category) if category else "") or self.file_topic

    def add(
        self,
        *,
        line: int,
        locator: str,
        prompt: str,
        choices: list[str] | None = None,
        answer: str,
        accepted: list[str] | None = None,
        explanation: str = "",
        category: str | None = None,
        difficulty: str | None = None,
        label: str = "",
    ) -> bool:
        """Add a draft: ``answer`` is a letter for choice questions, the model answer otherwise."""
        choices = list(choices or [])
        label = label or f"question {locator}"
        prompt = prompt.strip()
        if not prompt:
            self.skip(line, "question without text", label)
            return False
        if len(choices) > MAX_CHOICES:
            self.skip(line, f"question with more than {MAX_CHOICES} choices", f"{label} has {len(choices)}")
            return False
        # The prompt decides: choices are often English terms in a Chinese question.
        lang = self.lang or detect_lang(prompt if any(ch.isalpha() for ch in prompt) else " ".join(choices))
        if choices and [c.casefold() for c in choices] in (
            [c.casefold() for c in TRUE_FALSE_CHOICES["en"]],
            [c.casefold() for c in TRUE_FALSE_CHOICES["zh"]],
        ):
            choices = list(TRUE_FALSE_CHOICES[lang])
        if not choices:
            item_type = ItemType.SHORT_ANSWER
        elif choices == TRUE_FALSE_CHOICES[lang]:
            item_type = ItemType.TRUE_FALSE
        else:
            item_type = ItemType.SINGLE_CHOICE
        short = [a.strip() for a in accepted or [] if a.strip()]
        short = list(dict.fromkeys(a for a in short if len(a) <= SHORT_ANSWER_CHARS and "\n" not in a))
        item_id = f"{self.id_prefix}-{locator}"
        n = 2
        while item_id in self.ids:
            item_id, n = f"{self.id_prefix}-{locator}-{n}", n + 1
        draft: dict[str, Any] = {
            "id": item_id,
            "type": item_type.value,
            "lang": lang,
            "topics": [self.topic_for(category)],
            "difficulty": difficulty if difficulty in {d.value for d in Difficulty} else "medium",
            "prompt": prompt,
            "choices": choices,
            "answer": answer.strip(),
            "explanation": clip(explanation.strip(), MAX_EXPLANATION_CHARS),
        }
        if item_type is ItemType.SHORT_ANSWER and short:
            draft["accepted"] = short[:MAX_ACCEPTED]
        draft["source"] = {"file": self.source_file, "locator": locator}
        try:
            BankItem.model_validate(
                {**draft, "explanation": draft["explanation"] or "-"}, context={SERVER_TOPICS: True}
            )
        except ValidationError as exc:
            reasons = []
            for err in exc.errors(include_url=False):
                where = ".".join(str(p) for p in err["loc"])
                message = err.get("ctx", {}).get("error") or err["msg"]
                reasons.append(f"{where + ': ' if where else ''}{message}")
            self.skip(line, "question the bank cannot hold", f"{label}: {'; '.join(reasons)}")
            return False
        self.ids.add(item_id)
        self.items.append(draft)
        self.lines.append(line)
        return True

    def result(self) -> FormatResult:
        return FormatResult(
            self.format,
            self.items,
            self.lines,
            sorted(self.errors, key=lambda p: p.line),
            sorted(self.skips, key=lambda s: s.line),
            self.file_name,
        )


def letter(index: int) -> str:
    return LETTERS[index]


def line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]

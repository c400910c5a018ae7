"""Moodle XML (``<quiz><question type="...">``), parsed with ``defusedxml``: no entity expansion,
no external entities, no DTD tricks.

Imported: ``multichoice`` with ``single`` true (or one full-credit answer), ``truefalse``,
``shortanswer`` (every full-credit answer accepted). A ``category`` question sets the category
(its last path part becomes the server topic) for the questions after it. Skipped: essay,
numerical, matching, multiple-answer (``single`` false with several right answers), cloze,
description, and plugin types such as ``kprime``. Malformed (import nothing): XML that does
not parse, or has entity declarations.
"""

from __future__ import annotations

import bisect
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from bot.bank.formats.common import Drafts, FormatResult, html_to_text, line_starts, looks_like_html, tidy
from bot.bank.schema import LETTERS

FORMAT = "moodle-xml"

_KINDS = {
    "essay": "essay question",
    "numerical": "numerical question",
    "calculated": "numerical question",
    "calculatedsimple": "numerical question",
    "calculatedmulti": "numerical question",
    "matching": "matching question",
    "randomsamatch": "matching question",
    "ddmatch": "matching question",
    "multianswer": "cloze question",
    "description": "description without answers",
}
_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")
_QUESTION_TAG = re.compile(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<question\b", re.DOTALL)


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    node = element.find(path) if path else element
    if node is None:
        return ""
    raw = "".join(node.itertext())
    fmt = (element.get("format") or "").lower()
    if fmt == "markdown":
        return tidy(raw)
    if fmt == "html" or looks_like_html(raw):
        return html_to_text(raw.replace("@@PLUGINFILE@@/", ""))
    return tidy(raw)


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction") or 0)
    except ValueError:
        return 0.0


def parse_moodle_xml(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    try:
        # The text is already decoded: whatever encoding its declaration names, it is UTF-8 now.
        body = _DECLARED_ENCODING.sub(r"\1UTF-8\2", text.lstrip("\ufeff"), count=1)
        root: Any = SafeET.fromstring(body.encode("utf-8", "surrogatepass"))
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        line = min(max(line, 1), text.count("\n") + 1)  # expat also counts a lone \r as a line end
        drafts.error(line, f"not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})")
        return drafts.result()
    except defusedxml.DefusedXmlException as exc:
        drafts.error(1, f"XML with entity or DTD declarations is refused ({type(exc).__name__})")
        return drafts.result()
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        drafts.error(1, f"not readable XML ({exc})")
        return drafts.result()
    if root.tag != "quiz":
        drafts.error(1, f"the top element is <{root.tag}>, not Moodle's <quiz>")
        return drafts.result()
    tags = [m for m in _QUESTION_TAG.finditer(text) if m.group(0) == "<question"]
    starts = line_starts(text)
    lines = [bisect.bisect_right(starts, m.start()) for m in tags]
    category: str | None = None
    number = 0
    for index, question in enumerate(root.iter("question")):
        line = lines[index] if index < len(lines) else 1
        kind = (question.get("type") or "").strip().lower()
        if kind == "category":
            category = _text(question.find("category")) or category
            continue
        number += 1
        name = _text(question.find("name"))
        label = f"question {number}" + (f" ({name})" if name else "")
        if kind in _KINDS:
            drafts.skip(line, _KINDS[kind], label)
            continue
        if kind not in ("multichoice", "truefalse", "shortanswer"):
            drafts.skip(line, "question of a plugin type", f"{label} has type {kind or '(none)'!r}")
            continue
        prompt = _text(question.find("questiontext"))
        general = _text(question.find("generalfeedback"))
        answers = question.findall("answer")
        texts = [_text(a) for a in answers]
        fractions = [_fraction(a) for a in answers]
        right = [i for i, f in enumerate(fractions) if f >= 100]
        feedback = _text(answers[right[0]].find("feedback")) if right else ""
        explanation = general or feedback
        locator = f"q{number:02d}"
        if kind == "truefalse":
            truth = next((texts[i].strip().lower() for i in right), None)
            if truth not in ("true", "false"):
                drafts.skip(line, "true/false question without a right answer", label)
                continue
            drafts.add(
                line=line,
                locator=locator,
                prompt=prompt,
                choices=["True", "False"],
                answer="A" if truth == "true" else "B",
                explanation=explanation,
                category=category,
                label=label,
            )
        elif kind == "shortanswer":
            accepted = [texts[i] for i in right if texts[i] and "*" not in texts[i]]
            if not accepted:
                drafts.skip(line, "short-answer question without a full-credit answer", label)
                continue
            drafts.add(
                line=line,
                locator=locator,
                prompt=prompt,
                answer=accepted[0],
                accepted=accepted,
                explanation=explanation,
                category=category,
                label=label,
            )
        else:
            single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
            positive = [i for i, f in enumerate(fractions) if f > 0]
            if len(right) != 1 or (not single and len(positive) > 1):
                drafts.skip(line, "multiple-answer question", label)
                continue
            if any(not t for t in texts):
                drafts.skip(line, "question the bank cannot hold", f"{label}: an answer has no text")
                continue
            drafts.add(
                line=line,
                locator=locator,
                prompt=prompt,
                choices=texts,
                answer=LETTERS[right[0]] if right[0] < len(LETTERS) else "?",
                explanation=explanation,
                category=category,
                label=label,
            )
    if number == 0 and not drafts.errors:
        drafts.error(1, "the <quiz> holds no <question> (other than categories)")
    return drafts.result()


def looks_like(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:500]
    return (head.startswith("<?xml") and "<quiz" in text[:2000]) or head.startswith("<quiz")

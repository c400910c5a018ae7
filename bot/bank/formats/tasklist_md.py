"""``checkbox-md``'s task-list layout: ``#### Q1. question`` headings with GitHub task-list
options ``- [ ] wrong`` / ``- [x] right`` (as in the LinkedIn skill-assessment quizzes).

The prompt is everything between the heading and the first option (code blocks and images
included); the explanation is what follows the options, without its ``**Explanation:**`` label.
Skipped: several ``[x]`` (multiple answers), no ``[x]`` (the key is elsewhere, e.g. only in
prose), no task-list options at all, more than 5 options. The older ``☐``/``☒`` layout is
``bot.bank.importers.parse_checkbox_md``'s, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.bank.formats.common import Drafts, FormatResult, tidy
from bot.bank.importers import _Fences, _lines
from bot.bank.schema import LETTERS

FORMAT = "checkbox-md"

_HEADING = re.compile(r"^#{2,6}\s*Q(\d{1,4})\s*[.):]\s*(.*)$", re.IGNORECASE)
_OPTION = re.compile(r"^\s{0,3}[-*+]\s+\[([ xX])\]\s?(.*)$")
_EXPLANATION = re.compile(r"^\s*\**\s*(?:explanation|answer|reason)\b\s*:?\s*\**\s*:?\s*", re.IGNORECASE)


@dataclass
class _Q:
    number: int
    line: int
    prompt: list[str]
    options: list[tuple[bool, list[str]]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


def parse_tasklist_md(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    fences = _Fences()
    questions: list[_Q] = []
    for lineno, line in enumerate(_lines(text), start=1):
        in_code = fences.step(line, lineno)
        current = questions[-1] if questions else None
        if not in_code and (head := _HEADING.match(line)):
            questions.append(_Q(int(head.group(1)), lineno, [head.group(2)]))
            continue
        if current is None:
            continue
        if not in_code and (option := _OPTION.match(line)) and not current.after:
            current.options.append((option.group(1) != " ", [option.group(2)]))
            continue
        if current.options:
            if not current.after and line.startswith(("  ", "\t")) and line.strip():
                current.options[-1][1].append(line.strip())  # an option's continuation line
            else:
                current.after.append(line)
        elif not in_code and re.match(r"^#{1,6}\s", line):
            continue  # a section heading between questions
        else:
            current.prompt.append(line)
    if fences.open is not None:
        drafts.error(fences.opened_at, "a code block opened here is never closed")
    if not questions:
        drafts.error(1, "no `#### Q1.` questions found")
    for n, q in enumerate(questions, start=1):
        _question(drafts, q, n)
    return drafts.result()


def _question(drafts: Drafts, q: _Q, n: int) -> None:
    label = f"Q{q.number}"
    if not q.options:
        drafts.skip(q.line, "question without - [ ]/- [x] options", f"{label} (its key may be only in prose)")
        return
    right = [i for i, (checked, _) in enumerate(q.options) if checked]
    if len(right) > 1:
        drafts.skip(q.line, "multiple-answer question", f"{label} has {len(right)} [x] options")
        return
    if not right:
        drafts.skip(q.line, "question without a [x] option", label)
        return
    after = tidy("\n".join(q.after))
    explanation = _EXPLANATION.sub("", after, count=1) if _EXPLANATION.match(after) else after
    drafts.add(
        line=q.line,
        locator=f"q{n:03d}",
        prompt=tidy("\n".join(q.prompt)),
        choices=[tidy("\n".join(parts)) for _, parts in q.options],
        answer=LETTERS[right[0]] if right[0] < len(LETTERS) else "?",
        explanation=explanation,
        label=label,
    )


_SIGNAL_HEAD = re.compile(r"^#{2,6}\s*Q\d{1,4}\s*[.):]", re.MULTILINE | re.IGNORECASE)
_SIGNAL_OPTION = re.compile(r"^\s{0,3}[-*+]\s+\[[ xX]\]", re.MULTILINE)


def looks_like(text: str) -> bool:
    return bool(_SIGNAL_HEAD.search(text)) and bool(_SIGNAL_OPTION.search(text))

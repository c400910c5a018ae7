"""Turn the raw seed shapes into draft bank items.

Each parser is a pure function ``(text, file name) -> ImportResult``: the drafts it could
build (dicts shaped like :class:`~bot.bank.schema.BankItem`, keys in the README's order) and
a :class:`~bot.bank.loader.Problem` with a line number for every part it could not
understand. Parsers never raise on bad input: text they cannot read at all gives no items
and a problem saying so.

Formats:

``json-mc``
    A JSON array of ``{question, answer_a..answer_d, correct_answer}`` objects, with any
    noise before and after it (seed 000).
``checkbox-md``
    A graded Markdown quiz: ``N. question``, options ``- ☐``/``- ☒``, ``✓ Correct`` and the
    feedback (seed 002). The key is the ☒ option, the explanation the feedback.
``answer-md``
    Chinese exercises: ``### N. question``, options ``A. ...``, ``答案：X``, then a 简答题
    section of ``N. **question**`` with ``答：answer`` (seed 003). Explanations are left empty
    for curators to write.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from bot.bank.loader import Problem, refers_to_other_choices
from bot.bank.schema import LETTERS, MAX_CHOICES, TRUE_FALSE_CHOICES, BankItem, Difficulty, ItemType

log = logging.getLogger(__name__)


class ImportFormat(StrEnum):
    JSON_MC = "json-mc"
    CHECKBOX_MD = "checkbox-md"
    ANSWER_MD = "answer-md"


@dataclass(frozen=True)
class ImportResult:
    """What a parser made of a text: draft items and the parts it could not use."""

    format: ImportFormat | None
    items: list[dict[str, Any]]
    problems: list[Problem]
    lines: list[int] = field(default_factory=list)  # the line each item starts on, parallel to items

    @property
    def empty_explanations(self) -> int:
        return sum(1 for item in self.items if not item["explanation"])


# Keyword -> topic, in priority order: the first topic found becomes the main topic.
# Only a guess for curators to correct; ASCII keywords match whole words.
TOPIC_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("qlora", ("qlora",)),
    ("lora", ("lora", "low-rank", "低秩")),
    ("dpo", ("dpo", "direct preference", "kto")),
    (
        "reward-models",
        ("reward model", "reward modeling", "reward function", "rewardtrainer", "bradley-terry", "奖励模型"),
    ),
    ("rlhf", ("rlhf", "ppo", "reinforcement learning", "human feedback", "强化学习", "智能体")),
    ("quantization", ("quantization", "quantize", "quantized", "bitsandbytes", "4-bit", "8-bit", "量化")),
    (
        "peft",
        (
            "peft",
            "adapter",
            "adapters",
            "prefix tuning",
            "p-tuning",
            "ptuning",
            "adapt tuning",
            "parameter-efficient",
            "高效微调",
        ),
    ),
    ("chat-templates", ("chat template", "chat templates", "im_start", "system message", "special token")),
    (
        "hyperparameters",
        (
            "learning rate",
            "warmup",
            "warmup_ratio",
            "batch size",
            "epoch",
            "epochs",
            "gradient_accumulation_steps",
            "hyperparameter",
            "hyperparameters",
            "weight decay",
            "学习率",
        ),
    ),
    (
        "evaluation",
        (
            "evaluate",
            "evaluation",
            "metric",
            "metrics",
            "bleu",
            "rouge",
            "benchmark",
            "validation",
            "perplexity",
            "评估",
        ),
    ),
    ("data-prep", ("dataset", "datasets", "data set", "preprocess", "formatting", "labeled data", "数据集")),
    (
        "sft",
        (
            "sft",
            "supervised fine-tuning",
            "instruction-tuning",
            "instruction tuning",
            "instruction fine-tuning",
            "有监督",
            "指令微调",
        ),
    ),
)
FALLBACK_TOPIC = "fundamentals"
MAX_GUESSED_TOPICS = 2


def _keyword_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # ASCII boundaries, not \b: "LoRA微调" must match "lora" although 微 is a word character.
    parts = [
        rf"(?<![A-Za-z0-9_-]){re.escape(w)}(?![A-Za-z0-9_-])" if w.isascii() else re.escape(w) for w in words
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


_TOPIC_PATTERNS = tuple((topic, _keyword_pattern(words)) for topic, words in TOPIC_KEYWORDS)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def guess_topics(prompt: str, choices: list[str] | None = None) -> list[str]:
    """Topics whose keywords the prompt (or, failing that, the choices) mention; a curator's start."""
    for text in (prompt, " ".join(choices or [])):
        found = [topic for topic, pattern in _TOPIC_PATTERNS if pattern.search(text)]
        if found:
            return found[:MAX_GUESSED_TOPICS]
    return [FALLBACK_TOPIC]


def guess_lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def id_prefix(file_name: str) -> str:
    """``s000`` for a seed named ``000_...``; otherwise a slug of the file's stem."""
    name = PurePath(file_name).name
    match = re.match(r"(\d{3})(?!\d)", name)
    if match:
        return f"s{match.group(1)}"
    slug = re.sub(r"[^a-z0-9]+", "-", PurePath(name).stem.lower()).strip("-")[:48].strip("-")
    return slug or "bank"


def _lines(text: str) -> list[str]:
    # Split on \n only so line numbers agree with editors and with ``grep -n``.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _join(parts: list[str]) -> str:
    """Lines to text: trailing spaces dropped, runs of blank lines made one, ends trimmed."""
    out: list[str] = []
    for part in parts:
        line = part.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


class _Fences:
    """Tracks whether a line is inside a fenced code block (where nothing is markup)."""

    def __init__(self) -> None:
        self.open: str | None = None
        self.opened_at = 0

    def step(self, line: str, lineno: int) -> bool:
        """Feed one line; True if it belongs to a code block (fence lines included)."""
        match = _FENCE.match(line)
        if self.open is None:
            if match:
                self.open, self.opened_at = match.group(1), lineno
                return True
            return False
        closes = match and match.group(1)[0] == self.open[0] and len(match.group(1)) >= len(self.open)
        if closes and match and not line.strip()[len(match.group(1)) :].strip():
            self.open = None
        return True


@dataclass
class _Builder:
    """Collects drafts and problems for one file; checks each draft against the schema."""

    file_name: str
    format: ImportFormat
    lang: str | None = None  # None: guessed per question from its prompt
    items: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    locators: dict[str, int] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    @property
    def source_file(self) -> str:
        return PurePath(self.file_name).name or self.file_name

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file_name, line, message))

    def add(
        self,
        *,
        line: int,
        kind: str,
        number: int,
        prompt: str,
        choices: list[str],
        answer: str,
        explanation: str = "",
    ) -> None:
        locator = f"{kind}{number}"
        if locator in self.locators:
            self.problem(
                line, f"question {locator} repeats (first at line {self.locators[locator]}); skipped"
            )
            return
        self.locators[locator] = line
        lang = self.lang or guess_lang(prompt)
        if not choices:
            item_type = ItemType.SHORT_ANSWER
        elif choices == TRUE_FALSE_CHOICES.get(lang):
            item_type = ItemType.TRUE_FALSE
        else:
            item_type = ItemType.SINGLE_CHOICE
        draft: dict[str, Any] = {
            "id": f"{id_prefix(self.file_name)}-{kind}{number:02d}",
            "type": item_type.value,
            "lang": lang,
            "topics": guess_topics(prompt, choices),
            "difficulty": Difficulty.MEDIUM.value,
            "prompt": prompt,
            "choices": choices,
            "answer": answer,
            "explanation": explanation,
            "source": {"file": self.source_file, "locator": locator},
        }
        if item_type is ItemType.SINGLE_CHOICE and any(refers_to_other_choices(c) for c in choices):
            draft["shuffle"] = False  # "All of the above" posted under A would point at nothing
        try:
            # Explanations may be empty in a draft (curators write them); all else must hold.
            BankItem.model_validate({**draft, "explanation": explanation or "-"})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                where = ".".join(str(p) for p in error["loc"])
                message = str(error.get("ctx", {}).get("error") or error["msg"])
                self.problem(line, f"question {locator}: {where + ': ' if where else ''}{message}; skipped")
            return
        self.items.append(draft)
        self.lines.append(line)

    def result(self) -> ImportResult:
        return ImportResult(
            self.format, self.items, sorted(self.problems, key=lambda p: p.line), list(self.lines)
        )


# --- json-mc ---------------------------------------------------------------------------

_ARRAY_START = re.compile(r"\[\s*\{")
_JSON_QUESTION_KEY = re.compile(r'"(question|correct_answer)"\s*:')


def parse_json_mc(text: str, file_name: str) -> ImportResult:
    """A JSON array of multiple-choice objects, found inside whatever surrounds it."""
    builder = _Builder(file_name, ImportFormat.JSON_MC)
    start = _ARRAY_START.search(text)
    if start is None:
        builder.problem(1, "no JSON array of question objects (`[{...}, ...]`) found")
        return builder.result()
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(line_starts, pos)

    decoder = json.JSONDecoder()
    pos = start.end() - 1
    number = 0
    while True:
        number += 1
        try:
            obj, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, too-long ints, deep nesting
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc) or type(exc).__name__
            where = exc.lineno if isinstance(exc, json.JSONDecodeError) else line_of(pos)
            builder.problem(where, f"question {number}: not valid JSON ({detail}); skipped")
            resumed = _resync(decoder, text, pos + 1)
            if resumed is None:
                break
            pos = resumed
            continue
        _json_question(builder, obj, number, line_of(pos), text[pos:end], line_of)
        pos = _skip_space(text, end)
        if pos >= len(text):
            builder.problem(line_of(len(text)), "the JSON array is not closed with `]`")
            break
        if text[pos] == "]":
            break
        if text[pos] == ",":
            after = _skip_space(text, pos + 1)
            if after < len(text) and text[after] == "{":
                pos = after
                continue
            if after < len(text) and text[after] == "]":
                builder.problem(line_of(pos), f"trailing comma after question {number}")
                break
        builder.problem(line_of(pos), f"expected `,` or `]` after question {number}")
        resumed = _resync(decoder, text, pos)
        if resumed is None:
            break
        pos = resumed
    if not builder.items and not builder.problems:
        builder.problem(line_of(start.start()), "the JSON array holds no questions")
    return builder.result()


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _resync(decoder: json.JSONDecoder, text: str, pos: int) -> int | None:
    """Position of the next ``{`` that starts a decodable object, after a broken one."""
    while (pos := text.find("{", pos)) != -1:
        try:
            decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            pos += 1
            continue
        return pos
    return None


def _json_question(
    builder: _Builder, obj: Any, number: int, line: int, span: str, line_of: Callable[[int], int]
) -> None:
    def key_line(key: str) -> int:
        found = span.find(f'"{key}"')
        return line + span.count("\n", 0, found) if found >= 0 else line

    if not isinstance(obj, dict):
        builder.problem(line, f"question {number}: not a JSON object; skipped")
        return
    bad = False
    prompt = obj.get("question")
    if not isinstance(prompt, str) or not prompt.strip():
        builder.problem(key_line("question"), f"question {number}: no `question` text; skipped")
        bad = True
    choices: list[str] = []
    for letter in LETTERS:
        value = obj.get(f"answer_{letter.lower()}")
        if value is None:
            break
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            builder.problem(
                key_line(f"answer_{letter.lower()}"),
                f"question {number}: answer_{letter.lower()} is not text; skipped",
            )
            bad = True
            break
        choices.append(str(value).strip())
    if len(choices) < 2:
        builder.problem(line, f"question {number}: fewer than two answer_a, answer_b, ... choices; skipped")
        bad = True
    raw_key = obj.get("correct_answer")
    key: str | None = None
    if isinstance(raw_key, str):
        letters = list(LETTERS[: len(choices)])
        key = raw_key.strip().upper().rstrip(").")
        if key not in letters:
            # Some exports give the correct choice's text instead of its letter.
            matches = [LETTERS[i] for i, choice in enumerate(choices) if choice == raw_key.strip()]
            key = matches[0] if len(matches) == 1 else None
    if not bad and key is None:
        builder.problem(
            key_line("correct_answer"),
            f"question {number}: correct_answer {raw_key!r} is not one of the choice letters "
            f"{', '.join(LETTERS[: len(choices)])}; skipped",
        )
        bad = True
    if bad or key is None or not isinstance(prompt, str):
        return
    explanation = obj.get("explanation")
    builder.add(
        line=line,
        kind="q",
        number=number,
        prompt=prompt.strip(),
        choices=choices,
        answer=key,
        explanation=explanation.strip() if isinstance(explanation, str) else "",
    )


# --- checkbox-md -----------------------------------------------------------------------

_CB_QUESTION = re.compile(r"^(\d{1,4})[.)]\s+(\S.*)$")
_CB_OPTION = re.compile(r"^\s*(?:[-*+]\s+)?([☐☒])\s*(.*)$")
_CB_RESULT = re.compile(r"^\s*(?:[-*+]\s+)?(?:[✓✔☒☐✗✘×❌]\s*)?(correct|incorrect)\s*[.!]?\s*$", re.IGNORECASE)
_CB_SCORE = re.compile(r"^\s*\d+(?:\.\d+)?\s*/\s*\d+(?:\.\d+)?\s*points?\s*$", re.IGNORECASE)


@dataclass
class _Option:
    line: int
    checked: bool
    parts: list[str]


@dataclass
class _CheckboxQuestion:
    number: int
    line: int
    prompt: list[str]
    options: list[_Option] = field(default_factory=list)
    verdict: str | None = None
    feedback: list[str] = field(default_factory=list)


def parse_checkbox_md(text: str, file_name: str) -> ImportResult:
    """A graded quiz page: the ☒ option of each question answered ``✓ Correct`` is its key."""
    builder = _Builder(file_name, ImportFormat.CHECKBOX_MD)
    lines = _lines(text)
    fences = _Fences()
    questions: list[_CheckboxQuestion] = []
    for lineno, line in enumerate(lines, start=1):
        in_code = fences.step(line, lineno)
        current = questions[-1] if questions else None
        header = None if in_code else _CB_QUESTION.match(line)
        if header and (current is None or int(header.group(1)) > current.number):
            questions.append(_CheckboxQuestion(int(header.group(1)), lineno, [header.group(2)]))
            continue
        if current is None:
            continue  # page header before the first question
        if in_code:
            _checkbox_target(current).append(line)
            continue
        if current.verdict is None and current.options and (result := _CB_RESULT.match(line)):
            current.verdict = result.group(1).lower()
            continue
        if current.verdict is None and (option := _CB_OPTION.match(line)):
            current.options.append(_Option(lineno, option.group(1) == "☒", [option.group(2)]))
            continue
        if not current.options and _CB_SCORE.match(line):
            continue
        _checkbox_target(current).append(line)
    if fences.open is not None:
        builder.problem(fences.opened_at, "a code block opened here is never closed")
    if not questions:
        builder.problem(1, "no numbered questions (`1. ...`) found")
    for question in questions:
        _checkbox_question(builder, question)
    return builder.result()


def _checkbox_target(question: _CheckboxQuestion) -> list[str]:
    if question.verdict is not None:
        return question.feedback
    if question.options:
        return question.options[-1].parts
    return question.prompt


def _checkbox_question(builder: _Builder, q: _CheckboxQuestion) -> None:
    label = f"question {q.number}"
    if not q.options:
        builder.problem(q.line, f"{label}: no ☐/☒ options found; skipped")
        return
    if len(q.options) > MAX_CHOICES:
        builder.problem(q.line, f"{label}: {len(q.options)} options, at most {MAX_CHOICES} fit; skipped")
        return
    checked = [i for i, option in enumerate(q.options) if option.checked]
    if q.verdict is None:
        builder.problem(
            q.line, f"{label}: no `✓ Correct` line after the options, so ☒ may not be the key; skipped"
        )
        return
    if q.verdict != "correct":
        builder.problem(q.line, f"{label}: graded {q.verdict}, so the ☒ option is not the key; skipped")
        return
    if len(checked) != 1:
        what = "no ☒ option" if not checked else f"{len(checked)} ☒ options (a multiple-answer question)"
        builder.problem(q.line, f"{label}: {what}; skipped")
        return
    choices = [_join(option.parts) for option in q.options]
    for option, choice in zip(q.options, choices, strict=True):
        if not choice:
            builder.problem(option.line, f"{label}: an option has no text; skipped")
            return
    builder.add(
        line=q.line,
        kind="q",
        number=q.number,
        prompt=_join(q.prompt),
        choices=choices,
        answer=LETTERS[checked[0]],
        explanation=_join(q.feedback),
    )


# --- answer-md -------------------------------------------------------------------------

_AM_MC_HEAD = re.compile(r"^#{3,6}\s*(\d{1,4})\s*[.．、]\s*(\S.*)$")
_AM_HEADING = re.compile(r"^#{1,6}(?:\s+(.*))?$")
_AM_OPTION = re.compile(r"^([A-Ea-e])\s*[.．、:：)）]\s*(\S.*)$")
_AM_KEY = re.compile(r"^\**答案\**\s*[：:]\s*\**\s*(.*?)\s*\**\s*$")
_AM_NOTE = re.compile(r"^\**解析\**\s*[：:]\s*(.*)$")
_AM_SA_HEAD = re.compile(r"^(\d{1,4})\s*[.．、]\s*\*\*(.+?)\*\*\s*$")
_AM_SA_ANSWER = re.compile(r"^\**答\**\s*[：:]\s*(.*)$")


@dataclass
class _ChoiceQ:
    number: int
    line: int
    prompt: list[str]
    options: list[list[str]] = field(default_factory=list)
    key: str | None = None
    key_line: int = 0
    note: list[str] | None = None
    broken: bool = False


@dataclass
class _ShortQ:
    number: int
    line: int
    prompt: list[str]
    answer: list[str] | None = None


def parse_answer_md(text: str, file_name: str) -> ImportResult:
    """Chinese exercises with ``答案：X`` keys and a 简答题 (short answer) section."""
    builder = _Builder(file_name, ImportFormat.ANSWER_MD, lang="zh")  # 答案/简答题 exercises are Chinese
    fences = _Fences()
    current: _ChoiceQ | _ShortQ | None = None
    last_short = 0
    found = 0

    def close() -> None:
        nonlocal current
        if isinstance(current, _ChoiceQ):
            _answer_md_choice(builder, current)
        elif isinstance(current, _ShortQ):
            _answer_md_short(builder, current)
        current = None

    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if fences.step(line, lineno):
            if isinstance(current, _ShortQ):
                (current.answer if current.answer is not None else current.prompt).append(line)
            elif isinstance(current, _ChoiceQ):
                (current.options[-1] if current.options else current.prompt).append(line)
            continue
        if head := _AM_MC_HEAD.match(stripped):
            close()
            current = _ChoiceQ(int(head.group(1)), lineno, [head.group(2)])
            found += 1
            continue
        if heading := _AM_HEADING.match(stripped):
            if isinstance(current, _ChoiceQ) and not current.options and current.key is None:
                current.prompt.append(heading.group(1) or "")  # a question continued on a second ### line
            else:
                close()
            continue
        short = _AM_SA_HEAD.match(stripped)
        if short and int(short.group(1)) > (last_short if isinstance(current, _ShortQ) else 0):
            close()
            current = _ShortQ(int(short.group(1)), lineno, [short.group(2)])
            last_short = current.number
            found += 1
            continue
        if isinstance(current, _ChoiceQ):
            _answer_md_choice_line(builder, current, stripped, lineno)
        elif isinstance(current, _ShortQ):
            if current.answer is None and (answer := _AM_SA_ANSWER.match(stripped)):
                current.answer = [answer.group(1)]
            elif current.answer is not None:
                current.answer.append(line)
            elif stripped:
                current.prompt.append(stripped)
        elif key := _AM_KEY.match(stripped):
            builder.problem(lineno, f"答案 line {key.group(0)!r} outside a question; ignored")
    close()
    if fences.open is not None:
        builder.problem(fences.opened_at, "a code block opened here is never closed")
    if not found:
        builder.problem(1, "no questions (`### N. ...` or `N. **...**`) found")
    return builder.result()


def _answer_md_choice_line(builder: _Builder, q: _ChoiceQ, stripped: str, lineno: int) -> None:
    if not stripped:
        if q.note is not None:
            q.note.append("")
        return
    if key := _AM_KEY.match(stripped):
        if q.key is not None:
            builder.problem(lineno, f"question mc{q.number}: a second 答案 line")
            q.broken = True
        q.key, q.key_line = key.group(1), lineno
        return
    if q.key is not None:
        if note := _AM_NOTE.match(stripped):
            q.note = [note.group(1)]
        elif q.note is not None:
            q.note.append(stripped)
        else:
            builder.problem(
                lineno, f"question mc{q.number}: text after the 答案 line not understood; ignored"
            )
        return
    if option := _AM_OPTION.match(stripped):
        letter = option.group(1).upper()
        expected = LETTERS[len(q.options)] if len(q.options) < MAX_CHOICES else None
        if letter != expected:
            builder.problem(
                lineno, f"question mc{q.number}: option {letter} where {expected or 'no more'} was expected"
            )
            q.broken = True
        q.options.append([option.group(2)])
        return
    (q.options[-1] if q.options else q.prompt).append(stripped)


def _answer_md_choice(builder: _Builder, q: _ChoiceQ) -> None:
    label = f"question mc{q.number}"
    letters = LETTERS[: len(q.options)]
    if q.broken:
        builder.problem(q.line, f"{label}: skipped (see the problems above)")
    elif len(q.options) < 2:
        builder.problem(q.line, f"{label}: fewer than two `A. ...` options; skipped")
    elif q.key is None:
        builder.problem(q.line, f"{label}: no `答案：X` line; skipped")
    elif q.key.upper() not in letters or len(q.key) != 1:
        builder.problem(
            q.key_line,
            f"{label}: 答案 {q.key!r} is not one of the option letters {', '.join(letters)}; skipped",
        )
    else:
        builder.add(
            line=q.line,
            kind="mc",
            number=q.number,
            prompt=_join(q.prompt),
            choices=[_join(parts) for parts in q.options],
            answer=q.key.upper(),
            explanation=_join(q.note or []),
        )


def _answer_md_short(builder: _Builder, q: _ShortQ) -> None:
    answer = _join(q.answer or [])
    if not answer:
        builder.problem(q.line, f"question sa{q.number}: no `答：...` answer; skipped")
        return
    builder.add(line=q.line, kind="sa", number=q.number, prompt=_join(q.prompt), choices=[], answer=answer)


# --- detection -------------------------------------------------------------------------

_CHECKBOX_SIGNAL = re.compile(r"^\s*(?:[-*+]\s+)?[☐☒]", re.MULTILINE)
_ANSWER_MD_SIGNAL = re.compile(r"^\**答案\**\s*[：:]|^#{3,6}\s*\d+\s*[.．、]|^\**答\**\s*[：:]", re.MULTILINE)

PARSERS: dict[ImportFormat, Callable[[str, str], ImportResult]] = {
    ImportFormat.JSON_MC: parse_json_mc,
    ImportFormat.CHECKBOX_MD: parse_checkbox_md,
    ImportFormat.ANSWER_MD: parse_answer_md,
}


def detect_format(text: str) -> ImportFormat | None:
    """Which raw shape a text has, or None when it looks like none of them."""
    start = _ARRAY_START.search(text)
    if start and _JSON_QUESTION_KEY.search(text, start.start()):
        return ImportFormat.JSON_MC
    if _CHECKBOX_SIGNAL.search(text):
        return ImportFormat.CHECKBOX_MD
    if _ANSWER_MD_SIGNAL.search(text):
        return ImportFormat.ANSWER_MD
    return None


def import_text(text: str, file_name: str, fmt: ImportFormat | str | None = None) -> ImportResult:
    """Parse ``text`` in the given format, or the detected one; never raises on bad text."""
    chosen = ImportFormat(fmt) if fmt is not None else detect_format(text)
    if chosen is None:
        formats = " | ".join(f.value for f in ImportFormat)
        problem = Problem(file_name, 1, f"cannot tell which format this is; pass --format {formats}")
        return ImportResult(None, [], [problem])
    result = PARSERS[chosen](text, file_name)
    log.debug("%s as %s: %d items, %d problems", file_name, chosen, len(result.items), len(result.problems))
    return result

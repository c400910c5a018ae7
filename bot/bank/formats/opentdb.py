"""OpenTDB: an API response ``{"response_code": 0, "results": [...]}`` or a ``{"results": [...]}``
dump. Each result has ``type`` (``multiple``/``boolean``), ``difficulty``, ``category``,
``question``, ``correct_answer``, ``incorrect_answers``, HTML-entity encoded (the API's
default).

The right answer is put among the wrong ones at a position drawn from a hash of the question
text: the same on every import, spread over A-D, never always A. The category becomes the
server topic (``Science: Computers`` -> ``science-computers``).
"""

from __future__ import annotations

import bisect
import html
import json
import re
from typing import Any

from bot.bank.formats.common import Drafts, FormatResult, deterministic_slot, line_starts, tidy
from bot.bank.schema import LETTERS

FORMAT = "opentdb"

RESPONSE_CODES = {
    1: "no results (the API had too few questions for the query)",
    2: "invalid parameter",
    3: "session token not found",
    4: "session token exhausted",
    5: "rate limited",
}
_QUESTION_KEY = re.compile(r'(?<!\\)"question"\s*:')


def _decode(value: Any) -> str:
    # The scraper's dump escapes some text twice (`&amp;quot;`); decoding until stable reads both.
    text = str(value)
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return tidy(text)


def parse_opentdb(
    text: str, file_name: str, *, lang: str | None = None, topic: str | None = None
) -> FormatResult:
    drafts = Drafts(file_name, FORMAT, lang, topic)
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        drafts.error(exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})")
        return drafts.result()
    except (ValueError, RecursionError) as exc:
        drafts.error(1, f"not valid JSON ({exc})")
        return drafts.result()
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        drafts.error(1, 'not an OpenTDB response: expected an object with a "results" list')
        return drafts.result()
    code = data.get("response_code", 0)
    if code not in (0, None):
        why = RESPONSE_CODES.get(code, "unknown code") if isinstance(code, int) else "not a number"
        drafts.error(1, f"OpenTDB response_code {code!r}: {why}")
        return drafts.result()
    starts = line_starts(text)
    key_lines = [bisect.bisect_right(starts, m.start()) for m in _QUESTION_KEY.finditer(text)]
    seen_questions = 0
    for number, result in enumerate(data["results"], start=1):
        label = f"result {number}"
        has_question = isinstance(result, dict) and "question" in result
        line = key_lines[seen_questions] if has_question and seen_questions < len(key_lines) else 1
        seen_questions += has_question
        if not isinstance(result, dict):
            drafts.skip(line, "result that is not a question object", label)
            continue
        question, right, wrong = (
            result.get("question"),
            result.get("correct_answer"),
            result.get("incorrect_answers"),
        )
        if (
            not isinstance(question, str)
            or not isinstance(right, str | int | float)
            or not isinstance(wrong, list)
            or not all(isinstance(w, str | int | float) for w in wrong)
        ):
            drafts.skip(line, "result without question, correct_answer and incorrect_answers", label)
            continue
        prompt = _decode(question)
        category = _decode(result.get("category") or "") or None
        difficulty = str(result.get("difficulty") or "").lower() or None
        kind = str(result.get("type") or "multiple").lower()
        right_text = _decode(right)
        wrong_texts = [_decode(w) for w in wrong]
        if kind == "boolean" and right_text.lower() in ("true", "false"):
            drafts.add(
                line=line,
                locator=f"q{number:02d}",
                prompt=prompt,
                choices=["True", "False"],
                answer="A" if right_text.lower() == "true" else "B",
                category=category,
                difficulty=difficulty,
                label=label,
            )
            continue
        slot = deterministic_slot(prompt, len(wrong_texts) + 1)
        choices = [*wrong_texts[:slot], right_text, *wrong_texts[slot:]]
        drafts.add(
            line=line,
            locator=f"q{number:02d}",
            prompt=prompt,
            choices=choices,
            answer=LETTERS[slot] if slot < len(LETTERS) else "?",
            category=category,
            difficulty=difficulty,
            label=label,
        )
    if not data["results"]:
        drafts.error(1, "the results list is empty")
    return drafts.result()


_SIGNAL = re.compile(r'"(?:incorrect_answers|response_code)"\s*:')


def looks_like(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped.startswith("{") and bool(_SIGNAL.search(text)) and '"results"' in text

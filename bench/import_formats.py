"""Time importing a 1 MB file (the upload limit) in each format: median of 5 runs per format.

Run: ``python bench/import_formats.py``. A benchmark to read, not a timed test. The files are
generated here (about 1 MB each, thousands of questions, every one distinct so none is skipped as
a duplicate). A server holds at most 2,000 questions of its own, so the aim is per question: a
file at that limit parses within 1 s (``/bank import`` parses in a worker thread, after deferring).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from bot.bank.formats import import_text

TARGET_BYTES = 1024 * 1024
RUNS = 5
AIM_MS = 1000.0
LIMIT_ITEMS = 2000


def _fill(block: Callable[[int], str], head: str = "", tail: str = "", sep: str = "\n") -> str:
    parts: list[str] = []
    size = len(head) + len(tail)
    n = 0
    while size < TARGET_BYTES - 500:
        n += 1
        parts.append(block(n))
        size += len(parts[-1]) + len(sep)
    return head + sep.join(parts) + tail


def _opentdb(n: int) -> str:
    return json.dumps(
        {
            "category": f"Science: Topic {n % 7}",
            "type": "multiple",
            "difficulty": "easy",
            "question": f"Which answer fits question &quot;{n}&quot; best?",
            "correct_answer": f"right {n}",
            "incorrect_answers": [f"wrong {n}", f"other {n}", f"third {n}"],
        }
    )


def _xml(n: int) -> str:
    return (
        f'<question type="multichoice"><name><text>q{n}</text></name>'
        f'<questiontext format="html"><text><![CDATA[<p>Question {n} about <b>clouds</b>?</p>]]></text>'
        f"</questiontext><single>true</single>"
        f'<answer fraction="100"><text>right {n}</text></answer>'
        f'<answer fraction="0"><text>wrong {n}</text></answer></question>'
    )


FILES: dict[str, str] = {
    "gift": _fill(
        lambda n: f"::q{n}:: Question {n} about <b>nets</b>? {{=right {n} ~wrong {n} ####Why {n}.}}\n"
    ),
    "aiken": _fill(lambda n: f"Question {n} about DNS?\nA) right {n}\nB) wrong {n}\nANSWER: A\n"),
    "moodle-xml": _fill(_xml, '<?xml version="1.0"?>\n<quiz>\n', "\n</quiz>\n"),
    "opentdb": _fill(_opentdb, '{"response_code": 0, "results": [\n', "\n]}\n", sep=",\n"),
    "red-trivia": _fill(lambda n: f"Question {n} about Star Trek?:\n- Answer {n}\n- No"),
    "anki-csv": _fill(
        lambda n: f'front {n}\t"<div>back&nbsp;{n}</div>"\ttag', "#separator:tab\n#html:true\n"
    ),
    "checkbox-md": _fill(lambda n: f"#### Q{n}. Question {n}?\n\n- [ ] wrong {n}\n- [x] right {n}\n"),
}


def main() -> int:
    worst = 0.0
    for fmt, text in FILES.items():
        timings = []
        count = 0
        for _ in range(RUNS):
            started = time.perf_counter()
            result = import_text(text, f"bench.{fmt}")
            timings.append((time.perf_counter() - started) * 1000)
            count = len(result.items)
            assert result.format == fmt and not result.errors and not result.skips, (fmt, result.report[:3])
        median = statistics.median(timings)
        per_item_us = median * 1000 / count
        worst = max(worst, per_item_us * LIMIT_ITEMS / 1000)
        print(
            f"{fmt:12} {len(text) / 1024:5.0f} KiB {count:6} items  median {median:7.1f} ms"
            f"  (min {min(timings):.1f})  {per_item_us:5.0f} us/item"
        )
    print(f"slowest format at {LIMIT_ITEMS} items: {worst:.0f} ms; aim {AIM_MS:.0f} ms")
    return 0 if worst < AIM_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

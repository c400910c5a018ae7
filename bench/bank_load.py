"""Time loading the shipped question bank: median of 20 runs (the budget is 200 ms).

Run: ``python bench/bank_load.py``. A benchmark to read, not a timed test.
"""

from __future__ import annotations

import statistics
import time

from bot.bank.loader import DEFAULT_BANK_DIR, load_bank

RUNS = 20
BUDGET_MS = 200.0


def main() -> int:
    timings: list[float] = []
    items = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        bank = load_bank()
        timings.append((time.perf_counter() - started) * 1000)
        items = len(bank)
    median = statistics.median(timings)
    print(
        f"load_bank({DEFAULT_BANK_DIR}): {items} items, median {median:.1f} ms over {RUNS} runs "
        f"(min {min(timings):.1f}, max {max(timings):.1f}, first {timings[0]:.1f}); budget {BUDGET_MS:.0f} ms"
    )
    return 0 if median < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

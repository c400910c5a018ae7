"""Points for an answer: Kahoot's rule.

A correct answer is worth full points at once, falling linearly to half at the deadline;
a wrong answer is worth 0. With the server's speed bonus off, every correct answer is full.
"""

from __future__ import annotations

MAX_POINTS = 1000
MIN_FRACTION = 0.5  # share of MAX_POINTS a correct answer keeps at the deadline


def points_for(*, correct: bool, latency_ms: int, window_ms: int, speed_bonus: bool = True) -> int:
    if not correct:
        return 0
    if not speed_bonus or window_ms <= 0:
        return MAX_POINTS
    elapsed = min(max(latency_ms, 0), window_ms) / window_ms
    return round(MAX_POINTS * (1 - (1 - MIN_FRACTION) * elapsed))

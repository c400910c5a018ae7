"""Choice letters and the regional-indicator emoji members react with."""

from __future__ import annotations

LETTERS = "ABCDE"
# Regional indicator symbols A..E: the emoji Discord shows as 🇦 🇧 🇨 🇩 🇪.
REACTIONS = tuple(chr(0x1F1E6 + i) for i in range(len(LETTERS)))


def index_of_reaction(emoji: str, n_choices: int) -> int | None:
    """The choice index a reaction stands for, or None for any other emoji."""
    try:
        index = REACTIONS.index(emoji)
    except ValueError:
        return None
    return index if index < n_choices else None

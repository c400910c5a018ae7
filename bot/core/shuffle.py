"""The order a question's choices are posted in, and the letters that order gives them.

A posting shows an item's choices in a fresh random order. The order is a permutation
stored with the round, ``order[posted_position] = bank_index``: posted letter A is bank
choice ``order[0]``, B is ``order[1]`` and so on. Everything a member sees (reactions,
buttons, the reveal, counts, why-nots) speaks posted letters; what is stored for statistics
is the bank index. True/false items and items marked ``shuffle: false`` keep bank order.

Standard library only: the caller passes the item's facts and a ``random.Random``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.letters import LETTERS

# Item types (bot.bank.schema.ItemType values) whose choices have a meaning in their order.
FIXED_ORDER_TYPES = frozenset({"true_false"})


def shuffles(item_type: str, shuffle: bool) -> bool:
    """Whether an item's choices are posted in a fresh order: never for true/false."""
    return shuffle and item_type not in FIXED_ORDER_TYPES


def posted_order(n_choices: int, *, shuffle: bool, item_type: str, rng: random.Random) -> tuple[int, ...]:
    """The posted order for one posting: ``order[posted_position] = bank_index``.

    Every permutation is equally likely when the item shuffles; otherwise the bank order is
    kept and ``rng`` is not touched (so a fixed item does not change later postings' draws).
    """
    if not 1 <= n_choices <= len(LETTERS):
        raise ValueError(f"a choice item has 1 to {len(LETTERS)} choices, not {n_choices}")
    order = list(range(n_choices))
    if shuffles(item_type, shuffle):
        rng.shuffle(order)
    return tuple(order)


def check_order(order: Sequence[int], n_choices: int | None = None) -> tuple[int, ...]:
    """``order`` as a tuple if it is a permutation of ``0..n-1`` (of ``n_choices`` when given)."""
    values = tuple(order)
    if n_choices is not None and len(values) != n_choices:
        raise ValueError(
            f"posted order {list(values)} has {len(values)} entries, the item has {n_choices} choices"
        )
    if not 1 <= len(values) <= len(LETTERS) or sorted(values) != list(range(len(values))):
        raise ValueError(f"posted order {list(values)} is not a permutation of 0..{len(values) - 1}")
    return values


def encode_order(order: Sequence[int]) -> str:
    """The order as stored text, e.g. ``"2,0,3,1"``."""
    return ",".join(str(i) for i in check_order(order))


def decode_order(text: str, n_choices: int | None = None) -> tuple[int, ...]:
    """Read :func:`encode_order`'s text back; ``ValueError`` when it is not a valid order."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"posted order {text!r} is not a comma-separated list of indexes") from None
    return check_order(values, n_choices)


@dataclass(frozen=True)
class Posting:
    """One posting's choice order with the conversions between posted letters and bank indexes."""

    order: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", check_order(self.order))

    @classmethod
    def identity(cls, n_choices: int) -> Posting:
        """Bank order: what a posting stored before choices were shuffled looks like."""
        return cls(tuple(range(n_choices)))

    @property
    def n_choices(self) -> int:
        return len(self.order)

    @property
    def letters(self) -> str:
        """The posted letters, in posted order: ``"ABCD"`` for four choices."""
        return LETTERS[: self.n_choices]

    def bank_index(self, posted_index: int) -> int:
        """The bank index of the choice shown at ``posted_index`` (0 = posted A)."""
        if not 0 <= posted_index < self.n_choices:
            raise ValueError(f"posted index {posted_index} is outside 0..{self.n_choices - 1}")
        return self.order[posted_index]

    def posted_index(self, bank_index: int) -> int:
        """Where the bank's choice ``bank_index`` was shown (0 = posted A)."""
        if not 0 <= bank_index < self.n_choices:
            raise ValueError(f"bank index {bank_index} is outside 0..{self.n_choices - 1}")
        return self.order.index(bank_index)

    def bank_index_of_letter(self, letter: str) -> int:
        """The bank index of the choice a member saw under ``letter``."""
        if len(letter) != 1 or letter not in self.letters:
            raise ValueError(f"{letter!r} is not a posted letter ({', '.join(self.letters)})")
        return self.order[LETTERS.index(letter)]

    def posted_letter(self, bank_index: int) -> str:
        """The letter the bank's choice ``bank_index`` was shown under."""
        return LETTERS[self.posted_index(bank_index)]

    def key_letter(self, answer_index: int) -> str:
        """The posted letter of the key (``answer_index`` is the bank's index of it)."""
        return self.posted_letter(answer_index)

    def accepted_letters(self, also_accepted: Iterable[int]) -> tuple[str, ...]:
        """Posted letters of the also-accepted choices (bank indexes in), in posted order."""
        return tuple(sorted(self.posted_letter(i) for i in also_accepted))

    def bank_letter_to_posted(self, bank_letter: str) -> str:
        """Translate a letter as the bank writes it (``answer: B``, ``why_not: {C: ...}``)."""
        if len(bank_letter) != 1 or bank_letter not in self.letters:
            raise ValueError(f"{bank_letter!r} is not a bank letter ({', '.join(self.letters)})")
        return self.posted_letter(LETTERS.index(bank_letter))

    def scores(self, posted_index: int, answer_index: int, also_accepted: Iterable[int] = ()) -> bool:
        """Whether a pick at ``posted_index`` counts as right: the key or an also-accepted choice."""
        picked = self.bank_index(posted_index)
        return picked == answer_index or picked in set(also_accepted)

"""Key letters of the shipped bank as posted (shuffled) against the bank's own order.

Simulates postings of the shipped bank's choice items: each posting draws an item uniformly
(seeded) and a posted order from ``bot.core.shuffle.posted_order``, as a quiz round does. It
prints how often the key lands on each letter, in bank order and as posted, and what a member
who always answers the same letter would score in each (the key alone, and counting
``also_accepted`` choices as right, as scoring does).

Run: ``python bench/key_letters.py [--postings 1000] [--seed 12]``. Figures to read, not a test.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence

from bot.bank.loader import load_bank
from bot.bank.schema import BankItem
from bot.core.letters import LETTERS
from bot.core.shuffle import Posting, posted_order


def _row(label: str, counts: Counter[str], total: int, letters: str) -> str:
    cells = "  ".join(f"{x} {counts[x]:>4} {100 * counts[x] / total:5.1f}%" for x in letters)
    return f"  {label:<22} {cells}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postings", type=int, default=1000, help="simulated postings (default 1000)")
    parser.add_argument("--seed", type=int, default=12, help="random seed (default 12)")
    args = parser.parse_args(argv)

    items: list[BankItem] = [item for item in load_bank() if item.is_choice]
    fixed = [item.id for item in items if not item.shuffles]
    widest = max(len(item.choices) for item in items)
    letters = LETTERS[:widest]
    rng = random.Random(args.seed)

    whole_bank = Counter(item.answer for item in items)
    bank_keys: Counter[str] = Counter()
    posted_keys: Counter[str] = Counter()
    # "always X" scores right when X is the key, or (counting also_accepted) an accepted choice.
    bank_right: Counter[str] = Counter()
    posted_right: Counter[str] = Counter()
    for _ in range(args.postings):
        item = rng.choice(items)
        posting = Posting(posted_order(len(item.choices), shuffle=item.shuffle, item_type=item.type, rng=rng))
        bank = Posting.identity(len(item.choices))
        for counts_key, counts_right, view in (
            (bank_keys, bank_right, bank),
            (posted_keys, posted_right, posting),
        ):
            key = view.key_letter(item.answer_index)
            counts_key[key] += 1
            for letter in {key, *view.accepted_letters(item.also_accepted_indexes)}:
                counts_right[letter] += 1

    total = args.postings
    print(
        f"shipped bank: {len(items)} choice items; {len(fixed)} keep bank order"
        f"{' (' + ', '.join(fixed) + ')' if fixed else ''}; "
        f"{sum(bool(i.also_accepted) for i in items)} with also_accepted"
    )
    print("key letters, whole bank once in bank order:")
    print(_row("bank order", whole_bank, len(items), letters))
    print(f'key letters over {total} simulated postings (seed {args.seed}), = "always X" scores, key only:')
    print(_row("bank order", bank_keys, total, letters))
    print(_row("as posted (shuffled)", posted_keys, total, letters))
    print('"always X" scores, also_accepted counted as right:')
    print(_row("bank order", bank_right, total, letters))
    print(_row("as posted (shuffled)", posted_right, total, letters))
    best_bank = max(bank_right.values())
    best_posted = max(posted_right.values())
    print(
        f"best constant letter: {100 * best_bank / total:.1f}% in bank order, "
        f"{100 * best_posted / total:.1f}% as posted (chance with {widest} choices: {100 / widest:.1f}%)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reading a question card's posted choice order from what members see (issue 12 item 1).

Each posting shows an item's choices in a fresh order, so a test cannot take the key's letter from
the bank: it reads which bank choice sits under each letter on the card, exactly as a member
would, and answers with that letter.
"""

from __future__ import annotations

from bot.bank.schema import BankItem
from bot.core.letters import LETTERS, REACTIONS
from bot.core.shuffle import Posting
from cogs._quiz_views import CHOICE_LIMIT, clip
from tests.fakediscord import Message


def _line(letter: int, text: str) -> str:
    body = clip(text, CHOICE_LIMIT)
    return f"{REACTIONS[letter]}{chr(10) if chr(10) in body else ' '}{body}"


def posting_of(card: Message, item: BankItem) -> Posting:
    """The order the card shows ``item``'s choices in: ``order[posted index] = bank index``."""
    description = str(card.embeds[0]["description"])
    n = len(item.choices)
    order: list[int] = []
    for posted in range(n):
        after = f"\n{REACTIONS[posted + 1]}" if posted + 1 < n else ""
        shown = [
            bank
            for bank, text in enumerate(item.choices)
            if (_line(posted, text) + after in description)
            and (after or description.endswith(_line(posted, text)))
        ]
        assert len(shown) == 1, f"letter {LETTERS[posted]} shows {shown} of {item.id} in {description!r}"
        order.append(shown[0])
    return Posting(tuple(order))


def key_index(card: Message, item: BankItem) -> int:
    """The posted index of the key on this card."""
    return posting_of(card, item).posted_index(item.answer_index)


def key_letter(card: Message, item: BankItem) -> str:
    return LETTERS[key_index(card, item)]


def wrong_index(card: Message, item: BankItem) -> int:
    """A posted index that scores nothing on this card: neither the key nor also accepted."""
    right = {item.answer_index, *item.also_accepted_indexes}
    return next(i for i, bank in enumerate(posting_of(card, item).order) if bank not in right)


def wrong_letter(card: Message, item: BankItem) -> str:
    return LETTERS[wrong_index(card, item)]


def embed_field(card: Message, name: str) -> str:
    """The value of the card's embed field whose name starts with ``name``."""
    for f in card.embeds[0].get("fields", []):
        if f["name"].startswith(name):
            return str(f["value"])
    raise AssertionError(f"no field {name!r} in {[f['name'] for f in card.embeds[0].get('fields', [])]}")

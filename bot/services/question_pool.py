"""Which questions a server's quizzes and questions of the day may ask. No discord import.

The shared bank plus the server's own imported questions (the bank service's cache, passed in as
``guild_items``), filtered to the choice types a quiz asks, by topic, language and the server's
enabled topics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence

from bot.bank.loader import Bank
from bot.bank.schema import BankItem, ItemType
from bot.core.topics import TOPICS

log = logging.getLogger(__name__)

CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE)


def no_guild_items(guild_id: int) -> Sequence[BankItem]:
    """For a pool of the shared bank alone (``quizbot play``, benches, tests)."""
    return ()


def none_disabled(guild_id: int) -> Collection[str]:
    return ()


class QuestionPool:
    def __init__(
        self,
        bank: Bank,
        guild_items: Callable[[int], Sequence[BankItem]] = no_guild_items,
        disabled: Callable[[int], Collection[str]] = none_disabled,
    ) -> None:
        self.bank = bank
        # A server's own imported questions, on top of the shared bank.
        self.guild_items = guild_items
        # Items a server took out of its draws (/bank review's Disable here).
        self.disabled = disabled

    def pool(
        self,
        topic: str | None,
        lang: str,
        enabled: Sequence[str] | None = None,
        *,
        guild_id: int | None = None,
    ) -> list[BankItem]:
        """The choice questions a quiz may draw from: the shared bank plus the server's own."""
        wanted = None if lang == "any" else lang
        items = self.bank.filter(topic=topic, lang=wanted, types=CHOICE_TYPES)
        if guild_id is not None:
            items += [
                i
                for i in self.guild_items(guild_id)
                if i.type in CHOICE_TYPES
                and (wanted is None or i.lang == wanted)
                and (topic is None or topic in i.topics)
            ]
        if enabled is not None:
            allowed = set(enabled)
            items = [i for i in items if allowed.intersection(i.topics)]
        off = self.disabled(guild_id) if guild_id is not None else ()
        if off:
            items = [i for i in items if i.id not in off]
        return items

    def item(self, guild_id: int, item_id: str) -> BankItem | None:
        """A question by id: the shared bank's, or the server's own."""
        found = self.bank.by_id(item_id)
        if found is None:
            found = next((i for i in self.guild_items(guild_id) if i.id == item_id), None)
        return found

    def topics(self, guild_id: int | None = None) -> dict[str, dict[str, int]]:
        """topic -> language -> choice questions a quiz here can draw (the server's own included)."""
        counts = self.bank.topic_counts()
        if guild_id is None:
            return counts
        merged = {topic: dict(per_lang) for topic, per_lang in counts.items()}
        for item in self.guild_items(guild_id):
            if item.type in CHOICE_TYPES:
                per_lang = merged.setdefault(item.main_topic, {})
                per_lang[item.lang] = per_lang.get(item.lang, 0) + 1
        order = {topic: i for i, topic in enumerate(TOPICS)}
        return {
            t: dict(sorted(merged[t].items())) for t in sorted(merged, key=lambda t: order.get(t, len(order)))
        }

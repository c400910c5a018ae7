"""Which questions a server's quizzes and questions of the day may ask. No discord import.

The shared bank plus the server's own imported questions (the bank service's cache, passed in as
``guild_items``), filtered to the choice types a quiz asks, by topic, language and the server's
enabled topics.

A typed quiz (``typed=True``) draws only short-answer questions whose accepted answers are short
enough to type (:func:`is_typeable`); a quiz by reactions or buttons draws only choice questions.
Long model answers (the interview questions) are never asked in a quiz.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Sequence

from bot.bank.loader import Bank
from bot.bank.schema import BankItem, ItemType
from bot.core.topics import TOPICS
from bot.core.typed import typeable

log = logging.getLogger(__name__)

CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE)
_TAXONOMY = frozenset(TOPICS)


def is_typeable(item: BankItem) -> bool:
    """Whether a typed quiz may ask ``item``: a short answer with short accepted answers."""
    return item.type is ItemType.SHORT_ANSWER and typeable(item.accepted)


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
        typed: bool = False,
    ) -> list[BankItem]:
        """The questions a quiz may draw from: the shared bank plus the server's own.

        Choice questions; with ``typed``, the short-answer questions a member can type instead.
        """
        wanted = None if lang == "any" else lang
        fits = is_typeable if typed else (lambda i: i.type in CHOICE_TYPES)
        types = (ItemType.SHORT_ANSWER,) if typed else CHOICE_TYPES
        items = [i for i in self.bank.filter(topic=topic, lang=wanted, types=types) if fits(i)]
        if guild_id is not None:
            items += [
                i
                for i in self.guild_items(guild_id)
                if fits(i) and (wanted is None or i.lang == wanted) and (topic is None or topic in i.topics)
            ]
        if enabled is not None:
            # ``/settings set topics`` can name only the shared taxonomy, so it narrows only that: a
            # question of the server's own topics (imported on purpose) stays askable.
            allowed = set(enabled)
            items = [
                i for i in items if allowed.intersection(i.topics) or not _TAXONOMY.intersection(i.topics)
            ]
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

    def topics(
        self, guild_id: int | None = None, enabled: Sequence[str] | None = None
    ) -> dict[str, dict[str, int]]:
        """topic -> language -> questions a quiz on that topic here can ask, in taxonomy order.

        Counted the way :meth:`pool` draws (an item counts for each of its topics, the server's own
        included, only choice questions, only where the server's ``enabled`` topics allow), so a
        topic offered is one a quiz can start on; a topic with nothing to ask is left out.
        """
        counts: dict[str, dict[str, int]] = {}
        # The taxonomy first, then the server's own topics (imported questions) by name.
        own_items = self.guild_items(guild_id) if guild_id is not None else []
        own = sorted({t for i in own_items for t in i.topics} - set(TOPICS))
        for topic in (*TOPICS, *own):
            per_lang = Counter(i.lang for i in self.pool(topic, "any", enabled, guild_id=guild_id))
            if per_lang:
                counts[topic] = dict(sorted(per_lang.items()))
        return counts

    def languages(self, guild_id: int | None = None, enabled: Sequence[str] | None = None) -> dict[str, int]:
        """language -> questions a quiz here can ask (short answers are not asked, so not counted)."""
        per_lang = Counter(i.lang for i in self.pool(None, "any", enabled, guild_id=guild_id))
        return dict(sorted(per_lang.items()))

    def typed_topics(
        self, guild_id: int | None = None, enabled: Sequence[str] | None = None
    ) -> dict[str, dict[str, int]]:
        """topic -> language -> questions a typed quiz on that topic here can ask, counted as
        :meth:`topics` counts, from the typeable short answers (:func:`is_typeable`)."""
        counts: dict[str, dict[str, int]] = {}
        own_items = self.guild_items(guild_id) if guild_id is not None else []
        own = sorted({t for i in own_items for t in i.topics} - set(TOPICS))
        for topic in (*TOPICS, *own):
            pool = self.pool(topic, "any", enabled, guild_id=guild_id, typed=True)
            per_lang = Counter(i.lang for i in pool)
            if per_lang:
                counts[topic] = dict(sorted(per_lang.items()))
        return counts

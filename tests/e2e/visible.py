"""What a member reads, as text, and the English words left in it (issue 19's leak sweep).

:class:`Sweep` looks at everything the bot has shown so far through the stand-in (channel posts,
ephemeral replies, DMs, every component label, placeholder and select option, modal titles and
labels, autocomplete choice names) and keeps each text once, in the state it had when looked at
(a message edited later, like a study card, is looked at after each step). :func:`english_words`
then lists the ASCII words of two or more letters that are left once what may stay English is
taken out: Discord markup, code spans, command references, URLs, IANA zone names and
abbreviations, identifiers, the bot's name and the product names in :data:`ALLOWED`, people's
and the server's names, and the content of the bank items the text shows (a question may be asked
in English on a Chinese server; its id is in the text); and English units after a number
("4d", "30 s").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.bank.schema import BankItem
from tests.fakediscord import FakeDiscord, Message

JSON = dict[str, Any]

# Names that read the same in every language: the field's own terms and products.
ALLOWED = frozenset(
    {"LoRA", "QLoRA", "SFT", "DPO", "RLHF", "PEFT", "FSRS", "Anki", "Discord", "UTC", "CSV", "JSON", "GIFT"}
)
WORD = re.compile(r"[A-Za-z]{2,}")
UNIT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:mo|min|m|h|d|y|s)\b")
_MARKUP = re.compile(
    r"<t:-?\d+(?::[tTdDfFR])?>"  # timestamps
    r"|<[#@][&!]?\d+>"  # channel, user and role mentions
    r"|<a?:\w+:\d+>"  # custom emoji
    r"|```.*?```"  # code blocks
    r"|`[^`\n]*`"  # code spans: ids, values to type, file names
    r"|https?://\S+"
    r"|\b[A-Z][A-Za-z_]+/[A-Za-z_/+-]+"  # IANA zones: Europe/Berlin
    r"|(?<=\d\d:\d\d )[A-Z]{2,5}\b"  # a zone's abbreviation after a time: 09:00 CET
    r"|\b[a-z]+(?:_[a-z]+)+\b"  # identifiers: a file's column names (review_time)
    r"|\bQuiz Tutor\b"  # the bot's name
    r"|\b\w+\.(?:png|csv|apkg|txt|json|yaml)\b",
    re.S,
)
_COMPONENT_TEXT_KEYS = ("label", "placeholder", "description", "title", "content")


def message_texts(message: Message) -> list[str]:
    """Everything a reader sees of ``message`` as text: content, embeds and components."""
    texts = [message.content]
    for embed in message.embeds:
        texts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            texts += [f.get("name", ""), f.get("value", "")]
        texts += [embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
    texts += component_texts(message.components)
    return [t for t in texts if t]


def component_texts(components: Iterable[Any]) -> list[str]:
    """Labels, placeholders, option labels and descriptions, text displays, modal labels (any depth)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            for key in _COMPONENT_TEXT_KEYS:
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for key in ("components", "component", "options", "accessory"):
                if key in node:
                    walk(node[key])

    walk(list(components))
    return [t for t in found if t]


@dataclass
class Shown:
    where: str
    text: str
    items: tuple[BankItem, ...] = ()


@dataclass
class Sweep:
    """Everything the bot showed in a test, looked at step by step (``look()`` after each action)."""

    fake: FakeDiscord
    item_by_id: Callable[[str], BankItem | None]
    shown: list[Shown] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def look(self) -> None:
        bot_id = self.fake.bot_user.id
        for message in list(self.fake.messages.values()):
            if message.deleted or message.author.id != bot_id:
                continue
            kind = "dm" if message.guild_id is None else ("ephemeral" if message.ephemeral else "channel")
            texts = message_texts(message)
            items = self._items_in(texts)
            for text in texts:
                self._add(f"{kind} message {message.id}", text, items)
        for record in list(self.fake.interactions.values()):
            for choice in record.choices or []:
                self._add(f"autocomplete of {record.name!r}", str(choice.get("name", "")), ())
            if record.modal:
                texts = component_texts([record.modal])
                items = self._items_in(texts)
                for text in texts:
                    self._add(f"modal of {record.name!r}", text, items)

    def _items_in(self, texts: list[str]) -> tuple[BankItem, ...]:
        ids = {token for text in texts for token in re.findall(r"[A-Za-z0-9][\w.-]*", text)}
        return tuple(item for i in sorted(ids) if (item := self.item_by_id(i)) is not None)

    def _add(self, where: str, text: str, items: tuple[BankItem, ...]) -> None:
        if (where, text) in self._seen:
            return
        self._seen.add((where, text))
        self.shown.append(Shown(where, text, items))

    def leaks(self, *, names: Iterable[str] = (), commands: Iterable[str] = ()) -> list[str]:
        """``where: word(s) in 'text'`` for every text with English words left (see the module)."""
        problems = []
        for shown in self.shown:
            words = english_words(shown.text, names=names, commands=commands, items=shown.items)
            if words:
                problems.append(f"{shown.where}: {sorted(set(words))} in {shown.text[:300]!r}")
        return problems


def item_texts(item: BankItem) -> list[str]:
    """What a member may read of ``item``: its content is the bank's, in its language."""
    parts: list[str] = [item.id, item.prompt, item.explanation, item.source.file, item.source.locator]
    parts += [*item.choices, *item.why_not.values(), item.answer, *item.accepted]
    return parts


def item_words(item: BankItem) -> set[str]:
    return {w for p in item_texts(item) for w in [*WORD.findall(p), *UNIT.findall(p)]}


def english_words(
    text: str,
    *,
    names: Iterable[str] = (),
    commands: Iterable[str] = (),
    items: Iterable[BankItem] = (),
) -> list[str]:
    """The ASCII words of ``text`` that should have been translated (see the module docstring)."""
    for command in sorted(commands, key=len, reverse=True):  # "/quiz start" before "/quiz"
        text = re.sub(re.escape(command) + r"(?:\s+[a-z_]+:\S+)*", " ", text)
    text = _MARKUP.sub(" ", text)
    # A word cut by clipping ("software en…") is a fragment of the clipped text, not a word of its own.
    text = re.sub(r"[A-Za-z]+…", "…", text)
    allowed = set(ALLOWED)
    for name in names:
        allowed |= set(WORD.findall(name))
    for item in items:
        allowed |= item_words(item)
    return [w for w in [*WORD.findall(text), *UNIT.findall(text)] if w not in allowed]


def command_paths(commands: list[JSON]) -> set[str]:
    """``/quiz``, ``/quiz start``, ``/study remind on``...: every synced command as typed."""
    paths: set[str] = set()

    def walk(prefix: str, item: JSON) -> None:
        path = f"{prefix} {item['name']}".strip()
        paths.add("/" + path)
        for option in item.get("options") or []:
            if option.get("type") in (1, 2):  # subcommands and groups
                walk(path, option)

    for command in commands:
        walk("", command)
    return paths

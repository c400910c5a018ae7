"""The bank item schema: what one question in a bank file must hold.

Bank files are YAML (see ``data/bank/README.md``). Choice items store their key as a
letter (``answer: B``) because that is what a curator reads in a diff; the export and
the quiz engine use the zero-based index (:attr:`BankItem.answer_index`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.core.letters import LETTERS
from bot.core.topics import TOPICS

MAX_CHOICES = len(LETTERS)

# The curriculum taxonomy lives in bot.core.topics; re-exported here for the bank's users.

TRUE_FALSE_CHOICES = {"en": ["True", "False"], "zh": ["对", "错"]}

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")

# A server's own items may carry the server's own topics (slugs such as ``computers``) besides
# the taxonomy's: validate them with ``context={SERVER_TOPICS: True}``. The shared bank never does.
SERVER_TOPICS = "server_topics"
SERVER_TOPIC_PATTERN = re.compile(r"^[^\W_](?:[\w-]{0,38}[^\W_])?$")
MAX_ACCEPTED = 20


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


Lang = Literal["en", "zh"]


class Source(BaseModel):
    """Where an item came from: the seed (or curator) file and a locator inside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1, description="Seed file name, e.g. 000_1d3711cd8408743c.txt")
    locator: str = Field(min_length=1, description="Where in the file, e.g. 'q12' or 'short-answer 3'")


class BankItem(BaseModel):
    """One question. Validated on load; a broken item stops the bot's start."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(description="Stable id, lowercase letters, digits and dashes; never reused")
    type: ItemType
    lang: Lang
    topics: list[str] = Field(min_length=1, description="Curriculum topics, first is the main one")
    difficulty: Difficulty = Difficulty.MEDIUM
    prompt: str = Field(min_length=1)
    choices: list[str] = Field(default_factory=list, description="Choice texts, in letter order")
    answer: str = Field(
        min_length=1,
        description="The key: a letter (A-E) for choice items, the model answer for short answers",
    )
    also_accepted: list[str] = Field(
        default_factory=list,
        description="Other choice letters that also score as right (the explanation says why); "
        "never the key, never a letter with a why_not",
    )
    shuffle: bool = Field(
        default=True,
        description="Post the choices in a fresh order each time; false when a choice refers to "
        "others by position ('All of the above', 'Both A and B'). true_false items never shuffle",
    )
    explanation: str = Field(min_length=1, description="Shown at the reveal; teaches why")
    why_not: dict[str, str] = Field(
        default_factory=dict, description="Optional rationale per wrong choice, keyed by letter"
    )
    accepted: list[str] = Field(
        default_factory=list,
        max_length=MAX_ACCEPTED,
        description="Short answers only: every answer a typed reply may match (the answer included)",
    )
    source: Source

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id must be 3-64 lowercase letters, digits or dashes, starting alphanumeric")
        return value

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str], info: ValidationInfo) -> list[str]:
        own = bool(info.context and info.context.get(SERVER_TOPICS))
        unknown = [t for t in value if t not in TOPICS and not (own and SERVER_TOPIC_PATTERN.match(t))]
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; known topics: {', '.join(TOPICS)}")
        if len(set(value)) != len(value):
            raise ValueError("topics repeat")
        return value

    @field_validator("choices")
    @classmethod
    def _choices_nonempty(cls, value: list[str]) -> list[str]:
        stripped = [c.strip() for c in value]
        if any(not c for c in stripped):
            raise ValueError("a choice is empty")
        if len(set(stripped)) != len(stripped):
            raise ValueError("two choices have the same text")
        return stripped

    @model_validator(mode="after")
    def _key_matches_type(self) -> BankItem:
        problems = item_rule_problems(
            self.type, self.lang, self.choices, self.answer, self.why_not, self.also_accepted, self.accepted
        )
        if problems:
            raise ValueError(problems[0][1])
        return self

    @property
    def is_choice(self) -> bool:
        return self.type is not ItemType.SHORT_ANSWER

    @property
    def shuffles(self) -> bool:
        """Whether a posting shows the choices in a fresh order (never for true/false)."""
        return self.type is ItemType.SINGLE_CHOICE and self.shuffle

    @property
    def also_accepted_indexes(self) -> tuple[int, ...]:
        """Zero-based bank indexes of the also-accepted choices, in letter order."""
        return tuple(sorted(LETTERS.index(letter) for letter in self.also_accepted))

    @property
    def answer_index(self) -> int:
        """Zero-based index of the correct choice (choice items only)."""
        if not self.is_choice:
            raise ValueError(f"{self.id} is a short-answer item and has no answer index")
        return LETTERS.index(self.answer)

    @property
    def main_topic(self) -> str:
        return self.topics[0]


def item_rule_problems(
    type_: ItemType | None,
    lang: str | None,
    choices: list[str] | None,
    answer: str | None,
    why_not: dict[str, str] | None,
    also_accepted: list[str] | None,
    accepted: list[str] | None = None,
) -> list[tuple[str, str]]:
    """Every rule across fields an item breaks, as (field, message), in field order.

    ``None`` stands for a field that is itself invalid (already reported): rules that need it
    are skipped, so a bank check can report these with the field errors in one pass.
    """
    problems: list[tuple[str, str]] = []
    if type_ is None:
        return problems
    if type_ is ItemType.SHORT_ANSWER:
        if choices:
            problems.append(("choices", "a short_answer item has no choices"))
        if why_not:
            problems.append(("why_not", "a short_answer item has no why_not"))
        if also_accepted:
            problems.append(
                ("also_accepted", "also_accepted is for choice items; a short_answer item has none")
            )
        if any(not a.strip() for a in accepted or []):
            problems.append(("accepted", "an accepted answer is empty"))
        return problems
    if accepted:
        problems.append(("accepted", "accepted answers are for short_answer items"))
    if choices is None:
        return problems
    if type_ is ItemType.TRUE_FALSE and lang is not None and choices != TRUE_FALSE_CHOICES[lang]:
        problems.append(("choices", f"true_false choices must be {TRUE_FALSE_CHOICES[lang]}"))
    if not 2 <= len(choices) <= MAX_CHOICES:
        problems.append(("choices", f"a choice item needs 2 to {MAX_CHOICES} choices, has {len(choices)}"))
    letters = LETTERS[: min(len(choices), MAX_CHOICES)]
    if answer is not None and answer not in letters:
        problems.append(("answer", f"answer {answer!r} is not among the choice letters {', '.join(letters)}"))
    for letter in why_not or {}:
        if letter not in letters:
            problems.append(("why_not", f"why_not names {letter!r}, which is not a choice letter"))
        elif letter == answer:
            problems.append(
                ("why_not", f"why_not explains the correct answer {letter!r}; it is for wrong choices")
            )
    seen: set[str] = set()
    for letter in also_accepted or []:
        if letter in seen:
            problems.append(("also_accepted", f"also_accepted repeats {letter!r}"))
        elif letter not in letters:
            problems.append(
                (
                    "also_accepted",
                    f"also_accepted names {letter!r}, which is not a choice letter ({', '.join(letters)})",
                )
            )
        elif letter == answer:
            problems.append(
                ("also_accepted", f"also_accepted names the key {letter!r}; list only other choices")
            )
        elif why_not and letter in why_not:
            problems.append(
                (
                    "also_accepted",
                    f"also_accepted names {letter!r}, which has a why_not; an accepted choice is not wrong: "
                    "drop its why_not and say in the explanation why it is accepted",
                )
            )
        seen.add(letter)
    return problems


class BankFile(BaseModel):
    """A bank file: a format version and its items."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    items: list[BankItem] = Field(min_length=1)

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

MAX_CHOICES = len(LETTERS)

# The curriculum taxonomy. Small and fixed on purpose: leaderboards, /quiz topics and
# the daily question's "weakest topic" all group by these names.
TOPICS: tuple[str, ...] = (
    "fundamentals",
    "sft",
    "lora",
    "qlora",
    "peft",
    "chat-templates",
    "quantization",
    "hyperparameters",
    "data-prep",
    "evaluation",
    "reward-models",
    "rlhf",
    "dpo",
)

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
        if self.type is ItemType.SHORT_ANSWER:
            if self.choices:
                raise ValueError("a short_answer item has no choices")
            if self.why_not:
                raise ValueError("a short_answer item has no why_not")
            if any(not a.strip() for a in self.accepted):
                raise ValueError("an accepted answer is empty")
            return self
        if self.accepted:
            raise ValueError("accepted answers are for short_answer items")
        if self.type is ItemType.TRUE_FALSE and self.choices != TRUE_FALSE_CHOICES[self.lang]:
            raise ValueError(f"true_false choices must be {TRUE_FALSE_CHOICES[self.lang]}")
        if not 2 <= len(self.choices) <= MAX_CHOICES:
            raise ValueError(f"a choice item needs 2 to {MAX_CHOICES} choices, has {len(self.choices)}")
        letters = LETTERS[: len(self.choices)]
        if self.answer not in letters:
            raise ValueError(f"answer {self.answer!r} is not among the choice letters {', '.join(letters)}")
        for letter in self.why_not:
            if letter not in letters:
                raise ValueError(f"why_not names {letter!r}, which is not a choice letter")
            if letter == self.answer:
                raise ValueError(f"why_not explains the correct answer {letter!r}; it is for wrong choices")
        return self

    @property
    def is_choice(self) -> bool:
        return self.type is not ItemType.SHORT_ANSWER

    @property
    def answer_index(self) -> int:
        """Zero-based index of the correct choice (choice items only)."""
        if not self.is_choice:
            raise ValueError(f"{self.id} is a short-answer item and has no answer index")
        return LETTERS.index(self.answer)

    @property
    def main_topic(self) -> str:
        return self.topics[0]


class BankFile(BaseModel):
    """A bank file: a format version and its items."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    items: list[BankItem] = Field(min_length=1)

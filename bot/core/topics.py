"""The curriculum taxonomy, shared by the bank schema, settings rules, leaderboards and quizzes."""

from __future__ import annotations

# Small and fixed on purpose: leaderboards, /quiz topics and the daily question's "weakest topic"
# all group by these names.
# What a topic option accepts (every topic is far shorter; a raw request may send more).
MAX_TOPIC_LENGTH = 100

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

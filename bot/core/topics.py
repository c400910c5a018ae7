"""The curriculum taxonomy, shared by the bank schema, settings rules, leaderboards and quizzes."""

from __future__ import annotations

from bot.core.i18n import N_, translator

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

# How each taxonomy topic is shown (in English; the catalogues translate it). The slugs stay the
# keys everywhere: in the bank, the database, commands' options and custom_ids.
TOPIC_NAMES: dict[str, str] = {
    "fundamentals": N_("Fundamentals"),
    "sft": N_("SFT"),
    "lora": N_("LoRA"),
    "qlora": N_("QLoRA"),
    "peft": N_("PEFT"),
    "chat-templates": N_("Chat templates"),
    "quantization": N_("Quantization"),
    "hyperparameters": N_("Hyperparameters"),
    "data-prep": N_("Data preparation"),
    "evaluation": N_("Evaluation"),
    "reward-models": N_("Reward models"),
    "rlhf": N_("RLHF"),
    "dpo": N_("DPO"),
}


def topic_label(slug: str, lang: str = "en") -> str:
    """A topic as members read it in ``lang`` (``lora`` -> "LoRA", ``data-prep`` -> "数据准备" in zh).

    A server's own topic (outside the taxonomy) is shown as its slug, capitalised."""
    name = TOPIC_NAMES.get(slug)
    if name is None:
        return slug.replace("-", " ").capitalize()
    return translator(lang).gettext(name)

"""What the question pool counts and offers: only what a quiz can ask (issue 13 item 6)."""

from __future__ import annotations

from typing import Any

from bot.bank.loader import Bank
from bot.bank.schema import BankItem
from bot.services.question_pool import QuestionPool


def _item(id_: str, *topics: str, lang: str = "en", short: bool = False) -> BankItem:
    values: dict[str, Any] = {
        "id": id_,
        "type": "short_answer" if short else "single_choice",
        "lang": lang,
        "topics": list(topics),
        "prompt": f"Question {id_}?",
        "answer": "A model answer" if short else "B",
        "explanation": "Because.",
        "source": {"file": "test.txt", "locator": id_},
    }
    if not short:
        values["choices"] = ["One", "Two", "Three"]
    return BankItem(**values)


SHARED = Bank(
    [
        _item("s-q01", "lora", "peft"),
        _item("s-q02", "lora", lang="zh"),
        _item("s-q03", "sft"),
        _item("s-q04", "dpo", short=True),  # a short answer: nothing asks it yet
        _item("s-q05", "sft", short=True),
    ]
)
OWN = {7: [_item("g-q01", "rlhf", "reward-models"), _item("g-q02", "evaluation", short=True)]}


def _pool() -> QuestionPool:
    return QuestionPool(SHARED, guild_items=lambda guild_id: OWN.get(guild_id, ()))


def test_topics_count_what_a_quiz_on_each_topic_can_ask() -> None:
    pool = _pool()
    assert pool.topics() == {"sft": {"en": 1}, "lora": {"en": 1, "zh": 1}, "peft": {"en": 1}}
    # Every count is what /quiz start topic:<t> would draw.
    for topic, per_lang in pool.topics().items():
        for lang, n in per_lang.items():
            assert len(pool.pool(topic, lang)) == n


def test_a_servers_own_questions_count_for_each_of_their_topics_there_only() -> None:
    pool = _pool()
    here = pool.topics(7)
    assert here["rlhf"] == {"en": 1} and here["reward-models"] == {"en": 1}
    assert "evaluation" not in here and "dpo" not in here  # only short answers there
    assert "rlhf" not in pool.topics(8)
    assert pool.languages(7) == {"en": 3, "zh": 1}
    assert pool.languages() == {"en": 2, "zh": 1}


def test_a_server_that_enabled_some_topics_is_offered_only_what_it_can_ask() -> None:
    pool = _pool()
    # lora only: the LoRA questions, and PEFT's one because it is a LoRA question too.
    assert pool.topics(7, ["lora"]) == {"lora": {"en": 1, "zh": 1}, "peft": {"en": 1}}
    assert pool.languages(7, ["lora"]) == {"en": 1, "zh": 1}
    assert pool.topics(7, ["dpo"]) == {} and pool.languages(7, ["dpo"]) == {}

"""How a typed question looks on Discord: the answer box and the reveal stay within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bank.schema import BankItem
from bot.core.vocabulary import AnswerMode
from bot.services.rounds import QuestionCard, RevealCard
from cogs._quiz_views import MODAL_TITLE_LIMIT, typed_answer_modal, typed_question_embed, typed_reveal_embed


def _item(**overrides: object) -> BankItem:
    data = {
        "id": "g-club-q01",
        "type": "short_answer",
        "lang": "en",
        "topics": ["literature"],
        "prompt": "Who wrote Hamlet?",
        "answer": "Shakespeare",
        "accepted": ["Shakespeare", "William Shakespeare"],
        "explanation": "Hamlet is Shakespeare's.",
        "source": {"file": "club.gift", "locator": "q1"},
        **overrides,
    }
    return BankItem.model_validate(data, context={"server_topics": True})


def _reveal(item: BankItem, names: tuple[str, ...], answered: int) -> RevealCard:
    return RevealCard(1, 2, 3, 4, item, 1, 1, (), True, names, answered)


def test_the_answer_box_repeats_the_question_clipped_to_a_modal_title() -> None:
    assert typed_answer_modal(7, "Who wrote\nHamlet?").title == "Who wrote Hamlet?"
    long = typed_answer_modal(7, "Which playwright " * 10)
    assert len(long.title) <= MODAL_TITLE_LIMIT and long.title.startswith("Which playwright Which")
    assert long.title.endswith("…")
    assert typed_answer_modal(7).title == "Your answer"
    assert typed_answer_modal(7).custom_id == "typed-answer:7"


def test_the_reveal_lists_every_accepted_answer_and_who_was_right() -> None:
    embed = typed_reveal_embed(_reveal(_item(), ("ann", "b*b"), 3)).to_dict()
    assert embed["title"] == "Answer 1/1: Shakespeare"
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        ("Accepted answers", "Shakespeare, William Shakespeare"),
        ("Right (2 of 3)", "ann, b\\*b"),
    ]
    nobody = typed_reveal_embed(_reveal(_item(), (), 2)).to_dict()
    assert nobody["fields"][1] == {"name": "Right (0 of 2)", "value": "Nobody this time.", "inline": False}


def test_a_crowded_reveal_fits_discords_limits() -> None:
    item = _item(accepted=[f"answer number {n:02d} " + "x" * 40 for n in range(20)], explanation="e" * 4000)
    names = tuple(f"member-{n}" for n in range(400))
    embed = typed_reveal_embed(_reveal(item, names, 400)).to_dict()
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000


def test_a_picture_in_the_prompt_is_the_cards_image() -> None:
    def card(prompt: str) -> dict[str, object]:
        item = _item(prompt=prompt)
        when = datetime(2026, 1, 1, tzinfo=UTC)
        return typed_question_embed(QuestionCard(1, 2, 3, item, 1, 2, when, AnswerMode.TYPED)).to_dict()

    shown = card("Which city is this? https://example.org/pics/city.JPG")
    assert shown["image"] == {"url": "https://example.org/pics/city.JPG"}
    assert shown["description"] == "Which city is this? https://example.org/pics/city.JPG"
    assert "Press **Answer** and type it" in shown["fields"][0]["value"]  # type: ignore[index]
    assert "image" not in card("See https://example.org/about for the rules.")


def test_the_typed_cards_and_box_speak_the_language_asked() -> None:
    reveal = typed_reveal_embed(_reveal(_item(), ("ann",), 2), "zh").to_dict()
    assert [f["name"] for f in reveal["fields"]] == ["可接受的答案", "答对（2 人中 1 人）"]
    assert typed_answer_modal(7, lang="zh").title == "你的答案"
    card = QuestionCard(1, 2, 3, _item(), 1, 2, datetime(2026, 1, 1, tzinfo=UTC), AnswerMode.TYPED)
    closes = typed_question_embed(card, "zh").to_dict()["fields"][0]  # type: ignore[index]
    assert "点击 **作答** 并输入答案" in closes["value"]

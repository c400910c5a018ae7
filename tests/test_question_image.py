"""The question card shows a picture its prompt names (cogs/_quiz_views.py question_embed), in a
quiz and as the question of the day; the prompt keeps the URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bank.schema import BankItem
from bot.core.vocabulary import AnswerMode, QuizKind
from bot.services.rounds import QuestionCard
from cogs._quiz_views import question_embed

PICTURE = "https://i.example.org/flags/np.png?w=480"


def card(prompt: str, kind: QuizKind) -> QuestionCard:
    item = BankItem.model_validate(
        {
            "id": "flag-q01",
            "type": "single_choice",
            "lang": "en",
            "topics": ["lora"],
            "prompt": prompt,
            "choices": ["Nepal", "Bhutan", "Peru"],
            "answer": "A",
            "explanation": "The only flag that is not a rectangle.",
            "source": {"file": "flags.txt", "locator": "q1"},
        }
    )
    closes = datetime(2026, 11, 30, 12, tzinfo=UTC)
    return QuestionCard(1, 2, 3, item, 1, 1, closes, AnswerMode.BUTTONS, kind=kind)


@pytest.mark.parametrize("kind", [QuizKind.QUIZ, QuizKind.DAILY])
def test_a_prompt_with_an_image_url_shows_it_as_the_cards_image(kind: QuizKind) -> None:
    embed = question_embed(card(f"Whose flag is this? {PICTURE}", kind)).to_dict()
    assert embed["image"] == {"url": PICTURE}
    assert PICTURE in embed["description"]


@pytest.mark.parametrize("kind", [QuizKind.QUIZ, QuizKind.DAILY])
def test_a_prompt_without_one_has_no_image(kind: QuizKind) -> None:
    embed = question_embed(card("Whose flag (https://example.org/about) has two triangles?", kind)).to_dict()
    assert "image" not in embed

"""A live quiz as members play it: autocomplete a topic, start, answer with reactions, reveal."""

from __future__ import annotations

import pytest

from bot.core.clock import FakeClock
from tests.fakediscord import FakeDiscord, Message, StudyServer

pytestmark = pytest.mark.e2e


def _question(fake: FakeDiscord, world: StudyServer) -> Message | None:
    """The question card, once the bot has put all four answer reactions on it."""
    for m in fake.channel_messages(world.channel):
        if m.embeds and m.embeds[0].get("title", "").startswith("Question") and len(m.reactions) == 4:
            return m
    return None


async def test_members_answer_a_question_with_reactions_and_see_the_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    await start_bot(clock=clock)

    choices = await world.alice.autocomplete("quiz question", "topic", "lo")
    assert "lora" in [c["value"] for c in choices]
    started = await world.alice.slash("quiz question", topic="lora", seconds=5, mode="reactions")
    assert "started a question on LoRA" in started.message.content

    question = await fake.wait_for(lambda: _question(fake, world))
    assert all(question.reactors(e) == [fake.bot_user.id] for e in "🇦🇧🇨🇩")
    await world.alice.react(question, "🇦")
    await world.bob.react(question, "🇧")
    await world.bob.unreact(question, "🇧")
    await world.bob.react(question, "🇨")  # too late to change: the first answer counts
    assert (question.reaction_count("🇦"), question.reaction_count("🇧"), question.reaction_count("🇨")) == (
        2,
        1,
        2,
    )

    await fake.wait_delivered()  # the bot has taken both answers before time moves on
    clock.advance(6)

    reveal = await fake.wait_for(
        lambda: next((m for m in fake.channel_messages(world.channel) if m.message_reference), None)
    )
    assert reveal.message_reference is not None
    assert reveal.message_reference["message_id"] == str(question.id), "the reveal replies to its question"
    assert "Answers (2)" in reveal.text()
    await fake.wait_for(lambda: "Quiz over" in fake.channel_messages(world.channel)[-1].text())

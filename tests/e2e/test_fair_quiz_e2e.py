"""Fair quizzes through the Discord stand-in (issue 12 items 1, 2 and 7).

Choices are posted in a fresh order at each posting; the order is stored with the round, so a
restart keeps the letters members saw. An also-accepted choice scores like the key and the reveal
says so. In buttons mode the reveal disables the buttons in one edit, and a click that raced it is
told privately that the question is closed.

The quiz's draws and the posting orders come from the bot's generators, seeded here before login,
so each test sees the same items in the same orders every run; the tests still read the letters
from the card, as a member would, and check the order is not the bank's where that is the point.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import pytest

from bot.core.clock import FakeClock
from bot.core.letters import LETTERS, REACTIONS
from bot.services.posting import RetrySchedule
from tests.e2e.posted import embed_field, key_index, posting_of, wrong_index
from tests.e2e.test_daily_e2e import START, _at, _dailies, _posted, _quiet_reactions, _setup, _start, utc
from tests.e2e.test_daily_e2e import _reveals as _daily_reveals
from tests.e2e.test_quiz_e2e import (
    _final,
    _item,
    _no_pacing,
    _pass,
    _question,
    _reveal,
)
from tests.fakediscord import FakeDiscord, StudyServer
from tests.fakediscord.actors import ComponentUnavailable

if TYPE_CHECKING:
    from bot.app import QuizBot

pytestmark = pytest.mark.e2e


def _seeded(draws: int, orders: int) -> Any:
    """A ``prepare`` for ``start_bot``: seed which questions a quiz draws and the orders they get."""

    def prepare(bot: QuizBot) -> None:
        bot.quizzes.rng.seed(draws)
        bot.rounds.rng.seed(orders)

    return prepare


SHUFFLED_BANK = """\
version: 1
items:
  - id: s902-q01
    type: single_choice
    lang: en
    topics: [lora]
    prompt: What does LoRA train?
    choices:
      - Every weight of the model
      - Two low-rank matrices per adapted layer
      - Only the embeddings
      - The tokenizer
    answer: B
    explanation: LoRA freezes the model and trains a low-rank update beside each adapted weight.
    why_not:
      A: That is full fine-tuning.
      C: Embeddings can be adapted, but LoRA's update sits beside the attention and MLP weights.
      D: The tokenizer is not trained at all.
    source: {file: test.txt, locator: q1}
"""


def _bank(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "bank.yaml").write_text(text, encoding="utf-8")
    return folder


async def test_a_shuffled_question_is_revealed_under_the_letter_it_was_posted_with(
    fake: FakeDiscord, world: StudyServer, start_bot, tmp_path: Path
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=_bank(tmp_path, SHUFFLED_BANK), prepare=_seeded(1, 1))
    await world.alice.slash("quiz question", topic="lora", seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    posting = posting_of(card, item)
    key = key_index(card, item)
    # This posting moved the key: B, its letter in the bank, now shows another choice.
    assert LETTERS[key] != "B", posting
    description = card.embeds[0]["description"]
    assert f"{REACTIONS[key]} Two low-rank matrices per adapted layer" in description
    assert f"{REACTIONS[1]} Two low-rank matrices per adapted layer" not in description
    # Stored with the round, as shown.
    rows = await bot.db.fetch_all("SELECT choice_order FROM rounds WHERE message_id = ?", (card.id,))
    assert [r["choice_order"] for r in rows] == [",".join(map(str, posting.order))]

    await world.alice.react(card, REACTIONS[key])  # the key as posted
    await world.bob.react(card, REACTIONS[1])  # B: the key's letter in the bank, another choice here
    await _pass(fake, clock, 10.5)

    reveal = await _reveal(fake, world.channel, 1)
    assert reveal.embeds[0]["title"] == f"Answer 1/1: {LETTERS[key]}. Two low-rank matrices per adapted layer"
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 1 ✅") and counts[1].endswith(" 1")
    assert embed_field(reveal, "Right (1)") == "alice"
    # Each reason under the letter its choice was shown with, in posted order.
    whys = [(f["name"], f["value"]) for f in reveal.embeds[0]["fields"] if f["name"].startswith("Why not")]
    assert whys == sorted(
        (f"Why not {posting.bank_letter_to_posted(letter)}?", why) for letter, why in item.why_not.items()
    )
    assert f"Why not {LETTERS[key]}?" not in dict(whys)
    await _final(fake, world.channel)


async def test_every_posting_draws_its_own_order(fake: FakeDiscord, world: StudyServer, start_bot) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_seeded(2, 2))
    await world.alice.slash("quiz start", topic="lora", questions=4, seconds=5)
    orders = []
    for n in range(1, 5):
        card = await _question(fake, bot, world.channel, n)
        orders.append(posting_of(card, _item(bot, card)).order)
        await _pass(fake, clock, 5.5)
        await _reveal(fake, world.channel, n)
        if n < 4:
            await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
            await _pass(fake, clock, 3.5)
    await _final(fake, world.channel)
    assert len(set(orders)) > 1 and any(o != tuple(range(len(o))) for o in orders), orders


@pytest.mark.parametrize("mode", ["reactions", "buttons"])
async def test_a_restart_keeps_the_posted_order(
    fake: FakeDiscord, world: StudyServer, start_bot, mode: str
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_seeded(3, 3))
    await world.alice.slash("quiz question", topic="lora", seconds=20, mode=mode)
    card = await _question(fake, bot, world.channel, 1, mode=mode)
    item = _item(bot, card)
    posting = posting_of(card, item)
    assert posting.order != tuple(range(len(item.choices))), "a shuffled posting"
    key, wrong = key_index(card, item), wrong_index(card, item)
    if mode == "buttons":
        assert (await world.alice.click(card, LETTERS[key])).message.content == f"Locked in: {LETTERS[key]}"
    else:
        await world.alice.react(card, REACTIONS[key])
    await _pass(fake, clock, 2)
    await bot.close()  # mid-question

    if mode == "reactions":
        await world.bob.react(card, REACTIONS[key])  # while the bot is down
    # The next process's generator is in another state: the order must come from the database.
    bot = await start_bot(clock=clock, prepare=_seeded(4, 4))
    if mode == "buttons":
        clicked = await world.bob.click(card, LETTERS[key])
        assert clicked.message.content == f"Locked in: {LETTERS[key]}"
        again = await world.alice.click(card, LETTERS[wrong])
        assert again.message.content == f"You already answered {LETTERS[key]}; your first answer counts."
        await world.admin.click(card, LETTERS[wrong])
    else:
        await fake.wait_for(lambda: bot.rounds.resumed, what="the quiz picked up again")
        await world.admin.react(card, REACTIONS[wrong])
    active = bot.rounds.active_round(card.id)
    assert active is not None and active.posting == posting
    await _pass(fake, clock, 18.5)

    reveal = await _reveal(fake, world.channel, 1)
    assert reveal.embeds[0]["title"] == f"Answer 1/1: {LETTERS[key]}. {item.choices[item.answer_index]}"
    counts = embed_field(reveal, "Answers (3)").splitlines()
    assert counts[key].endswith(" 2 ✅") and counts[wrong].endswith(" 1")
    assert embed_field(reveal, "Right (2)") == "alice, bob"
    rows = await bot.db.fetch_all(
        "SELECT user_id, choice, bank_choice, correct FROM answers ORDER BY user_id"
    )
    assert sorted(tuple(r) for r in rows) == sorted(
        [
            (world.alice.id, key, item.answer_index, 1),
            (world.bob.id, key, item.answer_index, 1),
            (world.admin.id, wrong, posting.bank_index(wrong), 0),
        ]
    )
    await _final(fake, world.channel)


ACCEPTED_BANK = """\
version: 1
items:
  - id: s901-q01
    type: single_choice
    lang: en
    topics: [lora]
    prompt: Which change gives a LoRA adapter more capacity?
    choices: [A higher rank r, Fewer target modules, A higher alpha, A smaller learning rate]
    answer: A
    also_accepted: [C]
    explanation: >-
      A higher rank adds parameters. A higher alpha scales the update much like a larger learning
      rate, which the LoRA paper notes; it is accepted too.
    why_not:
      B: Fewer target modules means fewer adapted weights.
      D: A smaller learning rate changes the steps, not the capacity.
    source: {file: test.txt, locator: q1}
"""


async def test_an_also_accepted_choice_scores_like_the_key_and_the_reveal_says_why(
    fake: FakeDiscord, world: StudyServer, start_bot, tmp_path: Path
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=_bank(tmp_path, ACCEPTED_BANK), prepare=_seeded(5, 5))
    await world.alice.slash("quiz question", topic="lora", seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    posting = posting_of(card, item)
    key, also = key_index(card, item), posting.posted_index(2)
    wrong = wrong_index(card, item)

    await _pass(fake, clock, 1)
    await world.alice.react(card, REACTIONS[also])
    await world.bob.react(card, REACTIONS[key])
    await world.admin.react(card, REACTIONS[wrong])
    await _pass(fake, clock, 9.5)

    reveal = await _reveal(fake, world.channel, 1)
    embed = reveal.embeds[0]
    assert embed["title"] == f"Answer 1/1: {LETTERS[key]}. A higher rank r"
    assert embed["description"] == f"Also accepted: {LETTERS[also]}\n\n{item.explanation}"
    counts = embed_field(reveal, "Answers (3)").splitlines()
    assert counts[key].endswith(" 1 ✅") and counts[also].endswith(" 1 ✅") and counts[wrong].endswith(" 1")
    assert set(embed_field(reveal, "Right (2)").split(", ")) == {"alice", "bob"}
    assert embed_field(reveal, f"Why not {posting.posted_letter(1)}?") == item.why_not["B"]
    names = [f["name"] for f in embed["fields"]]
    assert f"Why not {LETTERS[also]}?" not in names
    final = await _final(fake, world.channel)
    # The same points rule as the key: both right after 1 s of 10.
    assert set(final.embeds[0]["description"].splitlines()) == {
        "🥇 alice: **950** points (1/1 right)",
        "🥇 bob: **950** points (1/1 right)",
        "🥉 ada: **0** points (0/1 right)",
    }


async def test_buttons_are_disabled_at_the_reveal_and_a_late_click_is_told_privately(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_seeded(6, 6))
    await world.alice.slash("quiz question", topic="lora", seconds=10, mode="buttons")
    card = await _question(fake, bot, world.channel, 1, mode="buttons")
    item = _item(bot, card)
    key = key_index(card, item)
    accepted = {posting_of(card, item).posted_index(i) for i in item.also_accepted_indexes}
    await world.alice.click(card, LETTERS[key])
    assert card.edits == 0 and not any(c.get("disabled") for c in card.iter_components())
    await _pass(fake, clock, 10.5)

    await _reveal(fake, world.channel, 1)
    await fake.wait_for(lambda: card.edits == 1, what="the question's buttons disabled")
    buttons = card.iter_components()
    assert [b["label"] for b in buttons] == list(LETTERS[: len(item.choices)])
    assert all(b.get("disabled") for b in buttons)
    # The choices that scored are green (success, 3), the rest grey (secondary, 2).
    assert [b["style"] for b in buttons] == [3 if i in {key, *accepted} else 2 for i in range(len(buttons))]
    assert card.embeds[0]["title"].startswith("Question 1/1"), "the question itself is unchanged"

    with pytest.raises(ComponentUnavailable):
        await world.bob.click(card, LETTERS[key])  # Discord does not send a disabled button's click
    # A client that had not seen the edit yet clicks anyway: told privately, nothing counted.
    late = await world.bob.raw_click(card, buttons[key]["custom_id"])
    assert late.message.ephemeral
    assert late.message.content == "This question is closed; wait for the next one."
    await _final(fake, world.channel)
    assert card.edits == 1, "one edit"
    rows = await bot.db.fetch_all("SELECT user_id FROM answers")
    assert [r["user_id"] for r in rows] == [world.alice.id]


async def test_the_question_of_the_day_is_posted_shuffled_and_revealed_in_that_order(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    bot.rounds.rng.seed(7)
    bot.daily.rng.seed(7)
    await _setup(world, world.channel, reveal_after_hours=2)
    posted_at = utc(2026, 3, 26, 8, 0)
    await _at(fake, bot, clock, posted_at)
    card = await _posted(fake, bot, world.channel, 1)
    item = _item(bot, card)
    posting = posting_of(card, item)
    assert posting.order != tuple(range(len(item.choices))), "a shuffled posting"
    key, wrong = key_index(card, item), wrong_index(card, item)
    await world.alice.react(card, REACTIONS[key])
    await world.bob.react(card, REACTIONS[wrong])
    await _at(fake, bot, clock, posted_at + timedelta(hours=2))
    reveal = (await fake.wait_for(lambda: _daily_reveals(fake, world.channel)))[0]
    title = f"Answer of the day: {LETTERS[key]}. {item.choices[item.answer_index]}"
    assert reveal.embeds[0]["title"] == title
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 1 ✅") and counts[wrong].endswith(" 1")
    assert embed_field(reveal, "Right (1)") == "alice"
    assert len(_dailies(fake, world.channel)) == 1


async def test_when_the_buttons_cannot_be_disabled_the_reveal_stands_and_a_click_is_told_it_closed(
    fake: FakeDiscord, world: StudyServer, start_bot, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_seeded(6, 6))
    await world.alice.slash("quiz question", topic="lora", seconds=10, mode="buttons")
    card = await _question(fake, bot, world.channel, 1, mode="buttons")
    key = key_index(card, _item(bot, card))
    fault = fake.inject_error("PATCH", "/channels/{channel_id}/messages/{message_id}", status=503)
    await _pass(fake, clock, 10.5)

    reveal = await _reveal(fake, world.channel, 1)
    assert "Nobody answered." in reveal.text()
    await _final(fake, world.channel)
    assert fault.hits == 1 and card.edits == 0
    warned = [r for r in caplog.records if r.name == "cogs.quiz" and "could not disable" in r.getMessage()]
    assert [r.levelname for r in warned] == ["WARNING"]
    late = await world.bob.click(card, LETTERS[key])  # still enabled: Discord sends the click
    assert late.message.ephemeral
    assert late.message.content == "This question is closed; wait for the next one."
    assert await bot.db.fetch_all("SELECT user_id FROM answers") == []


async def test_a_connection_lost_while_disabling_the_buttons_does_not_post_the_reveal_twice(
    fake: FakeDiscord, world: StudyServer, start_bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: only an HTTP error from the edit was caught; a dropped connection (or a timeout)
    # left the reveal as a transient failure, so the rounds service retried it and posted it again.
    # The stand-in answers every request, so the dropped connection is raised where discord.py
    # would raise it.
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_seeded(6, 6))
    bot.rounds.retry = RetrySchedule((0.02, 0.05, 0.1))
    await world.alice.slash("quiz question", topic="lora", seconds=10, mode="buttons")
    card = await _question(fake, bot, world.channel, 1, mode="buttons")
    edits: list[int] = []

    async def dropped(self: discord.PartialMessage, **fields: Any) -> None:
        edits.append(self.id)
        raise aiohttp.ServerDisconnectedError()

    monkeypatch.setattr(discord.PartialMessage, "edit", dropped)
    await _pass(fake, clock, 10.5)

    await _reveal(fake, world.channel, 1)
    await _final(fake, world.channel)
    assert edits == [card.id]
    reveals = [
        m for m in fake.channel_messages(world.channel) if m.embeds and "Answer" in m.embeds[0]["title"]
    ]
    assert len(reveals) == 1, "the reveal is posted once"
    assert [r["status"] for r in await bot.db.fetch_all("SELECT status FROM rounds")] == ["revealed"]

"""Item analytics through the Discord stand-in: 🚩 reports reaching /bank review, Disable here, /class.

A member reports a question from its reveal (button, reasons select, comment modal); an admin
finds it in the private /bank review queue with the report's text, disables it there, and the
next quizzes no longer draw it; /class answers privately with its PNG charts.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.app import QuizBot
from bot.core.clock import FakeClock
from bot.core.letters import REACTIONS
from tests.e2e.test_admin_e2e import _ask, _reveal
from tests.fakediscord import FakeDiscord, Message, StudyServer

pytestmark = pytest.mark.e2e

TWO_LORA = """\
version: 1
items:
  - id: s900-q01
    type: single_choice
    lang: en
    topics: [lora]
    prompt: What does LoRA train?
    choices: [Low-rank adapter matrices, Every weight, Only the embeddings]
    answer: A
    explanation: LoRA freezes the model and trains small low-rank matrices.
    source: {file: test.txt, locator: q1}
  - id: s900-q02
    type: single_choice
    lang: en
    topics: [lora]
    prompt: What is LoRA's rank r?
    choices: [The inner size of the update matrices, The learning rate, The batch size]
    answer: A
    explanation: The update is B·A with inner dimension r.
    source: {file: test.txt, locator: q2}
"""


@pytest.fixture(autouse=True)
def _no_pacing(fake: FakeDiscord) -> None:
    fake.message_rate = None
    fake.reaction_rate = None


@pytest.fixture
def two_lora(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(TWO_LORA, encoding="utf-8")
    return folder


async def _report(fake: FakeDiscord, world: StudyServer, reveal: Message, reason: str, comment: str) -> str:
    """bob reports the revealed question; returns the bot's private thank-you."""
    asked = await world.bob.click(reveal, "Report")
    assert asked.message.ephemeral and "What is wrong with" in asked.message.text()
    chosen = await world.bob.select(asked, "Pick a reason", [reason])
    assert chosen.modal is not None and chosen.modal["title"] == "Report this question"
    done = await world.bob.submit_modal(chosen, {"comment": comment})
    assert done.message.ephemeral
    return done.message.text()


async def test_a_report_through_button_and_modal_reaches_bank_review(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    item_id = bot.rounds.active_round(card.id).item.id  # type: ignore[union-attr]
    await world.alice.react(card, "🇧")
    reveal = await _reveal(fake, bot, clock, world.alice, 5)
    assert [c["label"] for c in reveal.iter_components()] == ["Report"]

    public = len(fake.channel_messages(world.channel))
    thanks = await _report(fake, world, reveal, "wrong_key", "The key should be B, see the paper")
    assert f"your report on `{item_id}` (wrong key)" in thanks
    assert len(fake.channel_messages(world.channel)) == public  # nothing public was posted

    # One report per member per item: the second click is refused privately.
    again = await world.bob.click(reveal, "Report")
    assert again.message.ephemeral and "already reported" in again.message.text()

    review = await (await world.admin.slash("bank review")).wait_reply()
    assert review.ephemeral
    embed = review.embeds[0]
    assert item_id in embed["title"] and "shared bank" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Reports (1)"] == "• **Wrong key**: The key should be B, see the paper"
    assert "✅" in embed["description"]  # the item as posted, key marked
    assert "Shown from 30 answers (has 0)" in fields["Flags"]  # no statistics computed yet

    # Members without Manage Server never see the queue.
    assert "bank review" not in world.alice.visible_commands()


async def test_disable_here_takes_the_item_out_of_the_next_quizzes(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    bad = bot.rounds.active_round(card.id).item.id  # type: ignore[union-attr]
    reveal = await _reveal(fake, bot, clock, world.alice, 5)
    await _report(fake, world, reveal, "outdated", "")

    review = await (await world.admin.slash("bank review")).wait_reply()
    disabled = await world.admin.click(review, "Disable here")
    shown = disabled.message
    assert f"Disabled `{bad}` here" in shown.content
    assert shown.embeds[0]["title"] == "Nothing to review"
    assert any(c.get("label") == "Disabled items (1)" for c in shown.iter_components())

    # Three more questions: the pool repeats nothing until it is used up, so without the disable the
    # reported item would come back among them.
    drawn = []
    for _ in range(3):
        _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
        drawn.append(bot.rounds.active_round(card.id).item.id)  # type: ignore[union-attr]
        await _reveal(fake, bot, clock, world.alice, 5)
    assert bad not in drawn and len(drawn) == 3

    # The disabled list shows it and enables it again.
    listed = await world.admin.click(shown, "Disabled items (1)")
    assert bad in listed.message.embeds[0]["title"] and "Disabled here" in listed.message.embeds[0]["title"]
    enabled = await world.admin.click(listed.message, "Enable again")
    assert f"Enabled `{bad}` again" in enabled.message.content
    assert bad in [i.id for i in bot.question_pool.pool("lora", "en", guild_id=world.guild.id)]


async def test_class_overview_is_private_with_png_charts(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    await world.alice.react(card, "🇦")
    await world.bob.react(card, "🇧")
    await _reveal(fake, bot, clock, world.alice, 5)

    reply = await (await world.admin.slash("class")).wait_reply()
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert embed["title"] == "🎓 Class overview (last 30 days)" and "**2** answers" in embed["description"]
    assert embed["image"]["url"] == "attachment://participation.png"
    names = [a["filename"] for a in reply.attachments]
    assert names == ["participation.png", "topics.png", "hardest.png"]
    for attachment in reply.attachments:
        _name, data, _ctype = fake.attachments[int(attachment["id"])]
        image = Image.open(io.BytesIO(data))
        image.verify()
        assert Image.open(io.BytesIO(data)).format == "PNG"
    assert not any("Class overview" in m.text() for m in fake.channel_messages(world.channel))
    assert "class" not in world.alice.visible_commands()


async def test_bank_stats_shows_one_items_figures_with_its_png(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    active = bot.rounds.active_round(card.id)
    assert active is not None
    item_id = active.item.id
    # Whatever order the choices were posted in, the statistics count the bank's A and B.
    await world.alice.react(card, REACTIONS[active.posting.posted_index(0)])
    await world.bob.react(card, REACTIONS[active.posting.posted_index(1)])
    await _reveal(fake, bot, clock, world.alice, 5)
    await bot.analytics.refresh()  # what the hourly wake-up does

    suggested = await world.admin.autocomplete("bank stats", "item_id", "s900")
    assert {c["value"] for c in suggested} == {"s900-q01", "s900-q02"}
    reply = await (await world.admin.slash("bank stats", item_id=item_id)).wait_reply()
    assert reply.ephemeral
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "Answers **2** · p **50%** (chance 33%)" in fields["Statistics here"]
    shares = fields["Choice shares (bank order)"]
    assert "A   50% · top third 0 ✅" in shares and "B   50%" in shares
    assert [a["filename"] for a in reply.attachments] == ["item-stats.png"]
    _name, data, _ctype = fake.attachments[int(reply.attachments[0]["id"])]
    assert Image.open(io.BytesIO(data)).format == "PNG"

    listing = await (await world.admin.slash("bank stats")).wait_reply()
    assert f"`{item_id}` 2 answers · p 50%" in listing.embeds[0]["description"]
    unknown = await (await world.admin.slash("bank stats", item_id="nope-q01")).wait_reply()
    assert "No choice question `nope-q01` here" in unknown.text()

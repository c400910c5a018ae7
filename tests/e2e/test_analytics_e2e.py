"""Item analytics through the Discord stand-in: 🚩 reports reaching /bank review, Disable here, /class.

A member reports a question from its reveal (button, reasons select, comment modal); an admin
finds it in the private /bank review queue with the report's text, disables it there, and the
next quizzes no longer draw it; /class answers privately with its PNG charts.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from bot.app import QuizBot
from bot.cli import main
from bot.core.clock import FakeClock
from bot.core.letters import REACTIONS
from bot.services.analytics import NEEDS_HELP_DUE
from bot.services.tutor import review
from bot.storage.cards import CardRepository
from tests.e2e.test_admin_e2e import _ask, _reveal
from tests.fakediscord import FakeDiscord, Message, StudyServer

if TYPE_CHECKING:
    from tests.fakediscord.actors import Member

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


async def _study_report(
    fake: FakeDiscord, member: Member, answered: Message, reason: str, comment: str
) -> str:
    """``member`` reports the study card shown on ``answered``; returns the private thank-you."""
    asked = await member.click(answered, "Report")
    assert "What is wrong with" in asked.message.text()
    chosen = await member.select(asked, "Pick a reason", [reason])
    assert chosen.modal is not None and chosen.modal["title"] == "Report this question"
    done = await member.submit_modal(chosen, {"comment": comment})
    return done.message.text()


async def test_a_report_from_a_study_session_reaches_bank_review(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    await start_bot(clock=FakeClock(), bank_dir=two_lora)
    started = (await world.bob.slash("study start", topic="lora", language="en", cards=2)).message
    assert "Report" not in [c.get("label") for c in started.iter_components()]  # not before the answer
    item_id = started.embeds[0]["footer"]["text"].split(" · ")[1]
    answered = (await world.bob.click(started, "B")).message
    assert answered.embeds[0]["title"].startswith("❌ Not quite")
    assert [c.get("label") for c in answered.iter_components()] == ["Next", "Report"]

    thanks = await _study_report(fake, world.bob, answered, "unclear", "Which matrices?")
    assert f"your report on `{item_id}` (unclear) went to the server's curators" in thanks
    assert fake.channel_messages(world.channel) == []  # all of it private
    again = await world.bob.click(answered, "Report")
    assert again.message.ephemeral and "already reported" in again.message.text()
    # The session goes on after the report.
    second = (await world.bob.click(answered, "Next")).message
    assert second.embeds[0]["title"].startswith("Study 2/2")

    review = await (await world.admin.slash("bank review")).wait_reply()
    embed = review.embeds[0]
    assert item_id in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Reports (1)"] == "• **Unclear**: Which matrices?"


async def test_a_study_report_in_a_dm_goes_to_the_shared_banks_curators(
    fake: FakeDiscord,
    world: StudyServer,
    start_bot,
    two_lora: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot: QuizBot = await start_bot(clock=FakeClock(), bank_dir=two_lora, dev_guild_id=None)
    started = (await world.alice.dm_slash("study start", topic="lora", cards=1)).message
    item_id = started.embeds[0]["footer"]["text"].split(" · ")[1]
    answered = (await world.alice.click(started, "A")).message
    thanks = await _study_report(fake, world.alice, answered, "typo", "")
    assert f"your report on `{item_id}` (typo) went to the shared bank's curators" in thanks
    [row] = await bot.analytics.repo.reports(0)  # server id 0: the shared bank's curators
    assert (row.item_id, row.user_id, row.reason, row.round_id) == (item_id, world.alice.id, "typo", None)
    assert await bot.analytics.repo.reports(world.guild.id) == []  # no server's queue sees it

    # The shared bank's curators see it under `quizbot bank stats`'s table (the JSON stays as it is).
    monkeypatch.setenv("BANK_DIR", str(two_lora))
    # (on a thread: the command runs its own event loop, as it does from a shell)
    assert await asyncio.to_thread(main, ["bank", "stats", "--database", bot.db.target]) == 0
    assert f"1 🚩 report(s) from private study decks (DMs):\n  {item_id}: Typo\n" in capsys.readouterr().out


async def test_class_lists_members_with_many_due_study_cards(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock)
    items = bot.question_pool.pool(None, "en")
    assert len(items) >= NEEDS_HELP_DUE + 5
    long_ago = clock.now() - timedelta(days=60)
    writes = [
        review(
            None,
            (world.guild.id, uid, item.id),
            item.main_topic,
            3,
            long_ago,
            duration_ms=None,
            source="study",
        )
        for uid, count in ((world.bob.id, NEEDS_HELP_DUE + 5), (world.alice.id, NEEDS_HELP_DUE - 1))
        for item in items[:count]
    ]
    await bot.db.write(CardRepository.save_reviews, writes)

    reply = await (await world.admin.slash("class")).wait_reply()
    assert reply.ephemeral
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    behind = fields[f"May need help ({NEEDS_HELP_DUE} or more study cards due)"]
    assert behind.endswith(f": {NEEDS_HELP_DUE + 5} cards due") and len(behind.splitlines()) == 1
    assert str(world.alice.id) not in behind and "alice" not in behind  # 19 due: under the threshold
    assert fake.channel_messages(world.channel) == []  # nobody named publicly


async def test_a_flashcard_reported_in_study_shows_its_model_answer_in_bank_review(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot: QuizBot = await start_bot(clock=FakeClock())
    flashcards = [i for i in bot.study.pool(world.guild.id, "qlora", "en") if not i.choices]
    assert flashcards
    message = (await world.bob.slash("study start", topic="qlora", language="en", cards=10)).message
    while bot.bank.by_id(message.embeds[0]["footer"]["text"].split(" · ")[1]).choices:  # type: ignore[union-attr]
        answered = (await world.bob.click(message, "A")).message
        message = (await world.bob.click(answered, "Next")).message
    item = bot.bank.by_id(message.embeds[0]["footer"]["text"].split(" · ")[1])
    assert item is not None
    shown = (await world.bob.click(message, "Show answer")).message
    labels = [c.get("label") for c in shown.iter_components()]
    assert len(labels) == 5 and labels[-1] == "Report"  # the four ratings, then 🚩
    thanks = await _study_report(fake, world.bob, shown, "outdated", "")
    assert f"your report on `{item.id}` (outdated)" in thanks

    review = await (await world.admin.slash("bank review")).wait_reply()
    embed = review.embeds[0]
    assert item.id in embed["title"] and "**Model answer:**" in embed["description"]
    assert {f["name"]: f["value"] for f in embed["fields"]}["Reports (1)"] == "• **Outdated**"

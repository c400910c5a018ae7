"""/study as a member uses it, through the Discord stand-in: private sessions, buttons, restarts."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from bot.bank.schema import BankItem, ItemType
from bot.core.clock import FakeClock
from bot.core.letters import LETTERS
from bot.services.tutor import review
from bot.storage.cards import CardRepository
from tests.e2e.posted import key_letter
from tests.fakediscord import FakeDiscord, Message, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.actors import Member

pytestmark = pytest.mark.e2e

INTERVAL = re.compile(r"^(Again|Hard|Good|Easy) · \d+(\.\d)?(m|h|d|mo|y)$")


def _item(bot: QuizBot, message: Message) -> BankItem:
    item_id = message.embeds[0]["footer"]["text"].split(" · ")[1]
    item = bot.bank.by_id(item_id)
    assert item is not None, message.embeds[0]["footer"]
    return item


def _buttons(message: Message) -> dict[str, str]:
    """custom_id -> label of the message's buttons."""
    return {c["custom_id"]: c.get("label", "") for c in message.iter_components() if c.get("type") == 2}


def _button(message: Message, action: str) -> str:
    found = [cid for cid in _buttons(message) if cid.endswith(f":{action}")]
    assert len(found) == 1, _buttons(message)
    return found[0]


async def _study_one(member: Member, bot: QuizBot, message: Message, *, right: bool = True) -> Message:
    """Answer the card on ``message`` (choice: right or wrong; flashcard: Show answer, then Good)."""
    item = _item(bot, message)
    if item.type is ItemType.SHORT_ANSWER:
        shown = (await member.click(message, "Show answer")).message
        assert "Model answer" in shown.text()
        labels = [label for cid, label in _buttons(shown).items() if re.search(r":r[1-4]$", cid)]
        assert len(labels) == 4 and all(INTERVAL.match(label) for label in labels), labels
        answered = (await member.click(shown, _button(shown, "r3" if right else "r1"))).message
        assert "You said: " + ("Good" if right else "Again") in answered.text()
    else:
        accepted = {item.answer_index, *item.also_accepted_indexes}
        choice = item.answer_index if right else min(set(range(len(item.choices))) - accepted)
        answered = (await member.click(message, LETTERS[choice])).message
        title = answered.embeds[0]["title"]
        assert title.startswith("✅ Right" if right else "❌ Not quite"), title
        if not right and LETTERS[choice] in item.why_not:
            assert f"Why not {LETTERS[choice]}?" in answered.text()
    assert re.search(r"Comes back.*<t:\d+:R>", answered.text(), re.S), answered.text()
    return answered


async def test_a_member_studies_a_choice_card_and_a_flashcard_privately_to_the_summary(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())
    pool = bot.study.pool(world.guild.id, "qlora", "en")
    kinds = {i.type for i in pool}
    assert ItemType.SHORT_ANSWER in kinds and ItemType.SINGLE_CHOICE in kinds

    started = await world.alice.slash("study start", topic="qlora", language="en", cards=10)
    message = started.message
    assert message.ephemeral and fake.channel_messages(world.channel) == []
    assert message.embeds[0]["title"].startswith(f"Study 1/{len(pool)}")
    for n in range(1, len(pool) + 1):
        if n == 2:
            # Past the 15 minutes of /study start's interaction token: each click is a fresh interaction.
            fake.clock.advance(16 * 60)
        answered = await _study_one(world.alice, bot, message, right=n % 2 == 1)
        label = "Finish" if n == len(pool) else "Next"
        message = (await world.alice.click(answered, label)).message
    assert message.embeds[0]["title"] == "Study session done"
    right = (len(pool) + 1) // 2
    assert f"Reviewed: **{len(pool)}** of {len(pool)}" in message.text()
    assert f"Right: **{right}**" in message.text()
    assert re.search(r"Next due: <t:\d+:R>", message.text())
    assert _buttons(message) == {}
    assert fake.channel_messages(world.channel) == [], "a study session never shows in the channel"
    log = await bot.study.cards.review_log(world.guild.id, world.alice.id)
    assert len(log) == len(pool) and {r.source for r in log} == {"study"}


async def test_a_session_goes_on_after_a_restart_from_the_database(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    started = await world.alice.slash("study start", topic="lora", language="en", cards=3)
    first = started.message
    answered = await _study_one(world.alice, bot, first)
    await bot.close()

    bot = await start_bot(clock=clock)
    second = (await world.alice.click(answered, "Next")).message
    assert second.embeds[0]["title"].startswith("Study 2/3")
    await _study_one(world.alice, bot, second, right=False)
    log = await bot.study.cards.review_log(world.guild.id, world.alice.id)
    assert [r.rating for r in log] == [3, 1]


async def test_a_member_studies_their_private_deck_in_a_dm_with_the_bot(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    # Commands reach DMs only when synced globally (no development server).
    bot = await start_bot(clock=FakeClock(), dev_guild_id=None)
    started = await world.alice.dm_slash("study start", topic="qlora", cards=2)
    message = started.message
    assert not message.ephemeral and message.channel_id == world.alice.dm_channel.id
    assert message.embeds[0]["title"].startswith("Study 1/2")
    answered = await _study_one(world.alice, bot, message)
    message = (await world.alice.click(answered, "Next")).message
    answered = await _study_one(world.alice, bot, message, right=False)
    done = (await world.alice.click(answered, "Finish")).message
    assert "Reviewed: **2** of 2" in done.text() and "Right: **1**" in done.text()
    # The private deck is deck 0, apart from the server's.
    assert len(await bot.study.cards.deck(0, world.alice.id)) == 2
    assert await bot.study.cards.deck(world.guild.id, world.alice.id) == []
    settings = await world.alice.dm_slash("study settings", new_per_day=3)
    assert "in your private deck: **3** new cards a day" in settings.message.text()

    # Forget-me in the DM empties the private deck, and only it.
    prompt = await world.alice.dm_slash("privacy forget-me")
    assert "in your private deck" in prompt.message.text() and "2 study cards" in prompt.message.text()
    await world.alice.click(prompt.message, "Delete my data")
    await fake.wait_for(lambda: "Done." in prompt.message.text())
    assert await bot.study.cards.deck(0, world.alice.id) == []
    again = await world.alice.dm_slash("privacy forget-me")
    assert "nothing to delete" in again.message.text()


async def test_progress_is_a_private_png_and_another_members_needs_manage_server(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    message = (await world.alice.slash("study start", topic="qlora", language="en", cards=2)).message
    answered = await _study_one(world.alice, bot, message, right=False)
    message = (await world.alice.click(answered, "Next")).message
    await _study_one(world.alice, bot, message)

    mine = await world.alice.slash("study progress")
    reply = await mine.wait_reply()
    assert reply.ephemeral and fake.channel_messages(world.channel) == []
    text = reply.text()
    assert reply.embeds[0]["title"] == "Study progress: alice"
    assert "Cards\n2" in text and "Days in a row\n1" in text
    assert "no reviews of learnt cards in 30 days" in text  # both cards are still being learnt
    assert "QLoRA: 2/3 seen" in text  # the topic as members read it
    assert reply.embeds[0]["image"]["url"] == "attachment://progress.png"
    [attachment] = reply.attachments
    _name, data, _ctype = fake.attachments[int(attachment["id"])]
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size[0] == 760

    refused = await world.bob.slash("study progress", member=world.alice)
    assert "Manage Server" in refused.text and refused.message.ephemeral
    teacher = await world.admin.slash("study progress", member=world.alice)
    seen = await teacher.wait_reply()
    assert seen.ephemeral and seen.embeds[0]["title"] == "Study progress: alice" and "Cards\n2" in seen.text()


async def test_a_reminder_dm_comes_at_the_local_time_and_closed_dms_turn_reminders_off(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    carol = fake.add_member(world.guild, "carol", accepts_dms=False)
    clock = FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock)
    for member in (world.alice, carol):
        message = (await member.slash("study start", topic="qlora", language="en", cards=1)).message
        await _study_one(member, bot, message, right=False)  # due again in a minute
        on = await member.slash("study remind on", time="14:30", timezone="Europe/Berlin")
        assert "I will DM you at 14:30 (Europe/Berlin)" in on.text and on.message.ephemeral
    fake.expect_http_error(403, 50007)  # carol's DMs are closed

    clock.set(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))  # 14:30 in Berlin
    bot.wake_due_work()  # the minute's wake-up, now instead of in up to a minute of real time
    dm = await fake.wait_for(lambda: next(iter(world.alice.dms), None), what="alice's reminder DM")
    assert dm.content == "📚 1 card due in **Study Server**: /study start"

    async def carol_off() -> bool:
        state = await bot.reminders.state(world.guild.id, carol.id)
        return state.off_reason is not None

    for _ in range(100):
        if await carol_off():
            break
        await asyncio.sleep(0.02)
    assert await carol_off()
    progress = await (await carol.slash("study progress")).wait_reply()
    assert "Reminder\noff: Your DMs are closed to the bot (Discord error 50007)" in progress.text()

    bot.wake_due_work()  # the same local day: no second reminder
    await asyncio.sleep(0.2)
    assert len(world.alice.dms) == 1


async def test_quiz_weak_asks_the_servers_weakest_items_and_its_answers_feed_the_decks(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    refused = await world.alice.slash("quiz weak")
    assert "Nobody here has studied" in refused.text
    choice = [i for i in bot.question_pool.pool(None, "en") if i.type is ItemType.SINGLE_CHOICE]
    fading, fresh, middling = choice[0], choice[1], choice[2]
    now = clock.now()
    writes = [
        review(
            None,
            (world.guild.id, uid, item.id),
            item.main_topic,
            3,
            now - timedelta(days=age),
            duration_ms=None,
            source="quiz",
        )
        for uid, item, age in (
            (world.alice.id, fading, 60),
            (world.bob.id, fading, 50),
            (world.alice.id, fresh, 1),
            (world.bob.id, middling, 15),
        )
    ]
    await bot.db.write(CardRepository.save_reviews, writes)

    started = await world.alice.slash("quiz weak", questions=2, seconds=30, mode="buttons")
    assert "on the server's weakest questions" in started.message.content
    first = await fake.wait_for(
        lambda: next(
            (
                m
                for m in fake.channel_messages(world.channel)
                if m.embeds and "Question 1/2" in m.embeds[0].get("title", "")
            ),
            None,
        )
    )
    assert first.embeds[0]["footer"]["text"].endswith(fading.id)
    await fake.wait_for(lambda: bot.rounds.active_round(first.id) is not None)
    carol = fake.add_member(world.guild, "carol")
    await carol.click(first, key_letter(first, fading))
    await bot.answer_writer.flush()
    [card] = await CardRepository(bot.db).deck(world.guild.id, carol.id)
    assert card.item_id == fading.id
    [log] = await CardRepository(bot.db).review_log(world.guild.id, carol.id)
    assert (log.source, log.rating) == ("quiz", 3)
    stopped = await world.alice.slash("quiz stop")
    assert "Quiz stopped" in (await stopped.wait_reply()).text()


async def test_export_gives_the_review_log_as_the_fsrs_optimizer_reads_it_and_the_card_states(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())
    empty = await (await world.alice.slash("study export")).wait_reply()
    assert "no cards here yet" in empty.text()
    message = (await world.alice.slash("study start", topic="qlora", language="en", cards=2)).message
    answered = await _study_one(world.alice, bot, message, right=False)
    message = (await world.alice.click(answered, "Next")).message
    await _study_one(world.alice, bot, message)

    exported = await world.alice.slash("study export")
    await exported.wait_for(lambda r: sum(len(m.attachments) for m in r.replies) >= 2)
    assert all(m.ephemeral for m in exported.replies)
    files = {
        a["filename"]: fake.attachments[int(a["id"])][1].decode()
        for m in exported.replies
        for a in m.attachments
    }
    log_rows = list(csv.DictReader(io.StringIO(files["review_log.csv"])))
    assert list(log_rows[0]) == ["card_id", "review_time", "review_rating", "review_duration"]
    stored = await CardRepository(bot.db).review_log(world.guild.id, world.alice.id)
    assert [(int(r["card_id"]), int(r["review_time"]), int(r["review_rating"])) for r in log_rows] == [
        (s.card_id, s.reviewed_at, s.rating) for s in stored
    ]
    assert [int(r["review_rating"]) for r in log_rows] == [1, 3]
    cards = list(csv.DictReader(io.StringIO(files["cards.csv"])))
    assert len(cards) == 2 and {c["state"] for c in cards} <= {"learning", "review", "relearning"}
    assert {int(c["card_id"]) for c in cards} == {int(r["card_id"]) for r in log_rows}


async def test_export_anki_gives_the_items_studied_here_as_an_apkg_server_and_dm_apart(
    fake: FakeDiscord, world: StudyServer, start_bot, tmp_path: Path
) -> None:
    from tests.bank.formats.test_formats_export import read_apkg

    # Synced globally, so the same member can also study her private deck in a DM.
    bot = await start_bot(clock=FakeClock(), dev_guild_id=None)
    empty = await (await world.alice.slash("study export", format="anki")).wait_reply()
    assert empty.ephemeral and "no cards here yet" in empty.text() and not empty.attachments

    message = (await world.alice.slash("study start", topic="qlora", language="en", cards=2)).message
    studied = [_item(bot, message)]
    answered = await _study_one(world.alice, bot, message, right=False)
    message = (await world.alice.click(answered, "Next")).message
    studied.append(_item(bot, message))
    await _study_one(world.alice, bot, message)
    dm_card = (await world.alice.dm_slash("study start", topic="lora", cards=1)).message
    dm_item = _item(bot, dm_card)
    await _study_one(world.alice, bot, dm_card)

    def read(message: Message) -> list[str]:
        [attachment] = message.attachments
        name, data, _ctype = fake.attachments[int(attachment["id"])]
        assert name == "studied.apkg"
        return [note.fields[2] for note in read_apkg(data, tmp_path)]

    exported = await (await world.alice.slash("study export", format="anki")).wait_reply()
    assert exported.ephemeral and fake.channel_messages(world.channel) == []
    assert "The 2 items you have studied here, as an Anki deck" in exported.text()
    assert sorted(read(exported)) == sorted(i.id for i in studied)  # exactly hers, here
    assert dm_item.id not in {i.id for i in studied}

    in_dm = await (await world.alice.dm_slash("study export", format="anki")).wait_reply()
    assert in_dm.channel_id == world.alice.dm_channel.id
    assert read(in_dm) == [dm_item.id]  # the private deck alone

    # Another member's deck is empty here, and the CSV export is still the default.
    bob = await (await world.bob.slash("study export", format="anki")).wait_reply()
    assert "no cards here yet" in bob.text()
    csv_reply = await world.alice.slash("study export")
    await csv_reply.wait_for(lambda r: sum(len(m.attachments) for m in r.replies) >= 2)
    names = {a["filename"] for m in csv_reply.replies for a in m.attachments}
    assert names == {"review_log.csv", "cards.csv"}

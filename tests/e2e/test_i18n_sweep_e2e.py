"""Issue 19's leak sweep, through the Discord stand-in: a server whose interface language is Chinese
and members whose Discord speaks zh-CN run the main flows, and nothing the bot shows them (posts,
private replies, DMs, buttons, selects, modals, autocomplete) has an English word left, apart from
what may stay English (tests/e2e/visible.py: product names, people, the bank's own questions).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from bot.bank.schema import BankItem, ItemType
from bot.core.clock import FakeClock
from bot.core.letters import LETTERS, REACTIONS
from bot.services.quiz import PAUSE_BETWEEN_ROUNDS
from tests.e2e.posted import key_index, wrong_index
from tests.e2e.visible import Sweep, command_paths, english_words
from tests.fakediscord import FakeDiscord, Message, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.actors import Member

pytestmark = pytest.mark.e2e

SECONDS = 30
START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)  # Thursday, 07:00 in Berlin


def _sweep(fake: FakeDiscord, bot: QuizBot, world: StudyServer) -> Sweep:
    """A sweep that knows the shared bank's items and the server's own."""
    return Sweep(fake, lambda item_id: bot.bank.by_id(item_id) or bot.guild_bank.get(world.guild.id, item_id))


def _assert_no_english(sweep: Sweep, fake: FakeDiscord, world: StudyServer) -> None:
    sweep.look()
    names = [m.name for m in (world.admin, world.alice, world.bob)] + [world.guild.name, "Owls"]
    commands = command_paths(fake.synced_commands(world.guild))
    leaks = sweep.leaks(names=names, commands=commands)
    assert len(sweep.shown) > 50, f"the sweep saw only {len(sweep.shown)} texts"
    assert leaks == [], f"{len(leaks)} text(s) with English words left:\n" + "\n".join(leaks)


def _item(bot: QuizBot, card: Message) -> BankItem:
    item_id = str(card.embeds[0]["footer"]["text"]).split(" · ")[-1]
    item = bot.bank.by_id(item_id)
    assert item is not None, card.embeds[0]["footer"]
    return item


def _open_question(fake: FakeDiscord, bot: QuizBot, world: StudyServer, seen: set[int]) -> Message | None:
    return next(
        (
            m
            for m in fake.channel_messages(world.channel)
            if m.id not in seen and m.embeds and bot.rounds.active_round(m.id) is not None
        ),
        None,
    )


def _reveal_of(fake: FakeDiscord, world: StudyServer, card: Message) -> Message | None:
    return next(
        (
            m
            for m in fake.channel_messages(world.channel)
            if m.message_reference and m.message_reference.get("message_id") == str(card.id)
        ),
        None,
    )


async def _pass(fake: FakeDiscord, clock: FakeClock, seconds: float) -> None:
    await fake.wait_delivered()
    fake.clock.advance(seconds)
    clock.advance(seconds)


async def _reactions_on(fake: FakeDiscord, bot: QuizBot, card: Message) -> Message:
    letters = REACTIONS[: len(_item(bot, card).choices)]
    await fake.wait_for(lambda: all(fake.bot_user.id in card.reactors(e) for e in letters))
    return card


async def test_a_chinese_server_and_its_chinese_members_read_no_english(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    fake.message_rate = None
    fake.reaction_rate = None
    for member in (world.admin, world.alice, world.bob):
        member.user.locale = "zh-CN"
    clock = FakeClock(START)
    bot: QuizBot = await start_bot(clock=clock)
    sweep = _sweep(fake, bot, world)
    alice, bob, ada = world.alice, world.bob, world.admin

    # Settings, topics, about, autocomplete.
    await ada.slash("settings set", ui_language="zh", hidden_answers=True)
    await ada.slash("settings show")
    await alice.slash("quiz topics")
    await alice.slash("about")
    await alice.autocomplete("quiz start", "topic", "lo")
    await alice.autocomplete("study start", "topic", "da")
    await alice.autocomplete("leaderboard", "topic", "")
    sweep.look()

    # Refusals only the member sees.
    await alice.slash("quiz start", topic="cooking")
    await alice.slash("quiz weak")
    await alice.slash("quiz stop")
    await alice.slash("team leave")
    await alice.slash("competition standings")
    await alice.slash("leaderboard", period="season")
    await alice.raw_slash("quiz start", questions=1000)
    sweep.look()

    # A two-question quiz in buttons mode: answers, a second click, reveals, results.
    seen = {m.id for m in fake.channel_messages(world.channel)}
    await alice.slash("quiz start", topic="lora", questions=2, seconds=SECONDS, mode="buttons")
    for _n in range(2):
        card = await fake.wait_for(lambda: _open_question(fake, bot, world, seen))
        seen.add(card.id)
        item = _item(bot, card)
        right, wrong = LETTERS[key_index(card, item)], LETTERS[wrong_index(card, item)]
        await alice.click(card, right)
        await alice.click(card, wrong)  # already answered
        await bob.click(card, wrong)
        sweep.look()
        await _pass(fake, clock, SECONDS + 1)
        await fake.wait_for(lambda card=card: _reveal_of(fake, world, card))
        sweep.look()
        if _n == 0:
            await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
            await _pass(fake, clock, PAUSE_BETWEEN_ROUNDS.total_seconds() + 0.5)
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the quiz to end")
    sweep.look()

    # One question in reactions mode (hidden answers on: the bot takes each letter away), then 🚩.
    await alice.slash("quiz question", topic="data-prep", seconds=SECONDS, mode="reactions")
    card = await fake.wait_for(lambda: _open_question(fake, bot, world, seen))
    seen.add(card.id)
    await _reactions_on(fake, bot, card)
    item = _item(bot, card)
    await alice.react(card, REACTIONS[key_index(card, item)])
    await bob.react(card, REACTIONS[wrong_index(card, item)])
    await _pass(fake, clock, SECONDS + 1)
    reveal = await fake.wait_for(lambda: _reveal_of(fake, world, card))
    asked = await bob.click(reveal, reveal.iter_components()[0]["custom_id"])
    chosen = await bob.select(asked, asked.message.iter_components()[0]["custom_id"], ["unclear"])
    sweep.look()
    await bob.submit_modal(chosen, {"comment": "措辞不清楚"})
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the question to end")

    # A quiz stopped by the member who started it.
    await alice.slash("quiz start", topic="lora", questions=3, seconds=SECONDS, mode="buttons")
    await fake.wait_for(lambda: _open_question(fake, bot, world, seen))
    await (await alice.slash("quiz stop")).wait_reply()
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the stopped quiz")
    sweep.look()

    # Stats and boards.
    await (await alice.slash("stats")).wait_reply()
    await (await alice.slash("stats", member=bob)).wait_reply()
    for options in ({}, {"topic": "lora"}, {"period": "week"}, {"period": "month"}):
        await alice.slash("leaderboard", **options)
    prompt = await (await ada.slash("leaderboard-reset")).wait_reply()
    await ada.click(
        prompt, next(c["custom_id"] for c in prompt.iter_components() if ":yes:" in c["custom_id"])
    )
    await alice.slash("leaderboard")
    sweep.look()

    # The question of the day: set up, posted now, answered, revealed; its status.
    await ada.autocomplete("daily setup", "topic", "", named={"channel": world.channel})
    await ada.slash(
        "daily setup",
        named={"channel": world.channel},
        time="09:00",
        timezone="Europe/Berlin",
        reveal_after_hours=1,
    )
    await (await ada.slash("daily now")).wait_reply()
    daily = await fake.wait_for(lambda: _open_question(fake, bot, world, seen))
    seen.add(daily.id)
    await _reactions_on(fake, bot, daily)
    item = _item(bot, daily)
    await alice.react(daily, REACTIONS[key_index(daily, item)])
    await (await ada.slash("daily now")).wait_reply()  # today's is out already
    await ada.slash("daily status")
    await _pass(fake, clock, 3600 + 60)
    await bot.run_due_work()
    await fake.wait_for(lambda: _reveal_of(fake, world, daily), what="the answer of the day")
    await ada.slash("daily pause")
    await ada.slash("daily pause")  # already paused
    await ada.slash("daily status")
    sweep.look()

    # Teams, a competition and a season, announced in the channel.
    await ada.slash("team create", name="Owls")
    await alice.slash("team join", name="Owls")
    await alice.slash("team list")
    await ada.slash("competition start", name="Owls", duration="1h")
    await alice.slash("competition standings")
    await ada.slash("season start", name="Owls", ends_at="2h")
    sweep.look()

    _assert_no_english(sweep, fake, world)


async def _study(member: Member, bot: QuizBot, sweep: Sweep, message: Message) -> Message:
    """Answer the card on ``message`` (a choice: wrong; a flashcard: show, then Good)."""
    item = bot.bank.by_id(str(message.embeds[0]["footer"]["text"]).split(" · ")[1])
    assert item is not None
    buttons = {c["custom_id"]: c for c in message.iter_components() if c.get("type") == 2}
    if item.type is ItemType.SHORT_ANSWER:
        shown = (await member.click(message, next(c for c in buttons if c.endswith(":show")))).message
        sweep.look()
        rated = [c["custom_id"] for c in shown.iter_components() if c.get("custom_id", "").endswith(":r3")]
        answered = (await member.click(shown, rated[0])).message
    else:
        wrong = next(i for i in range(len(item.choices)) if i != item.answer_index)
        answered = (await member.click(message, next(c for c in buttons if c.endswith(f":c{wrong}")))).message
    sweep.look()
    return answered


async def test_a_chinese_member_studies_and_is_reminded_with_no_english(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    fake.message_rate = None
    for member in (world.admin, world.alice, world.bob):
        member.user.locale = "zh-CN"
    clock = FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    bot: QuizBot = await start_bot(clock=clock)
    sweep = _sweep(fake, bot, world)
    alice, ada = world.alice, world.admin
    await ada.slash("settings set", ui_language="zh")

    message = (await alice.slash("study start", topic="qlora", language="en", cards=3)).message
    sweep.look()
    for _ in range(3):
        answered = await _study(alice, bot, sweep, message)
        nxt = next(
            c["custom_id"] for c in answered.iter_components() if c.get("custom_id", "").endswith(":next")
        )
        message = (await alice.click(answered, nxt)).message
        sweep.look()
    await alice.slash("study settings", new_per_day=5)
    await alice.raw_slash("study settings", retention=0.5)
    await (await alice.slash("study progress")).wait_reply()
    await alice.slash("study remind on", time="14:30", timezone="Europe/Berlin")
    await alice.autocomplete("study remind on", "timezone", "berl")
    await (await alice.slash("study export")).wait_reply()
    await (await ada.slash("class")).wait_reply()
    await (await ada.slash("bank review")).wait_reply()
    await ada.slash("bank list")
    await (await ada.slash("bank stats")).wait_reply()
    await ada.slash("bank remove", item_id="nope")
    await alice.slash("privacy forget-me")

    clock.set(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    bot.wake_due_work()
    await fake.wait_for(lambda: next(iter(alice.dms), None), what="alice's reminder DM")
    _assert_no_english(sweep, fake, world)


def test_the_sweep_finds_english_and_leaves_what_may_stay() -> None:
    assert english_words("第 1/2 题 · LoRA") == []
    assert english_words("作答方式：buttons") == ["buttons"]
    assert (
        english_words("用 `/quiz stop` 结束 <t:1700000000:R> <#123> Europe/Berlin", commands=["/quiz stop"])
        == []
    )
    assert english_words("请用 /study remind on time:09:00 再试", commands=["/study remind on"]) == []
    assert english_words("alice 加入了 **Owls** 队", names=["alice", "Owls"]) == []
    assert english_words("Locked in: B") == ["Locked", "in"]
    assert english_words("良好 · 4d · 平均 3.2 s · 2026-03-26 09:00 CET · s000-q13") == ["4d", "3.2 s"]

"""Issue 19 end to end: a Chinese member reads refusals and /stats in Chinese, a Chinese server reads
its questions and reveals in Chinese, and Discord gets every command in zh-CN and zh-TW."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import QuizBot
from bot.bank.schema import BankItem
from bot.core.clock import FakeClock
from bot.core.letters import LETTERS
from bot.core.topics import topic_label
from cogs._i18n import TEXT_CONTEXT
from tests.e2e.posted import key_index, wrong_index
from tests.fakediscord import FakeDiscord, Message, StudyServer
from tests.fakediscord.actors import Member
from tests.i18n_tools import read

pytestmark = pytest.mark.e2e

SECONDS = 30
RESULTS_TITLES = ("Quiz over: results", "测验结束：结果")


def _results(fake: FakeDiscord, world: StudyServer) -> list[Message]:
    return [
        m
        for m in fake.channel_messages(world.channel)
        if m.embeds and m.embeds[0].get("title") in RESULTS_TITLES
    ]


async def play(
    fake: FakeDiscord,
    world: StudyServer,
    bot: QuizBot,
    clock: FakeClock,
    plan: list[tuple[Member, bool]],
    *,
    topic: str,
) -> BankItem:
    """One ``/quiz question`` in buttons mode, answered by each (member, right?) of ``plan``."""
    done = len(_results(fake, world))
    seen = {m.id for m in fake.channel_messages(world.channel)}
    await world.admin.slash("quiz question", topic=topic, seconds=SECONDS, mode="buttons")
    question = await fake.wait_for(
        lambda: next(
            (
                m
                for m in fake.channel_messages(world.channel)
                if m.id not in seen and m.embeds and bot.rounds.active_round(m.id) is not None
            ),
            None,
        )
    )
    active = bot.rounds.active_round(question.id)
    assert active is not None
    right, wrong = key_index(question, active.item), wrong_index(question, active.item)
    for member, correct in plan:
        await member.click(question, LETTERS[right if correct else wrong])
    clock.advance(SECONDS + 1)
    await fake.wait_for(lambda: len(_results(fake, world)) > done)
    return active.item


def _walk(commands: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(path, definition) of every command, subcommand, group and option."""
    found = []
    stack = [(c["name"], c) for c in commands]
    while stack:
        path, item = stack.pop()
        found.append((path, item))
        stack.extend((f"{path} {o['name']}", o) for o in item.get("options") or [])
    return found


async def test_synced_commands_carry_zh_cn_and_zh_tw_for_every_command_option_and_choice(
    fake: FakeDiscord, world: StudyServer, bot
) -> None:
    synced = fake.synced_commands(world.guild)
    every = _walk(synced)
    assert len(synced) >= 12 and len(every) > 70
    missing = [
        f"{path} ({key} {locale})"
        for path, item in every
        for key in ("name_localizations", "description_localizations")
        for locale in ("zh-CN", "zh-TW")
        if not (item.get(key) or {}).get(locale)
    ]
    choices = [(path, c) for path, item in every for c in item.get("choices") or [] if item.get("type") != 1]
    # A choice that reads the same in Chinese ("json", "中文") needs none, if the catalogue says so.
    zh = read("zh")
    same = {m.id for m in zh if m.context == TEXT_CONTEXT and m.string == m.id}
    missing += [
        f"{path} choice {c['name']}"
        for path, c in choices
        if not (c.get("name_localizations") or {}).get("zh-CN") and c["name"] not in same
    ]
    assert missing == [], "no zh-CN localisation in the synced payload for:\n" + "\n".join(missing)
    quiz = next(c for c in synced if c["name"] == "quiz")
    assert quiz["name_localizations"]["zh-CN"] == "测验"
    start = next(o for o in quiz["options"] if o["name"] == "start")
    assert start["description_localizations"]["zh-CN"] == "在这个频道开始一场测验"
    assert choices and {c["name"] for _p, c in choices} >= {"Reactions", "Buttons"}


async def test_a_chinese_member_is_refused_a_quiz_start_in_chinese(
    fake: FakeDiscord, world: StudyServer, bot
) -> None:
    world.alice.user.locale = "zh-CN"
    refused = await world.alice.slash("quiz start", topic="cooking")
    assert refused.message is not None and refused.message.ephemeral
    assert refused.message.content == "`cooking` 不是一个主题。请从列表中选择，或查看 `/quiz topics`。"
    topics = (await world.alice.slash("quiz topics")).message
    assert topics.embeds[0]["title"] == "测验主题" and "`data-prep` 数据准备: " in topics.text()
    offered = await world.alice.autocomplete("quiz start", "topic", "data")
    assert offered and offered[0]["value"] == "data-prep" and offered[0]["name"].startswith("数据准备 (")

    started = await world.bob.slash("quiz start", topic="lora", questions=1)  # bob's client is English
    assert started.message is not None
    assert "started a quiz of 1 question(s) on LoRA" in started.message.content
    again = await world.alice.slash("quiz start")
    assert again.message is not None and again.message.ephemeral
    assert again.message.content == "这个频道已经有一场测验在进行；用 `/quiz stop` 结束它。"
    english = await world.bob.slash("quiz start")
    assert english.message is not None
    assert english.message.content == "A quiz is already running in this channel; `/quiz stop` ends it."


async def test_a_chinese_member_gets_stats_in_chinese_with_a_chart(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    item = await play(fake, world, bot, clock, [(world.alice, True)], topic="data-prep")
    world.alice.user.locale = "zh-CN"
    reply = (await world.alice.slash("stats")).message
    embed = reply.embeds[0]
    assert embed["title"] == "📊 统计 · alice"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["排名"] == "第 1 名，共 1 人" and fields["正确率"] == "100%（答对 1/1）"
    assert f"{topic_label(item.main_topic, 'zh')}: 100% (1/1)" in fields["各主题"]
    assert embed["footer"]["text"] == "本服务器历史累计 · 正确率 = 答对 / 作答"
    assert reply.attachments and reply.attachments[0]["filename"] == "accuracy.png"

    world.alice.user.locale = "en-US"
    english = (await world.alice.slash("stats")).message.embeds[0]
    assert english["title"] == "📊 Stats · alice"
    per_topic = {f["name"]: f["value"] for f in english["fields"]}["Per topic"]
    assert f"{topic_label(item.main_topic)}: 100% (1/1)" in per_topic


async def test_a_server_with_ui_language_zh_gets_a_chinese_question_and_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    changed = await world.admin.slash("settings set", ui_language="zh")  # ada's own client is English
    assert changed.message is not None and "Interface language: the server's language → **Chinese**" in (
        changed.message.content
    )
    item = await play(fake, world, bot, clock, [(world.alice, True), (world.bob, False)], topic="lora")
    messages = [m for m in fake.channel_messages(world.channel) if m.embeds]
    heading = f"第 1/1 题 · {topic_label(item.main_topic, 'zh')}"
    question = next(m for m in messages if m.embeds[0]["title"] == heading)
    assert question.embeds[0]["fields"][0]["name"] == "截止"
    reveal = next(m for m in messages if m.embeds[0]["title"].startswith("第 1/1 题答案：正确答案 "))
    fields = {f["name"]: f["value"] for f in reveal.embeds[0]["fields"]}
    assert fields["答对（1）"] == "alice" and "作答人数（2）" in fields
    assert any(name.startswith("为什么不是 ") for name in fields)
    assert "出处：" in reveal.embeds[0]["footer"]["text"]
    (results,) = _results(fake, world)
    assert results.embeds[0]["title"] == "测验结束：结果"

    shown = (await world.admin.slash("settings show")).message.embeds[0]
    assert {f["name"]: f["value"] for f in shown["fields"]}["Interface language"] == "Chinese"


async def test_without_ui_language_a_server_follows_its_discord_locale(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    world.guild.preferred_locale = "zh-CN"
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    item = await play(fake, world, bot, clock, [(world.alice, True)], topic="data-prep")
    titles = [m.embeds[0]["title"] for m in fake.channel_messages(world.channel) if m.embeds]
    assert f"第 1/1 题 · {topic_label(item.main_topic, 'zh')}" in titles, titles
    world.admin.user.locale = "zh-CN"
    shown = (await world.admin.slash("settings show")).message.embeds[0]
    assert shown["title"] == "⚙️ 服务器设置"
    assert {f["name"]: f["value"] for f in shown["fields"]}["界面语言"] == "跟随服务器语言"

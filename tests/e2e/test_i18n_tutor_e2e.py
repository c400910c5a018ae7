"""Issue 19 for the tutor's side, through the Discord stand-in: a member whose Discord speaks
zh-CN studies, reports, curates /bank and is refused in Chinese; an English member in the same
server still reads English."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.bank.schema import ItemType
from bot.core.clock import FakeClock
from bot.core.letters import LETTERS
from bot.core.topics import topic_label
from tests.e2e.test_admin_e2e import _ask, _reveal
from tests.e2e.test_analytics_e2e import TWO_LORA
from tests.e2e.test_study_e2e import _buttons, _item
from tests.fakediscord import FakeDiscord, Message, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.actors import Member

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_INTERVAL = re.compile(r"^(重来|困难|良好|简单) · \d+(\.\d)?(分钟|小时|天|个月|年)$")


@pytest.fixture
def two_lora(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(TWO_LORA, encoding="utf-8")
    return folder


async def _study_one_in_chinese(member: Member, bot: QuizBot, message: Message) -> Message:
    """Answer the card on ``message`` right, reading and clicking only Chinese labels."""
    item = _item(bot, message)
    if item.type is ItemType.SHORT_ANSWER:
        shown = (await member.click(message, "显示答案")).message
        assert "参考答案" in shown.text() and "解析" in shown.text()
        labels = [label for cid, label in _buttons(shown).items() if re.search(r":r[1-4]$", cid)]
        assert len(labels) == 4 and all(ZH_INTERVAL.match(label) for label in labels), labels
        assert "举报" in _buttons(shown).values()
        rated = [cid for cid in _buttons(shown) if cid.endswith(":r3")]
        answered = (await member.click(shown, rated[0])).message
        assert "你的评分：良好" in answered.text()
    else:
        answered = (await member.click(message, LETTERS[item.answer_index])).message
        assert answered.embeds[0]["title"].startswith("✅ 答对了 · 学习 "), answered.embeds[0]["title"]
        assert "解析" in answered.text()
    assert re.search(r"下次出现.*<t:\d+:R>", answered.text(), re.S), answered.text()
    return answered


async def test_a_chinese_member_studies_in_chinese_and_an_english_one_in_english(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())
    world.alice.user.locale = "zh-CN"
    started = await world.alice.slash("study start", topic="qlora", language="en", cards=2)
    message = started.message
    assert message.ephemeral
    title = message.embeds[0]["title"]
    assert title.startswith("学习 1/2 · ") and topic_label("qlora", "zh") in title and "新卡片" in title
    footer = message.embeds[0]["footer"]["text"]
    assert re.search(r"已复习 0 张，答对 0 张$", footer), footer
    answered = await _study_one_in_chinese(world.alice, bot, message)
    message = (await world.alice.click(answered, "下一张")).message
    answered = await _study_one_in_chinese(world.alice, bot, message)
    done = (await world.alice.click(answered, "完成")).message
    assert done.embeds[0]["title"] == "本次学习完成"
    assert "已复习：**2** / 2" in done.text() and "答对：**2**" in done.text()

    saved = await world.alice.slash("study settings", new_per_day=1)
    assert saved.message.text().startswith("已在本服务器保存：每天 **1** 张新卡片，目标记忆保持率 **0.90**")
    progress = await (await world.alice.slash("study progress")).wait_reply()
    assert progress.embeds[0]["title"] == "学习进度：alice"
    fields = {f["name"]: f["value"] for f in progress.embeds[0]["fields"]}
    assert fields["卡片"] == "2" and fields["提醒"] == "关闭（`/study remind on`）"
    assert f"{topic_label('qlora', 'zh')}：已见 2/" in progress.embeds[0]["description"]

    # A refusal of the study service, in the member's language.
    refused = await world.alice.slash("study start", topic="cooking")
    assert refused.message.ephemeral
    assert refused.message.content == "`cooking` 不是一个主题。请从列表中选择，或查看 `/quiz topics`。"
    nothing = await world.alice.slash("study start", topic="qlora", language="en", cards=5)
    assert nothing.message.content.startswith(
        "现在没有要学习的内容：没有到期的卡片，今天的 1 张新卡片也已学完。"
    )

    # bob's Discord speaks English: the same commands answer him in English.
    english = (await world.bob.slash("study start", topic="qlora", language="en", cards=2)).message
    assert english.embeds[0]["title"].startswith("Study 1/2 · QLoRA · new")
    assert not CJK.search(english.embeds[0]["title"] + english.embeds[0]["footer"]["text"])
    assert set(_buttons(english).values()) & {"A", "Show answer"}
    bob_settings = await world.bob.slash("study settings")
    assert bob_settings.message.text().startswith("Your settings in this server: **10** new cards a day")


async def test_a_chinese_member_reports_in_chinese_and_a_chinese_curator_reviews_in_chinese(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    fake.reaction_rate = None
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    item_id = bot.rounds.active_round(card.id).item.id  # type: ignore[union-attr]
    await world.alice.react(card, "🇧")
    reveal = await _reveal(fake, bot, clock, world.alice, 5)
    assert [c["label"] for c in reveal.iter_components()] == ["Report"]  # the server's language: en

    world.bob.user.locale = "zh-CN"
    asked = await world.bob.click(reveal, "Report")
    assert asked.message.ephemeral
    assert asked.message.text() == f"`{item_id}` 有什么问题？只有本服务器的题库管理员能看到举报。"
    options = [o["label"] for c in asked.message.iter_components() for o in c.get("options") or []]
    assert options == ["答案错误", "表述不清", "错别字", "内容过时", "其他"]
    chosen = await world.bob.select(asked, "选择一个原因", ["wrong_key"])
    assert chosen.modal is not None and chosen.modal["title"] == "举报这道题"
    assert "还有要补充的吗？（可选）" in str(chosen.modal)
    done = await world.bob.submit_modal(chosen, {"comment": "答案应该是 B"})
    assert done.message.text() == f"谢谢：你对 `{item_id}` 的举报（答案错误）已提交给本服务器的题库管理员。"
    again = await world.bob.click(reveal, "Report")
    assert again.message.text() == "你已经举报过这道题了；本服务器的题库管理员会看到。"

    world.admin.user.locale = "zh-CN"
    review = await (await world.admin.slash("bank review")).wait_reply()
    embed = review.embeds[0]
    assert embed["title"] == f"审核 1/1 · {item_id} (共享题库)"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["举报（1）"] == "• **答案错误**: 答案应该是 B"
    assert fields["标记"] == "作答达到 30 次后显示（目前 0 次）。"
    labels = [c.get("label") for c in review.iter_components()]
    assert {"忽略", "在本服务器停用", "已停用的题目（0）"} <= set(labels)
    dismissed = await world.admin.click(review, "忽略")
    assert dismissed.message is not None and dismissed.message.content == f"已忽略 `{item_id}`。"
    assert dismissed.message.embeds[0]["title"] == "没有需要审核的题目"

    # The bank's own refusals, Chinese for the Chinese curator, English for an English one.
    missing = await world.admin.slash("bank remove", item_id="nope")
    assert missing.message.ephemeral
    assert missing.message.content == "本服务器自己的题目中没有 `nope`。`/bank list` 会列出这些题目。"
    listed = await world.admin.slash("bank list")
    assert listed.message.embeds[0]["title"] == "📚 本服务器自己的题目"
    world.admin.user.locale = "en-US"
    english = await world.admin.slash("bank remove", item_id="nope")
    assert english.message.content == (
        "This server has no question `nope` of its own. `/bank list` shows its questions."
    )


async def test_a_bad_option_and_a_running_quiz_are_refused_in_the_members_language(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    await start_bot(clock=FakeClock())
    world.alice.user.locale = "zh-CN"
    raw = await world.alice.raw_slash("quiz start", questions=1000)
    assert raw.message is not None and raw.message.ephemeral
    assert raw.message.content == "没有执行任何操作：`questions` 的范围是 1 到 50，不能是 1000。"
    english = await world.bob.raw_slash("quiz start", questions=1000)
    assert english.message.content == "Nothing was done: `questions` goes from 1 to 50, not 1000."

    started = await world.bob.slash("quiz start", topic="lora", questions=1)
    assert started.message is not None and not started.message.ephemeral
    again = await world.alice.slash("quiz start")
    assert again.message.content == "这个频道已经有一场测验在进行；用 `/quiz stop` 结束它。"
    newcomer = fake.add_member(world.guild, "xiaoming")
    newcomer.user.locale = "zh-CN"
    forget = await newcomer.slash("privacy forget-me")
    assert forget.message.content == "我在本服务器没有保存任何关于你的记录，没有可删除的内容。"
    about = (await newcomer.slash("about")).message.embeds[0]
    assert about["description"].startswith("用测验教你微调大语言模型")
    assert {f["name"] for f in about["fields"]} == {"题库", "主题"}
    stop = await (await world.alice.slash("quiz stop")).wait_reply()  # not hers; no Manage Messages
    assert stop.ephemeral
    assert stop.text() == "只有开始这场测验的成员或拥有“管理消息”权限的成员才能结束它。"


async def test_a_zh_tw_member_reads_the_traditional_catalogue(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    await start_bot(clock=FakeClock())
    world.alice.user.locale = "zh-TW"
    refused = await world.alice.slash("study start", topic="cooking")
    assert refused.message.content == "`cooking` 不是一個主題。請從列表中選擇，或檢視 `/quiz topics`。"
    started = (await world.alice.slash("study start", topic="data-prep", language="en", cards=1)).message
    assert started.embeds[0]["title"].startswith("學習 1/1 · 資料準備")
    synced = {c["name"]: c for c in fake.synced_commands(world.guild)}
    assert synced["study"]["name_localizations"]["zh-TW"] == "學習"


async def test_a_reminder_dm_reads_in_the_members_language_and_a_closed_dm_reason_too(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    # A DM is sent outside any interaction: it reads in the language the member's Discord had when
    # they turned reminders on (kept with the reminder); where that is not known (a reminder from
    # before it was kept), in the server's interface language.
    carol = fake.add_member(world.guild, "carol", accepts_dms=False)
    dan = fake.add_member(world.guild, "dan")
    clock = FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock)
    await world.admin.slash("settings set", ui_language="zh")
    world.alice.user.locale = "zh-CN"
    for member in (world.alice, world.bob, carol, dan):
        message = (await member.slash("study start", topic="qlora", language="en", cards=1)).message
        item = _item(bot, message)
        wrong = min(
            set(range(len(item.choices))) - {item.answer_index, *item.also_accepted_indexes}, default=None
        )
        if item.type is ItemType.SHORT_ANSWER or wrong is None:
            show = next(cid for cid in _buttons(message) if cid.endswith(":show"))
            shown = (await member.click(message, show)).message
            again = [cid for cid in _buttons(shown) if cid.endswith(":r1")]
            await member.click(shown, again[0])
        else:
            await member.click(message, LETTERS[wrong])  # due again in a minute
        await member.slash("study remind on", time="14:30", timezone="Europe/Berlin")
    fake.expect_http_error(403, 50007)  # carol's DMs are closed
    async with bot.db.transaction() as conn:  # dan's reminder is older than the kept language
        await conn.execute("UPDATE study_members SET language = NULL WHERE user_id = ?", (dan.id,))

    clock.set(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    bot.wake_due_work()
    dm = await fake.wait_for(lambda: next(iter(world.alice.dms), None), what="alice's reminder DM")
    assert dm.content == "📚 你在 **Study Server** 有 1 张卡片到期：/study start"
    english = await fake.wait_for(lambda: next(iter(world.bob.dms), None), what="bob's reminder DM")
    assert english.content == "📚 1 card due in **Study Server**: /study start"
    server = await fake.wait_for(lambda: next(iter(dan.dms), None), what="dan's reminder DM")
    assert server.content == "📚 你在 **Study Server** 有 1 张卡片到期：/study start"

    for _ in range(100):
        if (await bot.reminders.state(world.guild.id, carol.id)).off_reason is not None:
            break
        await asyncio.sleep(0.02)
    carol.user.locale = "zh-CN"
    progress = await (await carol.slash("study progress")).wait_reply()
    fields = {f["name"]: f["value"] for f in progress.embeds[0]["fields"]}
    assert fields["提醒"].startswith("关闭：你关闭了机器人的私信（Discord 错误 50007），所以提醒已关闭。")


async def test_a_chinese_teacher_reads_the_class_overview_in_chinese(
    fake: FakeDiscord, world: StudyServer, start_bot, two_lora: Path
) -> None:
    clock = FakeClock()
    bot: QuizBot = await start_bot(clock=clock, bank_dir=two_lora)
    fake.reaction_rate = None
    _text, card = await _ask(fake, bot, world.alice, topic="lora", seconds=5)
    await world.alice.react(card, "🇦")
    await world.bob.react(card, "🇧")
    await _reveal(fake, bot, clock, world.alice, 5)

    world.admin.user.locale = "zh-CN"
    reply = await (await world.admin.slash("class")).wait_reply()
    embed = reply.embeds[0]
    assert embed["title"] == "🎓 班级概况（最近 30 天）"
    assert embed["description"] == "**1** 天里共有 **2** 次作答。仅你可见：其他任何地方都不会点名成员。"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert set(fields) >= {
        "最难的题目",
        "可能需要帮助（正确率低于 50%）",
        "进步最大（最近 14 天对比之前 14 天）",
    }
    assert [a["filename"] for a in reply.attachments] == ["participation.png", "topics.png", "hardest.png"]

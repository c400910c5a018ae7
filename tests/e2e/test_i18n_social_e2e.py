"""Issue 19 end to end for the social commands: leaderboards, seasons, teams, competitions, /daily
and /settings set.

What only the member sees (ephemeral replies, refusals, the reset confirmation, /daily's replies)
is in their Discord language; what the channel sees (boards, team and season replies, the end
announcements) is in the server's interface language, whoever asked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from tests.e2e.test_i18n_e2e import play
from tests.e2e.test_leaderboard_e2e import board_lines
from tests.fakediscord import FakeDiscord, Message, StudyServer

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_send_limit(fake: FakeDiscord) -> None:
    """Each question posts three messages; the 5-per-5-s bucket would only cost real seconds here."""
    fake.message_rate = None


def _titled(fake: FakeDiscord, world: StudyServer, title: str) -> Message | None:
    return next(
        (m for m in fake.channel_messages(world.channel) if m.embeds and m.embeds[0].get("title") == title),
        None,
    )


async def test_a_chinese_member_reads_private_replies_in_chinese_and_public_boards_in_the_servers_language(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()  # Monday 2026-01-05, 12:00 UTC
    bot = await start_bot(clock=clock)
    world.alice.user.locale = "zh-CN"
    world.admin.user.locale = "zh-CN"

    # Refusals only the member sees: Chinese for alice, English for bob.
    refused = (await world.alice.slash("leaderboard", topic="cooking")).message
    assert refused.ephemeral and refused.content == "`cooking` 不是一个主题；请从列表中选择。"
    english = (await world.bob.slash("leaderboard", topic="cooking")).message
    assert english.ephemeral and english.content == "`cooking` is not a topic; pick one from the list."
    no_season = (await world.alice.slash("leaderboard", period="season")).message
    assert no_season.content == "这里还没有进行过赛季。管理员可以用 `/season start` 开始一个。"
    empty = (await world.admin.slash("leaderboard-reset")).message
    assert empty.ephemeral and empty.content == "历史排行榜是空的，没有可重置的内容。"
    offered = await world.alice.autocomplete("leaderboard", "topic", "data")
    assert [(c["name"], c["value"]) for c in offered] == [("数据准备", "data-prep")]

    await play(fake, world, bot, clock, [(world.alice, True), (world.bob, True)], topic="lora")
    # The board is the channel's: the server speaks English, so it stays English for alice too.
    board = (await world.alice.slash("leaderboard")).message
    assert not board.ephemeral and board.embeds[0]["title"] == "🏆 Leaderboard · All-time"
    assert " points · 100% (1/1)" in board_lines(board)[0]
    assert board.embeds[0]["footer"]["text"] == "Page 1/1 · 2 members · ties share a rank"

    # The reset confirmation is alice's... ada's alone: Chinese, buttons too, and the cancel.
    prompt = (await world.admin.slash("leaderboard-reset")).message
    assert prompt.ephemeral and prompt.content.startswith("要重置历史排行榜吗？榜上 2 名成员及其积分会被归档")
    labels = [c["label"] for row in prompt.components for c in row["components"]]
    assert labels == ["重置排行榜", "取消"]
    await world.admin.click(prompt, "取消")
    await fake.wait_for(lambda: prompt.content == "已取消，没有做任何更改。")

    # Teams: the public replies in the server's language, the private ones in the member's.
    made = (await world.admin.slash("team create", name="Owls")).message
    assert not made.ephemeral and made.content.startswith("Team **Owls** created")
    joined = (await world.alice.slash("team join", name="owls")).message
    assert joined.content == "alice joined team **Owls**."
    again = (await world.alice.slash("team join", name="Owls")).message
    assert again.ephemeral and again.content == "你已经在 **Owls** 队了。"
    left = (await world.alice.slash("team leave")).message
    assert left.ephemeral and left.content == "你已退出 **Owls** 队。你在比赛中为它赢得的积分仍归该队所有。"
    not_on = (await world.bob.slash("team leave")).message
    assert not_on.ephemeral and not_on.content == "You are not on a team."
    nothing = (await world.alice.slash("competition standings")).message
    assert nothing.content == "本服务器还没有举办过比赛。管理员可以用 `/competition start` 开始一场。"

    # /daily replies are the admin's: Chinese, with the plural of hours through the catalogue.
    setup = (
        await world.admin.slash(
            "daily setup",
            named={"channel": world.channel},
            time="09:00",
            timezone="Asia/Shanghai",
            reveal_after_hours=1,
        )
    ).message
    assert setup.ephemeral
    assert setup.content.startswith(
        f"每日一题将于每天 **09:00**（Asia/Shanghai）发布在 <#{world.channel.id}>，1 小时后公布答案。第一题："
    )
    bad = (
        await world.admin.slash("daily setup", named={"channel": world.channel}, time="25:00", timezone="UTC")
    ).message
    assert bad.content == "`25:00` 不是一天中的时间；小时为 00 到 23，分钟为 00 到 59。"
    await world.admin.slash("daily pause")
    status = (await world.admin.slash("daily status")).message.embeds[0]
    fields = {f["name"]: f["value"] for f in status["fields"]}
    assert status["title"] == "每日一题" and fields["状态"] == "**已暂停**：管理员用 /daily pause 暂停了。"
    assert fields["下一次发布"] == "用 /daily resume 恢复之后" and fields["上一次发布"] == "还没有"
    assert fields["设置"].startswith("1 小时后公布答案 · 主题：最薄弱的那个")
    resumed = (await world.admin.slash("daily resume")).message
    assert resumed.content.startswith("每日一题已恢复；下一题在 <t:")

    # /settings set answers the admin in Chinese, values and topic names included.
    changed = (await world.admin.slash("settings set", speed_bonus=False, topics="lora, data-prep")).message
    assert changed.ephemeral and changed.content == (
        "设置已更改（从下一题起生效）：\n• 启用的主题：全部 → **LoRA, 数据准备**\n• 速度加分：开 → **关**"
    )
    invalid = (await world.admin.slash("settings set", timezone="Mars/Olympus")).message
    assert invalid.content.startswith("没有做任何更改：\n• 时区：未知时区 'Mars/Olympus'")
    world.admin.user.locale = "en-US"
    same = (await world.admin.slash("settings set", speed_bonus=False)).message
    assert same.content == "Nothing changed: those are already the settings."


async def test_a_chinese_server_gets_its_boards_and_the_season_and_competition_ends_in_chinese(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()  # Monday 2026-01-05, 12:00 UTC: ISO week 2026-W02
    bot = await start_bot(clock=clock)
    await world.admin.slash("settings set", ui_language="zh")  # every client here is English

    started = (await world.admin.slash("season start", name="春季", ends_at="2h")).message
    assert not started.ephemeral and started.content.startswith(
        "赛季 **春季** 开始了：从现在起，积分也会计入赛季榜。赛季将于 <t:"
    )
    for name in ("Owls", "Larks"):
        made = (await world.admin.slash("team create", name=name)).message
        assert made.content == f"队伍 **{name}** 已创建：成员可以用 `/team join name:{name}` 加入。"
    await world.alice.slash("team join", name="Owls")
    joined = (await world.bob.slash("team join", name="Larks")).message
    assert joined.content == "bob 加入了 **Larks** 队。"
    teams = (await world.alice.slash("team list")).message.embeds[0]
    assert teams["title"] == "👥 队伍"
    assert "**Owls**：1 名成员（alice） ← 你" in teams["description"]
    competition = (await world.admin.slash("competition start", name="Cup", duration="1h")).message
    assert competition.content.startswith(
        "比赛 **Cup** 开始了（队伍总积分）：测验和每日一题得到的积分都会计入你的队伍。"
    )

    await play(fake, world, bot, clock, [(world.alice, True), (world.bob, False)], topic="lora")
    board = (await world.bob.slash("leaderboard")).message
    assert board.embeds[0]["title"] == "🏆 排行榜 · 历史累计"
    assert board.embeds[0]["footer"]["text"] == "第 1/1 页 · 共 2 人 · 同分同名次"
    assert board_lines(board) == ["🥇 alice：**1,000** 分 · 100%（1/1）", "🥈 bob：**0** 分 · 0%（0/1）"]
    week = (await world.bob.slash("leaderboard", period="week")).message.embeds[0]
    assert week["title"] == "🏆 排行榜 · 2026-W02 周"
    assert week["description"].startswith("*1月5日（周一）至 2026年1月11日（周日）（UTC）*")
    month = (await world.bob.slash("leaderboard", period="month")).message.embeds[0]
    assert month["title"] == "🏆 排行榜 · 2026年1月"
    topic = (await world.bob.slash("leaderboard", topic="data-prep")).message.embeds[0]
    assert topic["title"] == "🏆 排行榜 · 主题：数据准备"
    assert "这个榜上还没有人。" in topic["description"]
    standings = (await world.bob.slash("competition standings")).message.embeds[0]
    assert standings["title"] == "🏆 Cup · 当前排名"
    assert "暂时领先：**Owls**" in standings["description"]
    # A refusal is still bob's own: English.
    refused = (await world.bob.slash("team join", name="Owls")).message
    assert (
        refused.ephemeral
        and refused.content == "You are on **Larks**; `/team leave` it first, then join another."
    )

    clock.advance(timedelta(hours=2))
    bot.wake_due_work()
    over = await fake.wait_for(lambda: _titled(fake, world, "🏁 赛季 春季 结束了"))
    text = over.embeds[0]["description"]
    assert text.startswith("赛季已按时结束。最终前三名：\n\n🥇 alice：**")
    fields = {f["name"]: f["value"] for f in over.embeds[0]["fields"]}
    assert fields["赛季概况"].endswith(" · 2 名成员")
    assert over.embeds[0]["footer"]["text"] == "排名已归档：/leaderboard period:season season:春季"
    cup = await fake.wait_for(lambda: _titled(fake, world, "🏁 比赛 Cup 结束了"))
    description = cup.embeds[0]["description"]
    # Due an hour before the wake-up that ended it: announced late, and it says so.
    assert description.startswith(
        "比赛已按时结束（公布晚了：到期时我不在线）。最终积分榜：\n计分方式：各队**总**积分。已于 <t:"
    )
    assert "🏆 获胜队伍：**Owls**" in description and "🥇 **Owls**：**" in description
    assert "比赛开始于 <t:" in description
    assert cup.embeds[0]["footer"]["text"] == "最终积分榜：/competition standings name:Cup"
    final = (await world.bob.slash("leaderboard", period="season", season="春季")).message.embeds[0]
    assert final["title"] == "🏆 排行榜 · 赛季 春季"
    assert final["description"].startswith("*最终排名（于 2026-01-05 14:00 UTC 结束）*")

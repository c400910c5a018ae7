"""Leaderboards, stats, seasons and forget-me as members use them, through the Discord stand-in.

Points are earned the real way: ``/quiz question`` in buttons mode, members clicking a letter,
the quiz clock (a FakeClock) moved on to close the question. Answering later scores fewer points,
so the order of clicks and the clock decide the board; members who click at the same moment tie.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.app import QuizBot
from bot.bank.schema import BankItem
from bot.core.clock import FakeClock, to_ms
from bot.core.letters import LETTERS
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from cogs._quiz_views import topic_label
from tests.e2e.posted import key_index, wrong_index
from tests.fakediscord import FakeDiscord, Message, StudyServer
from tests.fakediscord.actors import CommandRefused, ComponentUnavailable, Member

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_send_limit(fake: FakeDiscord) -> None:
    """Each question posts three messages; Discord's 5-per-5-s bucket would make these tests wait
    for real seconds. Rate limits are tested with the quiz; here they only cost time."""
    fake.message_rate = None


SECONDS = 30  # per question; 1 s later costs 1000 * 0.5 / 30 ≈ 17 points


def _results(fake: FakeDiscord, world: StudyServer) -> list[Message]:
    return [m for m in fake.channel_messages(world.channel) if "Quiz over" in m.text()]


async def play(
    fake: FakeDiscord,
    world: StudyServer,
    bot: QuizBot,
    clock: FakeClock,
    plan: Sequence[tuple[Member, bool, float]],
    *,
    topic: str = "lora",
) -> BankItem:
    """One ``/quiz question``: each (member, answers right?, seconds waited first) clicks a letter.

    Returns the question (its main topic is the one its answers count for)."""
    seen = {m.id for m in fake.channel_messages(world.channel)}
    done = len(_results(fake, world))
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
    for member, correct, wait in plan:
        if wait:
            clock.advance(wait)
        await member.click(question, LETTERS[right if correct else wrong])
    clock.advance(SECONDS + 1)
    await fake.wait_for(lambda: len(_results(fake, world)) > done)
    return active.item


def board_lines(message: Message) -> list[str]:
    """The ranked lines of a leaderboard embed."""
    description = message.embeds[0].get("description", "")
    return [line for line in description.splitlines() if re.match(r"^(🥇|🥈|🥉|\*\*\d+\.\*\*) ", line)]


def ranks_and_names(message: Message) -> list[tuple[str, str]]:
    out = []
    for line in board_lines(message):
        badge, rest = line.split(" ", 1)
        rank = {"🥇": "1", "🥈": "2", "🥉": "3"}.get(badge, badge.strip("*."))
        out.append((rank, rest.split(":", 1)[0]))
    return out


async def test_ties_pagination_own_rank_and_page_buttons_that_survive_a_restart(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    players = [fake.add_member(world.guild, f"p{i:02d}") for i in range(12)]
    bot = await start_bot(clock=clock)
    # p00 first, then one second apart, except that p03 and p04 click at the same moment.
    plan = [(p, True, 0.0 if i in (0, 4) else 1.0) for i, p in enumerate(players)]
    await play(fake, world, bot, clock, plan)
    await play(fake, world, bot, clock, [(world.alice, False, 0.0)])  # on the board with 0 points

    reply = await world.alice.slash("leaderboard")
    board = reply.message
    assert not board.ephemeral and board.embeds[0]["title"] == "🏆 Leaderboard · All-time"
    assert ranks_and_names(board) == [
        ("1", "p00"),
        ("2", "p01"),
        ("3", "p02"),
        ("4", "p03"),
        ("4", "p04"),  # the tie: same rank, and the next rank skips one
        ("6", "p05"),
        ("7", "p06"),
        ("8", "p07"),
        ("9", "p08"),
        ("10", "p09"),
    ]
    assert "**1,000** points · 100% (1/1)" in board_lines(board)[0]
    assert "Page 1/2 · 13 members · ties share a rank" in board.text()
    # Alice is 13th: not in the top 10, so her own line is added.
    assert "Outside this page" in board.text() and "**13.** alice: **0** points · 0% (0/1)" in board.text()

    # Bob never answered: the board says so instead of inventing a rank.
    bobs = await world.bob.slash("leaderboard")
    assert "bob is not on this board yet." in bobs.message.text()

    await world.bob.click(board, "Next ▶")
    assert ranks_and_names(board) == [("11", "p10"), ("12", "p11"), ("13", "alice")]
    assert "Page 2/2" in board.text()
    assert "bob is not on this board yet." in board.text()  # the clicker's own line

    # A restart: the buttons on the message posted by the previous process still work.
    await bot.close()
    await start_bot(clock=clock)
    await world.alice.click(board, "◀ Previous")
    assert ranks_and_names(board)[0] == ("1", "p00") and "Page 1/2" in board.text()

    page_two = await world.alice.slash("leaderboard", page=2)
    assert ranks_and_names(page_two.message)[-1] == ("13", "alice")
    assert "Outside this page" not in page_two.message.text()  # alice is on this page


async def test_week_boards_start_on_monday_in_the_servers_time_zone(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    # Sunday 11 January 2026, 23:00 in Tokyo (14:00 UTC). Monday begins there at 15:00 UTC.
    clock = FakeClock(datetime(2026, 1, 11, 14, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock)
    async with bot.db.transaction() as conn:
        settings = GuildSettings(guild_id=world.guild.id, timezone="Asia/Tokyo")
        await GuildSettingsRepository.save(conn, settings, to_ms(clock.now()))

    await play(fake, world, bot, clock, [(world.alice, True, 0.0)])  # Sunday night in Tokyo
    clock.set(datetime(2026, 1, 11, 15, 30, tzinfo=UTC))  # Monday 00:30 in Tokyo; still Sunday in UTC
    await play(fake, world, bot, clock, [(world.bob, True, 0.0)])

    week = (await world.alice.slash("leaderboard", period="week")).message
    assert week.embeds[0]["title"] == "🏆 Leaderboard · Week 2026-W03"
    assert "Mon 12 Jan – Sun 18 Jan 2026 (Asia/Tokyo)" in week.text()
    assert ranks_and_names(week) == [("1", "bob")]  # alice's Sunday answer is last week's
    assert "alice is not on this board yet." in week.text()

    month = (await world.alice.slash("leaderboard", period="month")).message
    assert ranks_and_names(month) == [("1", "alice"), ("1", "bob")]  # both right at once: a tie
    all_time = (await world.alice.slash("leaderboard", period="all-time")).message
    assert len(ranks_and_names(all_time)) == 2


async def test_a_season_ends_on_schedule_posts_its_top_3_and_stays_readable(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    # Members may not even see the admin commands.
    assert "season" not in world.alice.visible_commands()
    with pytest.raises(CommandRefused):
        await world.alice.slash("season start", name="Nope")

    started = await world.admin.slash("season start", name="Spring", ends_at="2h")
    assert "Season **Spring** has started" in started.message.content
    assert "final top 3 will be posted here" in started.message.content
    await play(
        fake,
        world,
        bot,
        clock,
        [(world.alice, True, 0.0), (world.bob, True, 2.0), (world.admin, True, 2.0)],
    )
    live = (await world.bob.slash("leaderboard", period="season")).message
    assert live.embeds[0]["title"] == "🏆 Leaderboard · Season Spring"
    assert [n for _r, n in ranks_and_names(live)] == ["alice", "bob", "ada"]

    clock.advance(timedelta(hours=2))
    bot.wake_due_work()  # the minute's wake-up, now instead of in up to a minute of real time
    over = await fake.wait_for(
        lambda: next((m for m in fake.channel_messages(world.channel) if "is over" in m.text()), None)
    )
    assert over.embeds[0]["title"] == "🏁 Season Spring is over"
    assert "ended on schedule" in over.text() and "Final top 3" in over.text()
    assert [n for _r, n in ranks_and_names(over)] == ["alice", "bob", "ada"]
    assert bot.seasons.running_id(world.guild.id) is None

    # Points after the end no longer go to the season.
    await play(fake, world, bot, clock, [(world.bob, True, 0.0)])
    final = (await world.bob.slash("leaderboard", period="season", season="Spring")).message
    assert "Final standings" in final.text()
    assert board_lines(final) == board_lines(live)  # bob's later answer did not count
    names = await world.bob.autocomplete("leaderboard", "season", "spr")
    assert [c["value"] for c in names] == ["Spring"]

    # By command: /season end posts the top 3 at once.
    await world.admin.slash("season start", name="Summer")
    await play(fake, world, bot, clock, [(world.bob, True, 0.0)])
    ended = await world.admin.slash("season end")
    reply = await ended.wait_reply()
    assert "Season Summer is over" in reply.text() and ranks_and_names(reply) == [("1", "bob")]
    nothing = await world.admin.slash("season end")
    assert "No season is running" in nothing.text


async def test_stats_with_an_accuracy_chart_and_topic_boards(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    first = await play(
        fake, world, bot, clock, [(world.alice, True, 0.0), (world.bob, True, 1.0)], topic="sft"
    )
    second = await play(
        fake, world, bot, clock, [(world.alice, True, 0.0), (world.bob, False, 0.0)], topic="sft"
    )
    third = await play(
        fake, world, bot, clock, [(world.alice, False, 0.0), (world.bob, True, 0.0)], topic="peft"
    )
    # Answers count for a question's main topic.
    per_topic: dict[str, list[int]] = {}
    for item, right in ((first, 1), (second, 1), (third, 0)):
        counts = per_topic.setdefault(item.main_topic, [0, 0])
        counts[0] += right
        counts[1] += 1

    mine = await world.alice.slash("stats")
    message = mine.message
    text = message.text()
    assert message.embeds[0]["title"] == "📊 Stats · alice"
    assert "2,000" in text and "#1 of 2" in text and "66% (2/3 answered)" in text
    for topic, (right, answered) in per_topic.items():
        assert f"{topic_label(topic)}: {100 * right // answered}% ({right}/{answered})" in text
    assert "0 now · best 2" in text  # two right, then a wrong one
    assert len(message.attachments) == 1
    attachment = message.attachments[0]
    assert attachment["filename"] == "accuracy.png"
    assert message.embeds[0]["image"]["url"] == "attachment://accuracy.png"
    _name, data, _ctype = fake.attachments[int(attachment["id"])]
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and 400 <= image.size[0] <= 2000 and 100 <= image.size[1] <= 1200

    theirs = (await world.alice.slash("stats", member=world.bob)).message
    assert theirs.embeds[0]["title"] == "📊 Stats · bob" and "#2 of 2" in theirs.text()
    nobody = (await world.alice.slash("stats", member=world.admin)).message
    assert "has not answered any question" in nobody.text() and not nobody.attachments

    topic = first.main_topic
    board = (await world.bob.slash("leaderboard", topic=topic)).message
    assert board.embeds[0]["title"] == f"🏆 Leaderboard · Topic: {topic_label(topic)}"
    assert "ranked by correct answers, then accuracy" in board.text()
    right, answered = per_topic[topic]
    # Two questions drawn for different filters can share a main topic, so find alice's line.
    alice_line = f"alice: **{right}** correct of {answered} ({100 * right // answered}%)"
    assert any(line.endswith(alice_line) for line in board_lines(board)), board.text()
    refused = await world.bob.slash("leaderboard", topic="lora", period="week")
    assert refused.message.ephemeral and "Topic boards are all-time" in refused.message.text()


async def test_leaderboard_reset_needs_manage_server_and_a_confirmation(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await play(fake, world, bot, clock, [(world.alice, True, 0.0), (world.bob, True, 0.0)])
    assert "leaderboard-reset" not in world.alice.visible_commands()
    assert "leaderboard-reset" in world.admin.visible_commands()

    prompt = await world.admin.slash("leaderboard-reset")
    assert prompt.message.ephemeral and "Its 2 members" in prompt.message.text()
    with pytest.raises(ComponentUnavailable):  # only the admin sees (and may press) the button
        await world.alice.click(prompt.message, "Reset the board")
    await world.admin.click(prompt.message, "Cancel")
    assert "Cancelled" in prompt.message.text()
    assert len(ranks_and_names((await world.alice.slash("leaderboard")).message)) == 2

    prompt = await world.admin.slash("leaderboard-reset")
    await world.admin.click(prompt.message, "Reset the board")
    await fake.wait_for(lambda: "starts over" in prompt.message.text())
    assert "archived as **All-time until 2026-01-05" in prompt.message.text()
    assert prompt.message.iter_components() == []
    after = (await world.alice.slash("leaderboard")).message
    assert "Nobody is on this board yet" in after.text()
    week = (await world.alice.slash("leaderboard", period="week")).message
    assert len(ranks_and_names(week)) == 2  # only the all-time board starts over

    empty = await world.admin.slash("leaderboard-reset")
    assert "nothing to reset" in empty.message.text()


async def test_forget_me_deletes_the_members_record_after_a_confirmation(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await play(fake, world, bot, clock, [(world.alice, True, 0.0), (world.bob, True, 1.0)])

    prompt = await world.alice.slash("privacy forget-me")
    assert prompt.message.ephemeral and "1 answers" in prompt.message.text()
    assert fake.channel_messages(world.channel)[-1].id != prompt.message.id  # private
    await world.alice.click(prompt.message, "Delete my data")
    await fake.wait_for(lambda: "Done." in prompt.message.text())

    board = (await world.bob.slash("leaderboard")).message
    assert ranks_and_names(board) == [("1", "bob")]
    stats = (await world.bob.slash("stats", member=world.alice)).message
    assert "has not answered any question" in stats.text()
    again = await world.alice.slash("privacy forget-me")
    assert "nothing to delete" in again.message.text()
    # Bob's record is his own: untouched.
    assert "#1 of 1" in (await world.bob.slash("stats")).message.text()
    # A member who leaves keeps their record until they ask: nothing listens for departures (and
    # the bot has no members intent to hear them).
    assert not any(bot.extra_events.get(e) for e in ("on_member_remove", "on_raw_member_remove"))
    assert not bot.intents.members


async def test_a_season_due_while_the_bot_was_down_ends_at_the_next_start(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    job = bot.scheduler.get_job("due-work")
    assert job is not None and job.trigger.interval == timedelta(minutes=1)  # one job for all timed work
    await world.admin.slash("season start", name="Winter", ends_at="1h")
    await play(fake, world, bot, clock, [(world.bob, True, 0.0)])
    await bot.close()

    clock.advance(timedelta(hours=3))  # it came due while nothing ran
    restarted = await start_bot(clock=clock)
    over = await fake.wait_for(
        lambda: next((m for m in fake.channel_messages(world.channel) if "is over" in m.text()), None)
    )
    assert "late: I was offline when it was due" in over.text()
    assert ranks_and_names(over) == [("1", "bob")]
    assert restarted.seasons.running_id(world.guild.id) is None
    assert [j.id for j in restarted.scheduler.get_jobs()] == ["due-work"]


async def test_a_confirmation_expires(fake: FakeDiscord, world: StudyServer, start_bot) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await play(fake, world, bot, clock, [(world.alice, True, 0.0)])
    prompt = await world.alice.slash("privacy forget-me")
    clock.advance(timedelta(minutes=11))
    pressed = await world.alice.click(prompt.message, "Delete my data")
    assert "expired" in (await pressed.wait_reply()).text()
    assert ranks_and_names((await world.bob.slash("leaderboard")).message) == [("1", "alice")]

"""The question of the day as a server lives with it, through the Discord stand-in, on a clock the test moves.

The bot's clock is a ``FakeClock``; :func:`_at` moves it (and the stand-in's clock) to an instant and
runs the one due-work wake-up, as the minute's scheduler job would. Which question is drawn is
random: the tests read the item id from the card's footer and take the key from the bank.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bot.bank.schema import BankItem
from bot.core.clock import FakeClock, to_ms
from bot.core.letters import REACTIONS
from bot.storage.daily import DailyRepository
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from tests.e2e.posted import embed_field, key_index, wrong_index
from tests.fakediscord import FakeDiscord, Message, Overwrite, Perm, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.models import Channel, Role

pytestmark = pytest.mark.e2e

BERLIN = "Europe/Berlin"
# Thursday 2026-03-26, 07:00 in Berlin (CET, UTC+1); the clocks go forward on Sunday the 29th.
START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- reading what Discord shows ----------------------------------------------------------------


def _title(m: Message) -> str:
    return str(m.embeds[0].get("title", "")) if m.embeds else ""


def _dailies(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [m for m in fake.channel_messages(channel) if _title(m).startswith("Question of the day")]


def _reveals(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [m for m in fake.channel_messages(channel) if _title(m).startswith("Answer of the day")]


def _item(bot: QuizBot, card: Message) -> BankItem:
    item = bot.bank.by_id(card.embeds[0]["footer"]["text"].split(" · ")[-1])
    assert item is not None, card.embeds[0]["footer"]
    return item


def _right(bot: QuizBot, card: Message) -> str:
    """The key's letter as this posting shows it."""
    return REACTIONS[key_index(card, _item(bot, card))]


def _wrong(bot: QuizBot, card: Message) -> str:
    """A letter that scores nothing on this posting."""
    return REACTIONS[wrong_index(card, _item(bot, card))]


# --- moving time -------------------------------------------------------------------------------


async def _at(fake: FakeDiscord, bot: QuizBot | None, clock: FakeClock, when: datetime) -> None:
    """Move both clocks to ``when`` (once the bot has seen every event) and run the wake-up."""
    if bot is not None:
        await fake.wait_delivered()
    seconds = (when - clock.now()).total_seconds()
    assert seconds >= 0, f"time only moves forward ({clock.now()} -> {when})"
    fake.clock.advance(seconds)
    clock.set(when)
    if bot is not None:
        await bot.run_due_work()


async def _start(fake: FakeDiscord, start_bot: Any, clock: FakeClock) -> QuizBot:
    """Start the bot and wait until its start-up wake-up (late posts, overdue reveals) is done."""
    bot: QuizBot = await start_bot(clock=clock)
    # The start-up run is a tracked task named in bot.app; it is gone once finished.
    await fake.wait_for(
        lambda: not any(t.get_name() == "due-work-at-start" for t in bot.tasks._tasks),
        what="the bot's start-up wake-up to finish",
    )
    return bot


def _quiet_reactions(fake: FakeDiscord) -> None:
    """Switch off the stand-in's reaction pacing (real-time sleeps in discord.py); not the subject here."""
    fake.reaction_rate = None


async def _setup(world: StudyServer, channel: Channel, *, role: Role | None = None, **options: Any) -> str:
    values: dict[str, Any] = {"time": "09:00", "timezone": BERLIN, **options}
    if role is not None:
        values["role"] = role
    record = await world.admin.slash("daily setup", named={"channel": channel}, **values)
    assert record.message is not None and record.message.ephemeral
    return record.message.content


async def _posted(fake: FakeDiscord, bot: QuizBot, channel: Channel, n: int) -> Message:
    """The ``n``th question of the day, once its answer reactions are on."""

    def ready() -> Message | None:
        cards = _dailies(fake, channel)
        if len(cards) < n:
            return None
        card = cards[n - 1]
        letters = REACTIONS[: len(_item(bot, card).choices)]
        return card if all(fake.bot_user.id in card.reactors(e) for e in letters) else None

    return await fake.wait_for(ready, what=f"question of the day {n} in #{channel.name}")


# --- tests -------------------------------------------------------------------------------------


async def test_a_question_posts_at_the_local_time_pings_only_its_role_and_is_revealed_with_counts(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    quizzers = fake.add_role(world.guild, "quizzers", 0)
    zones = await world.admin.autocomplete(
        "daily setup", "timezone", "berl", named={"channel": world.channel}
    )
    assert "Europe/Berlin" in [c["value"] for c in zones]

    said = await _setup(world, world.channel, role=quizzers)
    first_post = utc(2026, 3, 26, 8, 0)  # 09:00 CET
    assert "**09:00** (Europe/Berlin)" in said and f"<t:{int(first_post.timestamp())}:F>" in said

    status = (await world.admin.slash("daily status")).message
    assert status is not None and status.ephemeral
    assert "2026-03-26 09:00 CET" in status.text() and f"<t:{int(first_post.timestamp())}:F>" in status.text()
    assert "Running" in status.text() and "none yet" in status.text()

    await _at(fake, bot, clock, first_post - timedelta(minutes=1))
    assert _dailies(fake, world.channel) == []
    await _at(fake, bot, clock, first_post)
    card = await _posted(fake, bot, world.channel, 1)
    assert card.content.startswith(f"<@&{quizzers.id}> **Question of the day** · 2026-03-26")
    assert card.pinged_role_ids() == [quizzers.id] and not card.pings_everyone()
    assert "Posted late" not in card.content

    await world.alice.react(card, _right(bot, card))
    await world.bob.react(card, _wrong(bot, card))
    await _at(fake, bot, clock, first_post + timedelta(hours=11, minutes=59))
    assert _reveals(fake, world.channel) == []  # open all day
    await _at(fake, bot, clock, first_post + timedelta(hours=12))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    item = _item(bot, card)
    assert reveal.message_reference is not None and reveal.message_reference["message_id"] == str(card.id)
    assert "Answers (2)" in reveal.text() and "alice" in embed_field(reveal, "Right (1)")
    counts = embed_field(reveal, "Answers").splitlines()
    assert counts[key_index(card, item)].endswith("1 ✅")
    assert item.explanation[:40] in reveal.embeds[0]["description"]

    # A daily answer scores like a quiz answer.
    board = (await world.alice.slash("leaderboard")).message
    assert board is not None and "alice" in board.text()

    # A second run the same day posts nothing more.
    await _at(fake, bot, clock, first_post + timedelta(hours=13))
    assert len(_dailies(fake, world.channel)) == 1
    status = (await world.admin.slash("daily status")).message
    assert status is not None and "2026-03-26 (revealed)" in status.text()
    assert "2026-03-27 09:00 CET" in status.text()


async def test_day_streaks_grow_across_the_spring_change_and_show_in_stats(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    await _setup(world, world.channel, reveal_after_hours=2)
    # 09:00 in Berlin is 08:00 UTC until Sunday the 29th, then 07:00 UTC (CEST).
    posts = [
        utc(2026, 3, 26, 8, 0),
        utc(2026, 3, 27, 8, 0),
        utc(2026, 3, 28, 8, 0),
        utc(2026, 3, 29, 7, 0),
        utc(2026, 3, 30, 7, 0),
    ]
    for n, at in enumerate(posts, start=1):
        await _at(fake, bot, clock, at - timedelta(minutes=1))
        assert len(_dailies(fake, world.channel)) == n - 1, f"day {n} posted before 09:00 local"
        await _at(fake, bot, clock, at)
        card = await _posted(fake, bot, world.channel, n)
        await world.alice.react(card, _right(bot, card))
        if n != 3:  # bob misses Saturday
            await world.bob.react(card, _right(bot, card))
        await _at(fake, bot, clock, at + timedelta(hours=2))
        await fake.wait_for(lambda n=n: len(_reveals(fake, world.channel)) >= n)

    alice = (await world.alice.slash("stats")).message
    assert alice is not None
    assert embed_field(alice, "Daily streak") == "5 now · best 5"
    bob = (await world.alice.slash("stats", member=world.bob)).message
    assert bob is not None and embed_field(bob, "Daily streak") == "2 now · best 2"
    assert len(set(_item(bot, c).id for c in _dailies(fake, world.channel))) == 5, "no repeats"


async def test_local_times_that_do_not_exist_or_occur_twice_post_once(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(utc(2026, 3, 28, 12, 0))
    bot = await _start(fake, start_bot, clock)
    await _setup(world, world.channel, time="02:30", reveal_after_hours=1)
    # 2026-03-29 02:30 does not exist in Berlin (02:00 -> 03:00): posted at 03:00 CEST, 01:00 UTC.
    await _at(fake, bot, clock, utc(2026, 3, 29, 0, 59))
    assert _dailies(fake, world.channel) == []
    await _at(fake, bot, clock, utc(2026, 3, 29, 1, 0))
    await _posted(fake, bot, world.channel, 1)

    # 2026-10-25 02:30 happens twice (03:00 -> 02:00): posted at the first, 00:30 UTC, only.
    async with bot.db.transaction() as conn:  # the months between are not the subject: jump
        await DailyRepository.advance(
            conn,
            world.guild.id,
            (await bot.daily_schedules.schedule(world.guild.id)).next_post_at,
            to_ms(utc(2026, 10, 25, 0, 30)),
        )
    await _at(fake, bot, clock, utc(2026, 10, 25, 0, 29))
    count = len(_dailies(fake, world.channel))
    await _at(fake, bot, clock, utc(2026, 10, 25, 0, 30))
    await _posted(fake, bot, world.channel, count + 1)
    await _at(fake, bot, clock, utc(2026, 10, 25, 1, 30))  # 02:30 again, now CET
    await _at(fake, bot, clock, utc(2026, 10, 25, 1, 45))
    assert len(_dailies(fake, world.channel)) == count + 1
    status = (await world.admin.slash("daily status")).message
    assert status is not None and "2026-10-26 02:30 CET" in status.text()


async def test_a_restart_after_the_post_time_never_posts_twice_and_answers_keep_counting(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    await _setup(world, world.channel)
    await _at(fake, bot, clock, utc(2026, 3, 26, 8, 0))
    card = await _posted(fake, bot, world.channel, 1)
    await world.alice.react(card, _right(bot, card))
    await fake.wait_delivered()
    await bot.close()

    await world.bob.react(card, _right(bot, card))  # while the bot is down
    await _at(fake, None, clock, utc(2026, 3, 26, 9, 30))
    bot = await _start(fake, start_bot, clock)
    await bot.run_due_work()
    assert len(_dailies(fake, world.channel)) == 1, "the restart posted again"
    await world.admin.react(card, _wrong(bot, card))  # after the restart

    await _at(fake, bot, clock, utc(2026, 3, 26, 20, 0))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    assert "Answers (3)" in reveal.text()
    right = embed_field(reveal, "Right (2)")
    assert "alice" in right and "bob" in right
    posts = await DailyRepository(bot.db).posts(world.guild.id)
    assert [(p.local_date, p.status, p.late) for p in posts] == [("2026-03-26", "revealed", False)]


async def test_a_restart_before_the_post_time_posts_late_that_day_and_skips_a_day_it_missed(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    await _setup(world, world.channel, reveal_after_hours=3)
    await bot.close()

    # Down from 07:00 to 11:00 Berlin: the 09:00 question is posted late at start-up.
    await _at(fake, None, clock, utc(2026, 3, 26, 10, 0))
    bot = await _start(fake, start_bot, clock)
    card = await _posted(fake, bot, world.channel, 1)
    assert "Posted late" in card.content
    await bot.run_due_work()
    assert len(_dailies(fake, world.channel)) == 1
    await world.alice.react(card, _right(bot, card))
    await fake.wait_delivered()
    await bot.close()

    # Down through Friday (its post missed and its day over) until after Thursday's reveal was due.
    await _at(fake, None, clock, utc(2026, 3, 28, 7, 0))
    bot = await _start(fake, start_bot, clock)
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    assert "alice" in embed_field(reveal, "Right (1)"), "the overdue reveal was made at start-up"
    assert len(_dailies(fake, world.channel)) == 1, "Friday's question is not posted on Saturday"
    posts = await DailyRepository(bot.db).posts(world.guild.id)
    assert [(p.local_date, p.status, p.late) for p in posts] == [
        ("2026-03-26", "revealed", True),
        ("2026-03-27", "skipped", False),
    ]
    await _at(fake, bot, clock, utc(2026, 3, 28, 8, 0))
    card = await _posted(fake, bot, world.channel, 2)
    assert "2026-03-28" in card.content and "Posted late" not in card.content


async def test_a_deleted_channel_or_a_missing_permission_pauses_that_server_only(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    other = fake.add_guild("Other Server", channel_name="daily")
    side_room = fake.add_channel(world.guild, "side-room")
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    await _setup(world, world.channel)
    # Commands are synced to the development server only; the other server is set up directly.
    await bot.daily_schedules.setup(
        guild_id=other.id, channel_id=fake.default_channel(other).id, post_time="09:00", timezone=BERLIN
    )
    await _at(fake, bot, clock, utc(2026, 3, 26, 8, 0))
    first = await _posted(fake, bot, world.channel, 1)
    await _posted(fake, bot, fake.default_channel(other), 1)

    # The channel is deleted while today's question is open: its reveal finds it gone.
    await fake.delete_channel(world.channel)
    fake.expect_http_error(404, 10003)
    await _at(fake, bot, clock, utc(2026, 3, 26, 20, 0))
    assert bot.rounds.active_round(first.id) is None
    status = (await world.admin.slash("daily status", channel=side_room)).message
    assert status is not None and "Paused" in status.text() and "channel was deleted" in status.text()

    await _at(fake, bot, clock, utc(2026, 3, 27, 8, 0))  # the other server goes on
    await _posted(fake, bot, fake.default_channel(other), 2)
    assert len(_reveals(fake, fake.default_channel(other))) == 1

    # Set up again in another channel, then the bot loses Send Messages there.
    await _setup(world, side_room)
    await fake.set_overwrites(side_room, [Overwrite(id=fake.bot_user.id, type=1, deny=Perm.SEND_MESSAGES)])
    await _at(fake, bot, clock, utc(2026, 3, 28, 8, 0))
    assert _dailies(fake, side_room) == []
    await _posted(fake, bot, fake.default_channel(other), 3)
    status = (await world.admin.slash("daily status", channel=side_room)).message
    assert status is not None and "missing Send Messages" in status.text()
    posts = await DailyRepository(bot.db).posts(world.guild.id)
    assert [(p.local_date, p.status) for p in posts] == [("2026-03-26", "failed"), ("2026-03-28", "failed")]

    # Fixed and resumed: the next day posts again.
    await fake.set_overwrites(side_room, [])
    await world.admin.slash("daily resume", channel=side_room)
    await _at(fake, bot, clock, utc(2026, 3, 29, 7, 0))
    await _posted(fake, bot, side_room, 1)


async def test_admins_pause_resume_and_post_now_and_members_cannot(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    assert "daily" not in [c.split()[0] for c in world.alice.visible_commands()]
    refused = await world.admin.slash("daily status")
    assert refused.message is not None and "daily setup" in refused.message.content
    await _setup(world, world.channel, topic="lora")

    now = await world.admin.slash("daily now")
    reply = await now.wait_reply()
    assert "Posted today's question (2026-03-26)" in reply.content
    card = await _posted(fake, bot, world.channel, 1)
    assert _item(bot, card).main_topic == "lora" or "lora" in _item(bot, card).topics
    again = await world.admin.slash("daily now")
    assert "already been posted" in (await again.wait_reply()).content
    await _at(fake, bot, clock, utc(2026, 3, 26, 8, 0))  # today's slot is taken by /daily now
    assert len(_dailies(fake, world.channel)) == 1

    await world.admin.slash("daily pause")
    status = (await world.admin.slash("daily status")).message
    assert status is not None and "Paused by an admin" in status.text()
    await _at(fake, bot, clock, utc(2026, 3, 27, 8, 0))
    assert len(_dailies(fake, world.channel)) == 1
    resumed = (await world.admin.slash("daily resume")).message
    assert resumed is not None and f"<t:{int(utc(2026, 3, 28, 8, 0).timestamp())}:F>" in resumed.content
    await _at(fake, bot, clock, utc(2026, 3, 28, 8, 0))
    await _posted(fake, bot, world.channel, 2)

    bad = await world.admin.slash(
        "daily setup", named={"channel": world.channel}, time="25:00", timezone=BERLIN
    )
    assert bad.message is not None and "not a time of day" in bad.message.content
    bad = await world.admin.slash(
        "daily setup", named={"channel": world.channel}, time="09:00", timezone="Mars/Olympus"
    )
    assert bad.message is not None and "unknown time zone" in bad.message.content


async def test_buttons_mode_posts_buttons_and_the_answers_count(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock(START)
    bot = await _start(fake, start_bot, clock)
    async with bot.db.transaction() as conn:
        await GuildSettingsRepository.save(
            conn, GuildSettings(guild_id=world.guild.id, answer_mode="buttons"), to_ms(clock.now())
        )
    await _setup(world, world.channel, reveal_after_hours=1)
    await _at(fake, bot, clock, utc(2026, 3, 26, 8, 0))
    card = (await fake.wait_for(lambda: _dailies(fake, world.channel)))[0]
    assert card.reactions == {} and len(card.iter_components()) == len(_item(bot, card).choices)
    item = _item(bot, card)
    clicked = await world.alice.click(card, card.iter_components()[key_index(card, item)]["custom_id"])
    assert "Locked in" in (await clicked.wait_reply()).content
    content = card.content
    await _at(fake, bot, clock, utc(2026, 3, 26, 9, 0))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    assert "alice" in embed_field(reveal, "Right (1)")
    # The reveal disables the buttons in one edit; the post's text stays as it was.
    await fake.wait_for(lambda: card.edits == 1, what="the buttons disabled")
    assert all(b.get("disabled") for b in card.iter_components()) and card.content == content

"""Quizzes and questions of the day that stay whole when Discord misbehaves (issue 12, items 3-6, 8).

Through the stand-in: 5xx and 429s on posts, channels that deny the bot what a question needs, an
invalid gateway session with reactions made in the gap, and raw interactions with values Discord's
client would never send. Posts are retried on a short schedule (``_fast_retries``) so a give-up
takes a fraction of a second instead of 30 s. Which question is drawn is random: the tests count
answers and read statuses rather than rely on which letter is the key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bot.core.clock import FakeClock
from bot.core.letters import REACTIONS
from bot.services.posting import RetrySchedule
from bot.services.quiz import PAUSE_BETWEEN_ROUNDS
from bot.storage.daily import DailyRepository
from tests.fakediscord import FakeDiscord, Message, Perm, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.models import Channel

pytestmark = pytest.mark.e2e

MESSAGES = "/channels/{channel_id}/messages"
FAST = RetrySchedule((0.02, 0.05, 0.1))  # four attempts in under 0.2 s
START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
BERLIN = "Europe/Berlin"


def _fast_retries(bot: QuizBot) -> None:
    bot.rounds.retry = FAST


def _no_pacing(fake: FakeDiscord) -> None:
    """Lift the stand-in's per-channel windows (5 sends per 5 s, 4 reactions per s): quick retries
    would fill them, and discord.py would honour them by sleeping for real. Not the subject here."""
    fake.reaction_rate = None
    fake.message_rate = None


def _is_reply(body: dict[str, Any]) -> bool:
    return "message_reference" in body  # a reveal replies to its question


# --- reading what Discord shows ----------------------------------------------------------------


def _title(m: Message) -> str:
    return str(m.embeds[0].get("title", "")) if m.embeds else ""


def _cards(fake: FakeDiscord, channel: Channel, prefix: str) -> list[Message]:
    return [m for m in fake.channel_messages(channel) if _title(m).startswith(prefix)]


async def _question(
    fake: FakeDiscord, bot: QuizBot, channel: Channel, n: int, *, buttons: bool = False
) -> Message:
    """The ``n``th question card, once members can answer it (its letters are on, or it is open)."""

    def ready() -> Message | None:
        cards = _cards(fake, channel, "Question ")
        if len(cards) < n or bot.rounds.active_round(cards[n - 1].id) is None:
            return None
        card = cards[n - 1]
        if buttons:
            return card
        return card if fake.bot_user.id in card.reactors(REACTIONS[1]) else None

    return await fake.wait_for(ready, what=f"question {n} in #{channel.name}")


async def _reveal(fake: FakeDiscord, channel: Channel, n: int, prefix: str = "Answer ") -> Message:
    return await fake.wait_for(
        lambda: len(_cards(fake, channel, prefix)) >= n and _cards(fake, channel, prefix)[n - 1],
        what=f"reveal {n} in #{channel.name}",
    )


async def _pass(fake: FakeDiscord, clock: FakeClock, seconds: float) -> None:
    await fake.wait_delivered()
    fake.clock.advance(seconds)
    clock.advance(seconds)


async def _round_statuses(bot: QuizBot) -> list[str]:
    return [r["status"] for r in await bot.db.fetch_all("SELECT status FROM rounds ORDER BY id")]


async def _session_statuses(bot: QuizBot) -> list[str]:
    return [r["status"] for r in await bot.db.fetch_all("SELECT status FROM quiz_sessions ORDER BY id")]


# --- item 3: a failed send never kills a quiz ------------------------------------------------------


async def test_a_503_on_a_reveal_and_429s_past_discord_pys_retries_are_retried_and_the_quiz_carries_on(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_fast_retries)
    await world.alice.slash("quiz start", topic="lora", questions=2, seconds=10)

    card = await _question(fake, bot, world.channel, 1)
    await world.bob.react(card, REACTIONS[0])
    reveal_503 = fake.inject_error("POST", MESSAGES, status=503, when=_is_reply)
    await _pass(fake, clock, 10.5)
    first = await _reveal(fake, world.channel, 1)
    assert reveal_503.hits == 1
    assert first.message_reference is not None and first.message_reference["message_id"] == str(card.id)
    assert "Answers (1)" in first.text()

    # Five 429s in a row: discord.py gives up on the question's post; the quiz tries again.
    limited = fake.inject_429("POST", MESSAGES, retry_after=0.01, times=5, when=lambda b: not _is_reply(b))
    await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
    await _pass(fake, clock, PAUSE_BETWEEN_ROUNDS.total_seconds() + 0.5)
    second = await _question(fake, bot, world.channel, 2)
    assert limited.hits == 5
    await world.alice.react(second, REACTIONS[1])
    await _pass(fake, clock, 10.5)
    await _reveal(fake, world.channel, 2)

    final = await _reveal(fake, world.channel, 1, prefix="Quiz ")
    assert final.embeds[0]["title"] == "Quiz over: results"
    assert final.embeds[0]["footer"]["text"] == "2 of 2 questions asked"
    assert len(_cards(fake, world.channel, "Answer ")) == 2, "each question revealed exactly once"
    assert len(_cards(fake, world.channel, "Question ")) == 2
    assert await _round_statuses(bot) == ["revealed", "revealed"]
    assert await _session_statuses(bot) == ["finished"]


async def test_a_reveal_that_stays_impossible_ends_the_quiz_with_a_reason_and_no_round_left_open(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_fast_retries)
    await world.alice.slash("quiz start", topic="lora", questions=3, seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    await world.bob.react(card, REACTIONS[0])
    outage = fake.inject_error("POST", MESSAGES, status=503, times=None, when=_is_reply)

    await _pass(fake, clock, 10.5)
    final = await _reveal(fake, world.channel, 1, prefix="Quiz ")
    assert outage.hits == 1 + len(FAST.delays), "the first try and one per wait of the schedule"
    assert final.embeds[0]["title"] == "Quiz stopped: results"
    reason = final.embeds[0]["description"].splitlines()[0]
    assert "Discord kept failing when I posted the reveal (HTTP 503" in reason and "ended early" in reason
    assert "bob" in final.embeds[0]["description"], "the answers given still score"
    assert final.embeds[0]["footer"]["text"] == "1 of 3 questions asked"
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the quiz to end")
    assert await _round_statuses(bot) == ["revealed"]
    assert await _session_statuses(bot) == ["stopped"]
    assert bot.rounds.active_round(card.id) is None
    outage.clear()

    # Nothing is stuck: the channel takes a new quiz at once.
    again = await world.alice.slash("quiz question", topic="lora", seconds=10)
    assert again.message is not None and "started a question" in again.message.content


async def test_a_channel_that_takes_no_post_at_all_ends_the_quiz_and_leaves_nothing_open(
    fake: FakeDiscord, world: StudyServer, start_bot, caplog: pytest.LogCaptureFixture
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_fast_retries)
    outage = fake.inject_error("POST", MESSAGES, status=503, times=None)

    started = await world.alice.slash("quiz start", topic="lora", questions=2, seconds=10)
    assert started.message is not None and "started a quiz" in started.message.content  # the callback works
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the quiz to give up")
    # The question's tries and then the results' tries; the reason went to the log (WARNING).
    assert outage.hits == 2 * (1 + len(FAST.delays))
    assert fake.channel_messages(world.channel) == [started.message]
    assert await _round_statuses(bot) == ["revealed"]
    assert await _session_statuses(bot) == ["stopped"]
    assert any("could not post the question" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    outage.clear()


async def test_a_channel_that_stops_taking_embeds_mid_quiz_gets_the_reason_as_plain_text(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock, prepare=_fast_retries)
    await world.alice.slash("quiz start", topic="lora", questions=3, seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    await world.bob.react(card, REACTIONS[0])
    await fake.deny_bot(world.channel, Perm.EMBED_LINKS)  # an admin changes the channel mid-quiz
    fake.expect_http_error(403, 50013, times=2)  # the reveal, then the results: not retried

    await _pass(fake, clock, 10.5)
    notice = await fake.wait_for(
        lambda: next(
            (m for m in fake.channel_messages(world.channel) if m.content.startswith("Quiz stopped")), None
        ),
        what="the reason, as plain text",
    )
    assert "I could not post the reveal (HTTP 403, code 50013" in notice.content
    assert "scores so far are kept" in notice.content and not notice.embeds
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the quiz to end")
    assert await _round_statuses(bot) == ["revealed"]
    assert await _session_statuses(bot) == ["stopped"]


async def test_the_question_of_the_day_survives_a_503_on_its_post_and_on_its_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock(START)
    bot = await start_bot(clock=clock, prepare=_fast_retries)
    await world.admin.slash(
        "daily setup", named={"channel": world.channel}, time="09:00", timezone=BERLIN, reveal_after_hours=1
    )
    post_503 = fake.inject_error("POST", MESSAGES, status=503, when=lambda b: not _is_reply(b))
    nine = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
    fake.clock.advance((nine - clock.now()).total_seconds())
    clock.set(nine)
    await bot.run_due_work()
    card = (await fake.wait_for(lambda: _cards(fake, world.channel, "Question of the day")))[0]
    assert post_503.hits == 1
    await world.alice.react(card, REACTIONS[0])

    reveal_503 = fake.inject_error("POST", MESSAGES, status=503, when=_is_reply)
    await fake.wait_delivered()
    clock.advance(3600)
    fake.clock.advance(3600)
    await bot.run_due_work()
    reveal = await _reveal(fake, world.channel, 1, prefix="Answer of the day")
    assert reveal_503.hits == 1 and "Answers (1)" in reveal.text()
    posts = await DailyRepository(bot.db).posts(world.guild.id)
    assert [(p.local_date, p.status) for p in posts] == [("2026-03-26", "revealed")]
    assert len(_cards(fake, world.channel, "Question of the day")) == 1
    assert await _round_statuses(bot) == ["revealed"]


# --- item 4: permissions are checked before anything public happens ------------------------------

MISSING = [
    (Perm.SEND_MESSAGES, "Send Messages"),
    (Perm.ADD_REACTIONS, "Add Reactions"),
    (Perm.EMBED_LINKS, "Embed Links"),
]


@pytest.mark.parametrize(("denied", "name"), MISSING, ids=[n for _p, n in MISSING])
async def test_quiz_start_and_question_refuse_privately_naming_a_missing_permission(
    denied: int, name: str, fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    room = fake.add_channel(world.guild, "locked", overwrites=[fake.bot_overwrite(deny=denied)])
    bot = await start_bot(clock=FakeClock())

    for command, options in (("quiz start", {"questions": 3}), ("quiz question", {})):
        refused = await world.alice.slash(command, topic="lora", mode="reactions", channel=room, **options)
        assert refused.message is not None and refused.message.ephemeral
        assert f"I am missing {name} here" in refused.message.content, refused.message.content
    assert fake.channel_messages(room) == []
    assert await _session_statuses(bot) == [] and await _round_statuses(bot) == []
    assert not bot.quizzes.is_running(room.id)


async def test_every_missing_permission_is_named_and_buttons_mode_needs_no_reactions(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    room = fake.add_channel(
        world.guild,
        "bare",
        overwrites=[
            fake.bot_overwrite(deny=Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY | Perm.EMBED_LINKS)
        ],
    )
    no_reactions = fake.add_channel(
        world.guild, "no-reactions", overwrites=[fake.bot_overwrite(deny=Perm.ADD_REACTIONS)]
    )
    bot = await start_bot(clock=FakeClock())

    refused = await world.alice.slash("quiz start", topic="lora", mode="reactions", channel=room)
    assert refused.message is not None
    assert "missing Embed Links, Read Message History, Add Reactions here" in refused.message.content
    started = await world.alice.slash("quiz question", topic="lora", mode="buttons", channel=no_reactions)
    assert started.message is not None and not started.message.ephemeral
    await _question(fake, bot, no_reactions, 1, buttons=True)


@pytest.mark.parametrize(("denied", "name"), MISSING, ids=[n for _p, n in MISSING])
async def test_daily_setup_and_now_refuse_privately_naming_a_missing_permission(
    denied: int, name: str, fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    room = fake.add_channel(world.guild, "locked", overwrites=[fake.bot_overwrite(deny=denied)])
    bot = await start_bot(clock=FakeClock(START))

    refused = await world.admin.slash("daily setup", named={"channel": room}, time="09:00", timezone=BERLIN)
    assert refused.message is not None and refused.message.ephemeral
    # (Without Send Messages, Embed Links is moot and named too.)
    assert "Nothing was set up: I am missing" in refused.message.content and name in refused.message.content
    assert await bot.db.fetch_all("SELECT guild_id FROM daily_schedules") == []

    # Set up where it works, then the channel loses the permission: /daily now posts nothing.
    await world.admin.slash("daily setup", named={"channel": world.channel}, time="09:00", timezone=BERLIN)
    await fake.deny_bot(world.channel, denied)
    now = await world.admin.slash("daily now")
    assert now.message is not None and now.message.ephemeral
    assert "Nothing was posted: I am missing" in now.message.content and name in now.message.content
    assert fake.channel_messages(world.channel) == []
    assert await DailyRepository(bot.db).posts(world.guild.id) == [], "today's question is still to come"
    assert await _round_statuses(bot) == []

    await fake.set_overwrites(world.channel, [])  # fixed: today's question can still be posted
    posted = await world.admin.slash("daily now")
    assert "Posted today's question" in (await posted.wait_reply()).content


# --- item 5: no answer lost across a gateway session change ---------------------------------------


async def test_reactions_made_during_an_invalid_session_count_at_the_quiz_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await world.alice.slash("quiz start", topic="lora", questions=2, seconds=20)
    card = await _question(fake, bot, world.channel, 1)
    await world.alice.react(card, REACTIONS[0])
    await _pass(fake, clock, 2)

    async with fake.session_gap() as gap:
        await gap.react(world.bob, card, REACTIONS[1])
        await gap.react(world.admin, card, REACTIONS[0])
    assert gap.lost == ["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_ADD"]
    await _pass(fake, clock, 19)

    reveal = await _reveal(fake, world.channel, 1)
    assert "Answers (3)" in reveal.text()
    rows = await bot.db.fetch_all("SELECT user_id, choice FROM answers")
    assert {(r["user_id"], r["choice"]) for r in rows} == {
        (world.alice.id, 0),
        (world.bob.id, 1),
        (world.admin.id, 0),
    }

    # The second session change, this time with the reveal due while it lasts: read at the reveal.
    await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
    await _pass(fake, clock, PAUSE_BETWEEN_ROUNDS.total_seconds() + 0.5)
    second = await _question(fake, bot, world.channel, 2)
    async with fake.session_gap(on_resume=True) as gap:
        await gap.react(world.bob, second, REACTIONS[2])
        await fake.wait_for(lambda: not bot.rounds.connected, what="the bot to see its session drop")
        clock.advance(21)
        fake.clock.advance(21)
        late = await _reveal(fake, world.channel, 2)
    assert "Answers (1)" in late.text()
    final = await _reveal(fake, world.channel, 1, prefix="Quiz ")
    assert "bob" in final.embeds[0]["description"]


async def test_reactions_made_during_an_invalid_session_count_at_the_daily_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock(START)
    bot = await start_bot(clock=clock)
    await world.admin.slash(
        "daily setup", named={"channel": world.channel}, time="09:00", timezone=BERLIN, reveal_after_hours=2
    )
    fake.clock.advance((datetime(2026, 3, 26, 8, 0, tzinfo=UTC) - clock.now()).total_seconds())
    clock.set(datetime(2026, 3, 26, 8, 0, tzinfo=UTC))
    await bot.run_due_work()
    card = await fake.wait_for(
        lambda: next(
            (m for m in _cards(fake, world.channel, "Question of the day") if m.reactors(REACTIONS[1])), None
        ),
        what="the question of the day",
    )
    await world.alice.react(card, REACTIONS[0])

    async with fake.session_gap() as gap:
        await gap.react(world.bob, card, REACTIONS[1])
    await fake.wait_delivered()
    clock.advance(timedelta(hours=2).total_seconds())
    fake.clock.advance(timedelta(hours=2).total_seconds())
    await bot.run_due_work()

    reveal = await _reveal(fake, world.channel, 1, prefix="Answer of the day")
    assert "Answers (2)" in reveal.text()
    rows = await bot.db.fetch_all("SELECT user_id, choice FROM answers")
    assert {(r["user_id"], r["choice"]) for r in rows} == {(world.alice.id, 0), (world.bob.id, 1)}


# --- item 6: hostile and odd input ----------------------------------------------------------------


async def test_every_string_option_of_every_command_has_a_max_length(bot: QuizBot) -> None:
    import discord

    unbounded = [
        f"/{command.qualified_name} {param.display_name}"
        for command in bot.tree.walk_commands()
        if isinstance(command, discord.app_commands.Command)
        for param in command.parameters
        if param.type is discord.AppCommandOptionType.string and param.max_value is None
    ]
    assert unbounded == []
    assert len(list(bot.tree.walk_commands())) > 20


async def test_over_long_inputs_are_refused_privately_within_discords_limits(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock(START))

    topic = await world.alice.raw_slash("quiz start", topic="x" * 1950)
    assert topic.message is not None and topic.message.ephemeral
    assert "`topic` takes at most 100 characters, not 1950" in topic.message.content
    assert len(topic.message.content) <= 2000
    zone = await world.admin.raw_slash(
        "daily setup", named={"channel": world.channel}, time="09:00", timezone="Europe/" + "B" * 300
    )
    assert zone.message is not None and zone.message.ephemeral
    assert "`timezone` takes at most 64 characters, not 307" in zone.message.content
    settings = await world.admin.raw_slash("settings set", timezone="Z" * 256)
    assert (
        settings.message is not None and "`timezone` takes at most 64 characters" in settings.message.content
    )
    # Within the length, but not a topic: echoed back clipped, on one line, without breaking `code`.
    odd = await world.alice.slash("quiz start", topic="`" + "y" * 98 + "\n")
    assert odd.message is not None and "'yyyy" in odd.message.content and "\n" not in odd.message.content

    assert fake.channel_messages(world.channel) == []
    assert await _session_statuses(bot) == []
    assert await bot.db.fetch_all("SELECT guild_id FROM daily_schedules") == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"questions": 0}, "`questions` goes from 1 to 50, not 0"),
        ({"questions": 1000}, "`questions` goes from 1 to 50, not 1000"),
        ({"seconds": -5}, "`seconds` goes from 5 to 300, not -5"),
        ({"mode": "telepathy"}, "`mode` is one of `reactions`, `buttons`, `typed`, not `telepathy`"),
        ({"questions": "many"}, "`questions` takes a whole number, not `many`"),
        ({"seconds": True}, "`seconds` takes a whole number, not `True`"),
    ],
)
async def test_raw_out_of_range_options_never_start_a_quiz(
    options: dict[str, Any], said: str, fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())

    refused = await world.alice.raw_slash("quiz start", topic="lora", **options)
    assert refused.message is not None and refused.message.ephemeral
    assert said in refused.message.content
    assert fake.channel_messages(world.channel) == []
    assert await _session_statuses(bot) == []
    assert not bot.quizzes.is_running(world.channel.id)


async def test_forged_custom_ids_get_a_clear_private_answer(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())
    await world.alice.slash("quiz question", topic="lora", seconds=30, mode="buttons")
    card = await _question(fake, bot, world.channel, 1, buttons=True)
    round_id = card.iter_components()[0]["custom_id"].split(":")[1]

    for choice in ("7", "12", "999"):
        beyond = await world.bob.raw_click(card, f"quiz:{round_id}:{choice}")
        assert beyond.message is not None and beyond.message.ephemeral
        assert beyond.message.content == "That is not one of this question's choices."
    season = await world.bob.raw_click(card, f"lb:season:{world.guild.id}:abc:0:n")
    assert season.message is not None and season.message.ephemeral
    assert season.message.content == "That button is not on this message (any more); nothing was done."
    assert await bot.db.fetch_all("SELECT user_id FROM answers") == []
    # The teardown check fails the test on any ERROR log or unexpected error.


# --- item 8: role pings that work ------------------------------------------------------------------


async def test_a_role_that_would_notify_nobody_is_warned_about_at_setup_and_in_status(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    room = fake.add_channel(world.guild, "daily", overwrites=[fake.bot_overwrite(deny=Perm.MENTION_EVERYONE)])
    quiet = fake.add_role(world.guild, "quiet", 0)
    loud = fake.add_role(world.guild, "loud", 0, mentionable=True)
    clock = FakeClock(START)
    bot = await start_bot(clock=clock)

    said = await world.admin.slash(
        "daily setup", named={"channel": room, "role": quiet}, time="09:00", timezone=BERLIN
    )
    assert said.message is not None and said.message.ephemeral
    assert f"<@&{quiet.id}> is not mentionable and I lack Mention Everyone" in said.message.content
    status = await world.admin.slash("daily status", channel=room)
    assert status.message is not None and "not mentionable" in status.message.text()
    # Discord would indeed notify nobody:
    now = await world.admin.slash("daily now", channel=room)
    await now.wait_reply()
    card = (await fake.wait_for(lambda: _cards(fake, room, "Question of the day")))[0]
    assert f"<@&{quiet.id}>" in card.content and card.pinged_role_ids() == []

    fine = await world.admin.slash(
        "daily setup", named={"channel": room, "role": loud}, time="09:00", timezone=BERLIN
    )
    assert fine.message is not None and "not mentionable" not in fine.message.content
    status = await world.admin.slash("daily status", channel=room)
    assert status.message is not None and "not mentionable" not in status.message.text()
    assert bot.daily_schedules is not None

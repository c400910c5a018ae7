"""Study teams and competitions as members use them, through the Discord stand-in.

Two teams: **Owls**, which alice and bob join with ``/team join``, and **Blue**, made of everyone
with the Blue role (carol and dave), resolved from the roles an answer's interaction carries.
Points come the real way: ``/quiz question`` in buttons mode (see test_leaderboard_e2e.play), and
the question of the day, posted and revealed by the due-work wake-up on a clock the test moves
(see test_daily_e2e), answered by reaction or, in buttons mode, by button.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.letters import LETTERS, REACTIONS
from tests.e2e.posted import embed_field, key_index, key_letter, wrong_index
from tests.e2e.test_admin_e2e import SHARED_BANK, bank_file, item_yaml
from tests.e2e.test_daily_e2e import (
    START,
    _at,
    _dailies,
    _item,
    _posted,
    _quiet_reactions,
    _reveals,
    _right,
    _setup,
    _start,
    _wrong,
    utc,
)
from tests.e2e.test_leaderboard_e2e import play
from tests.fakediscord import FakeDiscord, Message, StudyServer, Upload
from tests.fakediscord.actors import Member

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_send_limit(fake: FakeDiscord) -> None:
    """Each question posts three messages; the 5-per-5-s bucket would only cost real seconds here."""
    fake.message_rate = None


class Blue:
    def __init__(self, fake: FakeDiscord, world: StudyServer) -> None:
        self.role = fake.add_role(world.guild, "Blue", 0)
        self.carol: Member = fake.add_member(world.guild, "carol", roles=[self.role])
        self.dave: Member = fake.add_member(world.guild, "dave", roles=[self.role])


def announcement(fake: FakeDiscord, world: StudyServer, name: str) -> Message | None:
    title = f"🏁 Competition {name} is over"
    return next(
        (m for m in fake.channel_messages(world.channel) if m.embeds and m.embeds[0]["title"] == title), None
    )


def table(message: Message) -> list[str]:
    """The ranked team lines of a standings embed, as 'badge name' pairs."""
    lines = message.embeds[0]["description"].splitlines()
    ranked = [line for line in lines if line and (line[0] in "🥇🥈🥉" or line.startswith("**"))]
    return [line.split(":", 1)[0] for line in ranked]


async def make_teams(world: StudyServer, blue: Blue) -> None:
    made = await world.admin.slash("team create", name="Owls")
    assert "Team **Owls** created" in made.message.text() and not made.message.ephemeral
    bound = await world.admin.slash("team create", name="Blue", role=blue.role)
    assert f"everyone with the <@&{blue.role.id}> role" in bound.message.text()
    for member in (world.alice, world.bob):
        joined = await member.slash("team join", name="owls")  # names ignore case
        assert "joined team **Owls**" in joined.message.text()


async def test_two_teams_compete_total_then_average_and_the_second_ends_on_schedule(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    blue = Blue(fake, world)
    bot = await start_bot(clock=clock)
    await make_teams(world, blue)

    # The membership rules, each refusal private.
    refused = await blue.carol.slash("team join", name="Blue")
    assert refused.message.ephemeral and f"<@&{blue.role.id}>" in refused.message.text()
    again = await world.alice.slash("team join", name="Blue")
    assert again.message.ephemeral and "the <@&" in again.message.text()
    duplicate = await world.admin.slash("team create", name="  OWLS ")
    assert duplicate.message.ephemeral and "already has a team named **OWLS**" in duplicate.message.text()
    listing = (await blue.carol.slash("team list")).message
    assert "**Owls**: 2 members (alice, bob)" in listing.text()
    assert f"**Blue**: everyone with the <@&{blue.role.id}> role ← you" in listing.text()

    # Total: Owls 1,000 (alice right at once, bob wrong) beats Blue ~983 (carol right 1 s later).
    started = await world.admin.slash("competition start", name="Cup", duration="2h", scoring="total")
    assert "Competition **Cup** has started (total team points)" in started.message.text()
    plan = [(world.alice, True, 0.0), (world.bob, False, 0.0), (blue.carol, True, 1.0)]
    await play(fake, world, bot, clock, plan)
    live = (await world.bob.slash("competition standings")).message
    assert table(live) == ["🥇 **Owls**", "🥈 **Blue**"]
    assert "**1,000** points · 2 active members" in live.text() and "Leading: **Owls**" in live.text()
    owls_best = next(f for f in live.embeds[0]["fields"] if f["name"] == "Owls · best members")
    assert owls_best["value"].splitlines() == ["1. alice: 1,000", "2. bob: 0"]

    busy = await world.admin.slash("competition start", name="Other", duration="1h")
    assert busy.message.ephemeral and "**Cup** is still running" in busy.message.text()

    ended = await world.admin.slash("competition end")
    reply = await ended.wait_reply()
    assert "Competition Cup is over" in reply.text() and "🏆 Winner: **Owls**" in reply.text()
    assert "was ended" in reply.text()

    # Average per active member: the same play, and Blue's one member outscores Owls' two on average.
    started = await world.admin.slash("competition start", name="Relay", duration="1h", scoring="average")
    assert "average points per active member" in started.message.text()
    await play(fake, world, bot, clock, plan)
    live = (await world.alice.slash("competition standings")).message
    assert table(live) == ["🥇 **Blue**", "🥈 **Owls**"]
    assert "**500.0** points per active member (1,000 from 2 active members)" in live.text()

    # A restart keeps the running competition; dave scores for Blue through his role afterwards.
    await bot.close()
    bot = await start_bot(clock=clock)
    assert bot.competitions.running(world.guild.id) is not None
    await play(fake, world, bot, clock, [(blue.dave, True, 0.0)])

    clock.advance(timedelta(hours=1))
    bot.wake_due_work()
    over = await fake.wait_for(lambda: announcement(fake, world, "Relay"))
    assert "ended on schedule" in over.text() and "late" not in over.text()
    assert "🏆 Winner: **Blue**" in over.text() and table(over) == ["🥇 **Blue**", "🥈 **Owls**"]
    blue_best = next(f for f in over.embeds[0]["fields"] if f["name"] == "Blue · best members")
    assert [line.split(":")[0] for line in blue_best["value"].splitlines()] == ["1. dave", "2. carol"]
    assert bot.competitions.running(world.guild.id) is None

    # Points after the end count for no team; the final table stays readable, by name too.
    await play(fake, world, bot, clock, [(world.bob, True, 0.0)])
    final = (await world.bob.slash("competition standings")).message
    assert "Relay · final standings" in final.embeds[0]["title"] and table(final) == table(over)
    assert (
        final.embeds[0]["description"]
        == over.embeds[0]["description"]
        .replace("The competition ended on schedule. Final table:\n", "")
        .rsplit("\nPlayed from", 1)[0]
    )
    first = (await world.bob.slash("competition standings", name="cup")).message
    assert "Cup · final standings" in first.embeds[0]["title"] and "🏆 Winner: **Owls**" in first.text()
    names = await world.bob.autocomplete("competition standings", "name", "")
    assert [c["value"] for c in names] == ["Relay", "Cup"]


async def test_a_competition_due_while_the_bot_was_down_is_announced_late(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    blue = Blue(fake, world)
    bot = await start_bot(clock=clock)
    await make_teams(world, blue)
    await world.admin.slash("competition start", name="Sprint", duration="30m")
    # A reaction this time: the raw reaction event's member carries carol's Blue role.
    await world.admin.slash("quiz question", topic="lora", seconds=30, mode="reactions")
    question = await fake.wait_for(
        lambda: next((m for m in fake.channel_messages(world.channel) if m.reactions), None)
    )
    active = bot.rounds.active_round(question.id)
    assert active is not None
    await blue.carol.react(question, REACTIONS[key_index(question, active.item)])
    await fake.wait_delivered()
    clock.advance(31)
    await fake.wait_for(lambda: any("Quiz over" in m.text() for m in fake.channel_messages(world.channel)))
    await bot.close()

    clock.advance(timedelta(hours=2))
    await start_bot(clock=clock)
    over = await fake.wait_for(lambda: announcement(fake, world, "Sprint"))
    assert "late: I was offline when it was due" in over.text() and "🏆 Winner: **Blue**" in over.text()
    blue_best = next(f for f in over.embeds[0]["fields"] if f["name"] == "Blue · best members")
    assert blue_best["value"] == "1. carol: 1,000"


async def test_each_admin_command_refuses_a_member_without_manage_server(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    blue = Blue(fake, world)
    bot = await start_bot()
    await make_teams(world, blue)
    # The groups mix member and admin subcommands, so members see them; the admin ones refuse at run time.
    assert {"team", "competition"} <= set(world.alice.visible_commands())
    attempts = [
        ("team create", {"name": "Mine"}),
        ("team create", {"name": "Mine", "role": blue.role}),
        ("competition start", {"name": "Mine", "duration": "1h"}),
        ("competition end", {}),
    ]
    before = len(fake.channel_messages(world.channel))
    for command, options in attempts:
        refused = await world.alice.slash(command, **options)
        assert refused.message.ephemeral, command
        assert refused.message.text() == "You need the Manage Server permission to use this command.", command
    assert len(fake.channel_messages(world.channel)) == before  # nothing was posted
    assert [t.name for t in bot.teams.teams(world.guild.id)] == ["Blue", "Owls"]
    assert bot.competitions.running(world.guild.id) is None

    # With the permission the same commands work.
    await world.admin.slash("competition start", name="Mine", duration="1h")
    assert bot.competitions.running(world.guild.id) is not None
    refused = await world.alice.slash("competition end")
    assert refused.message.ephemeral and bot.competitions.running(world.guild.id) is not None


def ranked_lines(message: Message) -> list[str]:
    """The full ranked team lines of a standings embed (badge, name, points, active members)."""
    lines = message.embeds[0]["description"].splitlines()
    return [line for line in lines if line and (line[0] in "🥇🥈🥉" or line.startswith("**"))]


def best_members(message: Message, team: str) -> list[str]:
    field = next(f for f in message.embeds[0]["fields"] if f["name"] == f"{team} · best members")
    return str(field["value"]).splitlines()


async def test_question_of_the_day_points_count_for_both_kinds_of_team_and_decide_the_winner(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)  # Thursday 2026-03-26, 07:00 in Berlin
    blue = Blue(fake, world)
    bot = await _start(fake, start_bot, clock)
    await make_teams(world, blue)
    started = await world.admin.slash("competition start", name="Daily cup", duration="2d")
    assert "points from quizzes and daily questions count" in started.message.text()
    await _setup(world, world.channel)  # 09:00 Berlin, revealed after 12 h

    # A quiz first: Owls 1,000 (bob at once), Blue 983 (carol 1 s later).
    await play(fake, world, bot, clock, [(world.bob, True, 0.0), (blue.carol, True, 1.0)])

    # Day 1, reactions: alice (Owls, joined) right after 1 h of 12: 958; carol (Blue, by role) right
    # after 6 h: 750; bob wrong: 0. A correct answer keeps 1000 * (1 - 0.5 * elapsed share).
    day1 = utc(2026, 3, 26, 8, 0)
    await _at(fake, bot, clock, day1)
    card = await _posted(fake, bot, world.channel, 1)
    await world.bob.react(card, _wrong(bot, card))
    await _at(fake, bot, clock, day1 + timedelta(hours=1))
    await world.alice.react(card, _right(bot, card))
    await _at(fake, bot, clock, day1 + timedelta(hours=6))
    await blue.carol.react(card, _right(bot, card))
    # While the question is open, no board tells who was right: its points wait for the reveal.
    await _at(fake, bot, clock, day1 + timedelta(hours=7))
    before = (await blue.dave.slash("competition standings")).message
    assert ranked_lines(before) == [
        "🥇 **Owls**: **1,000** points · 1 active member",
        "🥈 **Blue**: **983** points · 1 active member",
    ]
    board = (await blue.dave.slash("leaderboard")).message.text()
    assert "958" not in board and "1,733" not in board
    await _at(fake, bot, clock, day1 + timedelta(hours=12))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    right = embed_field(reveal, "Right (2)")
    assert "alice" in right and "carol" in right and "bob" not in right

    live = (await blue.dave.slash("competition standings")).message
    assert ranked_lines(live) == [
        "🥇 **Owls**: **1,958** points · 2 active members",
        "🥈 **Blue**: **1,733** points · 1 active member",
    ]
    assert "Leading: **Owls**" in live.text()
    assert best_members(live, "Owls") == ["1. bob: 1,000", "2. alice: 958"]
    assert best_members(live, "Blue") == ["1. carol: 1,733"]

    # Day 2 in buttons mode: dave (Blue, by role) clicks right at once: 1,000; alice clicks wrong.
    changed = await world.admin.slash("settings set", answer_mode="buttons")
    assert "**buttons**" in changed.message.text()
    day2 = utc(2026, 3, 27, 8, 0)
    await _at(fake, bot, clock, day2)
    card = (await fake.wait_for(lambda: _dailies(fake, world.channel)[1:]))[0]
    assert card.reactions == {} and "2026-03-27" in card.content
    item = _item(bot, card)
    assert len(card.iter_components()) == len(item.choices)
    clicked = await blue.dave.click(card, LETTERS[key_index(card, item)])
    assert "Locked in" in (await clicked.wait_reply()).content
    clicked = await world.alice.click(card, LETTERS[wrong_index(card, item)])
    assert "Locked in" in (await clicked.wait_reply()).content
    await _at(fake, bot, clock, day2 + timedelta(hours=12))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)[1:]))[0]
    assert embed_field(reveal, "Right (1)") == "dave"

    live = (await world.alice.slash("competition standings")).message
    assert ranked_lines(live) == [
        "🥇 **Blue**: **2,733** points · 2 active members",
        "🥈 **Owls**: **1,958** points · 2 active members",
    ]
    assert "Leading: **Blue**" in live.text()

    # Two days after the start the wake-up ends it; the announcement counts the daily points.
    await _at(fake, bot, clock, utc(2026, 3, 28, 6, 0))
    over = await fake.wait_for(lambda: announcement(fake, world, "Daily cup"))
    assert "ended on schedule" in over.text() and "late" not in over.text()
    assert "🏆 Winner: **Blue**" in over.text()
    assert ranked_lines(over) == ranked_lines(live)
    assert best_members(over, "Blue") == ["1. carol: 1,733", "2. dave: 1,000"]
    assert best_members(over, "Owls") == ["1. bob: 1,000", "2. alice: 958"]
    assert bot.competitions.running(world.guild.id) is None

    # Day 3, after the end: carol's right answer scores for her, for no team.
    day3 = utc(2026, 3, 28, 8, 0)
    await _at(fake, bot, clock, day3)
    card = (await fake.wait_for(lambda: _dailies(fake, world.channel)[2:]))[0]
    item = _item(bot, card)
    clicked = await blue.carol.click(card, LETTERS[key_index(card, item)])
    assert "Locked in" in (await clicked.wait_reply()).content
    await _at(fake, bot, clock, day3 + timedelta(hours=12))
    await fake.wait_for(lambda: _reveals(fake, world.channel)[2:])
    final = (await world.bob.slash("competition standings")).message
    assert "Daily cup · final standings" in final.embeds[0]["title"]
    assert ranked_lines(final) == ranked_lines(over)
    assert best_members(final, "Blue") == ["1. carol: 1,733", "2. dave: 1,000"]


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    """A shared bank of one LoRA question (test_admin_e2e's): it has nothing on DPO."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(SHARED_BANK, encoding="utf-8")
    return folder


async def test_a_servers_imported_question_is_drawn_as_the_question_of_the_day_and_scores_for_teams(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    _quiet_reactions(fake)
    clock = FakeClock(START)
    blue = Blue(fake, world)
    bot = await _start(fake, functools.partial(start_bot, bank_dir=small_bank), clock)
    await make_teams(world, blue)
    await world.admin.slash("competition start", name="Club cup", duration="1d")

    # The shared bank has no DPO question, so a DPO schedule is refused ...
    refused = await _setup(world, world.channel, topic="dpo")
    assert "There are no questions for topic `dpo`" in refused
    assert await bot.daily.repo.schedule(world.guild.id) is None

    # ... until the server imports one of its own.
    upload = Upload("club.yaml", bank_file(item_yaml(1, topic="dpo", answer="B")), "application/yaml")
    imported = await world.admin.slash("bank import", file=upload)
    assert "Imported **1** question from `club.yaml`" in (await imported.wait_reply()).text()
    said = await _setup(world, world.channel, topic="dpo")
    assert "every day at **09:00** (Europe/Berlin)" in said

    day1 = utc(2026, 3, 26, 8, 0)
    await _at(fake, bot, clock, day1)

    def posted() -> Message | None:
        cards = _dailies(fake, world.channel)
        if not cards or not all(fake.bot_user.id in cards[0].reactors(e) for e in REACTIONS[:3]):
            return None
        return cards[0]

    card = await fake.wait_for(posted, what="the question of the day with its three reactions")
    assert card.embeds[0]["footer"]["text"].endswith(" · g-club-q01")
    assert "Club question number 1 about preference tuning?" in card.embeds[0]["description"]
    # alice (Owls) is right at once: 1,000; carol (Blue, by role) answers wrong.
    club = bot.guild_bank.get(world.guild.id, "g-club-q01")
    assert club is not None
    await world.alice.react(card, REACTIONS[key_index(card, club)])
    await blue.carol.react(card, REACTIONS[wrong_index(card, club)])
    await _at(fake, bot, clock, day1 + timedelta(hours=12))
    reveal = (await fake.wait_for(lambda: _reveals(fake, world.channel)))[0]
    assert reveal.embeds[0]["title"] == f"Answer of the day: {key_letter(card, club)}. Second choice 1"
    assert reveal.embeds[0]["description"] == "Because the club says so (1)."
    assert embed_field(reveal, "Right (1)") == "alice" and "Answers (2)" in reveal.text()

    live = (await blue.carol.slash("competition standings")).message
    assert ranked_lines(live) == [
        "🥇 **Owls**: **1,000** points · 1 active member",
        "🥈 **Blue**: **0** points · 1 active member",
    ]
    await _at(fake, bot, clock, START + timedelta(days=1))
    over = await fake.wait_for(lambda: announcement(fake, world, "Club cup"))
    assert "🏆 Winner: **Owls**" in over.text() and ranked_lines(over) == ranked_lines(live)

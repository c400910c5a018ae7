"""Live quizzes as members play them, through the Discord stand-in, on a clock the test moves.

Quiz time is a ``bot.core.clock.FakeClock``; :func:`_pass` moves it together with the stand-in's
own clock, so Discord's rate-limit windows see the same minutes pass as the quiz does. Which
questions a quiz draws is random: each test reads the item id from a card's footer and takes the
key from the bank, so the assertions hold whatever was drawn.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.bank.schema import BankItem
from bot.core.clock import FakeClock, to_ms
from bot.core.letters import LETTERS, REACTIONS
from bot.core.periods import period_keys
from bot.services.quiz import PAUSE_BETWEEN_ROUNDS
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from tests.e2e.posted import embed_field, key_index, posting_of, wrong_index
from tests.fakediscord import FakeDiscord, Message, Overwrite, Perm, StudyServer

if TYPE_CHECKING:
    from bot.app import QuizBot
    from tests.fakediscord.models import Channel

pytestmark = pytest.mark.e2e

PAUSE = PAUSE_BETWEEN_ROUNDS.total_seconds()  # between a reveal and the next question


# --- reading what Discord shows ----------------------------------------------------------------


def _title(m: Message) -> str:
    return str(m.embeds[0].get("title", "")) if m.embeds else ""


def _cards(fake: FakeDiscord, channel: Channel, prefix: str) -> list[Message]:
    return [m for m in fake.channel_messages(channel) if _title(m).startswith(prefix)]


def _questions(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return _cards(fake, channel, "Question ")


def _reveals(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return _cards(fake, channel, "Answer ")


def _results(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return _cards(fake, channel, "Quiz ")


def _item(bot: QuizBot, card: Message) -> BankItem:
    """The bank item a question card shows (its id ends the footer: ``medium · s000-q02``)."""
    item = bot.bank.by_id(card.embeds[0]["footer"]["text"].split(" · ")[-1])
    assert item is not None, card.embeds[0]["footer"]
    return item


def _notices(fake: FakeDiscord, channel: Channel) -> list[Message]:
    """What the channel was told about Manage Messages (the /quiz start reply, or a notice)."""
    return [m for m in fake.channel_messages(channel) if "Manage Messages" in m.text()]


def _explained(card: Message, item: BankItem) -> str:
    """The reveal's description: the explanation, after the also-accepted letters as posted."""
    accepted = posting_of(card, item).accepted_letters(item.also_accepted_indexes)
    return (f"Also accepted: {', '.join(accepted)}\n\n" if accepted else "") + item.explanation


async def _question(
    fake: FakeDiscord, bot: QuizBot, channel: Channel, n: int, *, mode: str = "reactions"
) -> Message:
    """The ``n``th question card of the channel, once members can answer it.

    In reactions mode that is when the bot's own letter reactions are all on it. A button card is
    clickable as soon as it exists; a person needs far longer to read it than the bot needs to
    take in Discord's answer to its post, so the test waits for that too.
    """

    def ready() -> Message | None:
        cards = _questions(fake, channel)
        if len(cards) < n:
            return None
        card = cards[n - 1]
        if mode == "buttons":
            return card if bot.rounds.active_round(card.id) is not None else None
        letters = REACTIONS[: len(_item(bot, card).choices)]
        return card if all(fake.bot_user.id in card.reactors(e) for e in letters) else None

    return await fake.wait_for(ready, what=f"question {n} in #{channel.name}")


async def _reveal(fake: FakeDiscord, channel: Channel, n: int) -> Message:
    return await fake.wait_for(
        lambda: len(_reveals(fake, channel)) >= n and _reveals(fake, channel)[n - 1],
        what=f"reveal {n} in #{channel.name}",
    )


async def _final(fake: FakeDiscord, channel: Channel) -> Message:
    return await fake.wait_for(lambda: next(iter(_results(fake, channel)), None), what="the results")


# --- moving time -------------------------------------------------------------------------------


async def _pass(fake: FakeDiscord, clock: FakeClock, seconds: float, *, bot_down: bool = False) -> None:
    """Let ``seconds`` pass for the quiz and for Discord, once the bot has seen every event."""
    if not bot_down:
        await fake.wait_delivered()
    fake.clock.advance(seconds)
    clock.advance(seconds)


async def _next_round(fake: FakeDiscord, clock: FakeClock) -> None:
    """Move past the pause after a reveal (it starts when the reveal is posted, so wait for it)."""
    await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions to start")
    await _pass(fake, clock, PAUSE + 0.5)


async def _restart(fake: FakeDiscord, start_bot: Any, clock: FakeClock) -> QuizBot:
    """Start the bot again on the same database and clock; return once it picked its quizzes up.

    Until then the quiz clock must not move: what happened while it was down is counted at the
    moment the bot comes back, as it would be with a real clock.
    """
    bot: QuizBot = await start_bot(clock=clock)
    await fake.wait_for(lambda: bot.rounds.resumed, what="the bot to pick its quizzes up again")
    return bot


async def _settings(bot: QuizBot, guild_id: int, **values: Any) -> None:
    """Per-server settings written as /settings would (until that command exists)."""
    async with bot.db.transaction() as conn:
        await GuildSettingsRepository.save(
            conn, GuildSettings(guild_id=guild_id, **values), to_ms(bot.clock.now())
        )


def _no_pacing(fake: FakeDiscord) -> None:
    """Switch off the stand-in's reaction pacing (1 per 0.25 s, real time) where it is not the subject.

    discord.py honours it by sleeping for real; the first test below keeps it on.
    """
    fake.reaction_rate = None


# --- tests -------------------------------------------------------------------------------------


async def test_members_answer_a_question_with_reactions_and_see_the_reveal(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    await start_bot(clock=clock)

    choices = await world.alice.autocomplete("quiz question", "topic", "lo")
    assert "lora" in [c["value"] for c in choices]
    started = await world.alice.slash("quiz question", topic="lora", seconds=5, mode="reactions")
    assert "started a question on LoRA" in started.message.content

    question = await fake.wait_for(
        lambda: next((m for m in _questions(fake, world.channel) if len(m.reactions) == 4), None)
    )
    assert all(question.reactors(e) == [fake.bot_user.id] for e in "🇦🇧🇨🇩")
    await world.alice.react(question, "🇦")
    await world.bob.react(question, "🇧")
    await world.bob.unreact(question, "🇧")
    await world.bob.react(question, "🇨")  # too late to change: the first answer counts
    assert (question.reaction_count("🇦"), question.reaction_count("🇧"), question.reaction_count("🇨")) == (
        2,
        1,
        2,
    )

    await fake.wait_delivered()  # the bot has taken both answers before time moves on
    clock.advance(6)

    reveal = await fake.wait_for(
        lambda: next((m for m in fake.channel_messages(world.channel) if m.message_reference), None)
    )
    assert reveal.message_reference is not None
    assert reveal.message_reference["message_id"] == str(question.id), "the reveal replies to its question"
    assert "Answers (2)" in reveal.text()
    await fake.wait_for(lambda: "Quiz over" in fake.channel_messages(world.channel)[-1].text())


async def test_a_full_quiz_shows_progress_reveals_and_ranks_fast_right_answers_first(
    fake: FakeDiscord, world: StudyServer, start_bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_pacing(fake)
    sent: list[dict[str, Any]] = []  # every message body the bot sends, as Discord receives it
    validate = fake._validate_new_message

    def spy(body: dict[str, Any]) -> None:
        sent.append(body)
        validate(body)

    monkeypatch.setattr(fake, "_validate_new_message", spy)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    alice, bob, ada = world.alice, world.bob, world.admin

    started = await alice.slash("quiz start", topic="lora", questions=3, seconds=10, language="en")
    assert "started a quiz of 3 question(s) on LoRA" in started.message.content
    assert not started.message.ephemeral

    # Seconds after the question appears at which each member answers, and whether right.
    plan = [
        {alice: (1, True), bob: (4, True), ada: (2, False)},
        {alice: (1, True), bob: (1, False), ada: (2, True)},
        {alice: (1, True), bob: (1, True), ada: (3, False)},
    ]
    for n, answers in enumerate(plan, start=1):
        card = await _question(fake, bot, world.channel, n)
        item = _item(bot, card)
        opened = clock.now()
        embed = card.embeds[0]
        assert embed["title"].startswith(f"Question {n}/3 · ")
        assert item.prompt in embed["description"]
        posting = posting_of(card, item)  # every choice shown once, under the letter it has here
        key, wrong = key_index(card, item), wrong_index(card, item)
        closes = int((opened + timedelta(seconds=10)).timestamp())
        assert f"<t:{closes}:R>" in embed_field(card, "Closes")

        elapsed = 0
        for member, (at, right) in sorted(answers.items(), key=lambda kv: kv[1][0]):
            await _pass(fake, clock, at - elapsed)
            elapsed = at
            await member.react(card, REACTIONS[key if right else wrong])
        await _pass(fake, clock, 10 - elapsed + 0.5)

        reveal = await _reveal(fake, world.channel, n)
        assert reveal.message_reference is not None
        assert reveal.message_reference["message_id"] == str(card.id), "the reveal replies to its question"
        # The key's letter as posted, with its text: the right text whatever letter it had.
        title = f"Answer {n}/3: {LETTERS[key]}. {item.choices[item.answer_index]}"
        assert reveal.embeds[0]["title"] == title
        assert reveal.embeds[0]["description"] == _explained(card, item)
        counts = embed_field(reveal, "Answers (3)").splitlines()
        for i, line in enumerate(counts):
            expected = sum(1 for _at, r in answers.values() if (key if r else wrong) == i)
            assert line.startswith(REACTIONS[i]) and re.search(rf" {expected}( ✅)?$", line), counts
        assert counts[key].endswith(" ✅") and not counts[wrong].endswith(" ✅")
        for letter, why in item.why_not.items():  # the bank's letters, shown as posted
            assert embed_field(reveal, f"Why not {posting.bank_letter_to_posted(letter)}?") == why
        right_names = [m.name for m, (at, r) in sorted(answers.items(), key=lambda kv: kv[1][0]) if r]
        assert embed_field(reveal, f"Right ({len(right_names)})") == ", ".join(right_names)
        assert reveal.mentions == [] and "<@" not in reveal.text()
        if n < len(plan):
            await _next_round(fake, clock)

    final = await _final(fake, world.channel)
    assert final.embeds[0]["title"] == "Quiz over: results"
    assert final.embeds[0]["description"].splitlines() == [
        "🥇 alice: **2850** points (3/3 right)",
        "🥈 bob: **1750** points (2/3 right)",
        "🥉 ada: **900** points (1/3 right)",
    ]
    assert final.embeds[0]["footer"]["text"] == "3 of 3 questions asked"
    assert len(_questions(fake, world.channel)) == 3
    # Names are plain text: nobody is pinged by a reveal or the results.
    assert len(sent) == 8, "the reply to /quiz start, 3 questions, 3 reveals, the results"
    assert all(body.get("allowed_mentions") == {"parse": []} for body in sent), sent
    assert all(m.mentions == [] for m in fake.channel_messages(world.channel))

    # A fast right answer beats a slow one; a wrong one scores nothing.
    rows = await bot.db.fetch_all(
        "SELECT a.user_id, r.position, a.correct, a.points, a.latency_ms FROM answers a "
        "JOIN rounds r ON r.id = a.round_id ORDER BY r.position, a.latency_ms"
    )
    first = {r["user_id"]: (r["correct"], r["points"], r["latency_ms"]) for r in rows if r["position"] == 1}
    assert first == {alice.id: (1, 950, 1000), ada.id: (0, 0, 2000), bob.id: (1, 800, 4000)}

    keys = period_keys(clock.now())
    scores = await bot.db.fetch_all(
        "SELECT period_kind, period_key, user_id, points, answered, correct FROM scores WHERE guild_id = ?",
        (world.guild.id,),
    )
    expected = {alice.id: (2850, 3, 3), bob.id: (1750, 3, 2), ada.id: (900, 3, 1)}
    got = {
        (r["period_kind"], r["period_key"], r["user_id"]): (r["points"], r["answered"], r["correct"])
        for r in scores
    }
    assert got == {
        (kind, key, user): totals for kind, key in keys.pairs() for user, totals in expected.items()
    }


async def test_the_first_reaction_counts_and_late_bot_and_other_reactions_are_ignored(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    helper_bot = fake.add_member(world.guild, fake.add_user("other-bot", bot=True))
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    alice, bob, ada = world.alice, world.bob, world.admin

    await alice.slash("quiz question", topic="lora", seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    key, other = key_index(card, item), wrong_index(card, item)
    right, wrong = REACTIONS[key], REACTIONS[other]
    not_a_choice = REACTIONS[len(item.choices)] if len(item.choices) < len(REACTIONS) else "🇿"

    await alice.react(card, wrong)
    await _pass(fake, clock, 1)
    await alice.react(card, right)  # a second letter never changes the answer
    await bob.react(card, right)
    await bob.unreact(card, right)
    await bob.react(card, wrong)  # nor does taking the first back and answering again
    await bob.react(card, right)
    await helper_bot.react(card, right)  # bots do not play
    await ada.react(card, "👍")  # nor is any other emoji an answer
    await ada.react(card, not_a_choice)
    await _pass(fake, clock, 10)

    reveal = await _reveal(fake, world.channel, 1)
    assert "Answers (2)" in reveal.text()
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[other].endswith(" 1") and counts[key].endswith(" 1 ✅")
    assert embed_field(reveal, "Right (1)") == "bob"
    final = await _final(fake, world.channel)
    assert final.embeds[0]["description"].splitlines() == [
        "🥇 bob: **950** points (1/1 right)",  # right after 1 s of 10
        "🥈 alice: **0** points (0/1 right)",
    ]
    before = await bot.db.fetch_all("SELECT user_id, choice, bank_choice FROM answers ORDER BY user_id")
    # The letter as posted, and the bank's own index of that choice.
    assert [(r["user_id"], r["choice"], r["bank_choice"]) for r in before] == [
        (alice.id, other, posting_of(card, item).bank_index(other)),
        (bob.id, key, item.answer_index),
    ]

    await ada.react(card, right)  # after the close: too late
    await fake.wait_delivered()
    after = await bot.db.fetch_all("SELECT user_id, choice, bank_choice FROM answers ORDER BY user_id")
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert reveal.edits == 0 and final.edits == 0, "what was shown stays as it was"
    # The start reply, the question, the reveal and the results: nothing more.
    assert len(fake.channel_messages(world.channel)) == 4


async def test_hidden_answers_are_removed_as_they_are_recorded_and_still_count(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await _settings(bot, world.guild.id, hidden_answers=True)

    started = await world.alice.slash("quiz question", topic="lora", seconds=10)
    assert "stay visible" not in started.message.content
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    key, other = key_index(card, item), wrong_index(card, item)
    right, wrong = REACTIONS[key], REACTIONS[other]

    await world.alice.react(card, right)
    await fake.wait_for(lambda: card.reactors(right) == [fake.bot_user.id], what="alice's answer hidden")
    await world.bob.react(card, wrong)
    await fake.wait_for(lambda: card.reactors(wrong) == [fake.bot_user.id], what="bob's answer hidden")
    await world.alice.react(card, wrong)  # a second try is hidden too, and does not count
    await fake.wait_for(lambda: card.reactors(wrong) == [fake.bot_user.id], what="alice's retry hidden")
    assert all(card.reactors(e) == [fake.bot_user.id] for e in REACTIONS[: len(item.choices)])
    await _pass(fake, clock, 10.5)

    reveal = await _reveal(fake, world.channel, 1)
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 1 ✅") and counts[other].endswith(" 1")
    assert embed_field(reveal, "Right (1)") == "alice"
    await _final(fake, world.channel)
    assert _notices(fake, world.channel) == []


async def test_a_hidden_answers_reaction_is_removed_only_once_the_answer_is_saved(
    fake: FakeDiscord, world: StudyServer, start_bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed between the removal and the save would lose the answer: no row, no reaction."""
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await _settings(bot, world.guild.id, hidden_answers=True)
    await world.alice.slash("quiz question", topic="lora", seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    right = REACTIONS[key_index(card, _item(bot, card))]

    gate = asyncio.Event()
    db = bot.db  # the answer writer's database
    write = db.write

    async def held_write(*args: Any) -> Any:
        await gate.wait()
        return await write(*args)

    monkeypatch.setattr(db, "write", held_write)
    try:
        await world.alice.react(card, right)
        await asyncio.sleep(0.3)
        assert world.alice.id in card.reactors(right)  # not saved yet: the reaction stays
    finally:
        gate.set()
    await fake.wait_for(lambda: card.reactors(right) == [fake.bot_user.id], what="alice's answer hidden")
    rows = await bot.db.fetch_all("SELECT user_id FROM answers")
    assert [r["user_id"] for r in rows] == [world.alice.id]


def _room_without_manage_messages(fake: FakeDiscord, world: StudyServer) -> Channel:
    """A channel where an overwrite denies the bot Manage Messages."""
    return fake.add_channel(
        world.guild,
        "open-room",
        overwrites=[Overwrite(id=fake.bot_user.id, type=1, deny=Perm.MANAGE_MESSAGES)],
    )


async def test_without_manage_messages_hidden_answers_stay_visible_and_the_admin_is_told(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    open_room = _room_without_manage_messages(fake, world)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await _settings(bot, world.guild.id, hidden_answers=True)

    started = await world.admin.slash("quiz question", topic="lora", seconds=10, channel=open_room)
    assert "Answers stay visible" in started.message.content
    assert "Manage Messages" in started.message.content
    card = await _question(fake, bot, open_room, 1)
    item = _item(bot, card)
    key = key_index(card, item)
    right, wrong = REACTIONS[key], REACTIONS[wrong_index(card, item)]

    await world.alice.react(card, right)
    await world.bob.react(card, wrong)
    await world.alice.react(card, wrong)
    await _pass(fake, clock, 10.5)

    reveal = await _reveal(fake, open_room, 1)
    assert world.alice.id in card.reactors(right) and world.bob.id in card.reactors(wrong)
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 1 ✅")
    assert embed_field(reveal, "Right (1)") == "alice"
    await _final(fake, open_room)
    # The admin was told once, in the reply to /quiz start; no request was refused.
    assert _notices(fake, open_room) == [started.message]
    assert not [r for r in fake.requests if r.status == 403]


async def test_hidden_answers_without_manage_messages_after_a_restart_are_noticed_once_in_the_channel(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    open_room = _room_without_manage_messages(fake, world)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await _settings(bot, world.guild.id, hidden_answers=True)
    started = await world.admin.slash("quiz question", topic="lora", seconds=20, channel=open_room)
    card = await _question(fake, bot, open_room, 1)
    await bot.close()  # the next process has not told anyone yet

    bot = await _restart(fake, start_bot, clock)
    await world.alice.react(card, REACTIONS[0])
    await world.bob.react(card, REACTIONS[1])
    await fake.wait_for(lambda: len(_notices(fake, open_room)) == 2, what="a notice in the channel")
    await _pass(fake, clock, 21)
    reveal = await _reveal(fake, open_room, 1)
    assert "Answers (2)" in reveal.text()
    await _final(fake, open_room)
    assert len(_notices(fake, open_room)) == 2 and _notices(fake, open_room)[0] is started.message
    assert not [r for r in fake.requests if r.status == 403]


async def test_buttons_lock_in_one_answer_per_member_and_keep_working_after_a_restart(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    alice, bob, ada = world.alice, world.bob, world.admin

    await alice.slash("quiz start", topic="lora", questions=2, seconds=20, mode="buttons")
    card = await _question(fake, bot, world.channel, 1, mode="buttons")
    item = _item(bot, card)
    assert [c["label"] for c in card.iter_components()] == list(LETTERS[: len(item.choices)])
    assert "Press a button" in embed_field(card, "Closes")
    assert card.reactions == {}, "no letter reactions in buttons mode"
    key, other = LETTERS[key_index(card, item)], LETTERS[wrong_index(card, item)]

    locked = await alice.click(card, other)
    assert locked.message.ephemeral and locked.message.content == f"Locked in: {other}"
    again = await alice.click(card, key)
    assert again.message.ephemeral
    assert again.message.content == f"You already answered {other}; your first answer counts."
    await _pass(fake, clock, 1)
    assert (await bob.click(card, key)).message.content == f"Locked in: {key}"
    assert fake.channel_messages(world.channel)[-1] is card, "answers are private until the reveal"
    await _pass(fake, clock, 1)

    await bot.close()  # mid-question
    bot = await start_bot(clock=clock)

    # The same buttons, on the message the previous process posted, clicked as soon as the bot is
    # connected, which can be before it has picked its quizzes up again: the click waits for that.
    assert (await ada.click(card, key)).message.content == f"Locked in: {key}"
    late = await bob.click(card, other)
    assert late.message.content == f"You already answered {key}; your first answer counts."
    await _pass(fake, clock, 18.5)

    reveal = await _reveal(fake, world.channel, 1)
    assert reveal.message_reference is not None and reveal.message_reference["message_id"] == str(card.id)
    counts = embed_field(reveal, "Answers (3)").splitlines()
    assert counts[key_index(card, item)].endswith(" 2 ✅") and counts[wrong_index(card, item)].endswith(" 1")
    assert embed_field(reveal, "Right (2)") == "bob, ada"
    await _next_round(fake, clock)
    second = await _question(fake, bot, world.channel, 2, mode="buttons")
    assert second.embeds[0]["title"].startswith("Question 2/2")
    await _pass(fake, clock, 21)
    final = await _final(fake, world.channel)
    assert [line.split(":")[0] for line in final.embeds[0]["description"].splitlines()] == [
        "🥇 bob",
        "🥈 ada",
        "🥉 alice",
    ]
    rows = await bot.db.fetch_all("SELECT user_id, COUNT(*) AS n FROM answers GROUP BY user_id")
    assert {r["user_id"]: r["n"] for r in rows} == {alice.id: 1, bob.id: 1, ada.id: 1}


async def test_a_bot_stopped_just_as_it_posts_a_question_keeps_that_question_after_the_restart(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await world.alice.slash("quiz start", topic="lora", questions=2, seconds=20, mode="buttons")
    card = await fake.wait_for(lambda: next(iter(_questions(fake, world.channel)), None))
    await bot.close()  # at once: the bot may not even have read Discord's answer to its post yet

    bot = await start_bot(clock=clock)
    item = _item(bot, card)
    key = LETTERS[key_index(card, item)]
    assert (await world.bob.click(card, key)).message.content == f"Locked in: {key}"
    await _pass(fake, clock, 21)
    reveal = await _reveal(fake, world.channel, 1)
    assert reveal.message_reference is not None and reveal.message_reference["message_id"] == str(card.id)
    assert embed_field(reveal, "Right (1)") == "bob"
    await _next_round(fake, clock)
    await _question(fake, bot, world.channel, 2, mode="buttons")
    await _pass(fake, clock, 21)
    final = await _final(fake, world.channel)
    assert final.embeds[0]["footer"]["text"] == "2 of 2 questions asked"
    assert len(_questions(fake, world.channel)) == 2


async def test_reactions_made_while_the_bot_was_down_are_counted_once_and_the_quiz_goes_on(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    alice, bob, ada = world.alice, world.bob, world.admin

    await alice.slash("quiz start", topic="lora", questions=2, seconds=20)
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    key, other = key_index(card, item), wrong_index(card, item)
    right, wrong = REACTIONS[key], REACTIONS[other]
    await _pass(fake, clock, 1)
    await alice.react(card, right)
    await _pass(fake, clock, 1)

    await bot.close()  # mid-question; nobody hears the reactions below
    await bob.react(card, right)
    await alice.react(card, wrong)  # she had answered: her first answer stands
    await alice.unreact(card, right)
    await _pass(fake, clock, 3, bot_down=True)  # the question is still open when the bot is back
    bot = await _restart(fake, start_bot, clock)
    await _pass(fake, clock, 16)

    reveal = await _reveal(fake, world.channel, 1)
    assert reveal.message_reference is not None and reveal.message_reference["message_id"] == str(card.id)
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 2 ✅") and counts[other].endswith(" 0")
    assert embed_field(reveal, "Right (2)") == "alice, bob"

    await _next_round(fake, clock)
    second = await _question(fake, bot, world.channel, 2)
    second_key = key_index(second, _item(bot, second))
    await ada.react(second, REACTIONS[second_key])
    await _pass(fake, clock, 21)
    await _reveal(fake, world.channel, 2)
    final = await _final(fake, world.channel)
    assert final.embeds[0]["title"] == "Quiz over: results"
    assert [line.split(":")[0] for line in final.embeds[0]["description"].splitlines()] == [
        "🥇 ada",  # right at once on question 2
        "🥈 alice",  # right after 1 s on question 1
        "🥉 bob",  # counted when the bot saw it, 5 s in
    ]
    rows = await bot.db.fetch_all(
        "SELECT a.user_id, r.position, a.choice, a.latency_ms "
        "FROM answers a JOIN rounds r ON r.id = a.round_id"
    )
    assert sorted((r["position"], r["user_id"], r["choice"], r["latency_ms"]) for r in rows) == sorted(
        [
            (1, alice.id, key, 1000),
            (1, bob.id, key, 5000),
            (2, ada.id, second_key, 0),
        ]
    )
    assert len(_questions(fake, world.channel)) == 2 and len(_reveals(fake, world.channel)) == 2


async def test_a_question_that_closed_while_the_bot_was_down_is_revealed_at_once(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await world.alice.slash("quiz start", topic="lora", questions=2, seconds=10)
    card = await _question(fake, bot, world.channel, 1)
    item = _item(bot, card)
    key, other = key_index(card, item), wrong_index(card, item)
    await world.alice.react(card, REACTIONS[key])
    await _pass(fake, clock, 2)

    await bot.close()
    await world.bob.react(card, REACTIONS[other])
    await _pass(fake, clock, 60, bot_down=True)  # down for a minute: the question is overdue
    bot = await start_bot(clock=clock)  # no waiting: the reveal comes by itself

    reveal = await _reveal(fake, world.channel, 1)  # without moving the clock
    counts = embed_field(reveal, "Answers (2)").splitlines()
    assert counts[key].endswith(" 1 ✅") and counts[other].endswith(" 1")
    assert embed_field(reveal, "Right (1)") == "alice"
    await _next_round(fake, clock)
    await _question(fake, bot, world.channel, 2)
    await _pass(fake, clock, 11)
    final = await _final(fake, world.channel)
    assert final.embeds[0]["title"] == "Quiz over: results"
    assert final.embeds[0]["footer"]["text"] == "2 of 2 questions asked"
    assert len(_reveals(fake, world.channel)) == 2


async def test_only_the_starter_or_a_member_with_manage_messages_can_stop_a_quiz(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    alice, bob, ada = world.alice, world.bob, world.admin

    nothing = await bob.slash("quiz stop")
    assert (await nothing.wait_reply()).ephemeral
    assert "No quiz is running in this channel" in nothing.text

    await alice.slash("quiz start", topic="lora", questions=3, seconds=20)
    card = await _question(fake, bot, world.channel, 1)
    await bob.react(card, REACTIONS[key_index(card, _item(bot, card))])
    refused = await bob.slash("quiz stop")
    reply = await refused.wait_reply()
    assert reply.ephemeral
    assert reply.content == (
        "Only the member who started this quiz, or someone with Manage Messages, can stop it."
    )
    assert bot.quizzes.is_running(world.channel.id) and _results(fake, world.channel) == []

    stopped = await alice.slash("quiz stop")
    assert (await stopped.wait_reply()).content == "Quiz stopped."
    assert stopped.message.ephemeral
    reveal = await _reveal(fake, world.channel, 1)  # the open question is answered first
    assert embed_field(reveal, "Right (1)") == "bob"
    final = await _final(fake, world.channel)
    assert final.embeds[0]["title"] == "Quiz stopped: results"
    assert final.embeds[0]["description"].startswith("🥇 bob: **1000** points (1/1 right)")
    assert final.embeds[0]["footer"]["text"] == "1 of 3 questions asked"

    # A moderator (Manage Messages) may stop anyone's quiz, here during the pause after a reveal.
    await bob.slash("quiz start", topic="lora", questions=3, seconds=10)
    await _question(fake, bot, world.channel, 2)
    await _pass(fake, clock, 10.5)
    await _reveal(fake, world.channel, 2)
    await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
    by_mod = await ada.slash("quiz stop")
    assert (await by_mod.wait_reply()).content == "Quiz stopped."
    await fake.wait_for(lambda: len(_results(fake, world.channel)) == 2)
    last = _results(fake, world.channel)[-1]
    assert last.embeds[0]["title"] == "Quiz stopped: results"
    assert last.embeds[0]["description"].startswith("Nobody answered.")
    assert last.embeds[0]["footer"]["text"] == "1 of 3 questions asked"
    assert len(_questions(fake, world.channel)) == 2, "no question after the stop"
    statuses = await bot.db.fetch_all("SELECT status FROM quiz_sessions ORDER BY id")
    assert [r["status"] for r in statuses] == ["stopped", "stopped"]
    assert not bot.quizzes.is_running(world.channel.id)


async def test_one_quiz_per_channel_while_other_channels_and_servers_run_their_own(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    second_room = fake.add_channel(world.guild, "quiz-2")
    other = fake.add_guild("Other Server", channel_name="trivia")
    carol = fake.add_member(other, "carol")
    alice_there = fake.add_member(other, world.alice.user)  # the same person in both servers
    clock = FakeClock()
    # Commands synced globally, as in production, so they exist in both servers.
    bot = await start_bot(clock=clock, dev_guild_id=None)
    trivia = fake.default_channel(other)

    await world.alice.slash("quiz start", topic="lora", questions=1, seconds=10)
    refused = await world.bob.slash("quiz start", topic="sft", questions=1, seconds=10)
    assert refused.message.ephemeral
    assert refused.message.content == "A quiz is already running in this channel; `/quiz stop` ends it."
    await world.bob.slash("quiz start", topic="sft", questions=1, seconds=10, channel=second_room)
    await carol.slash("quiz start", topic="lora", questions=1, seconds=10)

    players = ((world.channel, world.admin), (second_room, world.bob), (trivia, alice_there))
    cards = [await _question(fake, bot, room, 1) for room, _member in players]
    assert "sft" in _item(bot, cards[1]).topics
    for card, (_room, member) in zip(cards, players, strict=True):
        await member.react(card, REACTIONS[key_index(card, _item(bot, card))])
    await _pass(fake, clock, 10.5)

    for card, (room, member) in zip(cards, players, strict=True):
        winner = member.name
        reveal = await _reveal(fake, room, 1)
        assert reveal.message_reference is not None
        assert reveal.message_reference["message_id"] == str(card.id)
        assert embed_field(reveal, "Right (1)") == winner
        final = await _final(fake, room)
        assert final.embeds[0]["description"] == f"🥇 {winner}: **1000** points (1/1 right)"
    assert len(fake.channel_messages(world.channel)) == 4, "the refused start left nothing behind"
    scores = await bot.db.fetch_all(
        "SELECT guild_id, user_id, points FROM scores WHERE period_kind = 'all' ORDER BY guild_id, user_id"
    )
    assert sorted((r["guild_id"], r["user_id"], r["points"]) for r in scores) == sorted(
        [
            (world.guild.id, world.admin.id, 1000),
            (world.guild.id, world.bob.id, 1000),
            (other.id, world.alice.id, 1000),
        ]
    )


async def test_a_chinese_quiz_shows_its_questions_and_explanations_intact(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    _no_pacing(fake)
    clock = FakeClock()
    bot = await start_bot(clock=clock)

    started = await world.alice.slash("quiz start", questions=2, seconds=10, language="zh")
    assert "(zh, 10 s each" in started.message.content
    for n in (1, 2):
        card = await _question(fake, bot, world.channel, n)
        item = _item(bot, card)
        assert item.lang == "zh"
        description = card.embeds[0]["description"]
        assert description.startswith(item.prompt)
        posting = posting_of(card, item)  # every choice shown once, under the letter it has here
        assert re.search(r"[\u4e00-\u9fff]", description), "Chinese characters, not escapes or mojibake"
        key = key_index(card, item)
        await world.bob.react(card, REACTIONS[key])
        await _pass(fake, clock, 10.5)
        reveal = await _reveal(fake, world.channel, n)
        assert reveal.embeds[0]["title"] == f"Answer {n}/2: {LETTERS[key]}. {item.choices[item.answer_index]}"
        assert reveal.embeds[0]["description"] == _explained(card, item)
        for letter, why in item.why_not.items():
            assert embed_field(reveal, f"Why not {posting.bank_letter_to_posted(letter)}?") == why
        if n == 1:
            await _next_round(fake, clock)
    final = await _final(fake, world.channel)
    assert final.embeds[0]["description"].startswith("🥇 bob: **2000** points (2/2 right)")


LONG_PROMPT = "Why does the long prompt go on? " * 122  # 3,904 characters
LONG_CHOICE = "A very long correct choice. " * 54  # 1,512 characters


def _write_long_bank(folder: Path) -> None:
    """A custom bank with one question whose every text is longer than an embed allows."""
    import yaml

    item = {
        "id": "long-q01",
        "type": "single_choice",
        "lang": "en",
        "topics": ["lora"],
        "difficulty": "hard",
        "prompt": LONG_PROMPT,
        "choices": ["Short A", LONG_CHOICE, "Short C", "Short D"],
        "answer": "B",
        "shuffle": False,  # the subject is clipping: the long choice stays under B
        "explanation": "An explanation that runs long. " * 97,  # 3,007 characters
        "why_not": {
            "A": "Not A, because " + "this is a long reason. " * 60,
            "C": "Not C, because " + "this is a long reason. " * 60,
            "D": "Not D, because " + "this is a long reason. " * 60,
        },
        "source": {"file": "long.txt", "locator": "q1"},
    }
    folder.mkdir()
    (folder / "long.yaml").write_text(yaml.safe_dump({"version": 1, "items": [item]}, allow_unicode=True))


async def test_a_question_too_long_for_discord_is_clipped_visibly_not_refused(
    fake: FakeDiscord, world: StudyServer, start_bot, tmp_path: Path
) -> None:
    _no_pacing(fake)
    _write_long_bank(tmp_path / "bank")
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=tmp_path / "bank")
    assert [i.id for i in bot.bank] == ["long-q01"]
    item = bot.bank.by_id("long-q01")
    assert item is not None and len(item.prompt) > 3_900 and len(item.explanation) > 3_000

    await world.alice.slash("quiz question", topic="lora", seconds=10)
    card = await _question(fake, bot, world.channel, 1)  # posted: Discord did not answer 400
    description = card.embeds[0]["description"]
    assert len(description) <= 4_096
    prompt_part, choices_part = description.split("\n\n🇦 ")
    assert prompt_part.endswith("…") and LONG_PROMPT.startswith(prompt_part[:-1].rstrip())
    assert "🇦 Short A" in description.replace(prompt_part + "\n\n", "")
    long_line = next(line for line in choices_part.splitlines() if line.startswith("🇧"))
    assert long_line.endswith("…") and len(long_line) < len(LONG_CHOICE)
    assert "🇨 Short C" in description and "🇩 Short D" in description

    await world.bob.react(card, "🇧")
    await world.admin.react(card, "🇦")
    await _pass(fake, clock, 10.5)
    reveal = await _reveal(fake, world.channel, 1)  # posted: within 6,000 characters and every field limit
    embed = reveal.embeds[0]
    assert embed["title"].startswith("Answer 1/1: B. A very long correct choice.")
    assert embed["title"].endswith("…") and len(embed["title"]) <= 256
    assert embed["description"] == item.explanation, "it fits: kept whole"
    # What the reveal is for stays: the counts and who was right. The reasons give way.
    assert embed_field(reveal, "Answers (2)").splitlines()[1].endswith(" 1 ✅")
    assert embed_field(reveal, "Right (1)") == "bob"
    whys = [f for f in embed["fields"] if f["name"].startswith("Why not")]
    assert whys, "at least one reason is shown"
    assert all(len(f["value"]) <= 1_024 for f in whys)
    assert all(f["value"].endswith("…") for f in whys)
    assert [f["name"] for f in whys] == [f"Why not {k}?" for k in "ACD"][: len(whys)]
    total = sum(len(embed.get(k) or "") for k in ("title", "description")) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6_000
    await _final(fake, world.channel)


async def test_topics_are_listed_privately_and_an_unknown_topic_is_refused_clearly(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())

    listing = await world.alice.slash("quiz topics")
    assert listing.message.ephemeral
    embed = listing.message.embeds[0]
    assert embed["title"] == "Quiz topics"
    lines = embed["description"].splitlines()
    counts = bot.bank.topic_counts()
    assert len(lines) == len(counts)
    lora = counts["lora"]
    assert f"`lora` LoRA: {lora['en']} en, {lora['zh']} zh" in lines
    assert all(n > 0 for per_lang in counts.values() for n in per_lang.values())

    typed = await world.alice.slash("quiz start", topic="Banana")  # typed, not picked from the list
    assert typed.message.ephemeral
    assert typed.message.content == "`banana` is not a topic. Pick one from the list, or see `/quiz topics`."
    assert fake.channel_messages(world.channel) == []
    assert not bot.quizzes.is_running(world.channel.id)


async def test_a_start_with_no_matching_questions_is_answered_privately_without_an_error_log(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    bot = await start_bot(clock=FakeClock())

    none_at_all = await world.alice.slash("quiz start", topic="dpo")
    assert none_at_all.message.ephemeral
    assert none_at_all.message.content == (
        "There are no questions for topic `dpo` in language `en`. `/quiz topics` lists what there is."
    )
    not_in_chinese = await world.alice.slash("quiz question", topic="qlora", language="zh")
    assert not_in_chinese.message.ephemeral
    assert "topic `qlora` in language `zh`" in not_in_chinese.message.content
    assert fake.channel_messages(world.channel) == []
    assert await bot.db.fetch_all("SELECT id FROM quiz_sessions") == []
    # The strictness check at teardown fails the test on any ERROR log or unexpected command error.

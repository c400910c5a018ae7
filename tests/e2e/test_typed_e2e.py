"""Typed answers through the Discord stand-in: an Answer button, a box to type in, the reveal.

A server imports short answers (a GIFT file, as an admin would with ``/bank import``) and plays
them with ``/quiz start mode:typed``. Members press **Answer**, type into the box Discord shows
and submit it; nobody needs the message-content intent. Which question a quiz draws first is
random: each test reads the item id from the card's footer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import QuizBot
from bot.bank.schema import BankItem
from bot.core.clock import FakeClock
from bot.core.quiz import TYPED_CHOICE
from bot.services.quiz import PAUSE_BETWEEN_ROUNDS
from tests.fakediscord import FakeDiscord, Message, StudyServer, Upload
from tests.fakediscord.actors import ComponentUnavailable, Member

pytestmark = pytest.mark.e2e

PAUSE = PAUSE_BETWEEN_ROUNDS.total_seconds()

# Two short answers and a long one (a model answer: kept, never asked in a typed quiz), and a
# choice question (asked only by reactions or buttons).
GIFT = b"""$CATEGORY: $course$/Club/Literature

::bard:: Who wrote Hamlet? {=Shakespeare =William Shakespeare ####Hamlet is Shakespeare's, c. 1600.}

::breath:: What do we breathe in all day long? {=air ####Air: mostly nitrogen, a fifth oxygen.}

::essay-ish:: Explain the plot of Hamlet. {=Prince Hamlet feigns madness to avenge his father, who was \
murdered by his uncle Claudius, and nearly everyone dies by the end of the fifth act.}

::acts:: How many acts has Hamlet? {
    =5
    ~3
    ~4
}
"""

SHARED_BANK = """\
version: 1
items:
  - id: s900-q01
    type: single_choice
    lang: en
    topics: [lora]
    prompt: What does LoRA train?
    choices: [Low-rank adapter matrices, Every weight, Only the embeddings]
    answer: A
    explanation: LoRA freezes the model and trains small low-rank matrices.
    source: {file: test.txt, locator: q1}
"""


@pytest.fixture(autouse=True)
def _no_pacing(fake: FakeDiscord) -> None:
    fake.message_rate = None
    fake.reaction_rate = None


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(SHARED_BANK, encoding="utf-8")
    return folder


# --- helpers -----------------------------------------------------------------------------------


def _cards(fake: FakeDiscord, member: Member, prefix: str) -> list[Message]:
    return [
        m
        for m in fake.channel_messages(member.channel)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith(prefix)
    ]


def _fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


def _item(bot: QuizBot, world: StudyServer, card: Message) -> BankItem:
    item = bot.question_pool.item(world.guild.id, card.embeds[0]["footer"]["text"].split(" · ")[-1])
    assert item is not None, card.embeds[0]["footer"]
    return item


async def _import(world: StudyServer) -> str:
    reply = await world.admin.slash("bank import", file=Upload("hamlet.gift", GIFT))
    return (await reply.wait_reply()).text()


async def _question(fake: FakeDiscord, bot: QuizBot, member: Member, n: int) -> Message:
    """The ``n``th question card, once it takes answers."""
    return await fake.wait_for(
        lambda: (
            len(_cards(fake, member, "Question ")) >= n
            and bot.rounds.active_round(_cards(fake, member, "Question ")[n - 1].id) is not None
            and _cards(fake, member, "Question ")[n - 1]
        ),
        what=f"question {n}",
    )


async def _reveal(fake: FakeDiscord, member: Member, n: int) -> Message:
    return await fake.wait_for(
        lambda: len(_cards(fake, member, "Answer ")) >= n and _cards(fake, member, "Answer ")[n - 1],
        what=f"reveal {n}",
    )


async def _pass(fake: FakeDiscord, clock: FakeClock, seconds: float) -> None:
    await fake.wait_delivered()
    fake.clock.advance(seconds)
    clock.advance(seconds)


async def _type(member: Member, card: Message, text: str) -> str:
    """Press Answer on ``card``, type ``text`` in the box, submit; what the bot told the member."""
    opened = await member.click(card, "Answer")
    assert opened.modal is not None, f"no answer box: {opened.message and opened.message.text()}"
    submitted = await member.submit_modal(opened, {"answer": text})
    assert submitted.message is not None and submitted.message.ephemeral
    return submitted.message.text()


def _right_for(item: BankItem) -> tuple[str, str, str]:
    """(a fuzzy right answer, a substring of the answer, the answer itself) for the item."""
    if item.accepted[0] == "Shakespeare":
        return "Shakespere", "Shake", "Shakespeare"
    assert item.accepted == ["air"], item.accepted
    return "AIR!", "chair", "air"  # "air" is under 5 letters: exact only, so "chair" is a substring


# --- tests -------------------------------------------------------------------------------------


async def test_a_typed_quiz_takes_answers_in_a_box_accepts_a_slip_and_refuses_a_substring(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=small_bank)
    alice, bob, ada = world.alice, world.bob, world.admin
    imported = await _import(world)
    assert "Imported **4** questions" in imported
    assert "2 short-answer questions can be played typed: `/quiz start mode:typed`" in imported
    assert "1 question with a long answer is kept; quizzes do not ask it." in imported

    started = await alice.slash("quiz start", mode="typed", questions=5, seconds=20)
    assert "started a quiz of 2 question(s)" in started.message.text(), "only the two short answers"
    assert "answer with typed answers" in started.message.text()

    for n in (1, 2):
        card = await _question(fake, bot, alice, n)
        item = _item(bot, world, card)
        assert not item.is_choice and "Hamlet feigns" not in item.answer
        assert [c["label"] for c in card.iter_components()] == ["Answer"]
        assert card.reactions == {}, "no letters to react with"
        assert "Press **Answer** and type it" in _fields(card)["Closes"]
        slip, fragment, exact = _right_for(item)

        box = await alice.click(card, "Answer")
        assert box.modal is not None and box.modal["title"] == item.prompt, "the box repeats the question"
        assert (await alice.submit_modal(box, {"answer": slip})).message.text() == f"Locked in: {slip}"
        assert await _type(bob, card, fragment) == f"Locked in: {fragment}"
        # Pressing again is refused before a box opens; two boxes open at once: the first counts.
        again = await alice.click(card, "Answer")
        assert again.modal is None and again.message is not None and again.message.ephemeral
        assert again.message.text() == "You already answered this question; your first answer counts."
        first_box = await ada.click(card, "Answer")
        second_box = await ada.click(card, "Answer")
        assert (await ada.submit_modal(first_box, {"answer": exact})).message.text() == f"Locked in: {exact}"
        late = await ada.submit_modal(second_box, {"answer": "something else"})
        assert late.message is not None and late.message.ephemeral
        assert late.message.text() == "You already answered this question; your first answer counts."
        assert fake.channel_messages(alice.channel)[-1] is card, "answers stay private until the reveal"

        await _pass(fake, clock, 21)
        reveal = await _reveal(fake, alice, n)
        assert reveal.message_reference is not None
        assert reveal.message_reference["message_id"] == str(card.id)
        fields = _fields(reveal)
        assert fields["Accepted answers"] == ", ".join(item.accepted)
        assert set(fields["Right (2 of 3)"].split(", ")) == {"alice", "ada"}, "a slip counts, a fragment not"
        assert reveal.embeds[0]["title"] == f"Answer {n}/2: {item.answer}"
        assert reveal.embeds[0]["description"] == item.explanation
        await fake.wait_for(
            lambda card=card: card.iter_components()[0].get("disabled"), what="the Answer button disabled"
        )
        with pytest.raises(ComponentUnavailable):
            await bob.click(card, "Answer")
        if n == 1:
            await fake.wait_for(lambda: clock.sleepers > 0, what="the pause between questions")
            await _pass(fake, clock, PAUSE + 0.5)

    final = await fake.wait_for(lambda: next(iter(_cards(fake, alice, "Quiz ")), None), what="the results")
    lines = final.embeds[0]["description"].splitlines()
    assert [line.split(":")[0] for line in lines][2] == "🥉 bob"
    assert "(0/2 right)" in lines[2]
    rows = await bot.db.fetch_all(
        "SELECT user_id, choice, correct, typed_text FROM answers ORDER BY round_id, answered_at"
    )
    assert len(rows) == 6 and {r["choice"] for r in rows} == {TYPED_CHOICE}
    by_user = {(r["user_id"], r["typed_text"]): r["correct"] for r in rows}
    assert by_user[(bob.id, "Shake")] == 0 and by_user[(bob.id, "chair")] == 0
    assert by_user[(alice.id, "Shakespere")] == 1 and by_user[(alice.id, "AIR!")] == 1
    sessions = await bot.db.fetch_all("SELECT mode, typed FROM quiz_sessions")
    assert [(s["mode"], s["typed"]) for s in sessions] == [("buttons", 1)]


async def test_a_typed_question_keeps_taking_answers_after_a_restart_and_is_revealed(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=small_bank)
    alice, bob, ada = world.alice, world.bob, world.admin
    await _import(world)
    await alice.slash("quiz question", mode="typed", seconds=30)
    card = await _question(fake, bot, alice, 1)
    item = _item(bot, world, card)
    slip, fragment, exact = _right_for(item)
    assert await _type(alice, card, slip) == f"Locked in: {slip}"
    box_before = await ada.click(card, "Answer")  # opened before the restart, submitted after
    await _pass(fake, clock, 5)

    await bot.close()  # mid-question
    bot = await start_bot(clock=clock, bank_dir=small_bank)

    # The same button on the message the previous process posted; it may be pressed before the
    # bot has picked its quizzes up again: the press waits for that.
    assert await _type(bob, card, fragment) == f"Locked in: {fragment}"
    assert (await ada.submit_modal(box_before, {"answer": exact})).message.text() == f"Locked in: {exact}"
    again = await alice.click(card, "Answer")
    assert again.message is not None
    assert again.message.text() == "You already answered this question; your first answer counts."

    await _pass(fake, clock, 26)
    reveal = await _reveal(fake, alice, 1)
    assert set(_fields(reveal)["Right (2 of 3)"].split(", ")) == {"alice", "ada"}
    await fake.wait_for(lambda: not bot.quizzes.is_running(alice.channel.id), what="the quiz to end")

    # A box submitted once the question is closed (forged: any length) is told so, privately.
    forged = await bob.raw_interaction(
        5,
        {
            "custom_id": f"typed-answer:{card.id}",
            "components": [
                {"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "x" * 4000}}
            ],
        },
        message=card,
    )
    assert forged.message is not None and forged.message.ephemeral
    assert forged.message.text() == "This question is closed; wait for the next one."
    rows = await bot.db.fetch_all("SELECT user_id FROM answers")
    assert {r["user_id"] for r in rows} == {alice.id, bob.id, ada.id}


async def test_typed_mode_draws_only_typeable_questions_and_says_so_when_there_are_none(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=small_bank)
    modes = await world.alice.slash("quiz start", mode="typed")
    assert modes.message is not None and modes.message.ephemeral
    assert "no questions to answer by typing" in modes.message.text()
    assert "`/bank import`" in modes.message.text()

    # With the file imported, the server's typed topic is listed and suggested for typed mode, and
    # a buttons question on its topic asks the choice question only.
    await _import(world)
    topics = (await world.alice.slash("quiz topics")).message
    assert _fields(topics)["Typed answers (mode: typed)"] == "`literature` Literature: 2 en"
    typed = await world.alice.autocomplete("quiz start", "topic", "lit", mode="typed")
    assert [(c["value"], c["name"]) for c in typed] == [("literature", "Literature (2 en)")]
    suggested = await world.alice.autocomplete("quiz start", "topic", "lit")
    assert [(c["value"], c["name"]) for c in suggested] == [("literature", "Literature (1 en)")]
    await world.alice.slash("quiz question", topic="literature", mode="buttons", seconds=5)
    card = await _question(fake, bot, world.alice, 1)
    assert _item(bot, world, card).id == "g-hamlet-q04"
    await _pass(fake, clock, 6)
    await _reveal(fake, world.alice, 1)
    await fake.wait_for(lambda: not bot.quizzes.is_running(world.channel.id), what="the quiz to end")

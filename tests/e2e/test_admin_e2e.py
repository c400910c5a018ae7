"""Server settings, a server's own questions and admin permissions, through the Discord stand-in.

Admins change settings with ``/settings set`` and the next quiz behaves differently; they import
question files as attachments (served by the stand-in at their URL, read with
``Attachment.read()``); members without Manage Server are refused both by Discord (the commands'
default_member_permissions) and, when an admin lets them use a command through an override on
the Integrations page, by the bot's own check at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.app import QuizBot
from bot.core.clock import FakeClock
from bot.core.letters import LETTERS
from bot.services.guild_bank import MAX_FILE_BYTES
from bot.storage.guild_settings import GuildSettings
from tests.e2e.posted import key_index, key_letter
from tests.fakediscord import FakeDiscord, Message, Perm, StudyServer, Upload
from tests.fakediscord.actors import CommandRefused, Member

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_pacing(fake: FakeDiscord) -> None:
    """Questions post several messages and reactions; Discord's pacing would only cost real time here."""
    fake.message_rate = None
    fake.reaction_rate = None


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


def item_yaml(n: int, *, topic: str = "dpo", answer: str = "B", item_id: str | None = None) -> str:
    return f"""\
  - id: {item_id or f"club-q{n:02d}"}
    type: single_choice
    lang: en
    topics: [{topic}]
    prompt: Club question number {n} about preference tuning?
    choices: [First choice {n}, Second choice {n}, Third choice {n}]
    answer: {answer}
    explanation: Because the club says so ({n}).
    source: {{file: club.yaml, locator: q{n}}}
"""


def bank_file(*items: str) -> bytes:
    return ("version: 1\nitems:\n" + "".join(items)).encode()


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    """A shared bank of one LoRA question, so a quiz on another topic can only draw a server's own."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yaml").write_text(SHARED_BANK, encoding="utf-8")
    return folder


def _embed_fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


def _cards(fake: FakeDiscord, member: Member, prefix: str) -> list[Message]:
    return [
        m
        for m in fake.channel_messages(member.channel)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith(prefix)
    ]


async def _ask(fake: FakeDiscord, bot: QuizBot, member: Member, **options: Any) -> tuple[str, Message]:
    """``/quiz question`` by ``member``; returns the start reply and the question card, once open."""
    seen = len(_cards(fake, member, "Question "))
    reply = await member.slash("quiz question", **options)
    card = await fake.wait_for(
        lambda: (
            len(_cards(fake, member, "Question ")) > seen
            and bot.rounds.active_round(_cards(fake, member, "Question ")[-1].id) is not None
            and _cards(fake, member, "Question ")[-1]
        )
    )
    return reply.message.text(), card


async def _reveal(fake: FakeDiscord, bot: QuizBot, clock: FakeClock, member: Member, seconds: int) -> Message:
    """Let the question's time run out; return its reveal once the one-question quiz is over."""
    seen = len(_cards(fake, member, "Answer "))
    await fake.wait_delivered()
    clock.advance(seconds + 1)
    reveal = await fake.wait_for(
        lambda: len(_cards(fake, member, "Answer ")) > seen and _cards(fake, member, "Answer ")[-1]
    )
    await fake.wait_for(lambda: not bot.quizzes.is_running(member.channel.id), what="the quiz to end")
    return reveal


async def test_settings_change_how_the_next_quiz_runs(
    fake: FakeDiscord, world: StudyServer, start_bot
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock)

    shown = (await world.admin.slash("settings show")).message
    assert shown.ephemeral and shown.embeds[0]["title"] == "⚙️ Server settings"
    assert _embed_fields(shown) == {
        "Answer mode": "reactions",
        "Hidden reaction answers": "off",
        "Seconds per question": "20 s",
        "Language": "English",
        "Topics enabled": "all",
        "Time zone": "UTC",
        "Speed bonus": "on",
        "Counts per choice at the reveal": "on",
        "Interface language": "the server's language",
    }

    # Defaults: reactions, 20 s, counts on the reveal.
    text, card = await _ask(fake, bot, world.alice, topic="lora")
    assert "20 s each, answer with reactions" in text and not card.iter_components()
    await world.alice.react(card, "🇦")
    reveal = await _reveal(fake, bot, clock, world.alice, 20)
    assert "Answers (1)" in _embed_fields(reveal)

    changed = await world.admin.slash(
        "settings set", answer_mode="buttons", seconds=45, show_counts=False, topics="dpo, lora"
    )
    assert changed.message.ephemeral
    assert changed.message.text().splitlines()[1:] == [
        "• Answer mode: reactions → **buttons**",
        "• Seconds per question: 20 s → **45 s**",
        "• Topics enabled: all → **LoRA, DPO**",
        "• Counts per choice at the reveal: on → **off**",
    ]

    # The next question follows them at once: buttons, 45 s, no counts at the reveal.
    text, card = await _ask(fake, bot, world.alice)
    assert "45 s each, answer with buttons" in text
    active = bot.rounds.active_round(card.id)
    assert active is not None and set(active.item.topics) & {"lora", "dpo"}
    await world.bob.click(card, LETTERS[key_index(card, active.item)])
    reveal = await _reveal(fake, bot, clock, world.alice, 45)
    fields = _embed_fields(reveal)
    assert not any(name.startswith("Answers (") for name in fields) and "Right (1)" in fields

    # Hidden answers: the bot takes a member's reaction off as soon as it has counted it.
    await world.admin.slash("settings set", answer_mode="reactions", hidden_answers=True)
    _text, card = await _ask(fake, bot, world.alice, topic="lora")
    await fake.wait_for(lambda: card.reaction_count("🇦") == 1)  # the bot's own letters are on
    await world.alice.react(card, "🇦")
    await fake.wait_for(lambda: world.alice.id not in card.reactors("🇦"))
    active = bot.rounds.active_round(card.id)
    assert active is not None and active.answers == {world.alice.id: 0}
    await _reveal(fake, bot, clock, world.alice, 45)

    # Bad values change nothing and say why; the time zone is suggested and spelt as IANA does.
    refused = await world.admin.slash(
        "settings set", timezone="Mars/Olympus", topics="lora, knitting", seconds=30
    )
    assert refused.message.ephemeral and "Nothing was changed" in refused.message.text()
    assert "unknown time zone 'Mars/Olympus'" in refused.message.text()
    assert "unknown topic(s) knitting" in refused.message.text()
    empty = await world.admin.slash("settings set")
    assert "Give at least one setting" in empty.message.text()
    suggested = await world.admin.autocomplete("settings set", "timezone", "berl")
    assert [c["value"] for c in suggested] == ["Europe/Berlin"]
    await world.admin.slash("settings set", timezone="europe/berlin", topics="all")
    settings = await bot.guild_settings.get(world.guild.id)
    assert (settings.timezone, settings.topics_enabled, settings.default_seconds) == (
        "Europe/Berlin",
        None,
        45,
    )
    same = await world.admin.slash("settings set", seconds=45)
    assert "Nothing changed" in same.message.text()


async def test_imported_questions_join_this_servers_quizzes_only(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    other = fake.add_guild("Other Server")
    carol = fake.add_member(other, "carol")
    clock = FakeClock()
    # Commands synced globally, so both servers have them.
    bot = await start_bot(clock=clock, bank_dir=small_bank, dev_guild_id=None)

    none_yet = await carol.slash("quiz question", topic="dpo")
    assert "There are no questions for topic `dpo`" in none_yet.message.text()

    upload = Upload("club.yaml", bank_file(item_yaml(1), item_yaml(2, topic="sft")), "application/yaml")
    reply = await world.admin.slash("bank import", file=upload)
    text = (await reply.wait_reply()).text()
    assert reply.message.ephemeral and "Imported **2** questions from `club.yaml` (bank)" in text
    assert "This server now has 2 of its own" in text
    assert len(fake.attachment_fetches) == 1  # read once, from the URL Discord gave the bot

    listed = (await world.admin.slash("bank list")).message
    description = listed.embeds[0]["description"]
    assert "`g-club-q01` · DPO · en · Club question number 1" in description
    assert "`g-club-q02` · SFT" in description and "Page 1/1 · 2 questions" in listed.text()
    # /quiz topics and the topic autocomplete count them here, and only here.
    topics = (await world.alice.slash("quiz topics")).message.embeds[0]["description"]
    assert "`dpo` " in topics
    assert any(c["value"] == "dpo" for c in await world.alice.autocomplete("quiz question", "topic", "dpo"))
    assert "`dpo` " not in (await carol.slash("quiz topics")).message.embeds[0]["description"]

    # A quiz on dpo here can only draw the imported question; the key and explanation are the file's.
    _text, card = await _ask(fake, bot, world.alice, topic="dpo", mode="buttons")
    assert card.embeds[0]["footer"]["text"].endswith("g-club-q01")
    club = bot.guild_bank.get(world.guild.id, "g-club-q01")
    assert club is not None
    key = key_letter(card, club)  # the file's key B, under the letter this posting gave it
    await world.bob.click(card, key)
    reveal = await _reveal(fake, bot, clock, world.alice, 20)
    assert reveal.embeds[0]["title"] == f"Answer 1/1: {key}. Second choice 1"
    assert reveal.embeds[0]["description"] == "Because the club says so (1)."
    assert "bob" in _embed_fields(reveal)["Right (1)"]

    # The other server does not see them.
    still_none = await carol.slash("quiz question", topic="dpo")
    assert "There are no questions for topic `dpo`" in still_none.message.text()
    assert bot.guild_bank.items_of(other.id) == ()

    # A seed shape (seed 000's JSON quiz) is accepted too; explanations it lacks are said to be missing.
    seed = json.dumps(
        [
            {
                "question": "Which method needs a reward model?",
                "answer_a": "DPO",
                "answer_b": "RLHF with PPO",
                "answer_c": "SFT",
                "answer_d": "Prompting",
                "correct_answer": "B",
            }
        ],
        indent=2,
    )
    reply = await world.admin.slash("bank import", file=Upload("my quiz.txt", f"Quiz:\n{seed}\n".encode()))
    text = (await reply.wait_reply()).text()
    assert "Imported **1** question from `my quiz.txt` (json-mc)" in text and "now has 3" in text
    assert "1 came without an explanation" in text
    seeded = bot.guild_bank.get(world.guild.id, "g-my-quiz-q01")
    assert seeded is not None and seeded.answer_index == 1 and seeded.topics == ["reward-models"]

    # The items survive a restart (stored, then loaded into the cache at start).
    await bot.close()
    bot = await start_bot(clock=clock, bank_dir=small_bank, dev_guild_id=None)
    assert [i.id for i in bot.guild_bank.items_of(world.guild.id)] == [
        "g-club-q01",
        "g-club-q02",
        "g-my-quiz-q01",
    ]

    # A question still open cannot lose its item (its reveal needs it): removal waits for the reveal.
    _text, card = await _ask(fake, bot, world.alice, topic="dpo")
    assert card.embeds[0]["footer"]["text"].endswith("g-club-q01")
    busy = await world.admin.slash("bank remove", item_id="g-club-q01")
    assert "still open here" in busy.message.text() and busy.message.ephemeral
    assert bot.guild_bank.get(world.guild.id, "g-club-q01") is not None
    await _reveal(fake, bot, clock, world.alice, 20)

    # /bank remove, with the server's ids suggested.
    suggested = await world.admin.autocomplete("bank remove", "item_id", "club")
    assert [c["value"] for c in suggested] == ["g-club-q01", "g-club-q02"]
    removed = await world.admin.slash("bank remove", item_id="g-club-q01")
    assert removed.message.ephemeral and "Removed `g-club-q01`" in removed.message.text()
    assert "g-club-q01" not in (await world.admin.slash("bank list")).message.text()
    gone = await world.admin.slash("quiz question", topic="dpo")
    assert "There are no questions for topic `dpo`" in gone.message.text()
    again = await world.admin.slash("bank remove", item_id="g-club-q01")
    assert "has no question `g-club-q01`" in again.message.text()
    # Another server cannot remove this server's questions either.
    olga = fake.add_member(other, "olga", permissions=Perm.MANAGE_GUILD)
    refused = await olga.slash("bank remove", item_id="g-club-q02")
    assert "has no question" in refused.message.text()
    assert bot.guild_bank.get(world.guild.id, "g-club-q02") is not None


async def test_an_invalid_file_imports_nothing_and_says_what_is_wrong_where(
    fake: FakeDiscord, world: StudyServer, bot: QuizBot
) -> None:
    good = item_yaml(1)
    bad_answer = item_yaml(2, answer="E")
    bad_topic = item_yaml(3, topic="knitting")
    duplicate = item_yaml(4, item_id="club-q01")
    content = bank_file(good, bad_answer, bad_topic, duplicate)
    reply = await world.admin.slash("bank import", file=Upload("club.yaml", content))
    text = (await reply.wait_reply()).text()
    lines = content.decode().splitlines()

    def line_of(needle: str, start: int = 0) -> int:
        return next(n for n, line in enumerate(lines, 1) if n > start and needle in line)

    assert "Nothing was imported from `club.yaml`: 3 problems" in text
    assert f"club.yaml:{line_of('answer: E')}: club-q02: answer 'E' is not among the choice letters" in text
    assert (
        f"club.yaml:{line_of('topics: [knitting]')}: club-q03: topics: unknown topic(s) ['knitting']" in text
    )
    first = line_of("id: club-q01")
    again = line_of("id: club-q01", first)
    assert f"club.yaml:{again}: duplicate id 'club-q01'; first used at club.yaml:{first}" in text
    assert bot.guild_bank.items_of(world.guild.id) == ()
    assert await bot.db.fetch_all("SELECT * FROM guild_items") == []

    # Many problems: the reply is clipped to fit a message and the full report is attached.
    many = bank_file(*(item_yaml(n, answer="Z") for n in range(1, 61)))
    reply = await world.admin.slash("bank import", file=Upload("many.yaml", many))
    message = await reply.wait_reply()
    assert "Nothing was imported from `many.yaml`: 60 problems" in message.text()
    assert "more (the attached report lists them all)" in message.text() and len(message.text()) <= 2000
    [attachment] = message.attachments
    _name, data, _ctype = fake.attachments[int(attachment["id"])]
    assert data.decode().count("answer 'Z' is not among") == 60

    # A file that is not any known shape, and one that is not text.
    reply = await world.admin.slash("bank import", file=Upload("notes.txt", b"just some notes\n"))
    assert "cannot tell which format this is" in (await reply.wait_reply()).text()
    reply = await world.admin.slash(
        "bank import", file=Upload("x.yaml", b"version: 1\nitems:\n  - id: \xff\n")
    )
    assert "x.yaml:3: not UTF-8 text" in (await reply.wait_reply()).text()
    assert bot.guild_bank.items_of(world.guild.id) == ()


async def test_a_file_over_1_mb_is_refused_before_it_is_fetched(
    fake: FakeDiscord, world: StudyServer, bot: QuizBot
) -> None:
    big = Upload("big.yaml", b"#" * (MAX_FILE_BYTES + 1))
    reply = await world.admin.slash("bank import", file=big)
    assert reply.message.ephemeral and "question files may be up to 1 MB" in reply.message.text()
    assert fake.attachment_fetches == []
    assert bot.guild_bank.items_of(world.guild.id) == ()


async def test_a_server_holds_at_most_2000_questions_of_its_own(
    fake: FakeDiscord, world: StudyServer, bot: QuizBot
) -> None:
    first = bank_file(*(item_yaml(n) for n in range(1, 1991)))
    assert len(first) < MAX_FILE_BYTES
    reply = await world.admin.slash("bank import", file=Upload("a.yaml", first))
    assert "Imported **1990**" in (await reply.wait_reply()).text()
    more = bank_file(*(item_yaml(n, item_id=f"more-q{n:02d}") for n in range(1, 12)))
    reply = await world.admin.slash("bank import", file=Upload("b.yaml", more))
    text = (await reply.wait_reply()).text()
    assert "b.yaml:1: this would give the server 2001 questions of its own; the limit is 2000" in text
    assert len(bot.guild_bank.items_of(world.guild.id)) == 1990


ADMIN_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("settings show", {}),
    ("settings set", {"seconds": 30}),
    ("bank import", {"file": Upload("club.yaml", bank_file(item_yaml(1)))}),
    ("bank list", {}),
    ("bank remove", {"item_id": "g-club-q01"}),
    ("leaderboard-reset", {}),
    ("season start", {"name": "Sneaky"}),
    ("season end", {}),
]


async def test_members_without_manage_server_are_refused_every_admin_command(
    fake: FakeDiscord, world: StudyServer, bot: QuizBot
) -> None:
    visible = world.alice.visible_commands()
    for top in ("settings", "bank", "leaderboard-reset", "season"):
        assert top not in visible and top in world.admin.visible_commands()
    for command, options in ADMIN_COMMANDS:
        with pytest.raises(CommandRefused, match="default_member_permissions"):
            await world.alice.slash(command, **options)

    # An admin lets alice use them on the Integrations page: the bot still checks at run time.
    for top in ("settings", "bank", "leaderboard-reset", "season"):
        fake.allow_command(world.guild, top, world.alice)
    for command, options in ADMIN_COMMANDS:
        reply = await world.alice.slash(command, **options)
        assert reply.message.ephemeral, command
        assert reply.message.text() == "You need the Manage Server permission to use this command.", command
    assert fake.attachment_fetches == []  # her file was never even read
    assert await bot.guild_settings.get(world.guild.id) == GuildSettings(guild_id=world.guild.id)
    assert bot.guild_bank.items_of(world.guild.id) == ()
    assert bot.seasons.running_id(world.guild.id) is None


GIFT_CLUB = b"""$CATEGORY: $course$/Club/Networking

::essay:: Describe how a router decides where a packet goes. {}

::port:: Which port does HTTPS use by default? {
    =443 # TLS over TCP
    ~80
    ~22
    ####HTTPS listens on 443.
}

::arp:: Which protocol maps IP addresses to MAC addresses? {=ARP =Address Resolution Protocol}
"""


async def test_a_gift_import_skips_the_essay_and_its_topic_joins_this_server(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=small_bank)
    reply = await world.admin.slash("bank import", file=Upload("club.gift", GIFT_CLUB))
    text = (await reply.wait_reply()).text()
    assert reply.message.ephemeral
    assert "Imported **2** questions from `club.gift` (gift)" in text
    assert "1 question was skipped:" in text
    assert "`club.gift:3: skipped: essay question: question 1 (essay)`" in text
    assert "1 short-answer question can be played typed: `/quiz start mode:typed`" in text
    port = bot.guild_bank.get(world.guild.id, "g-club-q02")
    assert port is not None and port.topics == ["networking"] and port.explanation == "HTTPS listens on 443."
    arp = bot.guild_bank.get(world.guild.id, "g-club-q03")
    assert arp is not None and arp.accepted == ["ARP", "Address Resolution Protocol"]

    # The server's own topic is listed, suggested and playable here.
    topics = (await world.alice.slash("quiz topics")).message.embeds[0]["description"]
    assert "networking" in topics.lower()
    suggested = await world.alice.autocomplete("quiz question", "topic", "netw")
    assert [c["value"] for c in suggested] == ["networking"]
    _text, card = await _ask(fake, bot, world.alice, topic="networking", mode="buttons")
    assert card.embeds[0]["footer"]["text"].endswith("g-club-q02")
    letter = key_letter(card, port)  # posted in a fresh order: read where the key is
    await world.bob.click(card, letter)
    reveal = await _reveal(fake, bot, clock, world.alice, 20)
    assert reveal.embeds[0]["title"] == f"Answer 1/1: {letter}. 443"

    # The same file again: every question is now a duplicate, so nothing imports and it says why.
    reply = await world.admin.slash("bank import", file=Upload("club.gift", GIFT_CLUB))
    again = (await reply.wait_reply()).text()
    assert "Nothing was imported from `club.gift`" in again
    assert "club.gift:1: nothing to import: every question was skipped" in again
    assert "skipped: duplicate question: the bank already has it (g-club-q02)" in again
    assert len(bot.guild_bank.items_of(world.guild.id)) == 2

    # With the topic option the questions get the admin's topic instead.
    other = GIFT_CLUB.replace(b"HTTPS use", b"HTTP/3 use").replace(b"maps IP", b"maps IPv4")
    reply = await world.admin.slash("bank import", file=Upload("more.gift", other), topic="Week 1")
    assert "Imported **2**" in (await reply.wait_reply()).text()
    assert bot.guild_bank.get(world.guild.id, "g-more-q02").topics == ["week-1"]  # type: ignore[union-attr]


async def test_bank_export_gives_an_admin_the_servers_own_questions(
    fake: FakeDiscord, world: StudyServer, bot: QuizBot, tmp_path: Path
) -> None:
    from tests.bank.formats.test_formats_export import read_apkg

    empty = await world.admin.slash("bank export", format="json")
    said = await empty.wait_reply()
    assert said.ephemeral and "no questions of its own yet" in said.text() and not said.attachments

    await (await world.admin.slash("bank import", file=Upload("club.gift", GIFT_CLUB))).wait_reply()
    for fmt, name in (
        ("json", "server-questions.json"),
        ("gift", "server-questions.gift"),
        ("anki", "server-questions.apkg"),
    ):
        reply = await world.admin.slash("bank export", format=fmt)
        message = await reply.wait_reply()
        assert message.ephemeral and f"This server's 2 questions of its own, as {fmt}." in message.text()
        [attachment] = message.attachments
        stored_name, data, _ctype = fake.attachments[int(attachment["id"])]
        assert stored_name == name
        if fmt == "json":
            records = json.loads(data)
            assert [r["id"] for r in records] == ["g-club-q02", "g-club-q03"]
            assert records[0]["answer"] == 0 and records[0]["topics"] == ["networking"]
        elif fmt == "gift":
            assert b"$CATEGORY: networking" in data and b"::g-club-q02::Which port" in data
        else:
            notes = read_apkg(data, tmp_path)
            assert sorted(n.fields[2] for n in notes) == ["g-club-q02", "g-club-q03"]
            assert {n.deck for n in notes} == {"Quiz Tutor::networking"}
    # Members without Manage Server cannot export.
    with pytest.raises(CommandRefused, match="default_member_permissions"):
        await world.alice.slash("bank export", format="json")


PICTURE = "https://cdn.example.org/pics/otter.jpg?size=large&v=2"
RED_PICTURES = f"""AUTHOR: The club
Which animal is this? {PICTURE}:
- otter
- sea otter
What do otters eat most?:
- fish
""".encode()
AIKEN_PICTURES = f"""Which animal is shown here? {PICTURE}
A) A beaver
B) An otter
C) A seal
ANSWER: B
""".encode()


async def test_an_image_url_stays_in_the_prompt_and_the_question_card_shows_it(
    fake: FakeDiscord, world: StudyServer, start_bot, small_bank: Path
) -> None:
    clock = FakeClock()
    bot = await start_bot(clock=clock, bank_dir=small_bank)
    # A Red list keeps the URL in the prompt as written (quizzes ask its short answers in typed mode).
    reply = await world.admin.slash("bank import", file=Upload("animals.yaml", RED_PICTURES))
    assert "Imported **2** questions from `animals.yaml` (red-trivia)" in (await reply.wait_reply()).text()
    red = bot.guild_bank.get(world.guild.id, "g-animals-q001")
    assert red is not None and red.prompt == f"Which animal is this? {PICTURE}"

    # A choice question with the same URL, asked in a quiz: the card shows the picture.
    reply = await world.admin.slash("bank import", file=Upload("pictures.txt", AIKEN_PICTURES))
    assert "Imported **1** question from `pictures.txt` (aiken)" in (await reply.wait_reply()).text()
    _text, card = await _ask(fake, bot, world.alice, topic="pictures", mode="buttons")
    embed = card.embeds[0]
    assert embed["footer"]["text"].endswith("g-pictures-q01")
    assert embed["image"]["url"] == PICTURE
    assert PICTURE in embed["description"]  # the prompt keeps it as written
    await _reveal(fake, bot, clock, world.alice, 20)

    # A question without one has no image.
    _text, card = await _ask(fake, bot, world.alice, topic="lora", mode="buttons")
    assert "image" not in card.embeds[0]
    await _reveal(fake, bot, clock, world.alice, 20)

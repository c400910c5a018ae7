"""Interactions end to end: members run commands, type, click, pick, submit; the bot answers."""

from __future__ import annotations

import asyncio
import io

import discord
import pytest
from discord import app_commands

from . import (
    CommandRefused,
    ComponentUnavailable,
    FakeDiscord,
    InvalidOptions,
    MessageFlag,
    NoResponse,
    Perm,
    StudyServer,
    Upload,
)
from .strict import UNANSWERED

pytestmark = pytest.mark.e2e

TOPICS = ["lora", "qlora", "dpo", "rlhf", "sft", "peft", "logits"]


@app_commands.command(name="secret", description="Answers privately")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"only for {interaction.user.name}", ephemeral=True)


@app_commands.command(name="shout", description="Answers publicly")
async def shout(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"hello from {interaction.user.name}")


async def _topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t.upper(), value=t) for t in TOPICS if t.startswith(current)]


quiz = app_commands.Group(name="quiz", description="Quizzes")


@quiz.command(name="start", description="Start a quiz")
@app_commands.describe(topic="What to ask about", questions="How many questions")
@app_commands.autocomplete(topic=_topic_choices)
async def quiz_start(
    interaction: discord.Interaction, topic: str, questions: app_commands.Range[int, 1, 10] = 5
) -> None:
    await interaction.response.send_message(f"{questions} questions on {topic}")


@app_commands.command(name="config", description="Admins only")
@app_commands.default_permissions(manage_guild=True)
async def config(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("configured", ephemeral=True)


@app_commands.command(name="level", description="Pick a level")
@app_commands.choices(
    level=[app_commands.Choice(name="Easy", value=1), app_commands.Choice(name="Hard", value=2)]
)
async def level(interaction: discord.Interaction, level: app_commands.Choice[int]) -> None:
    await interaction.response.send_message(f"level {level.name}")


async def test_ephemeral_replies_are_kept_apart_from_the_channel(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(secret, shout)

    private = await world.alice.slash("secret")
    public = await world.bob.slash("shout")

    assert private.ephemeral_replies[0].content == "only for alice"
    assert public.public_replies[0].content == "hello from bob"
    assert [m.content for m in fake.channel_messages(world.channel)] == ["hello from bob"]
    assert [m.content for m in world.alice.ephemeral_messages] == ["only for alice"]
    assert world.bob.ephemeral_messages == []
    assert (public.message.interaction_metadata or {})["user"]["id"] == str(world.bob.id)


async def test_autocomplete_then_run_with_the_picked_value(world: StudyServer, start_plain_bot) -> None:
    await start_plain_bot(quiz)

    choices = await world.alice.autocomplete("quiz start", "topic", "ql", questions=3)
    assert choices == [{"name": "QLORA", "value": "qlora"}]

    reply = await world.alice.slash("quiz start", topic=choices[0]["value"], questions=3)
    assert reply.message.content == "3 questions on qlora"


async def test_autocomplete_with_more_than_25_choices_is_refused(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="many", description="Too many suggestions")
    async def many(interaction: discord.Interaction, pick: str) -> None:
        await interaction.response.send_message(pick)

    @many.autocomplete("pick")
    async def pick_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=str(i), value=str(i)) for i in range(26)]

    fake.interaction_deadline = 0.5  # the refusal is immediate; do not wait 3 s for "did not respond"
    await start_plain_bot(many)
    fake.expect_http_error(400, 50035, times=1)
    fake.expect_log("Ignoring exception in autocomplete", times=1)
    fake.expect_spec_violation(r"\$\.data\.choices: .* fails maxItems=25", times=1)

    with pytest.raises(NoResponse):
        await world.alice.autocomplete("many", "pick", "")


async def test_options_are_checked_against_the_synced_schema(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(quiz, level)

    with pytest.raises(InvalidOptions, match="required option"):
        await world.alice.slash("quiz start", questions=3)
    with pytest.raises(InvalidOptions, match="above max_value 10"):
        await world.alice.slash("quiz start", topic="lora", questions=11)
    with pytest.raises(InvalidOptions, match="expected a number"):
        await world.alice.slash("quiz start", topic="lora", questions="3")
    with pytest.raises(InvalidOptions, match="no option"):
        await world.alice.slash("quiz start", topic="lora", difficulty="hard")
    with pytest.raises(InvalidOptions, match="not one of the choices"):
        await world.alice.slash("level", level=3)
    with pytest.raises(CommandRefused, match="needs a subcommand"):
        await world.alice.slash("quiz")
    with pytest.raises(CommandRefused, match="not synced"):
        await world.alice.slash("leaderboard")
    assert fake.interactions == {}, "the bot must never see a command the client would not send"

    assert (await world.alice.slash("level", level=2)).message.content == "level Hard"


async def test_a_member_without_manage_server_cannot_run_an_admin_command(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(config, shout)

    assert "config" not in world.alice.visible_commands()
    with pytest.raises(CommandRefused, match="requires permissions"):
        await world.alice.slash("config")
    assert fake.interactions == {}

    assert "config" in world.admin.visible_commands()
    assert (await world.admin.slash("config")).message.content == "configured"
    owner = fake.add_member(world.guild, "root", permissions=Perm.ADMINISTRATOR)
    assert (await owner.slash("config")).message.content == "configured"


class Vote(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.votes: list[str] = []

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.votes.append(interaction.user.name)
        button.disabled = True
        await interaction.response.edit_message(content=f"yes from {interaction.user.name}", view=self)

    @discord.ui.button(label="Never", custom_id="vote:never", disabled=True)
    async def never(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        raise AssertionError("a disabled button cannot be clicked")

    @discord.ui.select(
        custom_id="vote:topic", placeholder="Topic", options=[discord.SelectOption(label=t) for t in TOPICS]
    )
    async def topic(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"you picked {select.values[0]}", ephemeral=True)


async def test_buttons_and_selects_are_routed_by_custom_id(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    view = Vote()

    @app_commands.command(name="vote", description="Posts a vote")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("vote now", view=view)

    await start_plain_bot(vote)
    posted = (await world.alice.slash("vote")).message
    # discord.py starts routing a view's clicks only once it has read the HTTP reply to the callback
    # that posted it; the stand-in shows the message as soon as the callback arrives. No person clicks
    # within that microsecond, but this test would (and does, on Python 3.12's scheduling order).
    await fake.wait_for(view.is_dispatching, what="the bot to start listening to the view's buttons")

    clicked = await world.bob.click(posted, "Yes")
    assert clicked.response_type == 7
    assert posted.content == "yes from bob"
    with pytest.raises(ComponentUnavailable, match="disabled"):
        await world.alice.click(posted, "Yes")  # the bot disabled it in its update
    with pytest.raises(ComponentUnavailable, match="disabled"):
        await world.alice.click(posted, "Never")
    with pytest.raises(ComponentUnavailable, match="no option"):
        await world.alice.select(posted, "Topic", ["cooking"])

    picked = await world.alice.select(posted, "Topic", ["dpo"])
    assert picked.ephemeral_replies[0].content == "you picked dpo"
    assert view.votes == ["bob"]


async def test_a_member_cannot_click_on_someone_elses_ephemeral_message(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    view = Vote()

    @app_commands.command(name="private-vote", description="Posts a private vote")
    async def private_vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("only you", view=view, ephemeral=True)

    await start_plain_bot(private_vote)
    mine = await world.alice.slash("private-vote")
    await fake.wait_for(view.is_dispatching, what="the bot to start listening to the view's buttons")

    with pytest.raises(ComponentUnavailable, match="ephemeral"):
        await world.bob.click(mine, "Yes")
    assert (await world.alice.click(mine, "Yes")).message.content == "yes from alice"


async def test_deferred_answer_then_follow_ups(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="think", description="Defers, then follows up")
    async def think(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("first: replaces the thinking message")
        await interaction.followup.send("second: a new public message", ephemeral=False)
        await interaction.edit_original_response(content="first, edited")

    await start_plain_bot(think)
    record = await world.alice.slash("think")
    await record.wait_for(lambda r: len(r.replies) == 2 and r.message.content == "first, edited")

    original, _second = record.replies
    assert original.flags & MessageFlag.EPHEMERAL, "the first follow-up keeps the deferred ephemerality"
    assert not original.flags & MessageFlag.LOADING
    assert [m.content for m in fake.channel_messages(world.channel)] == ["second: a new public message"]


async def test_a_late_answer_gets_10062_like_on_discord(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    fake.interaction_deadline = 0.2  # real time, kept short: the handler really is late

    @app_commands.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("too late")

    await start_plain_bot(slow)
    fake.expect_http_error(404, 10062, times=1)
    fake.expect_tree_error(discord.NotFound, times=1)
    fake.expect_log("Ignoring exception in command 'slow'", times=1)

    with pytest.raises(NoResponse, match="did not respond"):
        await world.alice.slash("slow")
    record = next(iter(fake.interactions.values()))
    await record.wait_for(lambda r: r.late_callbacks)
    assert record.replies == []


async def test_a_second_acknowledgement_is_refused(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        interaction.response._response_type = None  # defeat discord.py's own guard to reach Discord's
        await interaction.response.send_message("again")

    await start_plain_bot(twice)
    fake.expect_http_error(400, 40060, times=1)
    fake.expect_tree_error(discord.HTTPException, times=1)
    fake.expect_log("Ignoring exception in command 'twice'", times=1)

    record = await world.alice.slash("twice")
    await record.wait_for(lambda r: r.rejected)
    assert record.rejected[0].code == 40060


async def test_the_interaction_token_expires_after_15_minutes(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    later = asyncio.Event()
    outcome: list[BaseException] = []

    @app_commands.command(name="remind", description="Follows up much later")
    async def remind(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await later.wait()
        try:
            await interaction.followup.send("15 minutes later")
        except discord.HTTPException as exc:
            outcome.append(exc)

    await start_plain_bot(remind)
    fake.expect_http_error(401, 50027, times=1)
    record = await world.alice.slash("remind")

    fake.clock.advance(15 * 60 + 1)
    later.set()
    await fake.wait_for(lambda: outcome)

    assert isinstance(outcome[0], discord.HTTPException) and outcome[0].code == 50027
    assert record.message.flags & MessageFlag.LOADING, "the member is still looking at 'thinking...'"


async def test_a_modal_is_shown_and_submitted(world: StudyServer, start_plain_bot) -> None:
    class Feedback(discord.ui.Modal, title="Feedback"):
        text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
            label="What was unclear?", custom_id="feedback:text"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)

    @app_commands.command(name="feedback", description="Opens a form")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    await start_plain_bot(feedback)
    opened = await world.alice.slash("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"

    submitted = await world.alice.submit_modal(opened, {"feedback:text": "rank vs alpha"})
    assert submitted.ephemeral_replies[0].content == "thanks: rank vs alpha"


async def test_several_members_in_two_servers_at_once(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    other = fake.add_guild("Other Server", channel_name="lobby")
    carol = fake.add_member(other, "carol")
    alice_there = fake.add_member(other, world.alice.user)
    await start_plain_bot(shout, guilds=[world.guild, other])

    records = await asyncio.gather(
        world.alice.slash("shout"),
        world.bob.slash("shout"),
        carol.slash("shout"),
        alice_there.slash("shout"),
    )

    assert [r.message.content for r in records] == [
        "hello from alice",
        "hello from bob",
        "hello from carol",
        "hello from alice",
    ]
    assert len(fake.channel_messages(world.channel)) == 2
    assert len(fake.channel_messages(fake.default_channel(other))) == 2
    assert {r.guild_id for r in records} == {world.guild.id, other.id}


async def test_a_command_synced_to_one_server_is_not_offered_in_another(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    other = fake.add_guild("Other Server")
    carol = fake.add_member(other, "carol")
    await start_plain_bot(shout)

    with pytest.raises(CommandRefused, match="not synced"):
        await carol.slash("shout")


async def test_an_interaction_the_bot_never_answers_fails_the_test(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    @app_commands.command(name="silent", description="Never answers")
    async def silent(interaction: discord.Interaction) -> None:
        return None

    await start_plain_bot(silent)
    await world.alice.slash("silent", wait=False)
    await fake.wait_delivered()

    with pytest.raises(AssertionError, match="never acknowledged"):
        fake.check()
    fake.strict.expect(UNANSWERED)  # declared after the fact: now the test may pass


@app_commands.command(name="chart", description="Answers with a file")
async def chart(interaction: discord.Interaction) -> None:
    embed = discord.Embed(title="chart").set_image(url="attachment://c.png")
    await interaction.response.send_message(
        embed=embed, file=discord.File(io.BytesIO(b"\x89PNG fake"), "c.png")
    )


async def test_a_reply_to_a_command_can_carry_a_file(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(chart)
    reply = await world.alice.slash("chart")
    [attachment] = reply.message.attachments
    assert attachment["filename"] == "c.png" and attachment["size"] == len(b"\x89PNG fake")
    assert fake.attachments[int(attachment["id"])][1] == b"\x89PNG fake"
    assert reply.message.embeds[0]["image"]["url"] == "attachment://c.png"


@app_commands.command(name="upload", description="Reads an attached file")
async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
    data = await file.read()
    await interaction.response.send_message(
        f"{file.filename} {file.size} {len(data)} {data.decode()} {file.ephemeral}", ephemeral=True
    )


async def test_an_attachment_option_is_resolved_and_served_at_its_url(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(upload)
    reply = await world.alice.slash("upload", file=Upload("notes.txt", b"hello", "text/plain"))
    assert reply.message.content == "notes.txt 5 5 hello True"
    [aid] = fake.attachment_fetches  # fetched once, from the stand-in's CDN-like URL
    assert fake.attachments[aid] == ("notes.txt", b"hello", "text/plain")
    with pytest.raises(InvalidOptions, match="expected an Upload"):
        await world.alice.slash("upload", file="notes.txt")


async def test_a_command_override_lets_a_member_use_an_admin_command(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(config)
    assert "config" not in world.alice.visible_commands()
    with pytest.raises(CommandRefused):
        await world.alice.slash("config")
    fake.allow_command(world.guild, "config", world.alice)
    assert "config" in world.alice.visible_commands()
    assert (await world.alice.slash("config")).message.content == "configured"
    with pytest.raises(CommandRefused):  # only for the member the override names
        await world.bob.slash("config")


async def test_raw_options_reach_the_bot_as_given_without_the_clients_checks(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    got: list[tuple[int, int]] = []

    @app_commands.command(name="count", description="Counts")
    async def count(interaction: discord.Interaction, n: app_commands.Range[int, 1, 10], word: str) -> None:
        got.append((n, len(word)))
        await interaction.response.send_message("counted", ephemeral=True)

    await start_plain_bot(count)
    with pytest.raises(InvalidOptions):
        await world.alice.slash("count", n=1000, word="w")

    await world.alice.raw_slash("count", n=1000, word="w" * 7000)
    await world.alice.raw_slash("count", n=-5, word="")

    assert got == [(1000, 7000), (-5, 0)], "discord.py trusts Discord's checks: the bot must do its own"
    sent = [r.data["options"] for r in fake.interactions.values()]
    assert sent[0] == [
        {"name": "n", "type": 4, "value": 1000},
        {"name": "word", "type": 3, "value": "w" * 7000},
    ]


async def test_raw_options_can_break_the_declared_types(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(quiz, level)
    options = [
        {"name": "topic", "type": 3, "value": "lora"},
        {"name": "questions", "type": 3, "value": "many"},  # declared an integer
    ]

    record = await world.alice.raw_slash("quiz start", options=options)

    assert record.data["options"][0]["options"] == options
    assert record.message is not None
    assert record.message.content == "many questions on lora", "discord.py passes the value through"


async def test_raw_clicks_reach_the_view_even_where_the_client_would_refuse(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    view = Vote()

    @app_commands.command(name="vote", description="Posts a vote")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("vote now", view=view)

    await start_plain_bot(vote)
    posted = (await world.alice.slash("vote")).message
    # As in the routing test above: discord.py listens to the view only once it has read the reply.
    await fake.wait_for(view.is_dispatching, what="the bot to start listening to the view's buttons")
    await world.bob.click(posted, "Yes")  # the bot disables Yes

    again = await world.alice.raw_click(posted, "vote:yes")  # a disabled button, clicked anyway
    odd = await world.alice.raw_click(posted, "vote:topic", component_type=3, values=["cooking"])
    fake.interaction_deadline = 0.5
    with pytest.raises(NoResponse):
        await world.alice.raw_click(posted, "vote:maybe")  # a custom_id the bot never sent

    assert again.response_type == 7 and view.votes == ["bob", "alice"]
    assert odd.ephemeral_replies[0].content == "you picked cooking"


async def test_a_raw_interaction_sends_exactly_the_given_data(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    await start_plain_bot(shout)
    command_id = fake.commands[world.guild.id][(1, "shout")]["id"]

    record = await world.alice.raw_interaction(
        2, {"id": command_id, "name": "shout", "type": 1, "guild_id": str(world.guild.id)}, name="shout"
    )

    assert record.message is not None and record.message.content == "hello from alice"

"""Channel overwrites that deny the bot, and who a mention notifies, through discord.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
import pytest
from discord import app_commands

from . import FakeDiscord, Overwrite, Perm, StudyServer

pytestmark = pytest.mark.e2e

Action = Callable[[discord.TextChannel, discord.Message], Awaitable[Any]]


async def _send(channel: discord.TextChannel, _question: discord.Message) -> Any:
    return await channel.send("plain text")


async def _embed(channel: discord.TextChannel, _question: discord.Message) -> Any:
    return await channel.send(embed=discord.Embed(title="Question 1"))


async def _file(channel: discord.TextChannel, _question: discord.Message) -> Any:
    return await channel.send("scores", file=discord.File(__file__, filename="scores.csv"))


async def _reply(_channel: discord.TextChannel, question: discord.Message) -> Any:
    return await question.reply("the answer was B")


async def _react(_channel: discord.TextChannel, question: discord.Message) -> Any:
    return await question.add_reaction("🇦")


async def _fetch(channel: discord.TextChannel, question: discord.Message) -> Any:
    return await channel.fetch_message(question.id)


async def _typing(channel: discord.TextChannel, _question: discord.Message) -> Any:
    async with channel.typing():
        pass


DENIED: dict[str, tuple[int, Action, int]] = {
    "View Channel: everything": (Perm.VIEW_CHANNEL, _send, 50001),
    "Send Messages: sends": (Perm.SEND_MESSAGES, _send, 50013),
    "Send Messages: typing": (Perm.SEND_MESSAGES, _typing, 50013),
    "Embed Links: embeds": (Perm.EMBED_LINKS, _embed, 50013),
    "Attach Files: files": (Perm.ATTACH_FILES, _file, 50013),
    "Read Message History: replies": (Perm.READ_MESSAGE_HISTORY, _reply, 50013),
    "Read Message History: fetching": (Perm.READ_MESSAGE_HISTORY, _fetch, 50013),
    "Read Message History: reacting": (Perm.READ_MESSAGE_HISTORY, _react, 50013),
    "Add Reactions: new reactions": (Perm.ADD_REACTIONS, _react, 50013),
}

#: What each permission alone still lets through.
ALLOWED: dict[str, tuple[int, Action]] = {
    "Embed Links: plain text": (Perm.EMBED_LINKS, _send),
    "Attach Files: embeds": (Perm.ATTACH_FILES, _embed),
    "Read Message History: plain sends": (Perm.READ_MESSAGE_HISTORY, _send),
    "Add Reactions: replies": (Perm.ADD_REACTIONS, _reply),
    "Mention Everyone: sends": (Perm.MENTION_EVERYONE, _send),
}


@pytest.mark.parametrize("case", list(DENIED))
async def test_a_denied_permission_is_refused_with_discords_error(
    case: str, fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    permission, action, code = DENIED[case]
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    question = await channel.send("question")

    await fake.deny_bot(world.channel, permission)
    await fake.wait_for(
        lambda: not channel.permissions_for(channel.guild.me).value & permission, what="CHANNEL_UPDATE"
    )
    fake.expect_http_error(403, code, times=1)
    with pytest.raises(discord.Forbidden) as caught:
        await action(channel, question)

    assert caught.value.code == code
    assert [m.content for m in fake.channel_messages(world.channel)] == ["question"]


@pytest.mark.parametrize("case", list(ALLOWED))
async def test_what_a_denied_permission_does_not_cover_still_works(
    case: str, fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    permission, action = ALLOWED[case]
    bot = await start_plain_bot()
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    question = await channel.send("question")
    await fake.deny_bot(world.channel, permission)

    await action(channel, question)


async def test_interactions_carry_the_bots_permissions_after_an_overwrite(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    seen: list[discord.Permissions] = []

    @app_commands.command(name="perms", description="Reports the app's permissions")
    async def perms(interaction: discord.Interaction) -> None:
        seen.append(interaction.app_permissions)
        await interaction.response.send_message("ok", ephemeral=True)

    locked = fake.add_channel(
        world.guild, "locked", overwrites=[fake.bot_overwrite(deny=Perm.ADD_REACTIONS | Perm.EMBED_LINKS)]
    )
    await start_plain_bot(perms)

    await world.alice.slash("perms", channel=locked)
    await world.alice.slash("perms")

    assert not seen[0].add_reactions and not seen[0].embed_links and seen[0].send_messages
    assert seen[1].add_reactions and seen[1].embed_links


async def test_deny_bot_keeps_other_overwrites_and_adds_to_its_own(
    fake: FakeDiscord, world: StudyServer
) -> None:
    everyone = discord.Permissions(send_messages=True).value
    world.channel.overwrites = [fake.bot_overwrite(allow=Perm.ADD_REACTIONS)]
    world.channel.overwrites.append(Overwrite(id=world.guild.id, type=0, deny=everyone))

    await fake.deny_bot(world.channel, Perm.EMBED_LINKS)
    await fake.deny_bot(world.channel, Perm.ADD_REACTIONS)

    own = [o for o in world.channel.overwrites if o.id == fake.bot_user.id]
    assert len(own) == 1 and own[0].deny == Perm.EMBED_LINKS | Perm.ADD_REACTIONS and own[0].allow == 0
    assert any(o.id == world.guild.id for o in world.channel.overwrites)


async def test_roles_that_are_not_mentionable_ping_only_with_mention_everyone(
    fake: FakeDiscord, world: StudyServer, start_plain_bot
) -> None:
    open_role = fake.add_role(world.guild, "quizzers", 0, mentionable=True)
    closed_role = fake.add_role(world.guild, "staff", 0)
    bot = await start_plain_bot()
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    role = guild.get_role(open_role.id)
    assert role is not None and role.mentionable, "discord.py reads the flag from the role payload"
    channel = bot.get_partial_messageable(world.channel.id)
    text = f"<@&{open_role.id}> <@&{closed_role.id}> @everyone"

    await channel.send(text)
    await fake.deny_bot(world.channel, Perm.MENTION_EVERYONE)
    await channel.send(text)  # no error from Discord: the pings just do not happen

    allowed, denied = fake.channel_messages(world.channel)
    assert (allowed.pinged_role_ids(), allowed.pings_everyone()) == ([open_role.id, closed_role.id], True)
    assert (denied.pinged_role_ids(), denied.pings_everyone()) == ([open_role.id], False)

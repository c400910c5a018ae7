"""The default world most tests start from: one study server with a few people in it.

Kept apart from the server so a test can build a different world (several servers, a
member without some permission) with the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actors import Member
from .models import Channel, Guild, Perm
from .server import FakeDiscord

#: The server the bot syncs its commands to (its DEV_GUILD_ID in end-to-end tests).
STUDY_GUILD_ID = 1_100_000_000_000_000_001


@dataclass
class StudyServer:
    """Handles to the default world: the server, its quiz channel and three members."""

    guild: Guild
    channel: Channel
    #: Has Manage Server (through a "Moderator" role): may run admin commands.
    admin: Member
    #: Plain members with @everyone's permissions only.
    alice: Member
    bob: Member


def study_server(
    fake: FakeDiscord, *, guild_id: int | None = None, shard: int | None = None, name: str = "Study Server"
) -> StudyServer:
    """The study server (id :data:`STUDY_GUILD_ID` unless told otherwise) and its people.

    ``shard``: a server of its own whose id lands on that shard of ``fake.shard_count``, for
    worlds of several servers split across shards (``study_server(fake, shard=0, name="A")``).
    """
    if guild_id is None and shard is None:
        guild_id = STUDY_GUILD_ID
    guild = fake.add_guild(name, guild_id=guild_id, shard=shard, channel_name="quiz")
    moderator = fake.add_role(guild, "Moderator", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
    return StudyServer(
        guild=guild,
        channel=fake.default_channel(guild),
        admin=fake.add_member(guild, "ada", roles=[moderator]),
        alice=fake.add_member(guild, "alice"),
        bob=fake.add_member(guild, "bob"),
    )

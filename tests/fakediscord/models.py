"""The stand-in's world: users, guilds, roles, channels, messages and reactions.

Plain dataclasses that render themselves as Discord API v10 payloads. Nothing here imports
discord.py: the stand-in must describe Discord, not the client under test, or a client bug
in a payload shape would be mirrored instead of caught.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")

DISCORD_EPOCH_MS = 1_420_070_400_000

JSON = dict[str, Any]


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38

    ALL = (1 << 51) - 1

    #: What @everyone gets in a freshly created server, close enough for a quiz bot.
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | MENTION_EVERYONE
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )


class Intent:
    """Gateway intent bits the stand-in filters on."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15

    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class MessageFlag:
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class ChannelType:
    GUILD_TEXT = 0
    DM = 1


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard that gets a server's events: Discord's ``(guild_id >> 22) % shard_count``.

    Events without a server (DMs) go to shard 0, as on Discord.
    """
    if guild_id is None:
        return 0
    return (guild_id >> 22) % shard_count


class SnowflakeFactory:
    """Snowflakes stamped with the wall clock, because discord.py reads message ages from ids."""

    def __init__(self) -> None:
        self._increment = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._increment) & 0xFFF)

    def on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake whose server would be on ``shard_id`` of ``shard_count``.

        The shard is read from the timestamp bits, so the timestamp is moved forward by less
        than ``shard_count`` milliseconds; the increment keeps it unique.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard {shard_id} is not one of 0..{shard_count - 1}")
        flake = self()
        ms = flake >> 22
        ms += (shard_id - ms) % shard_count
        return (ms << 22) | (flake & ((1 << 22) - 1))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    #: False models a member who closed DMs: the bot gets 403 / 50007 when it writes to them.
    accepts_dms: bool = True
    #: The language of their Discord client: an interaction's ``locale``.
    locale: str = "en-US"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name or self.username,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    #: Whether anyone may ping it; otherwise only senders with Mention Everyone notify it.
    mentionable: bool = False

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite; ``type`` 0 is a role, 1 a member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = ChannelType.GUILD_TEXT
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    #: For DM channels: the other person.
    recipient: User | None = None
    last_message_id: int | None = None

    def payload(self) -> JSON:
        if self.type == ChannelType.DM:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": None,
            "topic": self.topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "flags": 0,
        }


@dataclass
class GuildMember:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, GuildMember] = field(default_factory=dict)
    #: The server's language (Server Settings > Community): ``preferred_locale``, ``guild_locale``.
    preferred_locale: str = "en-US"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, user_id: int) -> int:
        """Server-level permissions: @everyone plus every role, as Discord computes them."""
        if user_id == self.owner_id:
            return Perm.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = self.everyone.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def permissions_in(self, user_id: int, channel: Channel) -> int:
        """Channel permissions: base, then @everyone, role and member overwrites in Discord's order."""
        perms = self.base_permissions(user_id)
        if perms == Perm.ALL:
            return perms
        member = self.members[user_id]
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            o = by_id.get(role_id)
            if o is not None and o.type == 0:
                allow |= o.allow
                deny |= o.deny
        perms = (perms & ~deny) | allow
        own = by_id.get(user_id)
        if own is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    def payload(self, *, members: list[GuildMember], joined_at: str) -> JSON:
        """The GUILD_CREATE shape. ``member_count`` is the real count, as Discord sends it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "application_id": None,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": True,
        }


@dataclass(frozen=True)
class Emoji:
    """A reaction emoji: unicode (``id`` None) or custom (``name:id`` in URLs)."""

    name: str
    id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Emoji:
        """Parse the URL form discord.py sends: ``🇦``, ``name:id`` or ``<:name:id>``."""
        text = text.strip("<>")
        if ":" in text:
            parts = [p for p in text.split(":") if p]
            if len(parts) >= 2 and parts[-1].isdigit():
                return cls(name=parts[-2], id=int(parts[-1]))
        return cls(name=text)

    def payload(self) -> JSON:
        return {"id": str(self.id) if self.id else None, "name": self.name}

    def __str__(self) -> str:
        return self.name if self.id is None else f"<:{self.name}:{self.id}>"


@dataclass
class Message:
    """A message as Discord stores it; ``payload`` renders what a given viewer sees."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    #: emoji -> user ids in the order they reacted.
    reactions: dict[Emoji, list[int]] = field(default_factory=dict)
    webhook_id: int | None = None
    application_id: int | None = None
    #: Set for messages created by an interaction response or follow-up.
    interaction: JSON | None = None
    interaction_metadata: JSON | None = None
    #: The only user who can see an ephemeral message.
    ephemeral_for: int | None = None
    deleted: bool = False
    nonce: str | int | None = None
    message_reference: JSON | None = None
    mentions: list[User] = field(default_factory=list)
    #: The ``allowed_mentions`` the message was sent with (None: Discord's default, parse all).
    allowed_mentions: JSON | None = None
    attachments: list[JSON] = field(default_factory=list)
    edits: int = 0
    #: Whether the author had Mention Everyone where it was sent (None: not known, assume yes).
    author_mentions_everyone: bool | None = None
    #: Roles of the server that were mentionable when it was sent (None: not known, assume all).
    mentionable_role_ids: frozenset[int] | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def embed(self) -> JSON | None:
        """The first embed, the common case in tests."""
        return self.embeds[0] if self.embeds else None

    def reaction_count(self, emoji: str | Emoji) -> int:
        key = emoji if isinstance(emoji, Emoji) else Emoji.parse(emoji)
        return len(self.reactions.get(key, []))

    def reactors(self, emoji: str | Emoji) -> list[int]:
        key = emoji if isinstance(emoji, Emoji) else Emoji.parse(emoji)
        return list(self.reactions.get(key, []))

    def pinged_role_ids(self) -> list[int]:
        """Roles whose members were notified: mentioned in the content and allowed to ping.

        As on Discord: no ``allowed_mentions`` parses every mention; with it, a role pings only if
        ``"roles"`` is in ``parse`` or its id is in ``roles``. And a role that is not mentionable
        pings only when the author has Mention Everyone in the channel.
        """
        mentioned = [int(i) for i in ROLE_MENTION_RE.findall(self.content)]
        if self.author_mentions_everyone is False and self.mentionable_role_ids is not None:
            mentioned = [r for r in mentioned if r in self.mentionable_role_ids]
        allowed = self.allowed_mentions
        if allowed is None or "roles" in (allowed.get("parse") or []):
            return mentioned
        listed = {int(i) for i in allowed.get("roles") or []}
        return [r for r in mentioned if r in listed]

    def pings_everyone(self) -> bool:
        """Whether @everyone / @here in the content notified the channel (needs Mention Everyone)."""
        if "@everyone" not in self.content and "@here" not in self.content:
            return False
        if self.author_mentions_everyone is False:
            return False
        allowed = self.allowed_mentions
        return allowed is None or "everyone" in (allowed.get("parse") or [])

    def text(self) -> str:
        """Everything a reader sees as text: content, embed titles, descriptions, fields, footers."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", "")]
            for f in e.get("fields", []):
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append(e.get("footer", {}).get("text", ""))
            parts.append(e.get("author", {}).get("name", ""))
        return "\n".join(p for p in parts if p)

    def iter_components(self) -> list[JSON]:
        """Every interactive component, flattened out of action rows (and containers/sections)."""
        found: list[JSON] = []

        def walk(items: list[JSON]) -> None:
            for item in items:
                if item.get("type") in (1, 9, 17):  # action row, section, container
                    walk(item.get("components", []))
                    if "accessory" in item:
                        walk([item["accessory"]])
                else:
                    found.append(item)

        walk(self.components)
        return found

    def payload(self, *, viewer_id: int | None, member: GuildMember | None = None) -> JSON:
        reactions = []
        for emoji, users in self.reactions.items():
            if not users:
                continue
            me = viewer_id in users
            reactions.append(
                {
                    "emoji": emoji.payload(),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "burst_colors": [],
                    "me": me,
                    "me_burst": False,
                    "burst_count": 0,
                }
            )
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
            "components": self.components,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if member is not None:
            data["member"] = member.payload(with_user=False)
        if reactions:
            data["reactions"] = reactions
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction is not None:
            data["interaction"] = self.interaction
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        return data

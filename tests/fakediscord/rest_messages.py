"""REST routes for channels, messages and reactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import JSON, Channel, ChannelType, Emoji, Message, Perm, User
from .plumbing import ApiError, Route, form_error, one_error, snowflake_of

if TYPE_CHECKING:
    from .server import FakeDiscord


class MessageRoutes:
    """Channels, messages and reactions, as the bot's token sees them."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        return [
            ("GET", "/channels/{channel_id}", self.get_channel, True),
            ("POST", "/channels/{channel_id}/typing", self.typing, True),
            ("GET", "/channels/{channel_id}/messages", self.get_messages, True),
            ("POST", "/channels/{channel_id}/messages", self.create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", self.clear_reactions, True),
            (
                "GET",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
                self.get_reactions,
                True,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
                self.clear_emoji,
                True,
            ),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self.add_own_reaction,
                True,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
                self.delete_reaction,
                True,
            ),
        ]

    # -- lookups -------------------------------------------------------------------------------

    def _channel(self, request: web.Request, *, need: int = Perm.VIEW_CHANNEL) -> Channel:
        cid = snowflake_of(request.match_info["channel_id"])
        channel = self.fake.channels.get(cid) or next(
            (c for c in self.fake.dm_channels.values() if c.id == cid), None
        )
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        perms = self.fake.bot_permissions_in(channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & need != need:
            raise ApiError(403, 50013, "Missing Permissions")
        return channel

    def _message(self, channel: Channel, request: web.Request) -> Message:
        msg = self.fake.messages.get(snowflake_of(request.match_info["message_id"]))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral_for is not None:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    # -- channels and messages ----------------------------------------------------------------

    async def get_channel(self, request: web.Request, body: Any) -> JSON:
        return self._channel(request).payload()

    async def typing(self, request: web.Request, body: Any) -> None:
        self._channel(request, need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        return None

    async def get_messages(self, request: web.Request, body: Any) -> list[JSON]:
        channel = self._channel(request)
        if not self.fake.bot_permissions_in(channel) & Perm.READ_MESSAGE_HISTORY:
            return []
        q = request.query
        limit = int(q.get("limit", 50))
        if not 1 <= limit <= 100:
            raise form_error(one_error(("limit",), "int value should be between 1 and 100."))
        msgs = self.fake.channel_messages(channel)
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])]
            return [self.fake._view(m) for m in reversed(msgs[:limit])]
        if "around" in q:
            around = int(q["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in msgs if m.id > around][: limit - len(older)]
            msgs = older + newer
        return [self.fake._view(m) for m in reversed(msgs[-limit:])]

    async def create_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        if channel.type == ChannelType.DM:
            assert channel.recipient is not None
            if not channel.recipient.accepts_dms or not self._shares_guild(channel.recipient):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        self.fake.http.rate_limit(request, channel)
        self.fake._validate_new_message(body)
        self._check_content_permissions(channel, body)
        ref = body.get("message_reference")
        if ref:
            target = self.fake.messages.get(int(ref.get("message_id", 0)))
            if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
                raise form_error(
                    one_error(("message_reference",), "Unknown message", "REPLIES_UNKNOWN_MESSAGE")
                )
        msg = self.fake._store_message(channel, self.fake.bot_user, body)
        await self.fake.gateway.dispatch(
            "MESSAGE_CREATE", self.fake._message_event(msg), guild_id=channel.guild_id
        )
        return self.fake._view(msg)

    def _check_content_permissions(self, channel: Channel, body: JSON) -> None:
        """What a message carries needs permissions of its own, beyond Send Messages."""
        perms = self.fake.bot_permissions_in(channel)
        if body.get("embeds") and not perms & Perm.EMBED_LINKS:
            raise ApiError(403, 50013, "Missing Permissions")
        if body.get("_files") and not perms & Perm.ATTACH_FILES:
            raise ApiError(403, 50013, "Missing Permissions")
        if body.get("message_reference") and not perms & Perm.READ_MESSAGE_HISTORY:
            raise ApiError(403, 50013, "Missing Permissions")

    def _shares_guild(self, user: User) -> bool:
        return any(user.id in g.members for g in self.fake.bot_guilds())

    async def get_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        return self.fake._view(self._message(channel, request))

    async def edit_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request)
        msg = self._message(channel, request)
        if msg.author.id != self.fake.bot_user.id:
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
            if not self.fake.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES:
                raise ApiError(403, 50013, "Missing Permissions")
        self._check_content_permissions(channel, {k: v for k, v in body.items() if k != "message_reference"})
        self.fake._apply_edit(msg, body)
        await self.fake._dispatch_update(msg)
        return self.fake._view(msg)

    async def delete_message(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request)
        msg = self._message(channel, request)
        if (
            msg.author.id != self.fake.bot_user.id
            and not self.fake.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES
        ):
            raise ApiError(403, 50013, "Missing Permissions")
        await self.fake._dispatch_delete(msg)

    # -- reactions -----------------------------------------------------------------------------

    def _emoji(self, request: web.Request) -> Emoji:
        emoji = Emoji.parse(request.match_info["emoji"])
        if emoji.id is not None:
            # Custom emojis are not modelled: Discord answers this for one the bot cannot use.
            raise ApiError(400, 10014, "Unknown Emoji")
        return emoji

    async def add_own_reaction(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        msg = self._message(channel, request)
        emoji = self._emoji(request)
        self.fake.http.rate_limit(request, channel, "reactions")
        if emoji not in msg.reactions and not self.fake.bot_permissions_in(channel) & Perm.ADD_REACTIONS:
            raise ApiError(403, 50013, "Missing Permissions")
        if len(msg.reactions) >= 20 and emoji not in msg.reactions:
            raise ApiError(400, 30010, "Maximum number of reactions reached (20)")
        await self.fake.set_reaction(self.fake.bot_user, msg, emoji, add=True)
        return None

    async def delete_reaction(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request)
        msg = self._message(channel, request)
        emoji = self._emoji(request)
        self.fake.http.rate_limit(request, channel, "reactions")
        who = request.match_info["user_id"]
        user_id = self.fake.bot_user.id if who == "@me" else snowflake_of(who)
        if (
            user_id != self.fake.bot_user.id
            and not self.fake.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES
        ):
            raise ApiError(403, 50013, "Missing Permissions")
        user = self.fake.users.get(user_id)
        if user is not None:
            await self.fake.set_reaction(user, msg, emoji, add=False)
        return None

    async def get_reactions(self, request: web.Request, body: Any) -> list[JSON]:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        msg = self._message(channel, request)
        users = [self.fake.users[u] for u in msg.reactions.get(self._emoji(request), [])]
        after = int(request.query.get("after", 0))
        limit = int(request.query.get("limit", 25))
        return [u.payload() for u in sorted(users, key=lambda u: u.id) if u.id > after][:limit]

    async def clear_reactions(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.MANAGE_MESSAGES)
        msg = self._message(channel, request)
        msg.reactions.clear()
        data = {"channel_id": str(msg.channel_id), "message_id": str(msg.id)}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        await self.fake.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", data, guild_id=msg.guild_id)
        self.fake.changed()
        return None

    async def clear_emoji(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.MANAGE_MESSAGES)
        msg = self._message(channel, request)
        emoji = self._emoji(request)
        msg.reactions.pop(emoji, None)
        data = {"channel_id": str(msg.channel_id), "message_id": str(msg.id), "emoji": emoji.payload()}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        await self.fake.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data, guild_id=msg.guild_id)
        self.fake.changed()
        return None

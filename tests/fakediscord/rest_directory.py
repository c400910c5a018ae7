"""REST routes for users, the application, the gateway URL, commands and guilds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import limits
from .models import JSON, Guild
from .plumbing import ApiError, Route, form_error, one_error, snowflake_of

if TYPE_CHECKING:
    from .server import FakeDiscord


#: Discord's daily session starts for a bot below large-bot sharding.
SESSION_STARTS_PER_DAY = 1000


class DirectoryRoutes:
    """Who is who: the bot user, its application, other users, DMs, commands, guilds."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        return [
            ("GET", "/users/@me", self.get_me, True),
            ("GET", "/oauth2/applications/@me", self.get_application, True),
            ("GET", "/applications/@me", self.get_application, True),
            ("GET", "/gateway", self.get_gateway, False),
            ("GET", "/gateway/bot", self.get_gateway_bot, True),
            ("GET", "/applications/{app_id}/commands", self.get_commands, True),
            ("PUT", "/applications/{app_id}/commands", self.put_commands, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands, True),
            ("POST", "/users/@me/channels", self.create_dm, True),
            ("GET", "/users/{user_id}", self.get_user, True),
            ("GET", "/guilds/{guild_id}", self.get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_guild_member, True),
        ]

    def _guild(self, request: web.Request) -> Guild:
        guild = self.fake.guilds.get(snowflake_of(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        if self.fake.bot_user.id not in guild.members:
            raise ApiError(403, 50001, "Missing Access")
        return guild

    def _check_app(self, request: web.Request) -> None:
        if snowflake_of(request.match_info["app_id"]) != self.fake.application_id:
            raise ApiError(403, 50001, "Missing Access")

    # -- users, application, gateway -----------------------------------------------------------

    async def get_me(self, request: web.Request, body: Any) -> JSON:
        return self.fake.bot_user_payload()

    async def get_application(self, request: web.Request, body: Any) -> JSON:
        return {
            "id": str(self.fake.application_id),
            "name": self.fake.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.fake.owner_user.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.fake.application_flags(),
            "bot": self.fake.bot_user.payload(),
            "rpc_origins": [],
            "tags": [],
            "approximate_guild_count": len(self.fake.bot_guilds()),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
        }

    async def get_gateway(self, request: web.Request, body: Any) -> JSON:
        return {"url": self.fake.gateway_url}

    async def get_gateway_bot(self, request: web.Request, body: Any) -> JSON:
        """The recommended shard count and the session start limit (``max_concurrency``: how
        many IDENTIFYs each bucket may send per 5 s); every session started uses one of the
        1,000 a day."""
        return {
            "url": self.fake.gateway_url,
            "shards": self.fake.shard_count,
            "session_start_limit": {
                "total": SESSION_STARTS_PER_DAY,
                "remaining": max(0, SESSION_STARTS_PER_DAY - self.fake.gateway.identifies),
                "reset_after": 24 * 3600 * 1000,
                "max_concurrency": self.fake.max_concurrency,
            },
        }

    async def get_user(self, request: web.Request, body: Any) -> JSON:
        user = self.fake.users.get(snowflake_of(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.payload()

    async def create_dm(self, request: web.Request, body: Any) -> JSON:
        user = self.fake.users.get(snowflake_of(str(body.get("recipient_id", ""))))
        if user is None:
            raise ApiError(
                400, 50035, "Invalid Form Body", errors=one_error(("recipient_id",), "Unknown user")
            )
        return self.fake.dm_channel_with(user).payload()

    # -- commands ------------------------------------------------------------------------------

    async def get_commands(self, request: web.Request, body: Any) -> list[JSON]:
        self._check_app(request)
        key = self._guild(request).id if "guild_id" in request.match_info else None
        return list(self.fake.commands.get(key, {}).values())

    async def put_commands(self, request: web.Request, body: Any) -> list[JSON]:
        """Bulk overwrite: validated like Discord, ids kept stable per (scope, type, name)."""
        self._check_app(request)
        key = self._guild(request).id if "guild_id" in request.match_info else None
        if not isinstance(body, list):
            raise form_error(one_error((), "Expected an array of commands"))
        errors = limits.FormErrors()
        limits.check_command_definitions(errors, body)
        if errors:
            raise form_error(errors)
        stored: dict[tuple[int, str], JSON] = {}
        for cmd in body:
            ctype = cmd.get("type", 1)
            ident = (key, ctype, cmd["name"])
            cid = self.fake._command_ids.setdefault(ident, self.fake.snowflake())
            perms = cmd.get("default_member_permissions")
            data = {
                **cmd,
                "id": str(cid),
                "application_id": str(self.fake.application_id),
                "type": ctype,
                "version": str(self.fake.snowflake()),
                "default_member_permissions": None if perms is None else str(perms),
                "options": cmd.get("options") or [],
                "nsfw": cmd.get("nsfw", False),
            }
            if key is not None:
                data["guild_id"] = str(key)
            stored[(ctype, cmd["name"])] = data
        self.fake.commands[key] = stored
        self.fake.sync_calls.append((key, sorted(n for _t, n in stored)))
        self.fake.changed()
        return list(stored.values())

    # -- guilds ----------------------------------------------------------------------------------

    async def get_guild(self, request: web.Request, body: Any) -> JSON:
        guild = self._guild(request)
        data = guild.payload(members=[], joined_at=guild.members[self.fake.bot_user.id].joined_at)
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
            "member_count",
        ):
            data.pop(key, None)
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
        return data

    async def get_guild_channels(self, request: web.Request, body: Any) -> list[JSON]:
        return [c.payload() for c in self._guild(request).channels.values()]

    async def get_guild_roles(self, request: web.Request, body: Any) -> list[JSON]:
        return [r.payload() for r in self._guild(request).roles.values()]

    async def get_guild_member(self, request: web.Request, body: Any) -> JSON:
        member = self._guild(request).members.get(snowflake_of(request.match_info["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.payload()

"""FakeDiscord: Discord's REST v10 API and gateway, served on 127.0.0.1 for one test.

The real, unmodified discord.py client reaches it through the bot's own settings
(``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``) over real TCP, so everything on the bot's side
runs for real: the HTTP client and its rate-limit handling, the interaction webhook adapter,
gateway decompression and parsing, the command tree, view routing, intents.

The route table is explicit (see :meth:`FakeDiscord._routes`): a route the stand-in does not
implement answers 404 and fails the test, so a feature never passes by talking to nothing.
Every 4xx the stand-in answers (other than 429) is a strictness violation too, unless the test
declared it with :meth:`FakeDiscord.expect_http_error`: Discord refusing a request is a bug
in the bot even when the bot swallows the exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web

from . import limits
from .gateway import Gateway, Session
from .interactions import CallbackType, InteractionRecord, InteractionType, RejectedCallback
from .models import (
    JSON,
    Channel,
    ChannelType,
    Emoji,
    Guild,
    GuildMember,
    Intent,
    Message,
    MessageFlag,
    Overwrite,
    Perm,
    Role,
    SnowflakeFactory,
    User,
    iso_now,
)
from .strict import (
    HTTP_ERROR,
    STANDIN_ERROR,
    TREE_ERROR,
    UNANSWERED,
    UNKNOWN_ROUTE,
    Expectation,
    Strictness,
)

if TYPE_CHECKING:
    from .actors import Member

log = logging.getLogger(__name__)

T = TypeVar("T")

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"
#: discord.py only trusts a 429 that came through Discord's proxy (otherwise it assumes a
#: Cloudflare ban and raises), so every response carries the header Discord's edge adds.
VIA = "1.1 google"

MENTION_RE = re.compile(r"<@!?(\d+)>")

#: Permissions the bot's managed role gets in a new server unless a test says otherwise.
BOT_DEFAULT_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.MANAGE_MESSAGES
    | Perm.SEND_MESSAGES_IN_THREADS
)

Handler = Callable[[web.Request, Any], Awaitable[Any]]

#: Headers a handler adds to its response (rate-limit headers), kept on the request.
EXTRA_HEADERS = web.RequestKey("extra_headers", dict)


class ApiError(Exception):
    """A Discord error response: ``{"message": ..., "code": ...}`` (plus ``errors`` for 50035)."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: limits.FormErrors | None = None,
        payload: JSON | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.payload = payload

    def body(self) -> JSON:
        if self.payload is not None:
            return self.payload
        if self.errors is not None:
            return self.errors.body()
        return {"message": self.message, "code": self.code}

    def describe(self) -> str:
        detail = f" ({self.errors.describe()})" if self.errors else ""
        return f"{self.status} / {self.code} {self.message}{detail}"


def form_error(errors: limits.FormErrors) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors=errors)


class FakeClock:
    """The stand-in's clock: real monotonic time plus an offset tests can advance.

    Interaction deadlines, token expiry and rate-limit windows read it, so a test can jump
    past 3 seconds or 15 minutes without sleeping.
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class RateWindow:
    """Discord-style fixed window: ``limit`` requests, then wait until the window resets."""

    limit: int
    per: float
    started: float = -math.inf
    used: int = 0

    def take(self, now: float) -> tuple[bool, float]:
        """(allowed, seconds until reset) for one more request at ``now``."""
        if now >= self.started + self.per:
            self.started, self.used = now, 0
        reset_after = self.started + self.per - now
        if self.used >= self.limit:
            return False, reset_after
        self.used += 1
        return True, reset_after


@dataclass
class RequestLog:
    method: str
    path: str
    status: int
    at: float


@dataclass
class RateLimitHit:
    channel_id: int
    retry_after: float
    scope: str
    bucket: str


class FakeDiscord:
    """One Discord stand-in. Build the world, :meth:`start`, run the bot against it, :meth:`stop`."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        application_name: str = "Quiz Tutor",
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        message_rate: tuple[int, float] | None = (5, 5.0),
        reaction_rate: tuple[int, float] | None = (1, 0.25),
        heartbeat_interval: float = 41.25,
        privileged_intents: int = Intent.PRIVILEGED,
        clock: FakeClock | None = None,
    ) -> None:
        self.token = token
        self.clock = clock or FakeClock()
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        #: (messages, seconds) per channel for POST /channels/{id}/messages.
        self.message_rate = message_rate
        #: (requests, seconds) per channel for adding and removing reactions.
        self.reaction_rate = reaction_rate
        #: Privileged intents switched on in the (imaginary) developer portal.
        self.privileged_intents = privileged_intents
        self.snowflake = SnowflakeFactory()
        self.strict = Strictness(on_change=self.changed)
        self.application_id = self.snowflake()
        self.bot_user = User(id=self.application_id, username=application_name, bot=True)
        self.owner_user = User(id=self.snowflake(), username="app-owner")
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_order: dict[int, list[int]] = {}
        #: Synced commands: None is global, else a guild id; values keyed by (type, name).
        self.commands: dict[int | None, dict[tuple[int, str], JSON]] = {}
        self.sync_calls: list[tuple[int | None, list[str]]] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.attachments: dict[int, tuple[str, bytes, str]] = {}
        #: Attachment ids in the order they were fetched from their CDN-like URL.
        self.attachment_fetches: list[int] = []
        #: Per-server command permission overrides (the Integrations page): (guild id, command
        #: name) -> user ids allowed to use it whatever its default_member_permissions say.
        self.command_overrides: dict[tuple[int, str], set[int]] = {}
        self.requests: list[RequestLog] = []
        self.rate_windows: dict[tuple[str, int], RateWindow] = {}
        self.rate_limited: list[RateLimitHit] = []
        self._injected_429: list[tuple[int | None, float, str]] = []
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._event = asyncio.Event()
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._default_channel: dict[int, int] = {}

    # -- lifetime ----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=25 * 1024 * 1024)
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only through the server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        assert self.port is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What the bot's DISCORD_API_BASE setting should be."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What the bot's DISCORD_GATEWAY_URL setting should be."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Sent in READY; a different path, so a test can see the client resumed where told."""
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    # -- strictness --------------------------------------------------------------------------

    def expect_http_error(
        self,
        status: int | None = None,
        code: int | None = None,
        *,
        times: int | None = None,
        required: bool = True,
    ) -> Expectation:
        """Allow the stand-in to refuse a request with ``status``/``code`` (e.g. 404, 10062)."""
        return self.strict.expect(HTTP_ERROR, status=status, code=code, times=times, required=required)

    def expect_log(
        self, match: str, *, logger: str | None = None, times: int | None = None, required: bool = True
    ) -> Expectation:
        """Allow an ERROR log record whose message matches the regular expression ``match``."""
        return self.strict.expect("log", match=match, logger=logger, times=times, required=required)

    def expect_tree_error(
        self,
        error: type[BaseException] | tuple[type[BaseException], ...],
        *,
        times: int | None = None,
        required: bool = True,
    ) -> Expectation:
        """Allow an unexpected app-command error of this type (or wrapping one)."""
        return self.strict.expect(TREE_ERROR, error=error, times=times, required=required)

    def check(self) -> None:
        """Fail with every unexpected violation and unmet expectation.

        An interaction the bot never acknowledged counts too (the member saw "This interaction
        failed"), unless the test was already told (``NoResponse``) or Discord refused the
        bot's late answer (itself a violation to expect).
        """
        for record in self.interactions.values():
            if not record.acknowledged and not record.reported and not record.rejected:
                record.reported = True
                self.strict.record(UNANSWERED, f"{record} was never acknowledged: the member saw it fail")
        self.strict.check()

    # -- waiting -----------------------------------------------------------------------------

    def changed(self) -> None:
        """Wake every waiter: called after each change to what Discord would show."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
        what: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return it.

        Fails fast, rather than at the timeout, if an unexpected strictness violation (an
        unknown route, a refused request, an ERROR log) happens meanwhile: the test is going
        to fail anyway and the violation says why.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            unexpected = self.strict.unexpected()
            if unexpected:
                listing = "\n  - ".join(str(v) for v in unexpected)
                raise AssertionError(f"while waiting for {self._describe(predicate, what)}:\n  - {listing}")
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                waited_for = self._describe(predicate, what)
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {waited_for}\n{self.describe_state()}"
                )
            event = self._event
            with contextlib.suppress(TimeoutError):
                # Time-based conditions (deadlines) change without an event: poll too.
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    @staticmethod
    def describe_predicate(predicate: Callable[..., Any]) -> str:
        """The source line of a lambda, which says more than its repr."""
        try:
            return inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            return repr(predicate)

    def _describe(self, predicate: Callable[..., Any], what: str | None) -> str:
        return what or self.describe_predicate(predicate)

    def describe_state(self) -> str:
        """A short dump of what Discord would show, for timeout messages."""
        lines = ["stand-in state:"]
        lines.append(f"  gateway connected: {self.gateway.is_connected()}")
        for cid, ids in self.channel_order.items():
            ch = self.channels.get(cid) or self.dm_channels.get(cid)
            msgs = [self.messages[i] for i in ids if not self.messages[i].deleted]
            if msgs:
                lines.append(f"  #{ch.name if ch else cid}:")
                for m in msgs[-8:]:
                    eph = " (ephemeral)" if m.ephemeral else ""
                    lines.append(f"    {m.author.username}{eph}: {m.text()[:160]!r}")
        for r in list(self.interactions.values())[-5:]:
            lines.append(f"  {r.summary()}")
        lines += [f"  request: {r.method} {r.path} -> {r.status}" for r in self.requests[-5:]]
        return "\n".join(lines)

    async def wait_delivered(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109 (a waiting helper; README)
        """Wait until the bot has received every gateway event sent so far.

        An actor's reaction or message returns once Discord sent the event, as for a person; a
        test that then moves time (closes a question) must first know the bot saw it. This asks
        for a heartbeat (op 1), which the client answers at once with the last sequence it
        read. Its listeners for those events have been scheduled by then, and since the stand-in
        and the bot share one event loop, they get to run before the test continues.
        """
        asked = await self.gateway.request_heartbeat()
        if asked is None:
            raise AssertionError("no bot is connected to the gateway")
        conn, before, seq = asked
        await self.wait_for(
            lambda: any(d is not None and d >= seq for d in conn.heartbeats[before:]),
            timeout=timeout,
            what=f"the bot to acknowledge gateway sequence {seq}",
        )
        for _ in range(3):  # let the listeners take their first steps
            await asyncio.sleep(0)

    # -- building the world ------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, accepts_dms: bool = True) -> User:
        user = User(id=self.snowflake(), username=username, bot=bot, accepts_dms=accepts_dms)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        channel_name: str = "general",
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = BOT_DEFAULT_PERMISSIONS,
        with_bot: bool = True,
    ) -> Guild:
        """A server with @everyone, one text channel and (by default) the bot in it.

        Call before the bot connects; a guild added later reaches the bot as GUILD_CREATE only
        through :meth:`join_guild`.
        """
        gid = guild_id or self.snowflake()
        owner = self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(id=gid, name=name, owner_id=owner.id)
        guild.roles[gid] = Role(id=gid, name="@everyone", permissions=everyone_permissions, position=0)
        guild.members[owner.id] = GuildMember(user=owner, guild_id=gid)
        self.guilds[gid] = guild
        self.add_channel(guild, channel_name)
        if with_bot:
            role = self.add_role(guild, self.bot_user.username, bot_permissions, managed=True)
            guild.members[self.bot_user.id] = GuildMember(user=self.bot_user, guild_id=gid, roles=[role.id])
        return guild

    async def join_guild(self, guild: Guild, *, bot_permissions: int = BOT_DEFAULT_PERMISSIONS) -> None:
        """The bot is added to ``guild`` while running: GUILD_CREATE, as on Discord."""
        role = self.add_role(guild, self.bot_user.username, bot_permissions, managed=True)
        guild.members[self.bot_user.id] = GuildMember(user=self.bot_user, guild_id=guild.id, roles=[role.id])
        await self.gateway.dispatch(
            "GUILD_CREATE", lambda s: self.guild_create_payload(guild, s), guild_id=guild.id
        )
        self.changed()

    def add_channel(self, guild: Guild, name: str, *, overwrites: list[Overwrite] | None = None) -> Channel:
        channel = Channel(
            id=self.snowflake(),
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            overwrites=overwrites or [],
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.channel_order[channel.id] = []
        self._default_channel.setdefault(guild.id, channel.id)
        return channel

    async def delete_channel(self, channel: Channel) -> None:
        """Someone deletes ``channel`` while the bot runs: CHANNEL_DELETE, then 404 / 10003 for it."""
        assert channel.guild_id is not None, "only guild channels can be deleted"
        guild = self.guilds[channel.guild_id]
        payload = channel.payload()
        del guild.channels[channel.id]
        del self.channels[channel.id]
        if self._default_channel.get(guild.id) == channel.id:  # members now act in the next channel
            del self._default_channel[guild.id]
            if guild.channels:
                self._default_channel[guild.id] = next(iter(guild.channels))
        await self.gateway.dispatch("CHANNEL_DELETE", payload, guild_id=guild.id)
        self.changed()

    async def set_overwrites(self, channel: Channel, overwrites: list[Overwrite]) -> None:
        """An admin changes ``channel``'s permission overwrites while the bot runs: CHANNEL_UPDATE."""
        channel.overwrites = list(overwrites)
        await self.gateway.dispatch("CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id)
        self.changed()

    def add_role(self, guild: Guild, name: str, permissions: int, *, managed: bool = False) -> Role:
        role = Role(
            id=self.snowflake(),
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            managed=managed,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Guild,
        name: str | User,
        *,
        roles: list[Role] | None = None,
        permissions: int | None = None,
        accepts_dms: bool = True,
    ) -> Member:
        """Put a person in ``guild`` and return the actor that plays them.

        Pass an existing :class:`User` to put the same person in a second server.
        ``permissions`` gives them a role of their own with exactly those bits.
        """
        from .actors import Member

        user = name if isinstance(name, User) else self.add_user(name, accepts_dms=accepts_dms)
        role_ids = [r.id for r in roles or []]
        if permissions is not None:
            role_ids.append(self.add_role(guild, f"{user.username}-role", permissions).id)
        guild.members[user.id] = GuildMember(user=user, guild_id=guild.id, roles=role_ids)
        return Member(self, guild, user)

    def default_channel(self, guild: Guild) -> Channel:
        return self.channels[self._default_channel[guild.id]]

    def bot_guilds(self) -> list[Guild]:
        return [g for g in self.guilds.values() if self.bot_user.id in g.members]

    # -- what Discord would show -------------------------------------------------------------

    def channel_messages(self, channel: Channel | int) -> list[Message]:
        """Messages everyone in the channel sees, oldest first (no ephemeral, no deleted)."""
        cid = channel if isinstance(channel, int) else channel.id
        out = []
        for mid in self.channel_order.get(cid, []):
            m = self.messages[mid]
            if not m.deleted and m.ephemeral_for is None:
                out.append(m)
        return out

    def last_message(self, channel: Channel | int) -> Message | None:
        msgs = self.channel_messages(channel)
        return msgs[-1] if msgs else None

    def ephemeral_messages_for(self, user: User) -> list[Message]:
        return [m for m in self.messages.values() if m.ephemeral_for == user.id and not m.deleted]

    def dm_messages(self, user: User) -> list[Message]:
        """Messages in the bot's DM channel with ``user``."""
        channel = self.dm_channels.get(user.id)
        return [] if channel is None else self.channel_messages(channel)

    def synced_command_names(self, guild: Guild | int | None = None) -> list[str]:
        """Top-level names synced to ``guild`` (None: global)."""
        key = guild.id if isinstance(guild, Guild) else guild
        return sorted(name for (_t, name) in self.commands.get(key, {}))

    # -- payload builders (also used by the gateway) -----------------------------------------

    def application_flags(self) -> int:
        flags = 0
        if self.privileged_intents & Intent.GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & Intent.GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & Intent.MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    def bot_user_payload(self) -> JSON:
        return {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None, "bot": True}

    def ready_payload(self, session: Session) -> JSON:
        return {
            "v": 10,
            "user": self.bot_user_payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.bot_guilds()],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["rotterdam"],
            "auth": {},
            "_trace": ["fakediscord"],
        }

    def guild_create_payload(self, guild: Guild, session: Session) -> JSON:
        # Without GUILD_MEMBERS Discord sends only the bot's own member, but the real count.
        if session.intents & Intent.GUILD_MEMBERS:
            members = list(guild.members.values())
        else:
            members = [guild.members[self.bot_user.id]]
        return guild.payload(members=members, joined_at=guild.members[self.bot_user.id].joined_at)

    def _message_event(self, msg: Message) -> Callable[[Session], JSON]:
        """MESSAGE_CREATE/UPDATE data as a session sees it (content hidden without the intent)."""

        def build(session: Session) -> JSON:
            data = msg.payload(viewer_id=self.bot_user.id, member=self._member_of(msg))
            hidden = (
                msg.guild_id is not None
                and msg.author.id != self.bot_user.id
                and not session.intents & Intent.MESSAGE_CONTENT
                and self.bot_user not in msg.mentions
            )
            if hidden:
                data.update(content="", embeds=[], attachments=[], components=[])
            return data

        return build

    def _member_of(self, msg: Message) -> GuildMember | None:
        if msg.guild_id is None:
            return None
        return self.guilds[msg.guild_id].members.get(msg.author.id)

    def bot_permissions_in(self, channel: Channel) -> int:
        if channel.type == ChannelType.DM:
            return (
                Perm.VIEW_CHANNEL
                | Perm.SEND_MESSAGES
                | Perm.READ_MESSAGE_HISTORY
                | Perm.ADD_REACTIONS
                | Perm.EMBED_LINKS
                | Perm.ATTACH_FILES
            )
        assert channel.guild_id is not None
        return self.guilds[channel.guild_id].permissions_in(self.bot_user.id, channel)

    # -- actions by people (used by actors) --------------------------------------------------

    async def create_interaction(
        self,
        *,
        user: User,
        guild: Guild | None,
        channel: Channel,
        type: int,
        data: JSON,
        name: str,
        message: Message | None = None,
        focused_type: int | None = None,
    ) -> InteractionRecord:
        """Create an interaction and send INTERACTION_CREATE; the deadline starts now.

        ``guild`` None: the interaction happens in the member's DM with the bot (context 1).
        """
        iid = self.snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        record = InteractionRecord(
            fake=self,
            id=iid,
            token=token,
            type=type,
            user=user,
            guild_id=guild.id if guild is not None else None,
            channel_id=channel.id,
            data=data,
            created_at=self.clock(),
            name=name,
            source_message_id=message.id if message is not None else None,
            focused_type=focused_type,
        )
        self.interactions[iid] = record
        self.interactions_by_token[token] = record
        if guild is None:
            payload = self._dm_interaction_payload(record, user, channel, message)
            await self.gateway.dispatch("INTERACTION_CREATE", payload)
            self.changed()
            return record
        member = guild.members[user.id]
        member_perms = guild.permissions_in(user.id, channel)
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": type,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(member_perms)},
            "member": member.payload(permissions=member_perms),
            "app_permissions": str(self.bot_permissions_in(channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if message is not None:
            payload["message"] = message.payload(viewer_id=self.bot_user.id, member=self._member_of(message))
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id)
        self.changed()
        return record

    def _dm_interaction_payload(
        self, record: InteractionRecord, user: User, channel: Channel, message: Message | None
    ) -> JSON:
        """INTERACTION_CREATE in a DM with the bot: ``user`` instead of ``member``, no guild, context 1."""
        payload: JSON = {
            "id": str(record.id),
            "application_id": str(self.application_id),
            "type": record.type,
            "token": record.token,
            "version": 1,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "user": user.payload(),
            "app_permissions": str(self.bot_permissions_in(channel)),
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": record.data,
        }
        if message is not None:
            payload["message"] = message.payload(viewer_id=self.bot_user.id, member=None)
        return payload

    def any_channel(self, channel_id: int) -> Channel:
        """A server channel or a DM channel by id."""
        found = self.channels.get(channel_id) or next(
            (c for c in self.dm_channels.values() if c.id == channel_id), None
        )
        if found is None:
            raise KeyError(channel_id)
        return found

    def dm_channel_with(self, user: User) -> Channel:
        """The bot's DM channel with ``user``, opened as a member opens it (no request by the bot)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(
                id=self.snowflake(), name=f"dm-{user.username}", guild_id=None, type=ChannelType.DM
            )
            channel.recipient = user
            self.dm_channels[user.id] = channel
            self.channel_order[channel.id] = []
        return channel

    async def post_user_message(self, user: User, channel: Channel, content: str) -> Message:
        msg = self._store_message(channel, user, {"content": content})
        await self.gateway.dispatch("MESSAGE_CREATE", self._message_event(msg), guild_id=channel.guild_id)
        self.changed()
        return msg

    async def set_reaction(self, user: User, msg: Message, emoji: Emoji, *, add: bool) -> bool:
        """Add or remove one reaction and send the gateway event; False when nothing changed."""
        users = msg.reactions.setdefault(emoji, [])
        if add == (user.id in users):
            return False
        if add:
            users.append(user.id)
        else:
            users.remove(user.id)
            if not users:
                del msg.reactions[emoji]
        data: JSON = {
            "user_id": str(user.id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": emoji.payload(),
            "burst": False,
            "type": 0,
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        if add:
            data["burst_colors"] = []
            data["message_author_id"] = str(msg.author.id)
            if msg.guild_id is not None:
                data["member"] = self.guilds[msg.guild_id].members[user.id].payload()
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        await self.gateway.dispatch(event, data, guild_id=msg.guild_id)
        self.changed()
        return True

    # -- fault injection -----------------------------------------------------------------------

    def inject_rate_limit(
        self,
        *,
        channel: Channel | None = None,
        retry_after: float = 0.25,
        scope: str = "shared",
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` message sends with 429, as a shared-resource limit does."""
        for _ in range(count):
            self._injected_429.append((channel.id if channel else None, retry_after, scope))

    async def disconnect_gateway(
        self, *, code: int = 4000, resumable: bool = True, abrupt: bool = False
    ) -> None:
        """Drop the bot's gateway connection; it should reconnect and RESUME (or re-IDENTIFY)."""
        await self.gateway.disconnect(code=code, resumable=resumable, abrupt=abrupt)

    # -- HTTP plumbing -----------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        """The complete route table. Anything else is an unknown route and fails the test."""
        r: list[tuple[str, str, Handler, bool]] = [
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
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback, False),
            ("POST", "/webhooks/{app_id}/{token}", self.create_followup, False),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_message, False),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_message, False),
            (
                "DELETE",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self.delete_webhook_message,
                False,
            ),
        ]
        for method, path, handler, auth in r:
            app.router.add_route(method, API_PREFIX + path, self._wrap(handler, auth=auth))
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self.get_attachment)
        app.router.add_route("*", "/{tail:.*}", self.unknown_route)

    def _wrap(
        self, handler: Handler, *, auth: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            extra: dict[str, str] = {}
            request[EXTRA_HEADERS] = extra
            try:
                if auth:
                    self._check_auth(request)
                body = await self._read_body(request)
                result = await handler(request, body)
                if result is None:
                    response = web.Response(status=204, headers={"Via": VIA, **extra})
                else:
                    response = self._json(200, result, extra)
            except ApiError as e:
                if e.status != 429:
                    self.strict.record(
                        HTTP_ERROR,
                        f"{request.method} {request.path} -> {e.describe()}",
                        status=e.status,
                        code=e.code,
                        route=request.path,
                    )
                response = self._json(e.status, e.body(), extra)
            except Exception as e:  # a stand-in bug or a request it cannot parse
                # Not a 500: discord.py retries those for seconds. A 400 fails the call at once.
                log.exception("stand-in error on %s %s", request.method, request.path)
                self.strict.record(
                    STANDIN_ERROR, f"{request.method} {request.path} crashed the stand-in: {e!r}"
                )
                response = self._json(400, {"message": f"stand-in error: {e!r}", "code": 0})
            self.requests.append(RequestLog(request.method, request.path, response.status, self.clock()))
            self.changed()
            return response

        return wrapped

    @staticmethod
    def _json(status: int, body: Any, extra: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": discord.py compares the header for equality, and
        # aiohttp's json_response would add "; charset=utf-8".
        headers = {"Content-Type": JSON_TYPE, "Via": VIA, **(extra or {})}
        return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")

    async def _read_body(self, request: web.Request) -> Any:
        if request.method in ("GET", "DELETE") or not request.can_read_body:
            return {}
        ctype = request.content_type
        if ctype == "multipart/form-data":
            return await self._read_multipart(request)
        raw = await request.read()
        if not raw:
            return {}
        if ctype != JSON_TYPE:
            raise ApiError(400, 50109, f"The request body contains invalid JSON (content type {ctype!r}).")
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def _read_multipart(self, request: web.Request) -> JSON:
        """``payload_json`` plus ``files[n]``, as discord.py sends attachments."""
        body: JSON = {}
        files: list[JSON] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            elif part.name and part.name.startswith("files["):
                data = await part.read()
                filename = part.filename or "file"
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(self.store_attachment(filename, bytes(data), ctype))
        body["_files"] = files
        return body

    async def unknown_route(self, request: web.Request) -> web.Response:
        self.strict.record(UNKNOWN_ROUTE, f"the stand-in has no route for {request.method} {request.path}")
        self.requests.append(RequestLog(request.method, request.path, 404, self.clock()))
        return self._json(404, {"message": "404: Not Found", "code": 0})

    def store_attachment(self, filename: str, data: bytes, content_type: str) -> JSON:
        """Keep an uploaded file and serve it at a CDN-like URL; returns its attachment object."""
        aid = self.snowflake()
        self.attachments[aid] = (filename, data, content_type)
        url = f"{self.base_url}/attachments/{aid}/{filename}"
        return {
            "id": str(aid),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def allow_command(self, guild: Guild, name: str, *members: Any) -> None:
        """An admin's override on the Integrations page: these members may use the top-level
        command ``name`` in ``guild`` even without its default_member_permissions."""
        users = self.command_overrides.setdefault((guild.id, name), set())
        users.update(m.id for m in members)

    async def get_attachment(self, request: web.Request) -> web.Response:
        aid = int(request.match_info["attachment_id"])
        found = self.attachments.get(aid)
        if found is None:
            return web.Response(status=404)
        self.attachment_fetches.append(aid)
        _name, data, ctype = found
        return web.Response(body=data, headers={"Content-Type": ctype})

    # -- lookups -------------------------------------------------------------------------------

    def _channel(self, request: web.Request, *, need: int = Perm.VIEW_CHANNEL) -> Channel:
        cid = _snowflake(request.match_info["channel_id"])
        channel = self.channels.get(cid) or next((c for c in self.dm_channels.values() if c.id == cid), None)
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        perms = self.bot_permissions_in(channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & need != need:
            raise ApiError(403, 50013, "Missing Permissions")
        return channel

    def _message(self, channel: Channel, request: web.Request) -> Message:
        msg = self.messages.get(_snowflake(request.match_info["message_id"]))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral_for is not None:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def _guild(self, request: web.Request) -> Guild:
        guild = self.guilds.get(_snowflake(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        if self.bot_user.id not in guild.members:
            raise ApiError(403, 50001, "Missing Access")
        return guild

    def _check_app(self, request: web.Request) -> None:
        if _snowflake(request.match_info["app_id"]) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")

    # -- users, application, gateway -----------------------------------------------------------

    async def get_me(self, request: web.Request, body: Any) -> JSON:
        return self.bot_user_payload()

    async def get_application(self, request: web.Request, body: Any) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner_user.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags(),
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "tags": [],
            "approximate_guild_count": len(self.bot_guilds()),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
        }

    async def get_gateway(self, request: web.Request, body: Any) -> JSON:
        return {"url": self.gateway_url}

    async def get_gateway_bot(self, request: web.Request, body: Any) -> JSON:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    async def get_user(self, request: web.Request, body: Any) -> JSON:
        user = self.users.get(_snowflake(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.payload()

    async def create_dm(self, request: web.Request, body: Any) -> JSON:
        user = self.users.get(_snowflake(str(body.get("recipient_id", ""))))
        if user is None:
            raise ApiError(
                400, 50035, "Invalid Form Body", errors=_one_error(("recipient_id",), "Unknown user")
            )
        return self.dm_channel_with(user).payload()

    # -- commands ------------------------------------------------------------------------------

    async def get_commands(self, request: web.Request, body: Any) -> list[JSON]:
        self._check_app(request)
        key = self._guild(request).id if "guild_id" in request.match_info else None
        return list(self.commands.get(key, {}).values())

    async def put_commands(self, request: web.Request, body: Any) -> list[JSON]:
        """Bulk overwrite: validated like Discord, ids kept stable per (scope, type, name)."""
        self._check_app(request)
        key = self._guild(request).id if "guild_id" in request.match_info else None
        if not isinstance(body, list):
            raise form_error(_one_error((), "Expected an array of commands"))
        errors = limits.FormErrors()
        limits.check_command_definitions(errors, body)
        if errors:
            raise form_error(errors)
        stored: dict[tuple[int, str], JSON] = {}
        for cmd in body:
            ctype = cmd.get("type", 1)
            ident = (key, ctype, cmd["name"])
            cid = self._command_ids.setdefault(ident, self.snowflake())
            perms = cmd.get("default_member_permissions")
            data = {
                **cmd,
                "id": str(cid),
                "application_id": str(self.application_id),
                "type": ctype,
                "version": str(self.snowflake()),
                "default_member_permissions": None if perms is None else str(perms),
                "options": cmd.get("options") or [],
                "nsfw": cmd.get("nsfw", False),
            }
            if key is not None:
                data["guild_id"] = str(key)
            stored[(ctype, cmd["name"])] = data
        self.commands[key] = stored
        self.sync_calls.append((key, sorted(n for _t, n in stored)))
        self.changed()
        return list(stored.values())

    # -- guilds ----------------------------------------------------------------------------------

    async def get_guild(self, request: web.Request, body: Any) -> JSON:
        guild = self._guild(request)
        data = guild.payload(members=[], joined_at=guild.members[self.bot_user.id].joined_at)
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
        member = self._guild(request).members.get(_snowflake(request.match_info["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.payload()

    # -- channels and messages ----------------------------------------------------------------

    async def get_channel(self, request: web.Request, body: Any) -> JSON:
        return self._channel(request).payload()

    async def typing(self, request: web.Request, body: Any) -> None:
        self._channel(request, need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        return None

    async def get_messages(self, request: web.Request, body: Any) -> list[JSON]:
        channel = self._channel(request)
        if not self.bot_permissions_in(channel) & Perm.READ_MESSAGE_HISTORY:
            return []
        q = request.query
        limit = int(q.get("limit", 50))
        if not 1 <= limit <= 100:
            raise form_error(_one_error(("limit",), "int value should be between 1 and 100."))
        msgs = self.channel_messages(channel)
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])]
            return [self._view(m) for m in reversed(msgs[:limit])]
        if "around" in q:
            around = int(q["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in msgs if m.id > around][: limit - len(older)]
            msgs = older + newer
        return [self._view(m) for m in reversed(msgs[-limit:])]

    def _view(self, msg: Message) -> JSON:
        return msg.payload(viewer_id=self.bot_user.id, member=self._member_of(msg))

    async def create_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        if channel.type == ChannelType.DM:
            assert channel.recipient is not None
            if not channel.recipient.accepts_dms or not self._shares_guild(channel.recipient):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        self._rate_limit(request, channel)
        self._validate_new_message(body)
        ref = body.get("message_reference")
        if ref:
            target = self.messages.get(int(ref.get("message_id", 0)))
            if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
                raise form_error(
                    _one_error(("message_reference",), "Unknown message", "REPLIES_UNKNOWN_MESSAGE")
                )
        msg = self._store_message(channel, self.bot_user, body)
        await self.gateway.dispatch("MESSAGE_CREATE", self._message_event(msg), guild_id=channel.guild_id)
        return self._view(msg)

    def _shares_guild(self, user: User) -> bool:
        return any(user.id in g.members for g in self.bot_guilds())

    def _validate_new_message(self, body: JSON) -> None:
        errors = limits.FormErrors()
        limits.check_message(errors, body)
        if errors:
            raise form_error(errors)
        if limits.is_empty_message(body) and not body.get("_files"):
            raise ApiError(400, 50006, "Cannot send an empty message")

    def _rate_limit(self, request: web.Request, channel: Channel, bucket: str = "messages") -> None:
        """Discord's per-channel buckets, with its headers and its 429 body.

        ``messages``: 5 sends per 5 s (``message_rate``); ``reactions``: adding and removing
        reactions, 1 per 0.25 s (``reaction_rate``). Either can be set to None to switch it off.
        """
        extra: dict[str, str] = request[EXTRA_HEADERS]
        rate = self.message_rate if bucket == "messages" else self.reaction_rate
        if rate is None:
            return
        limit, per = rate
        if bucket == "messages":
            for i, (cid, retry_after, scope) in enumerate(self._injected_429):
                if cid is None or cid == channel.id:
                    del self._injected_429[i]
                    self._answer_429(extra, channel, bucket, limit, retry_after, scope, remaining=1)
        window = self.rate_windows.setdefault((bucket, channel.id), RateWindow(limit, per))
        window.limit, window.per = limit, per
        allowed, reset_after = window.take(self.clock())
        # Rounded up like Discord's, so a client that waits exactly this long is never early.
        reset_after = math.ceil(reset_after * 1000) / 1000
        if not allowed:
            self._answer_429(extra, channel, bucket, limit, reset_after, "user", remaining=0)
        extra.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(limit - window.used),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": f"fakediscord-{bucket}",
            }
        )

    def _answer_429(
        self,
        extra: dict[str, str],
        channel: Channel,
        bucket: str,
        limit: int,
        retry_after: float,
        scope: str,
        *,
        remaining: int,
    ) -> None:
        retry_after = round(max(retry_after, 0.001), 3)
        self.rate_limited.append(RateLimitHit(channel.id, retry_after, scope, bucket))
        extra.update(
            {
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Scope": scope,
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Bucket": f"fakediscord-{bucket}",
            }
        )
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        raise ApiError(429, 0, "You are being rate limited.", payload=body)

    def _store_message(
        self,
        channel: Channel,
        author: User,
        body: JSON,
        *,
        flags: int = 0,
        type: int = 0,
        ephemeral_for: int | None = None,
        interaction: InteractionRecord | None = None,
    ) -> Message:
        content = body.get("content") or ""
        mentions = [self.users[int(i)] for i in MENTION_RE.findall(content) if int(i) in self.users]
        allowed_flags = (
            (1 << 2) | (1 << 12) | (1 << 15)
        )  # SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, COMPONENTS_V2
        ref = body.get("message_reference")
        msg = Message(
            id=self.snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=content,
            embeds=[_normalize_embed(e) for e in body.get("embeds") or []],
            components=body.get("components") or [],
            flags=(body.get("flags", 0) & allowed_flags) | flags,
            type=19 if ref and type == 0 else type,
            ephemeral_for=ephemeral_for,
            nonce=body.get("nonce"),
            mentions=mentions,
            allowed_mentions=body.get("allowed_mentions"),
            attachments=body.get("_files", []),
            message_reference=(
                {"type": 0, "message_id": str(ref["message_id"]), "channel_id": str(channel.id)}
                if ref
                else None
            ),
        )
        if interaction is not None:
            msg.webhook_id = self.application_id
            msg.application_id = self.application_id
            member = (
                self.guilds[interaction.guild_id].members[interaction.user.id]
                if interaction.guild_id
                else None
            )
            msg.interaction = {
                "id": str(interaction.id),
                "type": interaction.type,
                "name": interaction.name,
                "user": interaction.user.payload(),
            }
            if member is not None:
                msg.interaction["member"] = member.payload(with_user=False)
            msg.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id or 0)},
            }
            if interaction.original_message_id is not None:
                msg.interaction_metadata["original_response_message_id"] = str(
                    interaction.original_message_id
                )
            if interaction.source_message_id is not None:
                msg.interaction_metadata["interacted_message_id"] = str(interaction.source_message_id)
        self.messages[msg.id] = msg
        self.channel_order.setdefault(channel.id, []).append(msg.id)
        if ephemeral_for is None:
            channel.last_message_id = msg.id
        self.changed()
        return msg

    def _apply_edit(self, msg: Message, body: JSON) -> None:
        errors = limits.FormErrors()
        limits.check_message(errors, body, partial=True)
        if errors:
            raise form_error(errors)
        if "content" in body:
            msg.content = body["content"] or ""
            msg.mentions = [
                self.users[int(i)] for i in MENTION_RE.findall(msg.content) if int(i) in self.users
            ]
        if "embeds" in body:
            msg.embeds = [_normalize_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            msg.components = body["components"] or []
        if "flags" in body and body["flags"] is not None:
            keep = MessageFlag.EPHEMERAL | MessageFlag.LOADING
            msg.flags = (msg.flags & keep) | (body["flags"] & ((1 << 2) | (1 << 15)))
        if "attachments" in body and body["attachments"] is not None:
            kept = {str(a.get("id")) for a in body["attachments"]}
            msg.attachments = [a for a in msg.attachments if a["id"] in kept] + body.get("_files", [])
        elif body.get("_files"):
            msg.attachments = msg.attachments + body["_files"]
        if (
            not (msg.content or msg.embeds or msg.components or msg.attachments)
            and not msg.flags & MessageFlag.LOADING
        ):
            raise ApiError(400, 50006, "Cannot send an empty message")
        msg.edited_timestamp = iso_now()
        msg.edits += 1
        self.changed()

    async def _dispatch_update(self, msg: Message) -> None:
        if msg.ephemeral_for is None:
            await self.gateway.dispatch("MESSAGE_UPDATE", self._message_event(msg), guild_id=msg.guild_id)

    async def _dispatch_delete(self, msg: Message) -> None:
        msg.deleted = True
        self.changed()
        if msg.ephemeral_for is None:
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            await self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=msg.guild_id)

    async def get_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        return self._view(self._message(channel, request))

    async def edit_message(self, request: web.Request, body: Any) -> JSON:
        channel = self._channel(request)
        msg = self._message(channel, request)
        if msg.author.id != self.bot_user.id:
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
            if not self.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES:
                raise ApiError(403, 50013, "Missing Permissions")
        self._apply_edit(msg, body)
        await self._dispatch_update(msg)
        return self._view(msg)

    async def delete_message(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request)
        msg = self._message(channel, request)
        if msg.author.id != self.bot_user.id and not self.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES:
            raise ApiError(403, 50013, "Missing Permissions")
        await self._dispatch_delete(msg)

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
        self._rate_limit(request, channel, "reactions")
        if emoji not in msg.reactions and not self.bot_permissions_in(channel) & Perm.ADD_REACTIONS:
            raise ApiError(403, 50013, "Missing Permissions")
        if len(msg.reactions) >= 20 and emoji not in msg.reactions:
            raise ApiError(400, 30010, "Maximum number of reactions reached (20)")
        await self.set_reaction(self.bot_user, msg, emoji, add=True)
        return None

    async def delete_reaction(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request)
        msg = self._message(channel, request)
        emoji = self._emoji(request)
        self._rate_limit(request, channel, "reactions")
        who = request.match_info["user_id"]
        user_id = self.bot_user.id if who == "@me" else _snowflake(who)
        if user_id != self.bot_user.id and not self.bot_permissions_in(channel) & Perm.MANAGE_MESSAGES:
            raise ApiError(403, 50013, "Missing Permissions")
        user = self.users.get(user_id)
        if user is not None:
            await self.set_reaction(user, msg, emoji, add=False)
        return None

    async def get_reactions(self, request: web.Request, body: Any) -> list[JSON]:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        msg = self._message(channel, request)
        users = [self.users[u] for u in msg.reactions.get(self._emoji(request), [])]
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
        await self.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", data, guild_id=msg.guild_id)
        self.changed()
        return None

    async def clear_emoji(self, request: web.Request, body: Any) -> None:
        channel = self._channel(request, need=Perm.VIEW_CHANNEL | Perm.MANAGE_MESSAGES)
        msg = self._message(channel, request)
        emoji = self._emoji(request)
        msg.reactions.pop(emoji, None)
        data = {"channel_id": str(msg.channel_id), "message_id": str(msg.id), "emoji": emoji.payload()}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        await self.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data, guild_id=msg.guild_id)
        self.changed()
        return None

    # -- interactions: the callback ------------------------------------------------------------

    async def interaction_callback(self, request: web.Request, body: Any) -> JSON | None:
        record = self.interactions.get(_snowflake(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        try:
            return await self._callback(request, record, body)
        except ApiError as e:
            record.rejected.append(RejectedCallback("callback", e.status, e.code, e.message, self.clock()))
            raise

    async def _callback(self, request: web.Request, record: InteractionRecord, body: JSON) -> JSON | None:
        if record.age > self.interaction_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        if record.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        ctype = body.get("type")
        data = body.get("data") or {}
        if body.get("_files"):
            # Files come as multipart parts beside payload_json; they belong to the message in data.
            data = {**data, "_files": body["_files"]}
        allowed = {
            InteractionType.APPLICATION_COMMAND: {4, 5, 9},
            InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            InteractionType.AUTOCOMPLETE: {8},
            InteractionType.MODAL_SUBMIT: {4, 5, 6, 7} if record.source_message_id else {4, 5},
        }[record.type]
        if ctype not in allowed:
            raise form_error(
                _one_error(
                    ("type",),
                    f"Interaction callback type {ctype} is not valid for interaction type {record.type}",
                    "INTERACTION_CALLBACK_TYPE_INVALID",
                )
            )
        channel = self.any_channel(record.channel_id)
        message: Message | None = None
        if ctype == CallbackType.CHANNEL_MESSAGE:
            self._validate_new_message(data)
            message = self._store_reply(
                record, channel, data, flags=data.get("flags", 0) & MessageFlag.EPHEMERAL
            )
        elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = MessageFlag.LOADING | (data.get("flags", 0) & MessageFlag.EPHEMERAL)
            message = self._store_reply(record, channel, {}, flags=flags)
        elif ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            message = self.messages[record.source_message_id]  # type: ignore[index]
            if ctype == CallbackType.UPDATE_MESSAGE:
                self._apply_edit(message, data)
        elif ctype == CallbackType.AUTOCOMPLETE_RESULT:
            errors = limits.FormErrors()
            choices = data.get("choices")
            if not isinstance(choices, list):
                errors.add(("data", "choices"), limits.CODE_REQUIRED, "This field is required")
            else:
                limits.check_autocomplete_choices(errors, choices, record.focused_type or 3)
            if errors:
                raise form_error(errors)
            record.choices = choices
        elif ctype == CallbackType.MODAL:
            errors = limits.FormErrors()
            if not data.get("title"):
                errors.add(("data", "title"), limits.CODE_REQUIRED, "This field is required")
            errors.check_len(("data", "title"), data.get("title"), limits.MODAL_TITLE_MAX)
            if not data.get("custom_id"):
                errors.add(("data", "custom_id"), limits.CODE_REQUIRED, "This field is required")
            errors.check_len(("data", "custom_id"), data.get("custom_id"), limits.CUSTOM_ID_MAX)
            components = data.get("components") or []
            if not 1 <= len(components) <= 5:
                errors.add(
                    ("data", "components"), limits.CODE_MAX_LENGTH, "Must be between 1 and 5 in length."
                )
            if errors:
                raise form_error(errors)
            record.modal = data
        record.response_type = ctype
        record.responded_at = self.clock()
        record.response_data = data
        if message is not None:
            record.original_message_id = message.id
        if (
            ctype in (CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE)
            and message is not None
        ):
            if message.ephemeral_for is None:
                await self.gateway.dispatch(
                    "MESSAGE_CREATE", self._message_event(message), guild_id=message.guild_id
                )
        elif ctype == CallbackType.UPDATE_MESSAGE and message is not None:
            await self._dispatch_update(message)
        self.changed()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return None
        out: JSON = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": str(message.id) if message is not None else None,
                "response_message_loading": ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message is not None and message.ephemeral),
            }
        }
        if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
            out["resource"] = {"type": ctype, "message": self._view(message)}
        return out

    def _store_reply(self, record: InteractionRecord, channel: Channel, body: JSON, *, flags: int) -> Message:
        ephemeral = bool(flags & MessageFlag.EPHEMERAL)
        return self._store_message(
            channel,
            self.bot_user,
            body,
            flags=flags,
            type=20 if record.type == InteractionType.APPLICATION_COMMAND else 0,
            ephemeral_for=record.user.id if ephemeral else None,
            interaction=record,
        )

    # -- interactions: the webhook (original response and follow-ups) --------------------------

    def _webhook_record(self, request: web.Request) -> InteractionRecord:
        record = self.interactions_by_token.get(request.match_info["token"])
        if record is None or _snowflake(request.match_info["app_id"]) != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if record.age > self.token_lifetime:
            self._reject(record, request, ApiError(401, 50027, "Invalid Webhook Token"))
        if not record.acknowledged:
            self._reject(record, request, ApiError(404, 10015, "Unknown Webhook"))
        return record

    def _reject(self, record: InteractionRecord, request: web.Request, error: ApiError) -> None:
        record.rejected.append(
            RejectedCallback(
                request.method + " webhook", error.status, error.code, error.message, self.clock()
            )
        )
        raise error

    def _webhook_message(self, record: InteractionRecord, request: web.Request) -> Message:
        raw = request.match_info["message_id"]
        if raw == "@original":
            mid = record.original_message_id
        else:
            mid = _snowflake(raw)
            if mid != record.original_message_id and mid not in record.followup_ids:
                mid = None
        msg = self.messages.get(mid) if mid is not None else None
        if msg is None or msg.deleted:
            self._reject(record, request, ApiError(404, 10008, "Unknown Message"))
        assert msg is not None
        return msg

    async def create_followup(self, request: web.Request, body: Any) -> JSON | None:
        record = self._webhook_record(request)
        try:
            self._validate_new_message(body)
        except ApiError as e:
            self._reject(record, request, e)
        original = record.original
        if (
            record.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            and not record.loading_resolved
            and original is not None
        ):
            # Discord: the first follow-up after a deferred response replaces the "thinking"
            # message, and keeps the ephemerality chosen when deferring (flags are ignored).
            original.flags &= ~MessageFlag.LOADING
            record.loading_resolved = True
            self._apply_edit(original, body)
            await self._dispatch_update(original)
            msg = original
        else:
            channel = self.any_channel(record.channel_id)
            msg = self._store_reply(record, channel, body, flags=body.get("flags", 0) & MessageFlag.EPHEMERAL)
            record.followup_ids.append(msg.id)
            if msg.ephemeral_for is None:
                await self.gateway.dispatch("MESSAGE_CREATE", self._message_event(msg), guild_id=msg.guild_id)
        self.changed()
        if request.query.get("wait") in ("1", "true", "True"):
            return self._view(msg)
        return None

    async def get_webhook_message(self, request: web.Request, body: Any) -> JSON:
        record = self._webhook_record(request)
        return self._view(self._webhook_message(record, request))

    async def edit_webhook_message(self, request: web.Request, body: Any) -> JSON:
        record = self._webhook_record(request)
        msg = self._webhook_message(record, request)
        if msg.flags & MessageFlag.LOADING:
            msg.flags &= ~MessageFlag.LOADING
            record.loading_resolved = True
        try:
            self._apply_edit(msg, body)
        except ApiError as e:
            self._reject(record, request, e)
        await self._dispatch_update(msg)
        return self._view(msg)

    async def delete_webhook_message(self, request: web.Request, body: Any) -> None:
        record = self._webhook_record(request)
        msg = self._webhook_message(record, request)
        await self._dispatch_delete(msg)
        return None


def _snowflake(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(
            400, 50035, "Invalid Form Body", errors=_one_error((), f"Value {text!r} is not snowflake.")
        ) from None


def _one_error(path: tuple[str | int, ...], message: str, code: str = limits.CODE_BAD) -> limits.FormErrors:
    errors = limits.FormErrors()
    errors.add(path, code, message)
    return errors


def _normalize_embed(embed: JSON) -> JSON:
    """Discord stores embeds with ``type: rich`` and echoes them back that way."""
    return {"type": "rich", **{k: v for k, v in embed.items() if v is not None}}

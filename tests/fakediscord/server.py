"""FakeDiscord: Discord's REST v10 API and gateway, served on 127.0.0.1 for one test.

The real, unmodified discord.py client reaches it through the bot's own settings
(``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``) over real TCP, so everything on the bot's side
runs for real: the HTTP client and its rate-limit handling, the interaction webhook adapter,
gateway decompression and parsing, the command tree, view routing, intents.

This module is the core: the world (guilds, channels, members, messages), what Discord would
show, waiting, strictness and fault injection. The REST route handlers live by resource in
``rest_directory.py`` (users, application, commands, guilds), ``rest_messages.py`` (channels,
messages, reactions) and ``rest_interactions.py`` (callbacks and the interaction webhook);
``plumbing.py`` wraps them (auth, bodies, errors, rate limits).

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
import logging
import math
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from . import limits
from .faults import Fault
from .gateway import Gateway, Session
from .interactions import InteractionRecord
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
    shard_of,
)
from .plumbing import (
    API_PREFIX,
    EXTRA_HEADERS,
    JSON_TYPE,
    VIA,
    ApiError,
    Handler,
    Http,
    RateLimitHit,
    RateWindow,
    RequestLog,
    Route,
    form_error,
    normalize_embed,
)
from .rest_directory import DirectoryRoutes
from .rest_interactions import InteractionRoutes
from .rest_messages import MessageRoutes
from .spec import SpecValidator, spec_validator
from .strict import (
    FAULT,
    HTTP_ERROR,
    IDENTIFY_LIMIT,
    SPEC,
    TREE_ERROR,
    UNANSWERED,
    Expectation,
    Strictness,
)

if TYPE_CHECKING:
    from .actors import Member

log = logging.getLogger(__name__)

T = TypeVar("T")

# Kept importable from here, where they lived before the REST routes were split out.
__all__ = [
    "API_PREFIX",
    "BOT_DEFAULT_PERMISSIONS",
    "EXTRA_HEADERS",
    "JSON_TYPE",
    "VIA",
    "ApiError",
    "FakeClock",
    "FakeDiscord",
    "Handler",
    "RateLimitHit",
    "RateWindow",
    "RequestLog",
    "form_error",
]

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
class SessionGap:
    """The time between an invalidated gateway session and the client's fresh READY."""

    fake: FakeDiscord
    #: Gateway events dispatched during the gap: none of them reaches the bot, ever.
    lost: list[str]
    identifies_before: int
    old_session: Session
    #: The session the client got by identifying again (set when the gap is over).
    new_session: Session | None = None

    async def react(self, member: Member, message: Message | InteractionRecord | int, emoji: str) -> None:
        """``member`` reacts while the bot has no session: Discord counts it, the bot never hears."""
        await member.react(message, emoji)

    async def unreact(self, member: Member, message: Message | InteractionRecord | int, emoji: str) -> None:
        await member.unreact(message, emoji)


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
        validate_spec: bool = True,
        shard_count: int = 1,
        max_concurrency: int = 1,
        identify_window: float = 5.0,
    ) -> None:
        if shard_count < 1 or max_concurrency < 1 or identify_window < 0:
            raise ValueError("shard_count and max_concurrency must be >= 1, identify_window >= 0")
        self.token = token
        #: The shard count GET /gateway/bot recommends (``shards``). Clients may identify with
        #: another count, as on Discord; each session gets the servers of its own shard.
        self.shard_count = shard_count
        #: How many shards may IDENTIFY at once: one per rate-limit bucket (shard id %
        #: max_concurrency) per window; sent as ``session_start_limit.max_concurrency``.
        self.max_concurrency = max_concurrency
        #: The identify rate limit's window in seconds of :attr:`clock` (Discord's is 5).
        self.identify_window = identify_window
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
        #: Faults injected with inject_error / inject_429, in the order they are tried.
        self.faults: list[Fault] = []
        #: Until this clock time every request with the bot's token gets a global 429.
        self.global_rate_limited_until = -math.inf
        #: Request validation against Discord's OpenAPI description (None when it is absent).
        self.spec: SpecValidator | None = spec_validator() if validate_spec else None
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._event = asyncio.Event()
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval)
        self.http = Http(self)
        self.directory = DirectoryRoutes(self)
        self.message_routes = MessageRoutes(self)
        self.interaction_routes = InteractionRoutes(self)
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

    def expect_spec_violation(
        self, match: str | None = None, *, times: int | None = None, required: bool | None = None
    ) -> Expectation:
        """Allow a request that does not fit Discord's OpenAPI description (``match``: a regular
        expression searched in the violation). Required only when validation is on."""
        needed = self.spec is not None if required is None else required
        return self.strict.expect(SPEC, match=match, times=times, required=needed)

    def expect_identify_limit(
        self, match: str | None = None, *, times: int | None = None, required: bool = True
    ) -> Expectation:
        """Allow IDENTIFYs over the identify rate limit (``match``: a regular expression searched
        in the violation, e.g. ``"bucket 1"``)."""
        return self.strict.expect(IDENTIFY_LIMIT, match=match, times=times, required=required)

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
        for fault in self.faults:
            if fault.required and fault.hits == 0 and not fault.reported:
                fault.reported = True
                self.strict.record(FAULT, f"{fault.describe()} never fired: the test did not exercise it")
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
        live = self.gateway.live_sessions
        shards = ", ".join(str(list(s.shard)) for s in live) or "none"
        lines.append(f"  gateway connected: {bool(live)} (shards: {shards})")
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
        """Wait until the bot has received every gateway event sent so far (on every shard).

        An actor's reaction or message returns once Discord sent the event, as for a person; a
        test that then moves time (closes a question) must first know the bot saw it. This asks
        for a heartbeat (op 1) on each connection, which the client answers at once with the
        last sequence it read. Its listeners for those events have been scheduled by then, and
        since the stand-in and the bot share one event loop, they get to run before the test
        continues. (A bot in another process has only received the events by then.)
        """
        asked = await self.gateway.request_heartbeats()
        if not asked:
            raise AssertionError("no bot is connected to the gateway")

        def acknowledged() -> bool:
            return all(
                any(d is not None and d >= seq for d in conn.heartbeats[before:])
                for conn, before, seq in asked
            )

        sequences = ", ".join(
            f"{seq} on shard {list(c.session.shard) if c.session else '?'}" for c, _b, seq in asked
        )
        await self.wait_for(
            acknowledged, timeout=timeout, what=f"the bot to acknowledge gateway sequence {sequences}"
        )
        for _ in range(3):  # let the listeners take their first steps
            await asyncio.sleep(0)

    # -- building the world ------------------------------------------------------------------

    def add_user(
        self, username: str, *, bot: bool = False, accepts_dms: bool = True, locale: str = "en-US"
    ) -> User:
        user = User(id=self.snowflake(), username=username, bot=bot, accepts_dms=accepts_dms, locale=locale)
        self.users[user.id] = user
        return user

    def shard_of(self, guild: Guild | int | None, shard_count: int | None = None) -> int:
        """The shard whose connection gets ``guild``'s events: ``(guild_id >> 22) % shard_count``
        (default :attr:`shard_count`); 0 for None (DMs)."""
        gid = guild.id if isinstance(guild, Guild) else guild
        return shard_of(gid, shard_count or self.shard_count)

    def guild_id_for_shard(self, shard: int, shard_count: int | None = None) -> int:
        """A fresh guild id on shard ``shard`` of ``shard_count`` (default :attr:`shard_count`)."""
        return self.snowflake.on_shard(shard, shard_count or self.shard_count)

    def add_guild(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        shard: int | None = None,
        channel_name: str = "general",
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = BOT_DEFAULT_PERMISSIONS,
        with_bot: bool = True,
        preferred_locale: str = "en-US",
    ) -> Guild:
        """A server with @everyone, one text channel and (by default) the bot in it.

        ``shard``: give it an id that lands on that shard of :attr:`shard_count` (or pass a
        ``guild_id`` from :meth:`guild_id_for_shard` for another count).
        Call before the bot connects; a guild added later reaches the bot as GUILD_CREATE only
        through :meth:`join_guild`.
        """
        if shard is not None:
            if guild_id is not None and self.shard_of(guild_id) != shard:
                raise ValueError(f"guild id {guild_id} is on shard {self.shard_of(guild_id)}, not {shard}")
            guild_id = guild_id or self.guild_id_for_shard(shard)
        gid = guild_id or self.snowflake()
        if gid in self.guilds:
            raise ValueError(f"there is already a guild {gid} ({self.guilds[gid].name})")
        owner = self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(id=gid, name=name, owner_id=owner.id, preferred_locale=preferred_locale)
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

        def joined(session: Session) -> JSON:
            # Only a guild that was in READY as unavailable comes with "unavailable": false;
            # a new one comes without it (discord.py tells on_guild_join from that).
            payload = self.guild_create_payload(guild, session)
            payload.pop("unavailable", None)
            return payload

        await self.gateway.dispatch("GUILD_CREATE", joined, guild_id=guild.id)
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

    def bot_overwrite(self, *, deny: int = 0, allow: int = 0) -> Overwrite:
        """A member overwrite for the bot, for ``add_channel(..., overwrites=[...])``."""
        return Overwrite(id=self.bot_user.id, type=1, allow=allow, deny=deny)

    async def deny_bot(self, channel: Channel, permissions: int) -> None:
        """An admin denies the bot ``permissions`` in ``channel`` (a member overwrite), e.g.
        ``Perm.EMBED_LINKS | Perm.ADD_REACTIONS``; CHANNEL_UPDATE if the bot is connected.

        What the bot then gets, as from Discord: no View Channel, 403 / 50001 on every route of
        the channel; no Send Messages, 403 / 50013 on sends and typing; no Embed Links, 50013 on
        a message with embeds; no Attach Files, 50013 on one with files; no Read Message History,
        50013 on a reply (``message_reference``), on fetching a message and on reacting, and an
        empty history; no Add Reactions, 50013 on a new reaction. No Mention Everyone is no
        error: @everyone and roles that are not mentionable simply notify nobody.
        """
        kept = [o for o in channel.overwrites if not (o.type == 1 and o.id == self.bot_user.id)]
        own = next((o for o in channel.overwrites if o.type == 1 and o.id == self.bot_user.id), None)
        deny = (own.deny if own else 0) | permissions
        allow = (own.allow if own else 0) & ~permissions
        await self.set_overwrites(channel, [*kept, self.bot_overwrite(deny=deny, allow=allow)])

    def add_role(
        self, guild: Guild, name: str, permissions: int, *, managed: bool = False, mentionable: bool = False
    ) -> Role:
        """A role; ``mentionable`` lets anyone ping it (otherwise only Mention Everyone does)."""
        role = Role(
            id=self.snowflake(),
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            managed=managed,
            mentionable=mentionable,
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
        locale: str = "en-US",
    ) -> Member:
        """Put a person in ``guild`` and return the actor that plays them.

        Pass an existing :class:`User` to put the same person in a second server.
        ``permissions`` gives them a role of their own with exactly those bits.
        """
        from .actors import Member

        user = name if isinstance(name, User) else self.add_user(name, accepts_dms=accepts_dms, locale=locale)
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

    def synced_commands(self, guild: Guild | int | None = None) -> list[JSON]:
        """The command definitions last synced to ``guild`` (None: global), as Discord stored them
        (with their ``name_localizations`` and ``description_localizations``)."""
        key = guild.id if isinstance(guild, Guild) else guild
        return list(self.commands.get(key, {}).values())

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
            "guilds": [
                {"id": str(g.id), "unavailable": True} for g in self.bot_guilds() if session.owns(g.id)
            ],
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
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(member_perms)},
            "member": member.payload(permissions=member_perms),
            "app_permissions": str(self.bot_permissions_in(channel)),
            "locale": user.locale,
            "guild_locale": guild.preferred_locale,
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
        """The bot's DM channel with ``user`` (opened by the bot's request or by the member)."""
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

    def inject_error(
        self,
        method: str | None,
        route: str | None,
        *,
        status: int = 503,
        times: int | None = 1,
        channel: Channel | None = None,
        when: Callable[[Any], bool] | None = None,
        commit: bool = False,
        delay: float = 0.0,
        code: int = 0,
        message: str | None = None,
        required: bool = True,
    ) -> Fault:
        """Answer matching requests with ``status`` (5xx by default 503), ``times`` times.

        ``route`` is a route of the table as written there (``"/channels/{channel_id}/messages"``,
        ``"/webhooks/{app_id}/{token}"``); None matches any. ``times=None`` lasts until
        ``fault.clear()`` or :meth:`clear_faults`. ``channel`` narrows it to one channel and
        ``when(body)`` to requests whose JSON body satisfies it (e.g. a reply:
        ``when=lambda b: "message_reference" in b``). ``commit`` lets the request take effect
        before the error is answered (the bot's retry then duplicates it); ``delay`` holds the
        answer for real seconds. discord.py itself retries 500, 502, 504 and 524 (after 1, 3, 5,
        7 s) but not 503; its webhook adapter retries every 5xx.
        """
        fault = Fault(
            method=method,
            route=self._check_route(method, route),
            status=status,
            times=times,
            code=code,
            message=message,
            channel_id=channel.id if channel is not None else None,
            when=when,
            commit=commit,
            delay=delay,
            required=required,
        )
        self.faults.append(fault)
        return fault

    def inject_429(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        retry_after: float = 0.25,
        scope: str = "user",
        times: int | None = 1,
        channel: Channel | None = None,
        when: Callable[[Any], bool] | None = None,
        required: bool = True,
    ) -> Fault:
        """Answer matching requests with 429, as Discord's rate limiter does.

        ``scope`` "user" or "shared" is a per-route limit (``X-RateLimit-*`` headers with
        Remaining 0 and the bucket, ``Retry-After``, ``X-RateLimit-Scope``, body ``{"message",
        "retry_after", "global": false}``); "global" is the bot's global limit (``global: true``,
        ``X-RateLimit-Global``), and every request with the bot's token then gets a global 429
        until ``retry_after`` has passed on :attr:`clock` (interaction callbacks and webhooks
        are exempt, as on Discord). discord.py sleeps ``retry_after`` and retries, 5 tries in all;
        ``times=5`` or more makes the call fail with HTTPException 429.
        """
        if scope not in ("user", "shared", "global"):
            raise ValueError(f"scope must be 'user', 'shared' or 'global', not {scope!r}")
        fault = Fault(
            method=method,
            route=self._check_route(method, route),
            status=429,
            times=times,
            retry_after=retry_after,
            scope=scope,
            channel_id=channel.id if channel is not None else None,
            when=when,
            required=required,
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Stop every injected fault, and any global rate limit in force."""
        for fault in self.faults:
            fault.clear()
        self.global_rate_limited_until = -math.inf

    def _check_route(self, method: str | None, route: str | None) -> str | None:
        known = self.http.routes or {(m, p) for m, p, _h, _a in self._route_table()}
        if route is not None and not any(p == route and method in (None, m) for m, p in known):
            listing = "\n  ".join(f"{m} {p}" for m, p in sorted(known, key=lambda r: (r[1], r[0])))
            raise ValueError(f"no route {method or '*'} {route} in the route table:\n  {listing}")
        return route

    @contextlib.asynccontextmanager
    async def session_gap(
        self,
        *,
        on_resume: bool = False,
        timeout: float = 5.0,  # noqa: ASYNC109 (a waiting helper; README)
    ) -> AsyncIterator[SessionGap]:
        """Invalidate the bot's gateway session and hold its fresh IDENTIFY while the block runs.

        Everything that happens inside the block (``await gap.react(world.bob, question, "🇧")``,
        or any actor's action) is an event the bot never receives: no session exists to keep it,
        so nothing is replayed. On leaving the block the client's IDENTIFY is let through; it
        gets a fresh READY and one GUILD_CREATE per guild, and this waits until it has read them.
        ``on_resume``: drop the connection and answer the client's RESUME with op 9, instead of
        sending op 9 on the live connection. (The harness skips discord.py's 5 s wait before a
        second IDENTIFY; see ``BotHarness(identify_wait=...)``.)
        """
        old = self.gateway.live_session
        if old is None:
            raise AssertionError("no bot is connected to the gateway")
        shards = {s.shard for s in self.gateway.live_sessions}
        gate = asyncio.Event()
        gap = SessionGap(self, lost=[], identifies_before=self.gateway.identifies, old_session=old)
        self.gateway.identify_gate = gate
        self.gateway.gap_events = gap.lost
        try:
            await self.gateway.invalidate_session(on_resume=on_resume)
            yield gap
        finally:
            self.gateway.gap_events = None
            self.gateway.identify_gate = None
            gate.set()
        await self.wait_for(
            lambda: (
                self.gateway.identifies >= gap.identifies_before + len(shards)
                and shards <= {s.shard for s in self.gateway.live_sessions}
            ),
            timeout=timeout,
            what="the client to IDENTIFY again (every shard) after its session was invalidated",
        )
        gap.new_session = self.gateway.live_session
        await self.wait_delivered(timeout=timeout)

    async def disconnect_gateway(
        self, *, code: int = 4000, resumable: bool = True, abrupt: bool = False, shard: int | None = None
    ) -> None:
        """Drop the bot's gateway connection (only shard ``shard``'s, when given); it should
        reconnect and RESUME (or re-IDENTIFY)."""
        await self.gateway.disconnect(code=code, resumable=resumable, abrupt=abrupt, shard=shard)

    # -- the route table, uploaded files, command overrides ------------------------------------

    def _route_table(self) -> list[Route]:
        return [*self.directory.routes(), *self.message_routes.routes(), *self.interaction_routes.routes()]

    def _routes(self, app: web.Application) -> None:
        """The complete route table. Anything else is an unknown route and fails the test."""
        self.http.install(app, self._route_table())

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

    # -- messages in the world (stored, edited, deleted; shared by the REST routes) --------------

    def _view(self, msg: Message) -> JSON:
        return msg.payload(viewer_id=self.bot_user.id, member=self._member_of(msg))

    def _validate_new_message(self, body: JSON) -> None:
        errors = limits.FormErrors()
        limits.check_message(errors, body)
        if errors:
            raise form_error(errors)
        if limits.is_empty_message(body) and not body.get("_files"):
            raise ApiError(400, 50006, "Cannot send an empty message")

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
            embeds=[normalize_embed(e) for e in body.get("embeds") or []],
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
        self._note_mention_rights(msg, channel)
        self.messages[msg.id] = msg
        self.channel_order.setdefault(channel.id, []).append(msg.id)
        if ephemeral_for is None:
            channel.last_message_id = msg.id
        self.changed()
        return msg

    def _note_mention_rights(self, msg: Message, channel: Channel) -> None:
        """Who the message may notify: Mention Everyone of its author, mentionable roles."""
        if channel.guild_id is None:
            return
        guild = self.guilds[channel.guild_id]
        perms = (
            self.bot_permissions_in(channel)
            if msg.author.id == self.bot_user.id
            else guild.permissions_in(msg.author.id, channel)
        )
        msg.author_mentions_everyone = bool(perms & Perm.MENTION_EVERYONE)
        msg.mentionable_role_ids = frozenset(r.id for r in guild.roles.values() if r.mentionable)

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
            msg.embeds = [normalize_embed(e) for e in body["embeds"] or []]
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

"""The gateway: a websocket that speaks Discord's v10 JSON protocol.

Modelled because this is where client bugs hide: HELLO and heartbeats (with the sequence
checked), IDENTIFY with token and intents (privileged intents refused with 4014), READY and one
GUILD_CREATE per guild, sequence numbers, events filtered by the intents the client identified
with, zlib-stream compression through one compressor per connection flushed with
Z_SYNC_FLUSH (the client's real decompression path), and RESUME: after a disconnect the client
reconnects to ``resume_gateway_url``, sends op 6, gets every event it missed replayed and then
RESUMED. An unknown or invalidated session gets op 9 (invalid session) and must re-identify.

Sharding: IDENTIFY may carry ``shard: [id, count]`` (none means ``[0, 1]``); an id outside
``0 <= id < count`` is closed with 4010. Each session gets only the events of its own servers,
``(guild_id >> 22) % count == id`` (READY's ``guilds``, the GUILD_CREATEs after it, and every
later event), and events without a server (DMs) go to shard 0, as on Discord. Sessions of
different shards live side by side, from one client or from several processes; a new IDENTIFY
replaces only the earlier session of the same shard. IDENTIFYs are paced like Discord's:
``max_concurrency`` rate-limit buckets (``shard_id % max_concurrency``), each allowing one
IDENTIFY per ``identify_window`` seconds (5 on Discord), so at most ``max_concurrency`` shards
start at once; one more in a bucket is answered with op 9, as Discord answers it, and is an
``identify_limit`` violation that fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import JSON, Intent, shard_of
from .strict import GATEWAY, IDENTIFY_LIMIT

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


#: Which intent an event needs; events not listed (READY, RESUMED, INTERACTION_CREATE) always go.
EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": Intent.GUILDS,
    "GUILD_UPDATE": Intent.GUILDS,
    "GUILD_DELETE": Intent.GUILDS,
    "GUILD_ROLE_CREATE": Intent.GUILDS,
    "GUILD_ROLE_UPDATE": Intent.GUILDS,
    "GUILD_ROLE_DELETE": Intent.GUILDS,
    "CHANNEL_CREATE": Intent.GUILDS,
    "CHANNEL_UPDATE": Intent.GUILDS,
    "CHANNEL_DELETE": Intent.GUILDS,
    "GUILD_MEMBER_ADD": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intent.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intent.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intent.GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": Intent.GUILD_MESSAGE_REACTIONS,
    "TYPING_START": Intent.GUILD_MESSAGE_TYPING,
}

#: The DM counterparts, used when the event has no guild_id.
DM_INTENTS: dict[int, int] = {
    Intent.GUILD_MESSAGES: Intent.DIRECT_MESSAGES,
    Intent.GUILD_MESSAGE_REACTIONS: Intent.DIRECT_MESSAGE_REACTIONS,
}

#: How many sent events a session keeps for replay on RESUME.
REPLAY_BUFFER = 2000


@dataclass
class Connection:
    """One websocket. A session outlives its connections; that is what RESUME relies on."""

    ws: web.WebSocketResponse
    path: str
    compressor: Any | None
    session: Session | None = None
    heartbeats: list[int | None] = field(default_factory=list)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed_by_server: int | None = None
    transport: Any | None = None

    async def send(self, frame: JSON) -> None:
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self.send_lock:
            if self.compressor is not None:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    buffer: list[JSON] = field(default_factory=list)
    conn: Connection | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    resumes: int = 0
    #: False once invalidated: a RESUME then gets op 9 and the client must IDENTIFY again.
    resumable: bool = True
    #: (shard id, shard count) from IDENTIFY; [0, 1] when it sent none.
    shard: tuple[int, int] = (0, 1)

    def owns(self, guild_id: int | None) -> bool:
        """Whether this session's shard gets the events of ``guild_id`` (None: a DM, shard 0)."""
        shard_id, count = self.shard
        return shard_of(guild_id, count) == shard_id

    @property
    def live(self) -> bool:
        return self.resumable and self.conn is not None and not self.conn.ws.closed

    def dispatched(self, event: str | None = None) -> list[JSON]:
        """The data of every event sent to this session (``event``: of that name only), oldest
        first; the last 2,000 are kept."""
        return [f["d"] for f in self.buffer if f["op"] == Op.DISPATCH and event in (None, f["t"])]

    def wants(self, event: str, guild_id: int | None) -> bool:
        needed = EVENT_INTENTS.get(event)
        if needed is None:
            return True
        if guild_id is None:
            needed = DM_INTENTS.get(needed, needed)
        return bool(self.intents & needed)


@dataclass(frozen=True)
class IdentifyAttempt:
    """One well-formed IDENTIFY and what the identify rate limit made of it."""

    #: When it arrived, on the stand-in's clock.
    at: float
    shard: tuple[int, int]
    #: Its rate-limit bucket: shard id % max_concurrency.
    bucket: int
    #: "accepted"; "excused" (over the limit, but the test harness had skipped discord.py's own
    #: wait before it, see :meth:`Gateway.excuse_identify`); "refused" (over the limit: op 9).
    verdict: str

    @property
    def counted(self) -> bool:
        """Whether it took a place in its bucket's window (a refused one did not)."""
        return self.verdict != "refused"


class Gateway:
    """Gateway state and the websocket handler; the server owns one."""

    def __init__(self, fake: FakeDiscord, *, heartbeat_interval: float) -> None:
        self.fake = fake
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        #: Every (path, op) the client sent, for tests that check the protocol itself.
        self.received_ops: list[tuple[str, int]] = []
        self.identifies = 0
        self.resumes = 0
        #: When set, a RESUME waits for this event: lets a test create events while the client
        #: is away, to prove they are replayed.
        self.resume_gate: asyncio.Event | None = None
        #: When set, a re-IDENTIFY (any but the first) waits for it: the gap after op 9.
        self.identify_gate: asyncio.Event | None = None
        #: While a session gap is open: every event dispatched, which no session will ever get.
        self.gap_events: list[str] | None = None
        #: Every well-formed IDENTIFY, in order, with its verdict under the identify rate limit.
        self.identify_attempts: list[IdentifyAttempt] = []
        #: Per shard id: IDENTIFYs whose pacing the test harness took away on purpose.
        self._excused: Counter[int] = Counter()

    # -- queries tests use ---------------------------------------------------------------

    @property
    def live_session(self) -> Session | None:
        """The session of the currently connected client (the lowest shard's), if any."""
        live = self.live_sessions
        return live[0] if live else None

    @property
    def live_sessions(self) -> list[Session]:
        """Every connected session that still gets events, by shard id."""
        return sorted((s for s in self.sessions.values() if s.live), key=lambda s: s.shard)

    def session_for_shard(self, shard_id: int) -> Session | None:
        """The connected session of shard ``shard_id``, if any."""
        return next((s for s in self.live_sessions if s.shard[0] == shard_id), None)

    def has_identified(self, shard_id: int | None) -> bool:
        """Whether a client has already identified as shard ``shard_id`` (of any count)."""
        return any(a.shard[0] == (shard_id or 0) and a.counted for a in self.identify_attempts)

    def excuse_identify(self, shard_id: int | None) -> None:
        """The next IDENTIFY of ``shard_id`` comes without discord.py's wait, by a test's choice.

        ``BotHarness`` calls this where it skips discord.py's 5 s sleep before a non-initial
        IDENTIFY (a re-IDENTIFY after op 9, or the next shard of an AutoShardedClient): that
        IDENTIFY is then not a violation of the identify rate limit, only noted as "excused".
        """
        self._excused[shard_id or 0] += 1

    @property
    def heartbeats(self) -> int:
        return sum(len(c.heartbeats) for c in self.connections)

    def is_connected(self) -> bool:
        return self.live_session is not None

    # -- sending ---------------------------------------------------------------------------

    async def dispatch(
        self, event: str, data: JSON | Callable[[Session], JSON], *, guild_id: int | None = None
    ) -> int:
        """Send an event to every session whose intents ask for it; returns how many got it.

        A session that is disconnected but resumable still gets the event in its replay
        buffer, exactly like Discord, so a client that RESUMEs does not miss it.
        """
        delivered = 0
        if self.gap_events is not None:
            self.gap_events.append(event)
        for session in list(self.sessions.values()):
            if not session.resumable or not session.owns(guild_id) or not session.wants(event, guild_id):
                continue
            payload = data(session) if callable(data) else data
            await self._send_dispatch(session, event, payload)
            delivered += 1
        return delivered

    async def _send_dispatch(self, session: Session, event: str, payload: JSON) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": Op.DISPATCH, "t": event, "s": session.seq, "d": payload}
            session.buffer.append(frame)
            del session.buffer[:-REPLAY_BUFFER]
            conn = session.conn
            if conn is not None:
                try:
                    await conn.send(frame)
                except (ConnectionError, RuntimeError):
                    # The client will RESUME from its last sequence and get this again.
                    session.conn = None

    async def disconnect(
        self, *, code: int = 4000, resumable: bool = True, abrupt: bool = False, shard: int | None = None
    ) -> None:
        """Drop the client's connection (only shard ``shard``'s, when given). With ``resumable``
        it RESUMEs; without, it gets op 9."""
        for session in list(self.sessions.values()):
            if shard is not None and session.shard[0] != shard:
                continue
            conn = session.conn
            if not resumable:
                session.resumable = False
            if conn is None:
                continue
            session.conn = None
            conn.closed_by_server = code
            if abrupt:
                if conn.transport is not None:
                    conn.transport.abort()
            else:
                await conn.ws.close(code=code, message=b"stand-in disconnect")

    async def invalidate_session(self, *, on_resume: bool = False) -> None:
        """Invalidate every session: events from now on are not kept for it, and never replayed.

        By default Discord's op 9 (``d: false``) goes to the connected client, which must
        IDENTIFY again. With ``on_resume`` the connection is dropped instead (4000) and the
        client's RESUME is answered with op 9, the other way a session ends on Discord.
        """
        if on_resume:
            await self.disconnect(code=4000, resumable=False)
            return
        for session in list(self.sessions.values()):
            session.resumable = False
            conn = session.conn
            if conn is not None:
                await conn.send({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None})

    async def request_heartbeat(self) -> tuple[Connection, int, int] | None:
        """Send op 1: the client must answer at once with its last sequence number.

        Returns (connection, heartbeats so far, sequence to reach), or None when no client is
        connected. Only the lowest shard's; :meth:`request_heartbeats` asks every shard.
        """
        asked = await self.request_heartbeats()
        return asked[0] if asked else None

    async def request_heartbeats(self) -> list[tuple[Connection, int, int]]:
        """Send op 1 on every live connection (one per shard); see :meth:`request_heartbeat`."""
        asked = []
        for session in self.live_sessions:
            conn = session.conn
            if conn is None:
                continue
            before = len(conn.heartbeats)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.send({"op": Op.HEARTBEAT, "d": None, "s": None, "t": None})
                asked.append((conn, before, session.seq))
        return asked

    async def request_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session between servers."""
        for session in self.sessions.values():
            if shard is not None and session.shard[0] != shard:
                continue
            if session.conn is not None:
                await session.conn.send({"op": Op.RECONNECT, "d": None, "s": None, "t": None})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001, message=b"stand-in stopping")

    # -- websocket handler -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=1 << 20)
        await ws.prepare(request)
        query = request.query
        compress = query.get("compress")
        compressor = None
        if compress == "zlib-stream":
            compressor = zlib.compressobj()
        elif compress:
            self.fake.strict.record(
                GATEWAY, f"unsupported gateway compression {compress!r} (only zlib-stream)"
            )
            await ws.close(code=4000, message=b"unsupported compression")
            return ws
        conn = Connection(ws=ws, path=request.path, compressor=compressor, transport=request.transport)
        self.connections.append(conn)
        if query.get("v") != "10":
            await self._close(conn, 4012, "Invalid API version")
            return ws
        if query.get("encoding", "json") != "json":
            await self._close(conn, 4002, "Decode error: only encoding=json is modelled")
            return ws
        await conn.send(
            {
                "op": Op.HELLO,
                "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                        op = frame["op"]
                    except (ValueError, KeyError, TypeError):
                        await self._close(conn, 4002, "Decode error")
                        break
                    self.received_ops.append((conn.path, op))
                    if not await self._on_frame(conn, op, frame.get("d")):
                        break
                elif msg.type is WSMsgType.BINARY:
                    await self._close(
                        conn, 4002, "Decode error: binary frames are not expected from a client"
                    )
                    break
        finally:
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self.fake.changed()
        return ws

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.closed_by_server = code
        if code not in (4000,):
            self.fake.strict.record(
                GATEWAY, f"gateway closed the connection with {code}: {reason}", code=code
            )
        await conn.ws.close(code=code, message=reason.encode()[:120])

    async def _on_frame(self, conn: Connection, op: int, d: Any) -> bool:
        """Handle one client frame; False ends the connection."""
        if op == Op.HEARTBEAT:
            last = conn.session.seq if conn.session is not None else None
            if d is not None and (not isinstance(d, int) or (last is not None and d > last)):
                self.fake.strict.record(GATEWAY, f"heartbeat carried sequence {d!r}, last sent was {last}")
            conn.heartbeats.append(d)
            await conn.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            self.fake.changed()
            return True
        if op == Op.IDENTIFY:
            return await self._identify(conn, d or {})
        if op == Op.RESUME:
            return await self._resume(conn, d or {})
        if conn.session is None:
            await self._close(conn, 4003, "Not authenticated")
            return False
        if op in (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE):
            return True
        if op == Op.REQUEST_GUILD_MEMBERS:
            await self._member_chunks(conn.session, d or {})
            return True
        await self._close(conn, 4001, f"Unknown opcode {op}")
        return False

    async def _identify(self, conn: Connection, d: JSON) -> bool:
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated")
            return False
        if self.identify_gate is not None and self.sessions:
            await self.identify_gate.wait()
        if d.get("token") != self.fake.token:
            await self._close(conn, 4004, "Authentication failed")
            return False
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await self._close(conn, 4013, "Invalid intent(s)")
            return False
        if intents & Intent.PRIVILEGED & ~self.fake.privileged_intents:
            await self._close(conn, 4014, "Disallowed intent(s)")
            return False
        shard = self._shard(d.get("shard"))
        if shard is None:
            reason = f"Invalid shard {d.get('shard')!r}: not [id, count] with 0 <= id < count"
            await self._close(conn, 4010, reason)
            return False
        if not await self._identify_allowed(conn, shard):
            return True
        # A new IDENTIFY replaces the earlier session of the same shard; other shards' stay.
        for old in self.sessions.values():
            if old.shard == shard:
                if old.live:
                    # Discord would keep both and send each every event of the shard's servers:
                    # two processes configured with the same shard handle everything twice.
                    self.fake.strict.record(
                        GATEWAY,
                        f"shard {list(shard)} identified while a connection of shard {list(shard)} "
                        "is still open: two clients run the same shard",
                        shard=list(shard),
                    )
                old.resumable = False
        session = Session(id=secrets.token_hex(16), intents=intents, conn=conn, shard=shard)
        self.sessions[session.id] = session
        conn.session = session
        self.identifies += 1
        ready = self.fake.ready_payload(session)
        if "shard" in d:
            ready["shard"] = list(shard)
        await self._send_dispatch(session, "READY", ready)
        for guild in self.fake.bot_guilds():
            if session.owns(guild.id) and session.wants("GUILD_CREATE", guild.id):
                await self._send_dispatch(
                    session, "GUILD_CREATE", self.fake.guild_create_payload(guild, session)
                )
        self.fake.changed()
        return True

    @staticmethod
    def _shard(value: Any) -> tuple[int, int] | None:
        """IDENTIFY's ``shard`` as (id, count); None when Discord would refuse it (4010)."""
        if value is None:
            return (0, 1)
        if not isinstance(value, list) or len(value) != 2:
            return None
        shard_id, count = value
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (shard_id, count)):
            return None
        return (shard_id, count) if 0 <= shard_id < count else None

    async def _identify_allowed(self, conn: Connection, shard: tuple[int, int]) -> bool:
        """Apply the identify rate limit; False when it refused this IDENTIFY (answered op 9).

        Discord has ``max_concurrency`` buckets (shard id % max_concurrency) and allows one
        IDENTIFY per bucket in every window of 5 s; it answers one more with op 9 (invalid
        session). So up to ``max_concurrency`` shards, one per bucket, may start at once.
        """
        now = self.fake.clock()
        concurrency = self.fake.max_concurrency
        window = self.fake.identify_window
        bucket = shard[0] % concurrency
        recent = [
            a for a in self.identify_attempts if a.bucket == bucket and a.counted and now - a.at < window
        ]
        excused = self._excused[shard[0]] > 0
        if excused:
            self._excused[shard[0]] -= 1
        if not recent:
            self.identify_attempts.append(IdentifyAttempt(now, shard, bucket, "accepted"))
            return True
        if excused:
            self.identify_attempts.append(IdentifyAttempt(now, shard, bucket, "excused"))
            return True
        self.identify_attempts.append(IdentifyAttempt(now, shard, bucket, "refused"))
        earlier = ", ".join(f"shard {list(a.shard)} {now - a.at:.2f} s before" for a in recent)
        self.fake.strict.record(
            IDENTIFY_LIMIT,
            f"IDENTIFY of shard {list(shard)} broke max_concurrency {concurrency}: bucket {bucket} "
            f"already had an IDENTIFY in the last {window:g} s ({earlier}); "
            "Discord answers it with op 9",
            shard=list(shard),
            bucket=bucket,
        )
        await conn.send({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None})
        self.fake.changed()
        return False

    async def _resume(self, conn: Connection, d: JSON) -> bool:
        if self.resume_gate is not None:
            await self.resume_gate.wait()
        session = self.sessions.get(str(d.get("session_id")))
        if d.get("token") != self.fake.token:
            await self._close(conn, 4004, "Authentication failed")
            return False
        seq = d.get("seq")
        if (
            session is None
            or not session.resumable
            or not isinstance(seq, int)
            or seq > session.seq
            or (session.buffer and seq < session.buffer[0]["s"] - 1)
        ):
            await conn.send({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None})
            return True
        async with session.lock:
            old = session.conn
            session.conn = conn
            conn.session = session
            session.resumes += 1
            self.resumes += 1
            for frame in session.buffer:
                if frame["s"] > seq:
                    await conn.send(frame)
            session.seq += 1
            resumed = {"op": Op.DISPATCH, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["fakediscord"]}}
            session.buffer.append(resumed)
            await conn.send(resumed)
        if old is not None and old is not conn and not old.ws.closed:
            await old.ws.close(code=4000, message=b"session resumed elsewhere")
        self.fake.changed()
        return True

    async def _member_chunks(self, session: Session, d: JSON) -> None:
        guild = self.fake.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        if not session.owns(guild.id):
            self.fake.strict.record(
                GATEWAY,
                f"op 8 (request guild members) for guild {guild.id} on the connection of shard "
                f"{list(session.shard)}; the guild is on shard {shard_of(guild.id, session.shard[1])}",
            )
            return
        if not session.intents & Intent.GUILD_MEMBERS:
            self.fake.strict.record(GATEWAY, "op 8 (request guild members) without the GUILD_MEMBERS intent")
        members = [m.payload() for m in guild.members.values()]
        chunk = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

"""The gateway: a websocket that speaks Discord's v10 JSON protocol.

Modelled because this is where client bugs hide: HELLO and heartbeats (with the sequence
checked), IDENTIFY with token and intents (privileged intents refused with 4014), READY and one
GUILD_CREATE per guild, sequence numbers, events filtered by the intents the client identified
with, zlib-stream compression through one compressor per connection flushed with
Z_SYNC_FLUSH (the client's real decompression path), and RESUME: after a disconnect the client
reconnects to ``resume_gateway_url``, sends op 6, gets every event it missed replayed and then
RESUMED. An unknown or invalidated session gets op 9 (invalid session) and must re-identify.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import JSON, Intent
from .strict import GATEWAY

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

    def wants(self, event: str, guild_id: int | None) -> bool:
        needed = EVENT_INTENTS.get(event)
        if needed is None:
            return True
        if guild_id is None:
            needed = DM_INTENTS.get(needed, needed)
        return bool(self.intents & needed)


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

    # -- queries tests use ---------------------------------------------------------------

    @property
    def live_session(self) -> Session | None:
        """The session of the currently connected client, if any."""
        for s in self.sessions.values():
            if s.conn is not None and not s.conn.ws.closed:
                return s
        return None

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
            if not session.resumable or not session.wants(event, guild_id):
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

    async def disconnect(self, *, code: int = 4000, resumable: bool = True, abrupt: bool = False) -> None:
        """Drop the client's connection. With ``resumable`` it RESUMEs; without, it gets op 9."""
        for session in list(self.sessions.values()):
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
        connected.
        """
        session = self.live_session
        if session is None or session.conn is None:
            return None
        conn = session.conn
        before = len(conn.heartbeats)
        await conn.send({"op": Op.HEARTBEAT, "d": None, "s": None, "t": None})
        return conn, before, session.seq

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session between servers."""
        for session in self.sessions.values():
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
        if d.get("shard") not in (None, [0, 1]):
            await self._close(conn, 4010, "Invalid shard: sharding is not modelled")
            return False
        # A new IDENTIFY replaces any earlier session of this bot.
        for old in self.sessions.values():
            old.resumable = False
        session = Session(id=secrets.token_hex(16), intents=intents, conn=conn)
        self.sessions[session.id] = session
        conn.session = session
        self.identifies += 1
        ready = self.fake.ready_payload(session)
        await self._send_dispatch(session, "READY", ready)
        for guild in self.fake.bot_guilds():
            if session.wants("GUILD_CREATE", guild.id):
                await self._send_dispatch(
                    session, "GUILD_CREATE", self.fake.guild_create_payload(guild, session)
                )
        self.fake.changed()
        return True

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

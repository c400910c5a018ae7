"""HTTP plumbing of the stand-in: the route table's wrapper, bodies, errors, headers, rate limits.

Every REST handler (in ``rest_*.py``) is wrapped by :meth:`Http.wrap`: it checks the bot token
where Discord needs one, reads the JSON or multipart body, turns an :class:`ApiError` into
Discord's error JSON and a strictness violation (any 4xx but 429), and logs the request. A
route the table does not list reaches :meth:`Http.unknown_route` and fails the test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from . import limits
from .faults import RATE_LIMITED, Fault, bucket_of, rate_limit_headers
from .models import JSON, Channel
from .strict import HTTP_ERROR, STANDIN_ERROR, UNKNOWN_ROUTE

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"
#: discord.py only trusts a 429 that came through Discord's proxy (otherwise it assumes a
#: Cloudflare ban and raises), so every response carries the header Discord's edge adds.
VIA = "1.1 google"

Handler = Callable[[web.Request, Any], Awaitable[Any]]
#: One row of the route table: (method, path under /api/v10, handler, needs the bot token).
Route = tuple[str, str, Handler, bool]

#: Headers a handler adds to its response (rate-limit headers), kept on the request.
EXTRA_HEADERS = web.RequestKey("extra_headers", dict)


class ApiError(Exception):
    """A Discord error response: ``{"message": ..., "code": ...}`` (plus ``errors`` for 50035).

    ``injected`` marks an answer a test asked for (a fault), which is no strictness violation.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: limits.FormErrors | None = None,
        payload: JSON | None = None,
        injected: bool = False,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.payload = payload
        self.injected = injected

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
    channel_id: int | None
    retry_after: float
    scope: str
    bucket: str


def json_response(status: int, body: Any, extra: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py compares the header for equality, and
    # aiohttp's json_response would add "; charset=utf-8".
    headers = {"Content-Type": JSON_TYPE, "Via": VIA, **(extra or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)


class Http:
    """The request side of one :class:`FakeDiscord`: wrapping, bodies, auth, rate limits."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        #: (method, route) pairs of the route table, to check a fault names a real route.
        self.routes: set[tuple[str, str]] = set()

    def install(self, app: web.Application, routes: list[Route]) -> None:
        """Add the complete route table. Anything else is an unknown route and fails the test."""
        self.routes = {(method, path) for method, path, _handler, _auth in routes}
        for method, path, handler, auth in routes:
            app.router.add_route(method, API_PREFIX + path, self.wrap(handler, auth=auth, route=path))
        app.router.add_get("/gateway", self.fake.gateway.handle)
        app.router.add_get("/resume-gateway", self.fake.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self.get_attachment)
        app.router.add_route("*", "/{tail:.*}", self.unknown_route)

    def wrap(
        self, handler: Handler, *, auth: bool, route: str = ""
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            extra: dict[str, str] = {}
            request[EXTRA_HEADERS] = extra
            try:
                if auth:
                    self.check_auth(request)
                body = await self.read_body(request)
                if self.fake.spec is not None:
                    self.fake.spec.check(
                        self.fake.strict, request.method, request.path, route, request.query, body
                    )
                if auth:
                    self.global_rate_limit(request, extra)
                fault = self.take_fault(request, route, body)
                if fault is not None and not fault.commit:
                    await self.answer_fault(fault, request, route, extra)
                result = await handler(request, body)
                if fault is not None:
                    await self.answer_fault(fault, request, route, extra)
                if result is None:
                    response = web.Response(status=204, headers={"Via": VIA, **extra})
                else:
                    response = json_response(200, result, extra)
            except ApiError as e:
                if e.status != 429 and not e.injected:
                    self.fake.strict.record(
                        HTTP_ERROR,
                        f"{request.method} {request.path} -> {e.describe()}",
                        status=e.status,
                        code=e.code,
                        route=request.path,
                    )
                response = json_response(e.status, e.body(), extra)
            except Exception as e:  # a stand-in bug or a request it cannot parse
                # Not a 500: discord.py retries those for seconds. A 400 fails the call at once.
                log.exception("stand-in error on %s %s", request.method, request.path)
                self.fake.strict.record(
                    STANDIN_ERROR, f"{request.method} {request.path} crashed the stand-in: {e!r}"
                )
                response = json_response(400, {"message": f"stand-in error: {e!r}", "code": 0})
            self.fake.requests.append(
                RequestLog(request.method, request.path, response.status, self.fake.clock())
            )
            self.fake.changed()
            return response

        return wrapped

    # -- injected faults ---------------------------------------------------------------------

    def take_fault(self, request: web.Request, route: str, body: Any) -> Fault | None:
        """The first active injected fault this request matches (counted as hit), if any."""
        for fault in self.fake.faults:
            if fault.matches(request.method, route, dict(request.match_info), body):
                fault.hits += 1
                fault.paths.append(f"{request.method} {request.path}")
                return fault
        return None

    async def answer_fault(
        self, fault: Fault, request: web.Request, route: str, extra: dict[str, str]
    ) -> None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        bucket = bucket_of(route)
        if fault.status == 429:
            retry_after = fault.rounded_retry_after
            channel = request.match_info.get("channel_id")
            scope = fault.scope or "user"
            self.fake.rate_limited.append(
                RateLimitHit(int(channel) if channel else None, retry_after, scope, bucket)
            )
            if scope == "global":
                self.fake.global_rate_limited_until = self.fake.clock() + retry_after
        extra.update(fault.headers(bucket, limit=self.bucket_limit(bucket)))
        raise ApiError(fault.status, fault.code, fault.body()["message"], payload=fault.body(), injected=True)

    def bucket_limit(self, bucket: str) -> int:
        rate = {"messages": self.fake.message_rate, "reactions": self.fake.reaction_rate}.get(bucket)
        return rate[0] if rate else 5

    def global_rate_limit(self, request: web.Request, extra: dict[str, str]) -> None:
        """While a global 429 lasts, every request with the bot's token gets one too.

        Interaction callbacks and webhooks carry no token and are exempt, as on Discord.
        """
        left = self.fake.global_rate_limited_until - self.fake.clock()
        if left <= 0:
            return
        retry_after = round(max(left, 0.001), 3)
        channel = request.match_info.get("channel_id")
        self.fake.rate_limited.append(
            RateLimitHit(int(channel) if channel else None, retry_after, "global", "global")
        )
        extra.update(rate_limit_headers(retry_after, "global", "global", 0))
        body = {"message": RATE_LIMITED, "retry_after": retry_after, "global": True}
        raise ApiError(429, 0, RATE_LIMITED, payload=body)

    def check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.fake.token}":
            raise ApiError(401, 0, "401: Unauthorized")

    async def read_body(self, request: web.Request) -> Any:
        if request.method in ("GET", "DELETE") or not request.can_read_body:
            return {}
        ctype = request.content_type
        if ctype == "multipart/form-data":
            return await self.read_multipart(request)
        raw = await request.read()
        if not raw:
            return {}
        if ctype != JSON_TYPE:
            raise ApiError(400, 50109, f"The request body contains invalid JSON (content type {ctype!r}).")
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def read_multipart(self, request: web.Request) -> JSON:
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
                files.append(self.fake.store_attachment(filename, bytes(data), ctype))
        body["_files"] = files
        return body

    async def unknown_route(self, request: web.Request) -> web.Response:
        self.fake.strict.record(
            UNKNOWN_ROUTE, f"the stand-in has no route for {request.method} {request.path}"
        )
        self.fake.requests.append(RequestLog(request.method, request.path, 404, self.fake.clock()))
        return json_response(404, {"message": "404: Not Found", "code": 0})

    async def get_attachment(self, request: web.Request) -> web.Response:
        aid = int(request.match_info["attachment_id"])
        found = self.fake.attachments.get(aid)
        if found is None:
            return web.Response(status=404)
        self.fake.attachment_fetches.append(aid)
        _name, data, ctype = found
        return web.Response(body=data, headers={"Content-Type": ctype})

    def rate_limit(self, request: web.Request, channel: Channel, bucket: str = "messages") -> None:
        """Discord's per-channel buckets, with its headers and its 429 body.

        ``messages``: 5 sends per 5 s (``message_rate``); ``reactions``: adding and removing
        reactions, 1 per 0.25 s (``reaction_rate``). Either can be set to None to switch it off.
        """
        extra: dict[str, str] = request[EXTRA_HEADERS]
        rate = self.fake.message_rate if bucket == "messages" else self.fake.reaction_rate
        if rate is None:
            return
        limit, per = rate
        if bucket == "messages":
            for i, (cid, retry_after, scope) in enumerate(self.fake._injected_429):
                if cid is None or cid == channel.id:
                    del self.fake._injected_429[i]
                    self.answer_429(extra, channel, bucket, limit, retry_after, scope, remaining=1)
        window = self.fake.rate_windows.setdefault((bucket, channel.id), RateWindow(limit, per))
        window.limit, window.per = limit, per
        allowed, reset_after = window.take(self.fake.clock())
        # Rounded up like Discord's, so a client that waits exactly this long is never early.
        reset_after = math.ceil(reset_after * 1000) / 1000
        if not allowed:
            self.answer_429(extra, channel, bucket, limit, reset_after, "user", remaining=0)
        extra.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(limit - window.used),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": f"fakediscord-{bucket}",
            }
        )

    def answer_429(
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
        self.fake.rate_limited.append(RateLimitHit(channel.id, retry_after, scope, bucket))
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


def snowflake_of(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(
            400, 50035, "Invalid Form Body", errors=one_error((), f"Value {text!r} is not snowflake.")
        ) from None


def one_error(path: tuple[str | int, ...], message: str, code: str = limits.CODE_BAD) -> limits.FormErrors:
    errors = limits.FormErrors()
    errors.add(path, code, message)
    return errors


def normalize_embed(embed: JSON) -> JSON:
    """Discord stores embeds with ``type: rich`` and echoes them back that way."""
    return {"type": "rich", **{k: v for k, v in embed.items() if v is not None}}

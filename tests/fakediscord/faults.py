"""Injected HTTP faults: 5xx answers and 429 rate limits on a chosen route, for a while.

Discord fails in ways a bot must survive: a 503 from its edge, a 500 that discord.py retries
by itself, a 502 after the message was in fact posted, a per-route 429 with ``retry_after``, a
global 429 that stops every request of the bot. A test injects one with
:meth:`FakeDiscord.inject_error` or :meth:`FakeDiscord.inject_429`, naming the route as the
stand-in's route table spells it (``"/channels/{channel_id}/messages"``); a misspelt route is
refused at once rather than never firing.

An injected fault is the test's own doing, so answering it is not a strictness violation. A
fault that never fired is one (unless ``required=False``): the test would pass without
exercising what it was written for.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import JSON

#: Reason phrases Discord's edge sends with these statuses.
REASONS = {
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}

RATE_LIMITED = "You are being rate limited."


@dataclass
class Fault:
    """One injected failure: which requests it hits, what they get back, and how often.

    ``times`` None keeps it active until :meth:`clear`. ``hits`` counts the requests it
    answered; ``paths`` lists them.
    """

    method: str | None
    route: str | None
    status: int
    times: int | None = 1
    code: int = 0
    message: str | None = None
    retry_after: float = 0.25
    #: For 429: "user" or "shared" (per-route), or "global".
    scope: str | None = None
    channel_id: int | None = None
    #: Picks requests by their parsed body (a dict; a list for command sync; {} without one).
    when: Callable[[Any], bool] | None = None
    #: The request takes effect (message posted, reaction added) and then the error is answered:
    #: a reply lost on the way back, which a retry turns into a duplicate.
    commit: bool = False
    #: Real seconds to hold the answer (a slow or hanging edge).
    delay: float = 0.0
    required: bool = True
    hits: int = 0
    paths: list[str] = field(default_factory=list)
    cleared: bool = False
    reported: bool = False

    @property
    def active(self) -> bool:
        return not self.cleared and (self.times is None or self.hits < self.times)

    def clear(self) -> None:
        """Stop answering with this fault (for one injected with ``times=None``)."""
        self.cleared = True

    def matches(self, method: str, route: str, match_info: dict[str, str], body: Any) -> bool:
        if not self.active:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.route is not None and self.route != route:
            return False
        if self.channel_id is not None and match_info.get("channel_id") != str(self.channel_id):
            return False
        return self.when is None or bool(self.when(body))

    def describe(self) -> str:
        what = f"{self.status}" + (f" ({self.scope})" if self.scope else "")
        where = f"{self.method or '*'} {self.route or '*'}"
        count = "until cleared" if self.times is None else f"{self.times} time(s)"
        return f"injected {what} on {where}, {count}"

    def body(self) -> JSON:
        if self.status == 429:
            return {
                "message": self.message or RATE_LIMITED,
                "retry_after": self.rounded_retry_after,
                "global": self.scope == "global",
            }
        return {"message": self.message or REASONS.get(self.status, f"{self.status}"), "code": self.code}

    @property
    def rounded_retry_after(self) -> float:
        return round(max(self.retry_after, 0.001), 3)

    def headers(self, bucket: str, limit: int) -> dict[str, str]:
        """Discord's headers for this answer (only 429s carry any)."""
        if self.status != 429:
            return {}
        return rate_limit_headers(self.rounded_retry_after, self.scope or "user", bucket, limit)


def rate_limit_headers(retry_after: float, scope: str, bucket: str, limit: int) -> dict[str, str]:
    """The headers of a 429: a global one has no bucket, a per-route one names its bucket."""
    headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope}
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
        return headers
    headers.update(
        {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Bucket": f"fakediscord-{bucket}",
        }
    )
    return headers


def bucket_of(route: str) -> str:
    """The bucket name the stand-in reports for a route (the two modelled buckets keep theirs)."""
    if route == "/channels/{channel_id}/messages":
        return "messages"
    if "/reactions/" in route:
        return "reactions"
    return route.strip("/").replace("/", "-").replace("{", "").replace("}", "").replace("@", "")

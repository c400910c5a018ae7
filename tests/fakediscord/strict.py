"""Strictness: everything that went wrong during a test, and what the test said to expect.

A stand-in that quietly answers 404 to a route it does not know, or a bot whose errors only
show up in a log nobody reads, lets a broken feature pass. Every such event becomes a
:class:`Violation`; a test that provokes one on purpose declares it first with
:meth:`Strictness.expect`, and an expectation that never happens is itself a failure (so a
test cannot pass by accident when the error it was written for disappears).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Violation kinds.
UNKNOWN_ROUTE = "unknown_route"
HTTP_ERROR = "http_error"
LOG = "log"
TREE_ERROR = "tree_error"
GATEWAY = "gateway"
UNANSWERED = "unanswered"
STANDIN_ERROR = "standin_error"
FAULT = "fault"
SPEC = "spec"
#: An IDENTIFY over the gateway's identify rate limit (max_concurrency per 5 s per bucket).
IDENTIFY_LIMIT = "identify_limit"


@dataclass
class Violation:
    kind: str
    message: str
    #: Structured details matchers look at: status, code, logger, error (the exception), ...
    details: dict[str, Any] = field(default_factory=dict)
    expected_by: Expectation | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


@dataclass
class Expectation:
    """One allowed violation pattern; ``times`` None means "at least once"."""

    kind: str
    description: str
    predicate: Callable[[Violation], bool]
    times: int | None = None
    required: bool = True
    matched: int = 0

    def matches(self, v: Violation) -> bool:
        if v.kind != self.kind or not self.predicate(v):
            return False
        return self.times is None or self.matched < self.times

    def problem(self) -> str | None:
        if self.required and self.matched == 0:
            return f"expected {self.description}, but it never happened"
        if self.times is not None and self.required and self.matched != self.times:
            return f"expected {self.description} {self.times} time(s), saw it {self.matched} time(s)"
        return None


class Strictness:
    """The violation log shared by the stand-in and the bot harness."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self.violations: list[Violation] = []
        self.expectations: list[Expectation] = []
        self._on_change = on_change

    def record(self, kind: str, message: str, **details: Any) -> Violation:
        v = Violation(kind, message, details)
        for e in self.expectations:
            if e.matches(v):
                e.matched += 1
                v.expected_by = e
                break
        self.violations.append(v)
        if self._on_change is not None:
            self._on_change()
        return v

    def unexpected(self) -> list[Violation]:
        return [v for v in self.violations if v.expected_by is None]

    def expect(
        self,
        kind: str,
        *,
        status: int | None = None,
        code: int | None = None,
        match: str | None = None,
        logger: str | None = None,
        error: type[BaseException] | tuple[type[BaseException], ...] | None = None,
        times: int | None = None,
        required: bool = True,
    ) -> Expectation:
        """Allow violations of ``kind`` that match every given criterion.

        ``match`` is a regular expression searched in the violation message; ``error`` is an
        exception type checked against a tree error and the error it wraps.
        """
        pattern = re.compile(match) if match else None

        def predicate(v: Violation) -> bool:
            d = v.details
            if status is not None and d.get("status") != status:
                return False
            if code is not None and d.get("code") != code:
                return False
            if pattern is not None and not pattern.search(v.message):
                return False
            if logger is not None and not str(d.get("logger", "")).startswith(logger):
                return False
            if error is not None:
                exc = d.get("error")
                chain = [exc, getattr(exc, "original", None), getattr(exc, "__cause__", None)]
                if not any(isinstance(x, error) for x in chain if x is not None):
                    return False
            return True

        parts = [kind] + [
            f"{k}={v!r}"
            for k, v in {
                "status": status,
                "code": code,
                "match": match,
                "logger": logger,
                "error": error,
            }.items()
            if v is not None
        ]
        e = Expectation(kind, " ".join(parts), predicate, times=times, required=required)
        self.expectations.append(e)
        # A violation recorded before the expectation was declared is matched retroactively,
        # so a test can declare what it expects after provoking it.
        for v in self.violations:
            if v.expected_by is None and e.matches(v):
                e.matched += 1
                v.expected_by = e
        return e

    def problems(self) -> list[str]:
        out = [str(v) for v in self.unexpected()]
        out += [p for e in self.expectations if (p := e.problem()) is not None]
        return out

    def check(self) -> None:
        """Raise an AssertionError listing every unexpected violation and unmet expectation."""
        problems = self.problems()
        if problems:
            listing = "\n  - ".join(problems)
            raise AssertionError(f"Discord stand-in strictness check failed:\n  - {listing}")

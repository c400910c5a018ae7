"""Request validation against Discord's own OpenAPI description of API v10.

The stand-in's handlers check what the bot relies on; Discord's OpenAPI description
(``discord/discord-api-spec``, MIT) says what every route accepts. When the file is on the
machine, every request body the bot sends (JSON, or a multipart request's ``payload_json``) and
its query string are validated against the route's schema in it, and a mismatch is a strictness
violation (kind ``spec``) that fails the test. The file is never copied into the project; it is
looked up, in order, at:

- ``$FAKEDISCORD_OPENAPI`` (a path; ``off`` switches validation off);
- ``<repo>/../shared/discord-api-spec/openapi.json``;
- ``<repo>/../../shared/discord-api-spec/openapi.json`` (a worktree one level deeper).

When it is absent validation is off, and the pytest header says so in one line.

Two deliberate tolerances: snowflakes sent as JSON integers (discord.py sends some that way and
Discord accepts them), and booleans in query strings written ``1``/``0`` or ``True``/``False``.
Known gaps in the bot go in :data:`ALLOWED`, each naming the file to fix.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .strict import SPEC

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from .strict import Strictness

ENV = "FAKEDISCORD_OPENAPI"
RELATIVE = Path("shared") / "discord-api-spec" / "openapi.json"
SPEC_URI = "urn:discord-openapi"
API_PREFIX = "/api/v10"
SWITCHED_OFF = ("", "0", "off", "no", "false")


@dataclass(frozen=True)
class Allowed:
    """A known mismatch let through: the bot sends it, Discord accepts it, or it is to fix."""

    method: str
    path: str  # the spec's path template, e.g. "/channels/{channel_id}/messages"
    where: str  # a regular expression searched in the error's JSON path ("$.embeds[0].color")
    why: str  # the bot file to fix, or why Discord accepts it anyway


#: Known mismatches. Each says which file in the bot to fix (or why it is not a bug).
ALLOWED: list[Allowed] = []


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def find_spec() -> tuple[Path | None, str]:
    """(path of the description or None, how it was looked up)."""
    override = os.environ.get(ENV)
    if override is not None:
        if override.strip().lower() in SWITCHED_OFF:
            return None, f"${ENV}={override!r}"
        path = Path(override)
        return (path if path.is_file() else None), f"${ENV}={override}"
    root = repo_root()
    candidates = [root.parent / RELATIVE, root.parent.parent / RELATIVE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate, str(candidate)
    return None, " or ".join(str(c) for c in candidates)


def status_line() -> str:
    """One line for the test run's header: is validation on, and against what."""
    path, looked = find_spec()
    if path is not None and not _have_jsonschema():
        return "fakediscord: Discord OpenAPI validation OFF (jsonschema missing: pip install -e '.[dev]')"
    if path is None:
        if os.environ.get(ENV, "x").strip().lower() in SWITCHED_OFF:
            return f"fakediscord: Discord OpenAPI validation OFF (switched off by {looked})"
        return f"fakediscord: Discord OpenAPI validation OFF (no description at {looked})"
    validator = load(str(path))
    return f"fakediscord: Discord OpenAPI validation ON ({path}, API {validator.version})"


def spec_validator() -> SpecValidator | None:
    path, _looked = find_spec()
    return load(str(path)) if path is not None and _have_jsonschema() else None


def _have_jsonschema() -> bool:
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def load(path: str) -> SpecValidator:
    """Parsed once per process: the description is about a megabyte."""
    with open(path, encoding="utf-8") as f:
        return SpecValidator(json.load(f))


def _tolerate_integer_snowflakes(node: Any) -> Any:
    """Every ``format: snowflake`` string may also be a non-negative JSON integer."""
    if isinstance(node, list):
        return [_tolerate_integer_snowflakes(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tolerate_integer_snowflakes(v) for k, v in node.items()}
    if out.get("format") == "snowflake" and out.get("type") == "string":
        return {"anyOf": [out, {"type": "integer", "minimum": 0}]}
    return out


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    pattern: re.Pattern[str]
    literals: int
    body_pointer: str | None
    query: Mapping[str, str]  # name -> JSON pointer of its schema


class SpecValidator:
    """Validates requests against the description; one per process, shared by every stand-in."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.version = str(spec.get("info", {}).get("version", "?"))
        self.spec = _tolerate_integer_snowflakes(spec)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry: Any = Registry().with_resource(SPEC_URI, resource)
        self._validator_cls = Draft202012Validator
        self._validators: dict[str, Validator] = {}
        self._results: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.operations: list[Operation] = []
        #: How many requests were validated per (method, spec path), across the process.
        self.checked: Counter[tuple[str, str]] = Counter()
        for path, item in self.spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                self.operations.append(self._operation(method.upper(), path, op, shared))
        # The most literal template wins: /messages/@original before /messages/{message_id}.
        self.operations.sort(key=lambda o: -o.literals)

    def _operation(self, method: str, path: str, op: dict[str, Any], shared: list[Any]) -> Operation:
        segments = path.strip("/").split("/")
        regex = "".join("/[^/]+" if s.startswith("{") else "/" + re.escape(s) for s in segments)
        base = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()
        body_pointer = None
        content = (op.get("requestBody") or {}).get("content") or {}
        if "application/json" in content:
            body_pointer = base + "/requestBody/content/application~1json/schema"
        query: dict[str, str] = {}
        for where, params in (("", shared), (base, op.get("parameters", []))):
            for i, param in enumerate(params):
                if param.get("in") == "query":
                    owner = where or "/paths/" + path.replace("~", "~0").replace("/", "~1")
                    query[param["name"]] = f"{owner}/parameters/{i}/schema"
        literals = sum(not s.startswith("{") for s in segments)
        return Operation(method, path, re.compile(f"^{regex}$"), literals, body_pointer, query)

    def operation(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method and op.pattern.match(path):
                return op
        return None

    def _validator(self, pointer: str) -> Validator:
        found = self._validators.get(pointer)
        if found is None:
            ref = SPEC_URI + "#" + quote(pointer, safe="/~")
            found = self._validator_cls({"$ref": ref}, registry=self._registry)
            self._validators[pointer] = found
        return found

    def problems(self, method: str, path: str, query: Mapping[str, str], body: Any) -> list[str]:
        """What in this request does not fit the description (empty when it fits)."""
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path} is not in Discord's OpenAPI description"]
        self.checked[(method, op.path)] += 1
        out: list[str] = []
        for name, value in query.items():
            pointer = op.query.get(name)
            if pointer is None:
                out.append(f"query parameter {name!r} is not one {method} {op.path} takes")
                continue
            validator = self._validator(pointer)
            readings = _query_readings(value)
            if not any(validator.is_valid(reading) for reading in readings):
                error = next(iter(validator.iter_errors(readings[-1])))
                out.append(f"query {name}={value!r}: {_explain(error)}")
        payload = {k: v for k, v in body.items() if k != "_files"} if isinstance(body, dict) else body
        has_body = payload not in ({}, None)
        if op.body_pointer is None:
            if has_body:
                out.append(f"{method} {op.path} takes no JSON body, got {_short(payload)}")
            return out
        out += self._body_problems(method, op, payload)
        return out

    def _body_problems(self, method: str, op: Operation, payload: Any) -> list[str]:
        """Cached by content: every test syncs the same commands, and that schema is slow."""
        assert op.body_pointer is not None
        key = (op.body_pointer, json.dumps(payload, sort_keys=True, default=str))
        found = self._results.get(key)
        if found is None:
            errors = sorted(
                self._validator(op.body_pointer).iter_errors(payload), key=lambda e: list(e.absolute_path)
            )
            found = [(_deepest(e).json_path, _explain(_deepest(e))) for e in errors[:3]]
            if len(self._results) >= 512:
                self._results.clear()
            self._results[key] = found
        return [f"body {where}: {why}" for where, why in found if not _allowed(method, op.path, where)]

    def check(
        self, strict: Strictness, method: str, full_path: str, route: str, query: Mapping[str, str], body: Any
    ) -> None:
        path = full_path.removeprefix(API_PREFIX)
        for problem in self.problems(method, path, query, body):
            strict.record(SPEC, f"{method} {path} against Discord's OpenAPI: {problem}", route=route)


def _allowed(method: str, path: str, json_path: str) -> bool:
    return any(a.method == method and a.path == path and re.search(a.where, json_path) for a in ALLOWED)


def _deepest(error: Any) -> Any:
    """For a oneOf/anyOf failure, the error inside the branch the value was meant for.

    A branch whose discriminator does not match (an ``enum``/``const`` failure on a direct
    property such as ``type``) was not meant; of the others, the one with the fewest errors.
    """
    from jsonschema.exceptions import best_match

    if not error.context:
        return error
    depth = len(error.absolute_path)
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)

    def discriminated(errors: list[Any]) -> bool:
        return any(e.validator in ("enum", "const") and len(e.absolute_path) == depth + 1 for e in errors)

    meant = [errs for errs in branches.values() if not discriminated(errs)]
    if meant:
        errors = min(meant, key=len)
        return _deepest(max(errors, key=lambda e: len(e.absolute_path)))
    return _deepest(best_match(error.context))


def _query_readings(text: str) -> list[Any]:
    """A query value is text; the description may type it as an integer or a boolean."""
    readings: list[Any] = [text]
    if re.fullmatch(r"-?\d+", text):
        readings.append(int(text))
    lowered = text.lower()
    if lowered in ("true", "false", "1", "0"):
        readings.append(lowered in ("true", "1"))
    return readings


def _explain(error: Any) -> str:
    if len(error.message) <= 200:
        return str(error.message)
    return f"{_short(error.instance)} fails {error.validator}={_short(error.validator_value)}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."

"""Load the question bank from YAML, report every problem at once, index the items.

``load_bank()`` reads every ``*.yaml`` file of ``data/bank`` (found through the package's
resources, never the working directory), validates each item on its own and either
returns an immutable :class:`Bank` or raises :class:`BankError` listing every problem as
``file:line: message``. ``check_bank()`` does the same work but returns the problems with
the valid part of the bank, for ``quizbot bank check``.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from bot.bank.schema import TOPICS, BankItem, ItemType, item_rule_problems
from bot.shipped import shipped_dir

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BANK_DIR = shipped_dir("bank")  # data/bank in a checkout, inside the package when installed
BANK_VERSION = 1
BANK_SUFFIX = ".yaml"
TOP_LEVEL_KEYS = ("version", "items")

# libyaml is ~10x faster; its nodes carry the same marks as the pure-Python parser's.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file, printed as ``file:line: message``.

    A warning (``level="warning"``) prints as ``file:line: warning: message`` and never fails a
    check or the bot's start."""

    file: str
    line: int
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.level == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class BankError(Exception):
    """The bank cannot be loaded; ``problems`` lists every reason, in file and line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the question bank"
        return "\n".join([head, *(str(p) for p in self.problems)])

    def __str__(self) -> str:
        return self._text()


@dataclass(frozen=True)
class BankSummary:
    """Item counts by bank file, seed (source) file, type, language and topic."""

    total: int
    by_file: Mapping[str, int]
    by_source: Mapping[str, int]
    by_type: Mapping[str, int]
    by_lang: Mapping[str, int]
    by_topic: Mapping[str, int]

    def lines(self) -> list[str]:
        def row(label: str, counts: Mapping[str, int]) -> str:
            body = ", ".join(f"{name} {count}" for name, count in counts.items()) or "-"
            return f"  {label:<8} {body}"

        return [
            f"{self.total} item{'s' if self.total != 1 else ''}",
            row("file", self.by_file),
            row("source", self.by_source),
            row("type", self.by_type),
            row("lang", self.by_lang),
            row("topic", self.by_topic),
        ]


class Bank:
    """An immutable, indexed set of bank items. Indexes are built once, so lookups are cheap."""

    __slots__ = ("_by_id", "_by_lang", "_by_topic", "_by_type", "_items", "_origins")

    _items: tuple[BankItem, ...]
    _origins: Mapping[str, tuple[str, int]]
    _by_id: Mapping[str, BankItem]
    _by_topic: Mapping[str, frozenset[int]]
    _by_lang: Mapping[str, frozenset[int]]
    _by_type: Mapping[ItemType, frozenset[int]]

    def __init__(
        self, items: Iterable[BankItem], origins: Mapping[str, tuple[str, int]] | None = None
    ) -> None:
        """``origins`` maps an item id to the (bank file, line) it was read from."""
        frozen = tuple(items)
        by_id: dict[str, BankItem] = {}
        by_topic: dict[str, set[int]] = {}
        by_lang: dict[str, set[int]] = {}
        by_type: dict[ItemType, set[int]] = {}
        for index, item in enumerate(frozen):
            if item.id in by_id:
                raise ValueError(f"duplicate item id {item.id!r}")
            by_id[item.id] = item
            for topic in item.topics:
                by_topic.setdefault(topic, set()).add(index)
            by_lang.setdefault(item.lang, set()).add(index)
            by_type.setdefault(item.type, set()).add(index)
        setattr_ = object.__setattr__
        setattr_(self, "_items", frozen)
        setattr_(self, "_origins", MappingProxyType(dict(origins or {})))
        setattr_(self, "_by_id", MappingProxyType(by_id))
        setattr_(self, "_by_topic", MappingProxyType({k: frozenset(v) for k, v in by_topic.items()}))
        setattr_(self, "_by_lang", MappingProxyType({k: frozenset(v) for k, v in by_lang.items()}))
        setattr_(self, "_by_type", MappingProxyType({k: frozenset(v) for k, v in by_type.items()}))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Bank is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Bank is immutable")

    def __repr__(self) -> str:
        return f"<Bank {len(self._items)} items>"

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[BankItem]:
        return iter(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    @property
    def items(self) -> tuple[BankItem, ...]:
        return self._items

    def by_id(self, item_id: str) -> BankItem | None:
        """The item with this id, or None (an id stored in the database may have been retired)."""
        return self._by_id.get(item_id)

    def origin(self, item_id: str) -> str | None:
        """``file:line`` the item was read from, for logs and error messages."""
        where = self._origins.get(item_id)
        return f"{where[0]}:{where[1]}" if where else None

    def filter(
        self,
        topic: str | None = None,
        lang: str | None = None,
        types: ItemType | Collection[ItemType] | None = None,
    ) -> list[BankItem]:
        """Items in bank order that match every given criterion; ``topic`` matches any of an item's."""
        selected: frozenset[int] | None = None
        if topic is not None:
            selected = self._by_topic.get(topic, frozenset())
        if lang is not None:
            matching = self._by_lang.get(lang, frozenset())
            selected = matching if selected is None else selected & matching
        if types is not None:
            # A lone ItemType is a str, hence a Collection of characters: accept it as one type.
            wanted: Iterable[Any] = (types,) if isinstance(types, str) else types
            matching = frozenset().union(*(self._by_type.get(ItemType(t), frozenset()) for t in wanted))
            selected = matching if selected is None else selected & matching
        if selected is None:
            return list(self._items)
        return [self._items[i] for i in sorted(selected)]

    def topic_counts(self) -> dict[str, dict[str, int]]:
        """topic -> lang -> number of choice items (for ``/quiz topics``), topics in taxonomy order."""
        counts: dict[str, dict[str, int]] = {}
        for topic in TOPICS:
            per_lang = Counter(
                self._items[i].lang for i in self._by_topic.get(topic, ()) if self._items[i].is_choice
            )
            if per_lang:
                counts[topic] = dict(sorted(per_lang.items()))
        return counts

    def summary(self) -> BankSummary:
        """Counts by bank file, source (seed) file, type, language and topic (once per topic of an item)."""
        files = Counter(self._origins[i.id][0] for i in self._items if i.id in self._origins)
        sources = Counter(i.source.file for i in self._items)
        types = Counter(i.type.value for i in self._items)
        langs = Counter(i.lang for i in self._items)
        topics = {t: len(self._by_topic[t]) for t in TOPICS if t in self._by_topic}
        return BankSummary(
            total=len(self._items),
            by_file=dict(sorted(files.items())),
            by_source=dict(sorted(sources.items())),
            by_type={t.value: types[t.value] for t in ItemType if types[t.value]},
            by_lang=dict(sorted(langs.items())),
            by_topic=topics,
        )


@dataclass(frozen=True)
class LoadResult:
    """The valid part of the bank plus every problem found (empty when the bank is sound)."""

    bank: Bank
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


_NOT_WORDS = re.compile(r"[^\w\s]|_")


def normalise_prompt(text: str) -> str:
    """Prompt text for duplicate detection: case-folded, punctuation dropped, whitespace collapsed."""
    return " ".join(_NOT_WORDS.sub("", text.casefold()).split())


def display_path(path: Path) -> str:
    """How a problem names a file: relative to the project when inside it, else as given."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except (ValueError, OSError):
        return str(path)


def bank_files(paths: Sequence[Path] | None = None) -> tuple[list[Path], list[Problem]]:
    """Expand ``paths`` (files or folders; default: the shipped bank folder) into bank files."""
    problems: list[Problem] = []
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths if paths is not None else [DEFAULT_BANK_DIR]:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == BANK_SUFFIX and p.is_file())
            problems.extend(
                Problem(display_path(p), 1, f"bank files end in {BANK_SUFFIX}; this file is not loaded")
                for p in sorted(path.glob("*.yml"))
            )
            if not found:
                problems.append(
                    Problem(display_path(path), 1, f"no *{BANK_SUFFIX} bank files in this folder")
                )
        elif path.is_file():
            found = [path]
        else:
            problems.append(Problem(display_path(path), 1, "no such file or folder"))
            found = []
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, problems


@dataclass
class _RawItem:
    """An item as read from YAML, before and after validation."""

    file: str
    line: int
    node: yaml.MappingNode
    data: dict[str, Any]
    lines: _Lines
    item: BankItem | None = None

    def field_line(self, name: str) -> int:
        for key, _value in self.node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return self.lines.of(key)
        return self.line

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        return value if isinstance(value, str) else None


def check_bank(paths: Sequence[Path] | None = None) -> LoadResult:
    """Load every bank file and collect every problem; never raises for bad content."""
    files, problems = bank_files(paths)
    raw_items: list[_RawItem] = []
    for path in files:
        file_items, file_problems = _read_file(path, display_path(path))
        raw_items.extend(file_items)
        problems.extend(file_problems)
    problems.extend(_cross_item_problems(raw_items))
    warnings = [w for raw in raw_items for w in _item_warnings(raw)]

    order = {display_path(p): n for n, p in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.line))
    warnings.sort(key=lambda p: (order.get(p.file, -1), p.line))

    items: list[BankItem] = []
    origins: dict[str, tuple[str, int]] = {}
    for raw in raw_items:
        if raw.item is not None and raw.item.id not in origins:
            items.append(raw.item)
            origins[raw.item.id] = (raw.file, raw.line)
    return LoadResult(Bank(items, origins), problems, warnings)


def load_bank(paths: Sequence[Path] | None = None) -> Bank:
    """Load and validate the bank; raise :class:`BankError` listing every problem if any."""
    started = time.perf_counter()
    result = check_bank(paths)
    if result.problems:
        raise BankError(result.problems)
    for warning in result.warnings:
        log.warning("question bank: %s", warning)
    log.info("loaded %d bank items in %.1f ms", len(result.bank), (time.perf_counter() - started) * 1000)
    return result.bank


def decode_text(data: bytes, name: str) -> tuple[str | None, Problem | None]:
    """The UTF-8 text of a file's bytes, or a problem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        return None, Problem(name, line, f"not UTF-8 text: {exc.reason}")


def check_text(text: str, name: str) -> LoadResult:
    """Validate one bank file's text (named ``name`` in problems), like :func:`check_bank` does a file.

    The result's bank holds the valid items; ``bank.origin(id)`` gives each one's ``name:line``."""
    raw_items, problems = _parse_text(text, name)
    problems.extend(_cross_item_problems(raw_items))
    problems.sort(key=lambda p: p.line)
    warnings = sorted((w for raw in raw_items for w in _item_warnings(raw)), key=lambda p: p.line)
    items: list[BankItem] = []
    origins: dict[str, tuple[str, int]] = {}
    for raw in raw_items:
        if raw.item is not None and raw.item.id not in origins:
            items.append(raw.item)
            origins[raw.item.id] = (raw.file, raw.line)
    return LoadResult(Bank(items, origins), problems, warnings)


def _read_file(path: Path, name: str) -> tuple[list[_RawItem], list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [Problem(name, 1, f"cannot read the file: {exc.strerror or exc}")]
    text, problem = decode_text(data, name)
    if text is None:
        assert problem is not None
        return [], [problem]
    return _parse_text(text, name)


def _parse_text(text: str, name: str) -> tuple[list[_RawItem], list[Problem]]:
    problems: list[Problem] = []
    lines = _Lines(text)
    loader = _YamlLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_problem(name, exc, lines)]
    except yaml.YAMLError as exc:
        return [], [Problem(name, 1, f"YAML error: {exc}")]
    finally:
        loader.dispose()

    if root is None:
        return [], [Problem(name, 1, "the file is empty; a bank file holds `version: 1` and `items:`")]
    problems.extend(_duplicate_keys(root, name, lines))
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        return [], [
            *problems,
            Problem(name, lines.of(root), "the top level must be a mapping of version and items"),
        ]

    fields = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            line = lines.of(fields[key][0]) if key in fields else 1
            problems.append(
                Problem(
                    name, line, f"unknown top-level key {key!r}; a bank file holds only version and items"
                )
            )
    version = data.get("version", BANK_VERSION)
    if type(version) is not int or version != BANK_VERSION:
        line = lines.of(fields["version"][1]) if "version" in fields else 1
        problems.append(
            Problem(name, line, f"unsupported version {version!r}; this bot reads version {BANK_VERSION}")
        )
        return [], problems
    if "items" not in data:
        return [], [*problems, Problem(name, 1, "missing `items:`, the list of questions")]
    items_node = fields["items"][1]
    items_data = data["items"]
    if not isinstance(items_node, yaml.SequenceNode) or not isinstance(items_data, list):
        return [], [*problems, Problem(name, lines.of(items_node), "`items` must be a list of questions")]
    if not items_data:
        return [], [*problems, Problem(name, lines.of(items_node), "`items` is empty")]

    raw_items: list[_RawItem] = []
    for item_node, item_data in zip(items_node.value, items_data, strict=True):
        if not isinstance(item_node, yaml.MappingNode) or not isinstance(item_data, dict):
            problems.append(
                Problem(name, lines.of(item_node), "an item must be a mapping of fields (id, type, ...)")
            )
            continue
        raw = _RawItem(name, lines.of(item_node), item_node, item_data, lines)
        try:
            raw.item = BankItem.model_validate(item_data)
        except ValidationError as exc:
            problems.extend(_validation_problems(raw, exc))
        raw_items.append(raw)
    return raw_items, problems


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError, lines: _Lines) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = lines.at(mark) if mark is not None else 1
    message = f"YAML syntax error: {exc.problem or exc}"
    if exc.context:
        started = lines.at(exc.context_mark) if exc.context_mark is not None else line
        where = f" started at line {started}" if started != line else ""
        message += f" ({exc.context}{where})"
    return Problem(name, line, message)


_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class _Lines:
    """Line numbers of a file's YAML nodes as its editor counts them: by newline.

    YAML also ends a line at a lone CR, NEL, line and paragraph separators, so its marks can name
    lines past the file's end; a problem must point where the curator can look.
    """

    def __init__(self, text: str) -> None:
        self._by_yaml_line: list[int] | None = None
        if any(c in text for c in "\r\x85\u2028\u2029"):
            line, starts = 1, [1]
            for found in _YAML_BREAK.finditer(text):
                line += "\n" in found.group()
                starts.append(line)
            self._by_yaml_line = starts

    def at(self, mark: yaml.Mark) -> int:
        if self._by_yaml_line is None:
            return int(mark.line) + 1
        return self._by_yaml_line[min(int(mark.line), len(self._by_yaml_line) - 1)]

    def of(self, node: yaml.Node) -> int:
        return self.at(node.start_mark)


def _duplicate_keys(node: yaml.Node, name: str, lines: _Lines) -> Iterator[Problem]:
    """YAML silently keeps the last of two equal keys; a curator meant something else."""
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:  # aliases can make the graph cyclic
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        yield Problem(
                            name,
                            lines.of(key),
                            f"key {key.value!r} repeats (first at line {first[key.value]}); "
                            "YAML keeps only the last",
                        )
                    else:
                        first[key.value] = lines.of(key)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _validation_problems(raw: _RawItem, exc: ValidationError) -> Iterator[Problem]:
    """Every problem of one item: its field errors, then the rules across fields it breaks.

    pydantic runs the cross-field rules only once every field is valid, so a missing ``source``
    would hide a bad key until the next run; here the rules are checked on the raw values of the
    fields that are valid, and every problem is reported in one pass."""
    label = raw.text("id") or f"item at line {raw.line}"
    errors = exc.errors(include_url=False)
    for error in errors:
        loc = tuple(error["loc"])
        if not loc:
            continue  # a cross-field rule: reported below, all of them rather than the first
        message = str(error.get("ctx", {}).get("error") or error["msg"])
        dotted = ".".join(str(part) for part in loc)
        kind = error["type"]
        if loc == ("explanation",) and kind in ("missing", "string_too_short", "string_type"):
            text = "explanation is empty; every item needs one (what the reveal teaches)"
        elif kind == "missing":
            text = f"missing field {dotted!r}"
        elif kind == "extra_forbidden":
            text = f"unknown field {dotted!r}"
        else:
            text = f"{dotted}: {message}{_scalar_hint(raw, loc, error.get('input'))}"
        yield Problem(
            raw.file, _loc_line(raw.node, loc, kind == "missing", raw.lines) or raw.line, f"{label}: {text}"
        )
    invalid = {str(error["loc"][0]) for error in errors if error["loc"]}
    for name, message in _raw_rule_problems(raw.data, invalid):
        yield Problem(
            raw.file, _loc_line(raw.node, (name,), False, raw.lines) or raw.line, f"{label}: {message}"
        )


def _raw_rule_problems(data: dict[str, Any], invalid: set[str]) -> list[tuple[str, str]]:
    """The cross-field rules on an item's raw values; a field that failed its own check counts as unknown."""

    def valid(name: str, default: Any) -> Any:
        if name in invalid:
            return None
        return data.get(name, default)

    kind = valid("type", None)
    choices = valid("choices", [])
    answer = valid("answer", None)
    return item_rule_problems(
        ItemType(kind) if kind is not None else None,
        valid("lang", None),
        [str(c).strip() for c in choices] if choices is not None else None,
        answer.strip() if isinstance(answer, str) else None,
        valid("why_not", {}),
        valid("also_accepted", []),
        valid("accepted", []),
    )


# What YAML 1.1 (PyYAML) reads as something other than text when left unquoted.
_YAML_NON_STRINGS = {bool: "a boolean", int: "a number", float: "a number"}


def _scalar_hint(raw: _RawItem, loc: tuple[Any, ...], value: Any) -> str:
    """A hint for text YAML read as a boolean or number (``True``, ``no``, ``1``): quote it."""
    what = _YAML_NON_STRINGS.get(type(value))
    if what is None:
        return ""
    node = _node_at(raw.node, loc)
    written = node.value if isinstance(node, yaml.ScalarNode) else str(value)
    return f" (YAML reads the unquoted {written} as {what}; quote it: '{written}')"


def _node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node | None:
    current: yaml.Node | None = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            current = next(
                (v for k, v in current.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None
            )
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            current = current.value[part]
        else:
            return None
    return current


# A choice that points at other choices by letter or position only makes sense in bank order.
_MATH_OR_CODE = re.compile(r"\$[^$]*\$|`[^`]*`")
_REFERS_TO_CHOICES = (
    re.compile(r"^\W*[A-E]\W*$"),
    re.compile(r"(?<![\w$])[A-E](?:\s*(?:,|、|/|&|\band\b|\bor\b|和|与|及|或)\s*[A-E])+(?![\w$])"),
    re.compile(r"(?i:\b(?:option|choice|answer)s?)\s+[A-E]\b"),
    re.compile(r"(?:选项|答案)\s*[A-E]"),
    re.compile(r"\([A-E]\)"),
    re.compile(r"(?i:\b(?:above|below|aforementioned)\b)(?!-)"),
    re.compile(
        r"(?i:\b(?:all|none|both|either|neither)\s+of\s+(?:these|those|them|the\s+(?:others|options|choices)))"
    ),
    re.compile(r"以上|以下都|上述|前述|都对|都不对|都正确|都不正确|均正确|均不正确"),
)


# An explanation or why-not that names a choice by its bank letter names the wrong one once the
# choices are posted in another order. Narrow on purpose: LoRA's matrices A and B are not choices.
_NAMES_A_LETTER = re.compile(
    r"(?:\bkey is|\bkeys|\bagainst|\bprefers|(?i:\b(?:option|choice|answer)s?)|选项|答案是?)\s*([A-E])\b"
    r"|\b([A-E]) (?:is|was) (?:also|arguably|loosely|wrong|right|correct|still|the (?:key|answer))\b"
    r"|\(([A-E])\)"
)


def _item_warnings(raw: _RawItem) -> Iterator[Problem]:
    """Warnings that do not stop the bank: shuffled choices or explanations that rely on bank order."""
    item = raw.item
    if item is None or not item.shuffles:
        return
    texts = [(("explanation",), item.explanation), *((("why_not", k), v) for k, v in item.why_not.items())]
    for loc, text in texts:
        found = _NAMES_A_LETTER.search(_MATH_OR_CODE.sub(" ", text))
        if found:
            yield Problem(
                raw.file,
                _loc_line(raw.node, loc, False, raw.lines) or raw.line,
                f"{item.id}: {'.'.join(loc)} names a choice by letter ({found.group().strip()!r}), but the "
                "choices are shuffled at each posting, so members see other letters; name the choice by "
                "its text, or add `shuffle: false`",
                level="warning",
            )
    for index, choice in enumerate(item.choices):
        text = _MATH_OR_CODE.sub(" ", choice)
        if any(pattern.search(text) for pattern in _REFERS_TO_CHOICES):
            yield Problem(
                raw.file,
                _loc_line(raw.node, ("choices", index), False, raw.lines) or raw.line,
                f"{item.id}: choice {index + 1} ({_clip(choice)}) seems to refer to other choices by "
                "letter or position, but the item's choices are shuffled at each posting; "
                "add `shuffle: false`",
                level="warning",
            )


def _clip(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _loc_line(node: yaml.Node, loc: tuple[Any, ...], missing: bool, lines: _Lines) -> int | None:
    """Line of the field an error points at: its key's line, or its parent's if the field is missing."""
    current = node
    line = lines.of(node)
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            match = next(
                ((k, v) for k, v in current.value if isinstance(k, yaml.ScalarNode) and k.value == part), None
            )
            if match is None:
                return line
            key, current = match
            line = lines.of(key) if last or missing else lines.of(current)
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            current = current.value[part]
            line = lines.of(current)
        else:
            return line
    return line


def _cross_item_problems(raw_items: list[_RawItem]) -> Iterator[Problem]:
    """Duplicate ids and repeated questions, within and across files, naming both places."""
    first_id: dict[str, _RawItem] = {}
    first_question: dict[tuple[str, str], _RawItem] = {}
    for raw in raw_items:
        item_id = raw.text("id")
        if item_id:
            earlier = first_id.setdefault(item_id, raw)
            if earlier is not raw:
                yield Problem(
                    raw.file,
                    raw.field_line("id"),
                    f"duplicate id {item_id!r}; first used at {earlier.file}:{earlier.field_line('id')}",
                )
        kind, prompt = raw.text("type"), raw.text("prompt")
        normalised = normalise_prompt(prompt) if prompt else ""
        if kind and normalised:
            question = first_question.setdefault((kind, normalised), raw)
            if question is not raw:
                label = item_id or f"item at line {raw.line}"
                other = question.text("id") or "an item"
                yield Problem(
                    raw.file,
                    raw.field_line("prompt"),
                    f"{label}: the same question as {other} at "
                    f"{question.file}:{question.field_line('prompt')} (same type and prompt)",
                )

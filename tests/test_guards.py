"""Cheap guards on the project's shape."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

from bot.app import EXTENSIONS

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_and_bank_never_import_discord() -> None:
    offenders = []
    for folder in ("bot/core", "bot/bank"):
        for path in (ROOT / folder).rglob("*.py"):
            if any(m == "discord" or m.startswith("discord.") for m in imported_modules(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"the pure core imports discord: {offenders}"


def test_every_cog_is_in_the_extension_list() -> None:
    modules = {
        f"cogs.{p.stem}"
        for p in (ROOT / "cogs").glob("*.py")
        if p.stem != "__init__" and not p.stem.startswith("_")
    }
    assert modules == set(EXTENSIONS)


def test_sql_only_in_storage() -> None:
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    offenders = []
    for folder in ("bot", "cogs"):
        for path in (ROOT / folder).rglob("*.py"):
            if "storage" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if any(f'"{k}' in text or f'"""\n            {k}' in text for k in keywords):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"SQL outside bot/storage: {offenders}"


# --- import rules: the layers --------------------------------------------------------------------

STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def _top(module: str) -> str:
    return module.split(".")[0]


def _offenders(folder: str, allowed: Callable[[str], bool], root: Path = ROOT) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((root / folder).rglob("*.py")):
        bad = sorted(m for m in imported_modules(path) if not allowed(m))
        if bad:
            found[str(path.relative_to(root))] = bad
    return found


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# Pure computation the core may use: no I/O, no state (typed answers' fuzzy match).
CORE_LIBRARIES = frozenset({"rapidfuzz"})


def test_core_imports_only_core_and_the_standard_library() -> None:
    found = _offenders(
        "bot/core", lambda m: _is_under(m, "bot.core") or _top(m) in STDLIB or _top(m) in CORE_LIBRARIES
    )
    assert found == {}, f"bot/core must stay pure (core and the standard library only): {found}"


def test_storage_never_imports_services_or_cogs() -> None:
    found = _offenders("bot/storage", lambda m: not (_is_under(m, "bot.services") or _is_under(m, "cogs")))
    assert found == {}, f"bot/storage reaches up a layer: {found}"


def test_services_import_neither_discord_nor_aiosqlite() -> None:
    found = _offenders("bot/services", lambda m: _top(m) not in {"discord", "aiosqlite"})
    assert found == {}, f"a service imports discord or aiosqlite (use bot.storage's Connection): {found}"


def test_cogs_never_import_storage() -> None:
    found = _offenders("cogs", lambda m: not _is_under(m, "bot.storage"))
    assert found == {}, f"a cog imports bot.storage (go through a service): {found}"


def test_the_import_rules_see_a_violation(tmp_path: Path) -> None:
    """The rules above read real import statements: a bad one is caught (so they can fail)."""
    (tmp_path / "bot" / "core").mkdir(parents=True)
    (tmp_path / "bot" / "core" / "probe.py").write_text(
        "import json\nimport discord\nfrom bot.storage.database import Database\n", encoding="utf-8"
    )
    found = _offenders("bot/core", lambda m: _is_under(m, "bot.core") or _top(m) in STDLIB, tmp_path)
    assert found == {"bot/core/probe.py": ["bot.storage.database", "discord"]}


# --- one error path ------------------------------------------------------------------------------


def test_every_button_reports_through_the_one_handler() -> None:
    """Every DynamicItem in cogs/ is a GuardedButton and leaves ``callback`` (the guard) alone."""
    import discord

    from cogs._guarded import GuardedButton

    for path in (ROOT / "cogs").glob("*.py"):
        importlib.import_module(f"cogs.{path.stem}")
    items = _subclasses(discord.ui.DynamicItem)
    ours = [c for c in items if c.__module__.startswith("cogs.") and c is not GuardedButton]
    assert len(ours) >= 4  # answer, page, reset and forget buttons at least
    unguarded = [c.__qualname__ for c in ours if not issubclass(c, GuardedButton)]
    overriding = [c.__qualname__ for c in ours if "callback" in vars(c)]
    assert unguarded == [] and overriding == [], (unguarded, overriding)


def test_every_view_and_modal_reports_through_the_one_handler() -> None:
    """Views and modals in cogs/ are the guarded bases (their ``on_error`` is the one handler), and no
    cog builds a bare ``discord.ui.View``/``Modal`` whose errors discord.py would only log."""
    import discord

    from cogs._guarded import GuardedModal, GuardedView

    for path in (ROOT / "cogs").glob("*.py"):
        importlib.import_module(f"cogs.{path.stem}")
    for base, guard in ((discord.ui.View, GuardedView), (discord.ui.Modal, GuardedModal)):
        ours = [c for c in _subclasses(base) if c.__module__.startswith("cogs.") and c is not guard]
        unguarded = [c.__qualname__ for c in ours if not issubclass(c, guard) or "on_error" in vars(c)]
        assert unguarded == [], unguarded
    bare = [
        f"{path.name}: {line.strip()}"
        for path in (ROOT / "cogs").glob("*.py")
        if path.name != "_guarded.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\bui\.(View|Modal|Select|LayoutView)\(", line)
    ]
    assert bare == [], bare


def test_every_interaction_reply_goes_through_the_one_reply_helper() -> None:
    """``cogs/_reply.py`` clips to Discord's limits; a reply sent around it could exceed them."""
    direct = re.compile(r"\.(send_message|edit_message|edit_original_response)\(|followup\.send\(")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "cogs").glob("*.py"))
        if path.name != "_reply.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if direct.search(line)
    ]
    assert offenders == []


def test_no_service_reads_an_error_message_to_tell_errors_apart() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot" / "services").rglob("*.py")
        if "in str(exc)" in p.read_text(encoding="utf-8") or '"UNIQUE"' in p.read_text(encoding="utf-8")
    ]
    assert offenders == [], f"catch a typed error from the repository instead: {offenders}"


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found

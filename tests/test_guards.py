"""Cheap guards on the project's shape."""

from __future__ import annotations

import ast
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

"""The package is whole: a built wheel, installed anywhere, migrates a database and checks its bank.

The wheel is built and installed without a network: pip builds it with this venv's setuptools
(``--no-build-isolation``) and installs it with ``--no-deps`` into a fresh venv that sees this venv's
dependencies through a ``.pth`` line. A ``.pth`` line only appends a folder to ``sys.path`` (it does not
run that folder's own ``.pth`` files), so this checkout's editable install does not leak in: the fresh
venv imports ``bot`` from the wheel, which the first test checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from bot.storage.migrations import discover

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[1]
# What a wheel is built from: the project files, without venvs, caches or tests.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bot", "cogs", "data", "migrations")


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    command = " ".join(map(str, args))
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the fresh venv's bin folder, an empty working folder, a clean environment)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = root / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", dist, src)  # fmt: skip
    (wheel,) = dist.glob("quiz_tutor-*.whl")

    target = root / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (purelib / "dependencies_from_the_test_venv.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel)

    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    ours = ("PYTHON", "DATABASE_", "BANK_", "DISCORD_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env["PYTHONNOUSERSITE"] = "1"
    return target / "bin", elsewhere, env


Installed = tuple[Path, Path, dict[str, str]]


def test_the_fresh_venv_imports_the_wheel_not_the_checkout(installed: Installed) -> None:
    bin_dir, cwd, env = installed
    where = run(bin_dir / "python", "-c", "import bot; print(bot.__file__)", cwd=cwd, env=env).strip()
    assert Path(where).is_relative_to(bin_dir.parent), f"bot imported from {where}"


def test_the_installed_wheel_migrates_a_database_and_checks_its_bank(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    bin_dir, cwd, env = installed
    quizbot = bin_dir / "quizbot"
    latest = discover()[-1].version

    migrated = run(quizbot, "db", "migrate", cwd=cwd, env=env)
    assert "up to date" in migrated
    assert (cwd / "var" / "quiz.db").is_file(), "the default database is var/quiz.db under the working folder"

    checked = run(quizbot, "bank", "check", cwd=cwd, env=env)
    assert checked.rstrip().endswith("no problems"), checked

    status = run(quizbot, "db", "status", cwd=cwd, env=env)
    assert f"schema version: {latest} (this code knows up to {latest})" in status, status
    assert latest > 0
    assert str((cwd / "var" / "quiz.db").resolve()) in status, "db status shows the absolute database path"


def test_the_installed_wheel_carries_the_postgresql_migrations(installed: Installed) -> None:
    bin_dir, cwd, env = installed
    code = (
        "from bot.storage.pg_migrations import PG_MIGRATIONS_DIR, discover; print(PG_MIGRATIONS_DIR); "
        "print(' '.join(m.path.name for m in discover(PG_MIGRATIONS_DIR)))"
    )
    folder, names = run(bin_dir / "python", "-c", code, cwd=cwd, env=env).strip().splitlines()
    assert Path(folder).is_relative_to(bin_dir.parent), f"the PostgreSQL migrations were read from {folder}"
    assert names.split() == [m.path.name for m in discover()], "each SQLite migration's twin is in the wheel"


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """The package list is explicit (the data folders are mapped in); a new subpackage must join it."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("bot", "cogs")
        for init in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    mapped = set(config["package-dir"])
    assert listed - on_disk == mapped, "every listed package is a folder of bot/ or cogs/, or mapped data"
    for package, folder in config["package-dir"].items():
        assert (REPO / folder / "__init__.py").is_file(), f"{folder} needs an __init__.py to map {package}"


def test_the_installed_wheel_carries_the_compiled_catalogues(installed: Installed) -> None:
    bin_dir, cwd, env = installed
    code = "from bot.core.i18n import translator; print(translator('zh-CN').gettext('Why not {letter}?'))"
    assert run(bin_dir / "python", "-c", code, cwd=cwd, env=env).strip() == "为什么不是 {letter}？"

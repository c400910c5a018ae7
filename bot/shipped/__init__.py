"""The files shipped inside the package: the question bank, the raw seeds, the SQL migrations.

In the repository they stay where the developers' guide puts them (``data/bank``, ``data/seeds``,
``migrations/``). ``pyproject.toml`` maps each folder to a subpackage of this one
(``[tool.setuptools.package-dir]``), so a built wheel carries them and an editable install reads the
checkout's own files; each folder holds an empty ``__init__.py`` for that mapping. Code finds them
through :func:`shipped_dir`, never through the working directory or the repository layout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

Shipped = Literal["bank", "seeds", "migrations"]


class ShippedDataMissingError(RuntimeError):
    """The package was installed without its data (an old editable install, a zipped install)."""


def shipped_dir(name: Shipped) -> Path:
    """The folder of shipped ``name`` files on disk."""
    try:
        resource = files(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise ShippedDataMissingError(
            f"the shipped {name} files are not installed with the package: in a checkout, run "
            "`pip install -e '.[dev]'` again (the editable install predates them); otherwise reinstall "
            "quiz-tutor"
        ) from None
    if not isinstance(resource, Path):  # e.g. imported from a zip file: the code reads real folders
        raise ShippedDataMissingError(f"the shipped {name} files are not a folder on disk ({resource})")
    return resource

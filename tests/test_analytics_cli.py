"""``quizbot bank stats`` on a real database: the JSON contract, exit 1 on a suspect key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.database import Database
from tests.services.analytics_helpers import analytics_bank
from tests.services.test_analytics import plant


@pytest.fixture
async def planted_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    analytics_bank(tmp_path)
    monkeypatch.setenv("BANK_DIR", str(tmp_path / "bank"))
    monkeypatch.delenv("ANALYTICS_MIN_ANSWERS", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "quiz.db"
    db = await Database.open(path)
    await db.migrate()
    await plant(db, 1)
    await plant(db, 2)
    await db.close()
    return path


async def test_json_follows_the_contract_and_a_suspect_key_exits_1(planted_db: Path, capsys) -> None:
    code = main(["bank", "stats", "--database", str(planted_db), "--min-answers", "18", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [i["id"] for i in out["items"]] == [f"t-q{n:02d}" for n in range(1, 11)]
    first = out["items"][0]
    assert first == {
        "id": "t-q01",
        "answers": 18,
        "p": 0.44,
        "chance": 0.25,
        "discrimination": first["discrimination"],
        "choices": {"A": 0.11, "B": 0.44, "C": 0.33, "D": 0.11},
        "flags": ["suspect_key"],
    }
    assert first["discrimination"] < 0
    assert all(
        set(i) == {"id", "answers", "p", "chance", "discrimination", "choices", "flags"} for i in out["items"]
    )
    assert all(list(i["choices"]) == ["A", "B", "C", "D"] for i in out["items"])


async def test_below_the_threshold_nothing_is_flagged_and_it_exits_0(planted_db: Path, capsys) -> None:
    assert main(["bank", "stats", "--database", str(planted_db), "--format", "json"]) == 0  # default 30
    out = json.loads(capsys.readouterr().out)
    assert all(i["flags"] == [] for i in out["items"])
    assert main(["bank", "stats", "--database", str(planted_db)]) == 0
    table = capsys.readouterr().out
    assert "t-q01" in table and "(too few answers)" in table and "0 suspect key(s)" in table


def test_a_missing_database_is_one_clear_line(tmp_path: Path, capsys) -> None:
    assert main(["bank", "stats", "--database", str(tmp_path / "nope.db")]) == 2
    err = capsys.readouterr().err
    assert "no such database file" in err and "Traceback" not in err

"""GuildBankService on a real SQLite file: all or nothing, ids with the server prefix."""

from __future__ import annotations

from bot.bank.loader import Bank
from bot.core.clock import FakeClock
from bot.services.guild_bank import GuildBankService
from bot.storage.database import Database
from tests.e2e.test_admin_e2e import bank_file, item_yaml


async def test_two_file_ids_that_become_one_are_reported_and_nothing_is_imported(
    db: Database, bank: Bank
) -> None:
    service = GuildBankService(db, bank, FakeClock())
    data = bank_file(item_yaml(1, item_id="club-x"), item_yaml(2, item_id="g-club-x"))
    report = await service.import_file(1, 99, "club.yaml", data)
    assert not report.imported
    assert [p.message for p in report.problems] == ["g-club-x: the file already has g-club-x (ids get `g-`)"]
    assert service.items_of(1) == ()
    assert await db.fetch_all("SELECT 1 FROM guild_items") == []


async def test_a_valid_file_is_imported_for_its_server_only(db: Database, bank: Bank) -> None:
    service = GuildBankService(db, bank, FakeClock())
    report = await service.import_file(1, 99, "club.yaml", bank_file(item_yaml(1), item_yaml(2)))
    assert report.imported and [i.id for i in report.added] == ["g-club-q01", "g-club-q02"]
    assert service.items_of(2) == ()
    reloaded = GuildBankService(db, bank, FakeClock())
    await reloaded.load()
    assert [i.id for i in reloaded.items_of(1)] == ["g-club-q01", "g-club-q02"]

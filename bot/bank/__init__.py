"""The question bank: schema, loader and index, seed importers, export and the ``bank`` CLI group."""

from bot.bank.loader import (
    DEFAULT_BANK_DIR,
    Bank,
    BankError,
    BankSummary,
    LoadResult,
    Problem,
    check_bank,
    load_bank,
)
from bot.bank.schema import TOPICS, BankFile, BankItem, Difficulty, ItemType

__all__ = [
    "DEFAULT_BANK_DIR",
    "TOPICS",
    "Bank",
    "BankError",
    "BankFile",
    "BankItem",
    "BankSummary",
    "Difficulty",
    "ItemType",
    "LoadResult",
    "Problem",
    "check_bank",
    "load_bank",
]

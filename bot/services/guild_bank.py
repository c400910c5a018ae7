"""A server's own questions: import a file all or nothing, list, remove. No discord import.

Imported items belong to one server: the quiz service draws from the shared bank plus
``items_of(guild_id)`` (an in-memory cache, loaded at start and kept in step with every import
and removal). Their ids get the prefix ``g-``, which the shared bank never uses (a test checks),
so they can never shadow a shared question or be shadowed by one added later; two servers may
hold the same id, since every look-up is per server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from bot.bank.export import export_json
from bot.bank.formats import known_prompts
from bot.bank.formats.export import export_apkg, export_gift
from bot.bank.loader import Bank, Problem
from bot.bank.schema import ID_PATTERN, SERVER_TOPICS, BankItem
from bot.bank.upload import parse_upload
from bot.core.clock import Clock, to_ms
from bot.core.errors import ConflictError, NotFoundError, UserFacingError
from bot.core.i18n import N_, Nn_, Text
from bot.services.question_pool import is_typeable
from bot.storage.database import Database
from bot.storage.guild_items import GuildItemRepository
from bot.storage.quizzes import QuizRepository

log = logging.getLogger(__name__)

GUILD_ID_PREFIX = "g-"
MAX_FILE_BYTES = 1024 * 1024
MAX_ITEMS_PER_GUILD = 2000


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    format: str | None
    added: tuple[BankItem, ...] = ()
    problems: tuple[Problem, ...] = ()  # when any, nothing was imported
    without_explanation: int = 0
    total: int = 0  # the server's own items after the import
    notes: tuple[Text, ...] = field(default=())  # rendered in the reader's language
    skipped: tuple[Problem, ...] = ()  # questions left out (`skipped: reason`); the rest imported

    @property
    def imported(self) -> bool:
        return not self.problems


def guild_item_id(file_id: str) -> str:
    return file_id if file_id.startswith(GUILD_ID_PREFIX) else GUILD_ID_PREFIX + file_id


def check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise UserFacingError(
            N_("That file is {size} MB; question files may be up to 1 MB. Split it into parts."),
            size=f"{size / 1024 / 1024:.1f}",
        )


def export_file(items: Sequence[BankItem], fmt: str) -> tuple[str, bytes]:
    if fmt == "anki":
        return "server-questions.apkg", export_apkg(items)
    if fmt == "gift":
        return "server-questions.gift", export_gift(items).encode("utf-8")
    return "server-questions.json", (export_json(items) + "\n").encode("utf-8")


class GuildBankService:
    def __init__(self, db: Database, bank: Bank, clock: Clock) -> None:
        self.db = db
        self.bank = bank
        self.clock = clock
        self.repo = GuildItemRepository(db)
        self._items: dict[int, list[BankItem]] = {}
        self._lock = asyncio.Lock()  # imports and removals: the limit and the cache stay exact

    async def load(self) -> None:
        """Fill the cache from the database; an item this code can no longer read is skipped."""
        items: dict[int, list[BankItem]] = {}
        for row in await self.repo.all():
            try:
                item = BankItem.model_validate(row.payload, context={SERVER_TOPICS: True})
            except ValidationError:
                log.warning(
                    "server %s: stored item %s no longer validates; skipped", row.guild_id, row.item_id
                )
                continue
            items.setdefault(row.guild_id, []).append(item)
        self._items = items
        log.info("loaded %d servers' own questions", sum(len(v) for v in items.values()))

    def items_of(self, guild_id: int) -> Sequence[BankItem]:
        return self._items.get(guild_id, ())

    def get(self, guild_id: int, item_id: str) -> BankItem | None:
        return next((i for i in self.items_of(guild_id) if i.id == item_id), None)

    async def import_file(
        self, guild_id: int, user_id: int, file_name: str, data: bytes, topic: str | None = None
    ) -> ImportReport:
        """Validate everything; import every item in one transaction, or nothing if anything is wrong.

        Questions the bank cannot hold (an essay, a duplicate of a question the shared bank or the
        server already has, ...) are skipped and reported; they do not stop the rest.
        """
        check_file_size(len(data))
        known = {**known_prompts(self.bank), **known_prompts(self.items_of(guild_id))}
        # Parsing a 1 MB file can take a second: off the event loop (parse_upload is pure).
        parsed = await asyncio.to_thread(parse_upload, data, file_name, topic=topic, known=known)
        async with self._lock:
            existing = {i.id for i in self.items_of(guild_id)}
            problems = list(parsed.problems)
            items: list[BankItem] = []
            in_file: set[str] = set()
            for line, item in parsed.items:
                new_id = guild_item_id(item.id)
                if not ID_PATTERN.match(new_id):
                    problems.append(
                        Problem(file_name, line, f"{item.id}: id too long once prefixed with `g-` (max 62)")
                    )
                    continue
                if new_id in self.bank:
                    problems.append(
                        Problem(file_name, line, f"{item.id}: the shared bank already has id {new_id}")
                    )
                    continue
                if new_id in in_file:
                    problems.append(
                        Problem(file_name, line, f"{item.id}: the file already has {new_id} (ids get `g-`)")
                    )
                    continue
                in_file.add(new_id)
                if new_id in existing:
                    problems.append(
                        Problem(
                            file_name,
                            line,
                            f"{item.id}: this server already has {new_id}; remove it first or change the id",
                        )
                    )
                    continue
                items.append(item.model_copy(update={"id": new_id}))
            total = len(existing) + len(parsed.items)
            if total > MAX_ITEMS_PER_GUILD:
                problems.insert(
                    0,
                    Problem(
                        file_name,
                        1,
                        f"this would give the server {total} questions of its own; the limit is "
                        f"{MAX_ITEMS_PER_GUILD} (it has {len(existing)})",
                    ),
                )
            if problems:
                problems.sort(key=lambda p: p.line)
                return ImportReport(
                    file_name,
                    parsed.format,
                    problems=tuple(problems),
                    total=len(existing),
                    skipped=tuple(parsed.skipped),
                )
            async with self.db.transaction() as conn:
                await GuildItemRepository.insert_many(
                    conn,
                    guild_id,
                    [(i.id, i.model_dump(mode="json")) for i in items],
                    user_id,
                    to_ms(self.clock.now()),
                )
            self._items[guild_id] = [*self.items_of(guild_id), *items]
        log.info("server %s imported %d questions from %s", guild_id, len(items), file_name)
        notes = []
        typed = sum(1 for i in items if is_typeable(i))
        long_answers = sum(1 for i in items if not i.is_choice and not is_typeable(i))
        if typed:
            notes.append(
                Text(
                    Nn_(
                        "{count} short-answer question can be played typed: `/quiz start mode:typed`.",
                        "{count} short-answer questions can be played typed: `/quiz start mode:typed`.",
                    ),
                    {"count": typed},
                )
            )
        if long_answers:
            notes.append(
                Text(
                    Nn_(
                        "{count} question with a long answer is kept; quizzes do not ask it.",
                        "{count} questions with long answers are kept; quizzes do not ask them.",
                    ),
                    {"count": long_answers},
                )
            )
        return ImportReport(
            file_name,
            parsed.format,
            added=tuple(items),
            without_explanation=parsed.without_explanation,
            total=len(self.items_of(guild_id)),
            notes=tuple(notes),
            skipped=tuple(parsed.skipped),
        )

    async def export(self, guild_id: int, fmt: str) -> tuple[str, bytes]:
        """The server's own questions as a file: (file name, bytes) in json, gift or anki."""
        items = list(self.items_of(guild_id))
        if not items:
            raise NotFoundError(N_("This server has no questions of its own yet. `/bank import` adds some."))
        # An .apkg of 2,000 questions takes a few hundred ms to build: off the event loop.
        return await asyncio.to_thread(export_file, items, fmt)

    async def remove(self, guild_id: int, item_id: str) -> BankItem:
        wanted = item_id.strip()
        async with self._lock:
            item = self.get(guild_id, wanted) or self.get(guild_id, guild_item_id(wanted))
            if item is None:
                raise NotFoundError(
                    N_(
                        "This server has no question `{item_id}` of its own. "
                        "`/bank list` shows its questions."
                    ),
                    item_id=wanted,
                )
            async with self.db.transaction() as conn:
                if await QuizRepository.item_is_open(conn, guild_id, item.id):
                    raise ConflictError(
                        N_(
                            "`{item_id}` is on a question still open here (a quiz or the question of the "
                            "day); remove it after its answer is revealed."
                        ),
                        item_id=item.id,
                    )
                await GuildItemRepository.delete(conn, guild_id, item.id)
            self._items[guild_id] = [i for i in self.items_of(guild_id) if i.id != item.id]
        log.info("server %s removed its question %s", guild_id, item.id)
        return item

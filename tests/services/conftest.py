from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.bank.loader import Bank, load_bank
from bot.core.clock import FakeClock
from bot.core.i18n import Text
from bot.services.answer_writer import AnswerWriter
from bot.services.guild_bank import GuildBankService
from bot.services.posting import SendFailure
from bot.services.question_pool import QuestionPool
from bot.services.quiz import QuestionCard, QuizService, ResultsCard, RevealCard
from bot.services.rounds import RoundService
from bot.storage.database import Database
from bot.tasks import TaskRunner
from bot.wiring import build_services


@dataclass
class RecordingPresenter:
    """Stands in for the Discord cog: records what would be shown."""

    questions: list[QuestionCard] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    reveals: list[RevealCard] = field(default_factory=list)
    results: list[ResultsCard] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    reactions: dict[int, dict[int, tuple[str, list[int]]]] = field(default_factory=dict)
    next_id: int = 1000

    async def post_question(self, card: QuestionCard) -> int:
        self.next_id += 1
        self.questions.append(card)
        self.message_ids.append(self.next_id)
        return self.next_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        return None

    async def reveal(self, card: RevealCard) -> None:
        self.reveals.append(card)

    async def post_results(self, card: ResultsCard) -> None:
        self.results.append(card)

    async def read_reactions(self, channel_id: int, message_id: int, n_choices: int):
        return self.reactions.get(message_id, {})

    async def post_notice(self, guild_id: int, channel_id: int, text: Text) -> None:
        self.notices.append(str(text))

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        return None  # every error here stands for a bug: never retried


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database of a test, on each backend in turn (see ``database_url``)."""
    database = await Database.open(database_url)
    await database.migrate()
    yield database
    await database.close()


@dataclass
class Harness:
    service: QuizService
    presenter: RecordingPresenter
    clock: FakeClock
    writer: AnswerWriter
    tasks: TaskRunner
    pool: QuestionPool
    rounds: RoundService
    guild_bank: GuildBankService

    async def close(self) -> None:
        await self.service.shutdown()
        await self.writer.stop()
        await self.tasks.drain(grace=1)


def make_harness(db: Database, bank: Bank, clock: FakeClock | None = None, seed: int = 7) -> Harness:
    clock = clock or FakeClock()
    services = build_services(db, bank, clock, seed=seed, pause_between_rounds=timedelta(0))
    services.answer_writer.start()
    presenter = RecordingPresenter()
    services.quizzes.presenter = presenter
    services.rounds.presenter = presenter
    return Harness(
        services.quizzes,
        presenter,
        clock,
        services.answer_writer,
        services.tasks,
        services.question_pool,
        services.rounds,
        services.guild_bank,
    )


@pytest.fixture
async def harness(db: Database, bank: Bank) -> AsyncIterator[Harness]:
    h = make_harness(db, bank)
    yield h
    await h.close()

"""A small bank and answers written through the real answer repository, for the analytics tests."""

from __future__ import annotations

from pathlib import Path

from bot.bank.loader import Bank, load_bank
from bot.core.vocabulary import AnswerMode, QuizKind, RoundStatus
from bot.storage.answers import AnswerRepository, NewAnswer
from bot.storage.database import Database
from bot.storage.quizzes import QuizRepository

KEYS = {1: "B"} | {n: "A" for n in range(2, 11)}


def item_id(n: int) -> str:
    return f"t-q{n:02d}"


def analytics_bank(tmp_path: Path) -> Bank:
    """Ten four-choice items: t-q01 keyed B, the others keyed A."""
    folder = tmp_path / "bank"
    folder.mkdir(exist_ok=True)
    items = "".join(
        f"""\
  - id: {item_id(n)}
    type: single_choice
    lang: en
    topics: [lora]
    prompt: Test question {n}?
    choices: [Alpha {n}, Beta {n}, Gamma {n}, Delta {n}]
    answer: {KEYS[n]}
    explanation: Because ({n}).
    source: {{file: t.txt, locator: q{n}}}
"""
        for n in range(1, 11)
    )
    (folder / "t.yaml").write_text("version: 1\nitems:\n" + items, encoding="utf-8")
    return load_bank([folder])


async def post_round(db: Database, guild_id: int, item: str, *, opens_at: int = 0, seconds: int = 20) -> int:
    async with db.transaction() as conn:
        row = await QuizRepository.create_round(
            conn,
            guild_id=guild_id,
            channel_id=guild_id * 10,
            session_id=None,
            kind=QuizKind.QUIZ,
            position=1,
            item_id=item,
            mode=AnswerMode.REACTIONS,
            opens_at=opens_at,
            closes_at=opens_at + seconds * 1000,
        )
    return row.id


async def reveal_round(db: Database, round_id: int, at: int = 0) -> None:
    async with db.transaction() as conn:
        await QuizRepository.close_round(conn, round_id, RoundStatus.REVEALED, at)


async def answer(
    db: Database,
    round_id: int,
    guild_id: int,
    answers: dict[int, tuple[int, bool]],
    *,
    item: str,
    at: int = 0,
    latency_ms: int = 1000,
    shift: int = 0,
) -> None:
    """Save {user: (bank choice, correct)} for a round through AnswerRepository.save_batch.

    ``shift``: the choices were posted rotated by this much (posted index = bank index + shift).
    """
    batch = [
        NewAnswer(
            round_id=round_id,
            guild_id=guild_id,
            user_id=user,
            display_name=f"member{user}",
            item_id=item,
            topic="lora",
            choice=(choice + shift) % 4,
            bank_choice=choice,
            correct=correct,
            points=1000 if correct else 0,
            latency_ms=latency_ms,
            answered_at=at + latency_ms,
            week_key="2026-W01",
            month_key="2026-01",
        )
        for user, (choice, correct) in answers.items()
    ]
    await db.write(AnswerRepository.save_batch, batch)

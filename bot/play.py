"""``quizbot play``: the quiz in a terminal, offline, for one person.

The same quiz service, rules, scoring and database as on Discord; only the presenter differs.
Scores are kept under server id 0, so a curator's practice never mixes with a real server's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap
from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from bot.bank.loader import load_bank
from bot.core.clock import SystemClock
from bot.core.errors import UserFacingError
from bot.core.letters import LETTERS
from bot.core.quiz import DEFAULT_QUESTIONS, MAX_QUESTIONS, MAX_SECONDS, MIN_SECONDS
from bot.core.vocabulary import AnswerMode
from bot.services.quiz import AnswerStatus, QuestionCard, QuizOptions, QuizService, ResultsCard, RevealCard
from bot.settings import load_settings
from bot.storage.database import Database
from bot.storage.migrations import migrate
from bot.wiring import build_services

LOCAL_GUILD = 0
LOCAL_CHANNEL = 0
LOCAL_PLAYER = 1
WIDTH = 88


class TerminalPresenter:
    """Prints questions and reveals; reads the player's letter from a line of input."""

    def __init__(self, service: QuizService, lines: asyncio.Queue[str | None], out: TextIO) -> None:
        self.service = service
        self.lines = lines
        self.out = out
        self._reader: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    async def post_question(self, card: QuestionCard) -> int:
        item = card.item
        self.say()
        self.say(f"── Question {card.position}/{card.total} · {item.main_topic} · {item.difficulty.value} ──")
        self.say(item.prompt)
        self.say()
        for index, choice in enumerate(item.choices):
            first, *rest = choice.splitlines() or [""]
            self.say(f"  {LETTERS[index]}. {first}")
            for line in rest:
                self.say(f"     {line}")
        seconds = int((card.closes_at - self.service.clock.now()).total_seconds())
        self.say(f"\nYour answer ({'/'.join(LETTERS[: len(item.choices)])}), {seconds} s: ")
        return card.round_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        self._reader = asyncio.create_task(self._read_answer(card, message_id))

    async def _read_answer(self, card: QuestionCard, message_id: int) -> None:
        n = len(card.item.choices)
        while True:
            line = await self.lines.get()
            if line is None:
                self.service.close_round_now(LOCAL_CHANNEL)
                return
            text = line.strip().upper()
            if text in ("Q", "QUIT", "EXIT"):
                await self.service.stop(
                    channel_id=LOCAL_CHANNEL, user_id=LOCAL_PLAYER, can_manage_messages=True
                )
                return
            if len(text) != 1 or text not in LETTERS[:n]:
                self.say(f"Type one of {', '.join(LETTERS[:n])} (or q to stop).")
                continue
            result = self.service.rounds.answer(
                message_id=message_id, user_id=LOCAL_PLAYER, display_name="you", choice=LETTERS.index(text)
            )
            if result.status is AnswerStatus.ACCEPTED and result.saved is not None:
                await result.saved
                self.service.close_round_now(LOCAL_CHANNEL)
                return
            self.say("That question is closed.")
            return

    async def reveal(self, card: RevealCard) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
        item = card.item
        letter = LETTERS[item.answer_index]
        verdict = "✔ right" if card.correct_names else ("✘ not quite" if card.answered else "⏱ time's up")
        self.say(f"\n{verdict}: the answer is {letter}. {item.choices[item.answer_index]}")
        self.say(textwrap.fill(item.explanation, WIDTH))
        for wrong, why in sorted(item.why_not.items()):
            self.say(textwrap.fill(f"Why not {wrong}? {why}", WIDTH, subsequent_indent="  "))

    async def post_results(self, card: ResultsCard) -> None:
        row = card.rows[0] if card.rows else None
        self.say()
        if row is None:
            self.say(f"Done: no answers in {card.questions_asked} question(s).")
        else:
            self.say(f"Done: {row.correct}/{card.questions_asked} right, {row.points} points.")
        self.finished.set()

    async def read_reactions(
        self, channel_id: int, message_id: int, n_choices: int
    ) -> dict[int, tuple[str, list[int]]]:
        return {}


async def play(
    options: QuizOptions,
    database_path: str,
    *,
    read_line: Callable[[], str] = sys.stdin.readline,
    out: TextIO = sys.stdout,
) -> int:
    bank = load_bank()
    db = await Database.open(database_path)  # type: ignore[arg-type]
    await migrate(db.writer, where=database_path)
    services = build_services(db, bank, SystemClock(), pause_between_rounds=timedelta(0))
    tasks, writer, service = services.tasks, services.answer_writer, services.quizzes
    writer.start()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    presenter = TerminalPresenter(service, lines, out)
    service.presenter = presenter
    service.rounds.presenter = presenter

    async def pump() -> None:
        while True:
            line = await asyncio.to_thread(read_line)
            await lines.put(line if line else None)
            if not line:
                return

    pump_task = asyncio.create_task(pump())
    try:
        await service.start(
            guild_id=LOCAL_GUILD, channel_id=LOCAL_CHANNEL, user_id=LOCAL_PLAYER, options=options
        )
        await service.wait_finished(LOCAL_CHANNEL)
    except UserFacingError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        pump_task.cancel()
        await service.shutdown()
        await writer.stop()
        await tasks.drain(grace=2)
        await db.close()
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    settings = load_settings()
    options = QuizOptions(
        topic=args.topic,
        questions=args.questions,
        seconds=args.seconds,
        lang=args.language,
        mode=AnswerMode.REACTIONS,
    )
    return asyncio.run(play(options, str(settings.resolved_database_path())))


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low} to {high}")
        return value

    return parse


def add_play_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.bank.schema import TOPICS

    parser = sub.add_parser("play", help="play a quiz in this terminal (offline, no Discord token needed)")
    parser.add_argument("--topic", choices=TOPICS, default=None, help="only this topic (default: all)")
    parser.add_argument("--questions", type=_bounded(1, MAX_QUESTIONS), default=DEFAULT_QUESTIONS)
    parser.add_argument(
        "--seconds",
        type=_bounded(MIN_SECONDS, MAX_SECONDS),
        default=60,
        help="time per question (default 60)",
    )
    parser.add_argument("--language", choices=("en", "zh", "any"), default="en")
    parser.set_defaults(handler=cmd_play)

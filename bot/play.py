"""``quizbot play``: the quiz in a terminal, offline, for one person.

The same quiz service, rules, scoring and database as on Discord; only the presenter differs.
Scores are kept under server id 0, so a curator's practice never mixes with a real server's.

It behaves like a terminal program: Ctrl-C ends it at once (the open question is revealed, the
session is marked stopped, exit 130); the end of the quiz returns to the shell at once (stdin is
read by the event loop, not by a thread that would wait for one more Enter); a session left
running by a crash is ended at the next start, with a note. Text is rendered by ``rich``:
Markdown, and wrapping by display width, so Chinese lines fit the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from bot.bank.loader import Bank, load_bank
from bot.bank.upload import parse_upload
from bot.core.clock import SystemClock
from bot.core.errors import UserFacingError
from bot.core.i18n import N_, Nn_, Plural, translator
from bot.core.i18n import Text as UiText
from bot.core.letters import LETTERS
from bot.core.quiz import DEFAULT_QUESTIONS, MAX_QUESTIONS, MAX_SECONDS, MIN_SECONDS
from bot.core.study import DIFFICULTY_NAMES
from bot.core.topics import topic_label
from bot.core.vocabulary import AnswerMode
from bot.services.answer_writer import AnswerWriter
from bot.services.posting import SendFailure
from bot.services.quiz import AnswerStatus, QuestionCard, QuizOptions, QuizService, ResultsCard, RevealCard
from bot.settings import load_settings
from bot.storage.database import Database
from bot.tasks import TaskRunner
from bot.wiring import build_services

LOCAL_GUILD = 0
LOCAL_CHANNEL = 0
LOCAL_PLAYER = 1
INTERRUPTED_EXIT = 130  # 128 + SIGINT, what a shell expects after Ctrl-C
QUIT_WORDS = ("Q", "QUIT", "EXIT")
# In a typed quiz any word may be an answer (even "Q"): stopping takes a slash.
TYPED_QUIT_WORDS = ("/Q", "/QUIT", "/EXIT")

# The terminal's labels as English msgids; the catalogue of ``--language`` translates them
# (English for ``en`` and ``any``). A plural one names the parameter that counts.
LABELS: dict[str, str | Plural] = {
    "intro": Nn_(
        "Quiz Tutor · {n} question · type a letter and Enter to answer · q to stop · Ctrl-C quits at once",
        "Quiz Tutor · {n} questions · type a letter and Enter to answer · q to stop · Ctrl-C quits at once",
        "n",
    ),
    "question": N_("Question {position}/{total}"),
    "prompt": N_("Your answer ({letters}), {seconds} s:"),
    "invalid": N_("Type one of {letters} (or q to stop)."),
    "closed": N_("That question is closed."),
    "right": N_("✔ right"),
    "wrong": N_("✘ not quite"),
    "timeout": N_("⏱ time's up"),
    "answer": N_("{verdict}: the answer is {letter}. {choice}"),
    "picked": N_("You picked {letter}. {choice}"),
    "also": N_("Also accepted: {letters}"),
    "why_not": N_("Why not {letter}?"),
    "next": N_("Enter: next question · q: stop"),
    "done": N_("Done: {correct}/{asked} right, {points} points."),
    "done_none": Nn_(
        "Done: no answer in {asked} question.", "Done: no answers in {asked} questions.", "asked"
    ),
    "stopped": N_("Stopped."),
    "stale": N_(
        "Note: a quiz left running by an earlier `quizbot play` (session {id}) was ended as stopped."
    ),
    "intro_typed": Nn_(
        "Quiz Tutor · {n} question · type the answer and Enter · /q to stop · Ctrl-C quits at once",
        "Quiz Tutor · {n} questions · type the answer and Enter · /q to stop · Ctrl-C quits at once",
        "n",
    ),
    "prompt_typed": N_("Your answer, {seconds} s:"),
    "typed": N_("You typed: {text}"),
    "answer_typed": N_("{verdict}: the answer is {answer}"),
    "accepted": N_("Accepted: {answers}"),
    "next_typed": N_("Enter: next question · /q: stop"),
}


class TerminalPresenter:
    """Prints questions and reveals; reads the player's letter from a line of input."""

    def __init__(
        self, service: QuizService, lines: asyncio.Queue[str | None], out: TextIO, *, language: str = "en"
    ) -> None:
        self.service = service
        self.lines = lines
        self.console = Console(file=out, highlight=False, emoji=False)
        self.tr = translator(language)  # "any" reads English
        self._reader: asyncio.Task[None] | None = None
        self.picked: dict[int, int] = {}  # round id -> choice index
        self.typed: dict[int, str] = {}  # round id -> the typed answer
        self.typed_mode = False  # a typed quiz: answers are typed, /q stops
        self.finished = asyncio.Event()
        self.stopping = asyncio.Event()  # Ctrl-C: no more waiting for the player

    def label(self, key: str, **values: object) -> str:
        return UiText(LABELS[key], values).render(self.tr)

    def say(self, text: str = "", *, style: str | None = None) -> None:
        self.console.print(Text(text, style=style or ""))

    def markdown(self, text: str) -> None:
        self.console.print(Markdown(text))

    def intro(self, questions: int) -> None:
        self.say(self.label("intro_typed" if self.typed_mode else "intro", n=questions), style="bold")

    def _quits(self, line: str) -> bool:
        return line.strip().upper() in (TYPED_QUIT_WORDS if self.typed_mode else QUIT_WORDS)

    def note_stale(self, session_id: int) -> None:
        self.say(self.label("stale", id=session_id), style="yellow")

    async def post_question(self, card: QuestionCard) -> int:
        item = card.item
        self.say()
        topic = topic_label(item.main_topic, self.tr.lang)
        heading = f"{self.label('question', position=card.position, total=card.total)} · {topic}"
        difficulty = self.tr.gettext(DIFFICULTY_NAMES.get(item.difficulty.value, item.difficulty.value))
        self.console.rule(Text(f"{heading} · {difficulty}"), style="dim")
        self.markdown(item.prompt)
        self.say()
        seconds = int((card.closes_at - self.service.clock.now()).total_seconds())
        if not item.is_choice:
            self.say(self.label("prompt_typed", seconds=seconds), style="bold")
            return card.round_id
        choices = Table.grid(padding=(0, 1))
        choices.add_column(no_wrap=True)
        choices.add_column()
        for index, choice in enumerate(card.choices):  # in this posting's order
            choices.add_row(Text(f"  {LETTERS[index]}."), Markdown(choice))
        self.console.print(choices)
        letters = "/".join(LETTERS[: len(item.choices)])
        self.say()
        self.say(self.label("prompt", letters=letters, seconds=seconds), style="bold")
        return card.round_id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        self._reader = asyncio.create_task(self._read_answer(card, message_id))

    async def _read_answer(self, card: QuestionCard, message_id: int) -> None:
        n = len(card.item.choices)
        while True:
            line = await self.lines.get()
            if line is None:
                # End of input (Ctrl-D, a pipe that ran out): no answer can come any more, and the
                # queue gives the end only once, so a later wait for Enter would never return.
                self.stop_quiz()
                return
            text = line.strip().upper()
            if self._quits(line):
                self.stop_quiz()
                return
            if not card.item.is_choice:
                if not line.strip():
                    continue
                if await self._take_typed(card, message_id, line.strip()):
                    return
                continue
            if len(text) != 1 or text not in LETTERS[:n]:
                self.say(self.label("invalid", letters=", ".join(LETTERS[:n])))
                continue
            choice = LETTERS.index(text)
            result = self.service.rounds.answer(
                message_id=message_id, user_id=LOCAL_PLAYER, display_name="you", choice=choice
            )
            if result.status is AnswerStatus.ACCEPTED and result.saved is not None:
                self.picked[card.round_id] = choice
                await result.saved
                self.service.close_round_now(LOCAL_CHANNEL)
                return
            self.say(self.label("closed"))
            return

    async def _take_typed(self, card: QuestionCard, message_id: int, text: str) -> bool:
        """Take a typed answer; whether the question is done with (answered, or closed)."""
        result = self.service.rounds.answer_typed(
            message_id=message_id, user_id=LOCAL_PLAYER, display_name="you", text=text
        )
        if result.status is AnswerStatus.ACCEPTED and result.saved is not None:
            self.typed[card.round_id] = text
            await result.saved
            self.service.close_round_now(LOCAL_CHANNEL)
            return True
        self.say(self.label("closed"))
        return True

    def _verdict(self, card: RevealCard) -> str:
        if card.correct_names:
            return self.label("right")
        return self.label("wrong") if card.answered else self.label("timeout")

    async def _reveal_typed(self, card: RevealCard) -> None:
        item = card.item
        verdict = self._verdict(card)
        self.say()
        typed = self.typed.get(card.round_id)
        if typed is not None:
            self.say(self.label("typed", text=typed))
        style = "bold green" if card.correct_names else "bold red"
        self.say(self.label("answer_typed", verdict=verdict, answer=item.answer), style=style)
        self.say(self.label("accepted", answers=", ".join(item.accepted)))
        self.markdown(item.explanation)

    async def reveal(self, card: RevealCard) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
        if not card.item.is_choice:
            await self._reveal_typed(card)
            if card.position < card.total:
                await self._wait_for_enter()
            return
        item = card.item
        verdict = self._verdict(card)
        self.say()
        picked = self.picked.get(card.round_id)
        if picked is not None:
            self.say(self.label("picked", letter=LETTERS[picked], choice=card.choices[picked]))
        style = "bold green" if card.correct_names else "bold red"
        self.say(
            self.label("answer", verdict=verdict, letter=card.key_letter, choice=card.key_text),
            style=style,
        )
        if card.accepted_letters:
            self.say(self.label("also", letters=", ".join(card.accepted_letters)))
        self.markdown(item.explanation)
        for wrong, why in card.why_not:  # posted letters
            self.markdown(f"**{self.label('why_not', letter=wrong)}** {why}")
        if card.position < card.total:
            await self._wait_for_enter()

    async def _wait_for_enter(self) -> None:
        """Enter goes on to the next question; q stops the quiz; Ctrl-C or end of input stop waiting."""
        if self.stopping.is_set():
            return
        self.say()
        self.say(self.label("next_typed" if self.typed_mode else "next"), style="dim")
        line_task = asyncio.ensure_future(self.lines.get())
        stop_task = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({line_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_task.cancel()
            if not line_task.done():
                line_task.cancel()
        if not line_task.done() or line_task.cancelled():
            return  # Ctrl-C
        line = line_task.result()
        if line is None or self._quits(line):  # end of input, or q
            self.stop_quiz()

    def stop_quiz(self) -> None:
        """End the quiz as stopped: the open question is revealed, then the results, with no wait."""
        self.stopping.set()
        self.service.request_stop(LOCAL_CHANNEL)

    async def post_results(self, card: ResultsCard) -> None:
        row = card.rows[0] if card.rows else None
        self.say()
        if card.stopped:
            self.say(self.label("stopped"))
        if row is None:
            self.say(self.label("done_none", asked=card.questions_asked), style="bold")
        else:
            self.say(
                self.label("done", correct=row.correct, asked=card.questions_asked, points=row.points),
                style="bold",
            )
        self.finished.set()

    async def read_reactions(
        self, channel_id: int, message_id: int, n_choices: int
    ) -> dict[int, tuple[str, list[int]]]:
        return {}

    async def post_notice(self, guild_id: int, channel_id: int, text: UiText) -> None:
        self.say(text.render(self.tr))

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        return None  # printing to a terminal has no transient failures worth retrying


def build_service(db: Database, bank: Bank) -> tuple[QuizService, AnswerWriter, TaskRunner]:
    """The quiz service with what it needs, wired as the bot wires it (no pause between questions
    here: the player presses Enter instead)."""
    services = build_services(db, bank, SystemClock(), pause_between_rounds=timedelta(0))
    services.answer_writer.start()
    return services.quizzes, services.answer_writer, services.tasks


def attach_stdin(lines: asyncio.Queue[str | None]) -> Callable[[], None] | None:
    """Feed stdin's lines to ``lines`` from the event loop (None at end of input).

    Returns the function that detaches it, or None where the loop cannot watch stdin (Windows, a
    regular file): the caller then falls back to a reading thread.
    """
    loop = asyncio.get_running_loop()
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""

    def on_readable() -> None:
        nonlocal pending
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            lines.put_nowait(None)
            return
        pending += decoder.decode(data)
        *complete, pending = pending.split("\n")
        for line in complete:
            lines.put_nowait(line + "\n")

    try:
        loop.add_reader(fd, on_readable)
    except (NotImplementedError, OSError, ValueError):
        return None

    def detach() -> None:
        loop.remove_reader(fd)

    return detach


def file_bank(path: Path) -> Bank | list[str]:
    """The questions of a question file, as a bank to play; or what is wrong with the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [f"cannot read {path}: {exc.strerror or exc}"]
    parsed = parse_upload(data, path.name)
    if parsed.problems:
        return [str(p) for p in parsed.problems]
    return Bank(item for _line, item in parsed.items)


async def play(
    options: QuizOptions,
    database_path: str,
    *,
    read_line: Callable[[], str] | None = None,
    out: TextIO = sys.stdout,
    bank_paths: list[Path] | None = None,
    question_file: Path | None = None,
) -> int:
    """Run one quiz in the terminal. ``read_line`` replaces stdin (tests); returns the exit code.

    ``question_file``: play that file's questions (any format ``/bank import`` reads) instead of
    the bank.
    """
    if question_file is not None:
        found = file_bank(question_file)
        if isinstance(found, list):
            for problem in found:
                print(f"error: {problem}", file=sys.stderr)
            return 1
        bank = found
    else:
        bank = load_bank(bank_paths)
    db = await Database.open(Path(database_path))
    try:
        await db.migrate()
    except BaseException:
        await db.close()  # its connection's thread would keep the process alive after the error
        raise
    service, writer, tasks = build_service(db, bank)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    presenter = TerminalPresenter(service, lines, out, language=options.lang)
    presenter.typed_mode = options.mode == AnswerMode.TYPED
    service.presenter = presenter
    service.rounds.presenter = presenter
    loop = asyncio.get_running_loop()

    interrupted = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows loops; not the main thread
        loop.add_signal_handler(signal.SIGINT, interrupted.set)

    detach = attach_stdin(lines) if read_line is None else None
    pump_task: asyncio.Task[None] | None = None
    if detach is None:
        reader = read_line or sys.stdin.readline

        async def pump() -> None:
            while True:
                line = await asyncio.to_thread(reader)
                await lines.put(line if line else None)
                if not line:
                    return

        pump_task = asyncio.create_task(pump())

    code = 0
    try:
        stale = await service.end_left_running(LOCAL_CHANNEL)
        if stale is not None:
            presenter.note_stale(stale.id)
        session = await service.start(
            guild_id=LOCAL_GUILD, channel_id=LOCAL_CHANNEL, user_id=LOCAL_PLAYER, options=options
        )
        presenter.intro(session.total_questions)  # before the loop's first step: it has not run yet
        finished = asyncio.ensure_future(service.wait_finished(LOCAL_CHANNEL))
        interrupt = asyncio.ensure_future(interrupted.wait())
        await asyncio.wait({finished, interrupt}, return_when=asyncio.FIRST_COMPLETED)
        interrupt.cancel()
        if not finished.done():  # Ctrl-C: reveal the open question, end the session, now
            code = INTERRUPTED_EXIT
            presenter.stop_quiz()
            await asyncio.wait({finished}, timeout=5)
    except UserFacingError as exc:
        print(f"error: {exc.translated(options.lang)}", file=sys.stderr)
        return 1
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        if detach is not None:
            detach()
        if pump_task is not None:
            pump_task.cancel()
        await service.shutdown()
        await service.end_left_running(LOCAL_CHANNEL)  # whatever still runs: never left `running`
        await writer.stop()
        await tasks.drain(grace=2)
        await db.close()
    return code


def cmd_play(args: argparse.Namespace) -> int:
    settings = load_settings()
    options = QuizOptions(
        topic=args.topic,
        questions=args.questions,
        seconds=args.seconds,
        lang=args.language,
        # Letters are typed as a reaction would be given; a typed quiz asks short answers.
        mode=AnswerMode.TYPED if args.mode == "typed" else AnswerMode.REACTIONS,
    )
    bank_paths = [settings.bank_dir] if settings.bank_dir else None
    return asyncio.run(
        play(
            options,
            str(settings.resolved_database_path()),
            bank_paths=bank_paths,
            question_file=args.file,
        )
    )


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
    parser.add_argument(
        "--language", choices=("en", "zh", "any"), default="en", help="questions and labels (default en)"
    )
    parser.add_argument(
        "--mode",
        choices=("choice", "typed"),
        default="choice",
        help="choice: choice questions, answered with a letter (default); typed: short-answer "
        "questions, answered by typing the answer (only those the bank gives accepted answers)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        help="play the questions of this file instead of the bank: any format `quizbot bank import` "
        "reads (GIFT, Aiken, Moodle XML, OpenTDB, Red lists, Anki notes, ...), not saved anywhere",
    )
    parser.set_defaults(handler=cmd_play)

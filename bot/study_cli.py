"""``quizbot study``: a study session in the terminal, offline, on the same service and database.

The deck is the private one (deck 0, player 1), the one ``quizbot play`` answers feed too. Choice
cards take a letter; flashcards show the answer on Enter and take a rating, 1 Again to 4 Easy.
Labels are in the language of ``--language`` (English for ``any``); text wraps by display width
(``rich``), so a Chinese line fits the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from bot.bank.loader import load_bank
from bot.core.clock import SystemClock
from bot.core.errors import UserFacingError
from bot.core.i18n import translator
from bot.core.letters import LETTERS
from bot.core.study import DEFAULT_CARDS, DIFFICULTY_NAMES, MAX_CARDS, MIN_CARDS, PRIVATE_DECK, RATING_NAMES
from bot.core.topics import topic_label
from bot.services.optimizer import MIN_REVIEWS, Optimizer
from bot.services.study import StudyCard, StudyService, StudyStep, StudySummary
from bot.settings import load_settings
from bot.storage.database import Database

LOCAL_PLAYER = 1  # the same player as `quizbot play`
WIDTH = 88


class _Quit(Exception):
    pass


class TerminalStudy:
    def __init__(
        self, service: StudyService, read: Callable[[], str], out: TextIO, *, language: str = "en"
    ) -> None:
        self.service = service
        self._read = read
        self.out = out
        self.tr = translator(language)  # "any" reads English
        self.console = Console(file=out, width=WIDTH, highlight=False, emoji=False, soft_wrap=False)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    async def ask(self, prompt: str) -> str:
        self.say(prompt)
        line = await asyncio.to_thread(self._read)
        if not line:  # end of input
            raise _Quit()
        text = line.strip()
        if text.lower() in ("q", "quit", "exit"):
            raise _Quit()
        return text

    def wrap(self, text: str, indent: str = "") -> None:
        """``text`` wrapped at WIDTH terminal cells (a CJK character takes two), indented."""
        for paragraph in text.splitlines() or [""]:
            self.console.print(Padding(Text(paragraph), (0, 0, 0, len(indent))))
        self.out.flush()

    def when(self, card: StudyCard) -> str:
        if card.next_due is None:
            return "-"
        return card.next_due.astimezone().strftime("%Y-%m-%d %H:%M")

    async def run(self, step: StudyStep) -> None:
        while isinstance(step, StudyCard):
            step = await self.card(step)
        self.summary(step)

    async def card(self, card: StudyCard) -> StudyStep:
        _ = self.tr.gettext
        item = card.item
        new = _(" · new") if card.new else ""
        heading = _("Card {position}/{total} · {topic}").format(
            position=card.position, total=card.total, topic=topic_label(item.main_topic, self.tr.lang)
        )
        difficulty = _(DIFFICULTY_NAMES.get(item.difficulty.value, item.difficulty.value))
        self.say()
        self.say(f"── {heading}{new} · {difficulty} ──")
        self.wrap(item.prompt)
        sid, pos = card.session_id, card.position
        if card.is_choice:
            self.say()
            for index, choice in enumerate(item.choices):
                first, *rest = choice.splitlines() or [""]
                self.say(f"  {LETTERS[index]}. {first}")
                for line in rest:
                    self.say(f"     {line}")
            letters = LETTERS[: len(item.choices)]
            while True:
                prompt = _("Your answer ({letters}, q to stop): ").format(letters="/".join(letters))
                text = (await self.ask(prompt)).upper()
                if len(text) == 1 and text in letters:
                    break
                self.say(_("Type one of {letters}.").format(letters=", ".join(letters)))
            answered = await self.service.answer_choice(sid, LOCAL_PLAYER, pos, LETTERS.index(text))
            assert isinstance(answered, StudyCard)
            key = LETTERS[item.answer_index]
            self.say(
                _("✔ right")
                if answered.right
                else _("✘ not quite: the answer is {letter}").format(letter=key)
            )
            self.wrap(item.explanation)
            why = item.why_not.get(text)
            if not answered.right and why:
                self.wrap(f"{_('Why not {letter}?').format(letter=text)} {why}")
        else:
            await self.ask(_("(Enter shows the answer, q stops)"))
            shown = await self.service.show_answer(sid, LOCAL_PLAYER, pos)
            assert isinstance(shown, StudyCard)
            self.say(_("Model answer:"))
            self.wrap(item.answer, "  ")
            self.wrap(item.explanation)
            options = "  ".join(
                f"{r} {_(RATING_NAMES[r])} · {shown.intervals[r].render(self.tr)}" for r in RATING_NAMES
            )
            while True:
                text = await self.ask(_("How well did you know it? {options}: ").format(options=options))
                if text in ("1", "2", "3", "4"):
                    break
                self.say(_("Type 1, 2, 3 or 4."))
            answered = await self.service.rate(sid, LOCAL_PLAYER, pos, int(text))
            assert isinstance(answered, StudyCard)
        self.say(_("Comes back: {when}").format(when=self.when(answered)))
        return await self.service.next(sid, LOCAL_PLAYER, pos)

    def summary(self, summary: StudySummary) -> None:
        _ = self.tr.gettext
        self.say()
        self.say(
            _("Done: {reviewed} reviewed, {correct} right.").format(
                reviewed=summary.reviewed, correct=summary.correct
            )
        )
        if summary.next_due is not None:
            self.say(
                _("Next due: {when}").format(when=summary.next_due.astimezone().strftime("%Y-%m-%d %H:%M"))
            )


async def study(
    *,
    topic: str | None,
    lang: str,
    cards: int,
    database_path: str,
    read_line: Callable[[], str] = sys.stdin.readline,
    out: TextIO = sys.stdout,
) -> int:
    bank = load_bank()
    db = await Database.open(database_path)
    try:
        await db.migrate()
        service = StudyService(db, bank, SystemClock())
        terminal = TerminalStudy(service, read_line, out, language=lang)
        try:
            step = await service.start(
                guild_id=PRIVATE_DECK, user_id=LOCAL_PLAYER, topic=topic, lang=lang, cards=cards
            )
            await terminal.run(step)
        except _Quit:
            terminal.say(
                terminal.tr.gettext(
                    "Stopped; what you answered is saved. `quizbot study` goes on from your due cards."
                )
            )
        except UserFacingError as exc:
            print(f"error: {exc.translated(lang)}", file=sys.stderr)
            return 1
    finally:
        await db.close()
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(
        study(
            topic=args.topic,
            lang=args.language,
            cards=args.cards,
            database_path=str(settings.resolved_database_path()),
        )
    )


def add_study_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.bank.schema import TOPICS
    from bot.play import _bounded

    parser = sub.add_parser("study", help="study your private deck in this terminal (offline)")
    parser.add_argument("--topic", choices=TOPICS, default=None, help="only this topic (default: all)")
    parser.add_argument("--language", choices=("en", "zh", "any"), default="en")
    parser.add_argument(
        "--cards",
        type=_bounded(MIN_CARDS, MAX_CARDS),
        default=DEFAULT_CARDS,
        help=f"cards in the session ({MIN_CARDS}-{MAX_CARDS}, default {DEFAULT_CARDS})",
    )
    parser.set_defaults(handler=cmd_study)
    more = parser.add_subparsers(dest="study_command", metavar="SUBCOMMAND")
    optimize = more.add_parser(
        "optimize", help="fit each server's FSRS parameters to its review log (from 1,000 reviews)"
    )
    optimize.add_argument(
        "--guild", type=int, default=None, help="only this server id (0: the private decks)"
    )
    optimize.add_argument(
        "--min-reviews",
        type=int,
        default=MIN_REVIEWS,
        help=f"fit a server once its review log holds this many reviews (default {MIN_REVIEWS:,})",
    )
    optimize.set_defaults(handler=cmd_optimize)


async def optimize(
    database_path: str, *, guild_id: int | None, min_reviews: int, out: TextIO = sys.stdout
) -> int:
    db = await Database.open(database_path)
    try:
        await db.migrate()
        results = await Optimizer(db, SystemClock(), min_reviews=min_reviews).optimize(guild_id)
    finally:
        await db.close()
    if not results:
        print("No reviews yet: nothing to fit.", file=out)
    for r in results:
        if r.parameters is None:
            print(
                f"server {r.guild_id}: not fitted ({r.reason}); py-fsrs's default parameters stay.", file=out
            )
        else:
            weights = ", ".join(f"{w:.4f}" for w in r.parameters)
            print(
                f"server {r.guild_id}: fitted on {r.reviews:,} reviews ({r.items:,} items): [{weights}]",
                file=out,
            )
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(
        optimize(str(settings.resolved_database_path()), guild_id=args.guild, min_reviews=args.min_reviews)
    )

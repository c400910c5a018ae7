"""``python -m bot`` starts the bot (the same as ``quizbot run``)."""

from bot.cli import main

raise SystemExit(main(["run"]))

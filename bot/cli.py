"""The ``quizbot`` command: run the bot, manage the database and the question bank.

Each subcommand handler takes the parsed arguments and returns an exit code. Operator
mistakes (a missing setting, a broken bank, a too-new database) are one clear message on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

import discord

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
        force=True,
    )
    # discord.py's gateway chatter at DEBUG drowns everything else.
    if level != "DEBUG":
        logging.getLogger("discord.gateway").setLevel(max(logging.INFO, logging.getLevelName(level)))


def _settings_for(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    setup_logging(settings.log_level)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    settings = _settings_for(args)
    settings.token()  # fail fast, before logging anything else
    try:
        return asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print("error: Discord rejected DISCORD_TOKEN; copy a fresh token from the Bot page", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from bot.app import open_database

    settings = _settings_for(args)

    async def go() -> int:
        db = await open_database(settings)
        await db.close()
        return 0

    code = asyncio.run(go())
    print(f"{settings.resolved_database_path()}: up to date")
    return code


def cmd_db_status(args: argparse.Namespace) -> int:
    from bot.storage.database import connect
    from bot.storage.migrations import status

    settings = _settings_for(args)
    path = settings.database_path.expanduser()

    async def go() -> int:
        if not path.exists():
            print(f"database: {path} (not created yet; `quizbot db migrate` or a start creates it)")
            return 0
        conn = await connect(path)
        try:
            state = await status(conn)
        finally:
            await conn.close()
        print(f"database: {path}")
        print(f"schema version: {state.current} (this code knows up to {state.latest})")
        if state.current > state.latest:
            print("written by a newer Quiz Tutor: this version will refuse to start against it")
            return 1
        if state.pending:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in state.pending)
            print(f"pending: {names}")
        else:
            print("pending: none")
        return 0

    return asyncio.run(go())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="Quiz Tutor: a Discord quiz bot for learning LLM fine-tuning.",
        epilog="Settings come from the environment or a .env file; see the README's configuration table.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (the same as `python -m bot`)")
    run.set_defaults(handler=cmd_run)

    db = sub.add_parser("db", help="the SQLite database")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    db_sub.add_parser("migrate", help="apply pending migrations").set_defaults(handler=cmd_db_migrate)
    db_sub.add_parser("status", help="show the schema version and pending migrations").set_defaults(
        handler=cmd_db_status
    )

    from bot.bank.cli import add_bank_commands

    add_bank_commands(sub)
    for register in _more_commands():
        register(sub)
    return parser


def _more_commands() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Command groups added by later features (kept apart so this file stays small)."""
    from bot.play import add_play_command
    from bot.study_cli import add_study_command

    return [add_play_command, add_study_command]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return run_handler(handler, args)


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    from bot.bank.loader import BankError
    from bot.storage.migrations import MigrationError

    try:
        return handler(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BankError as exc:
        print(f"error: the question bank has problems:\n{exc}", file=sys.stderr)
        return 1
    except MigrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

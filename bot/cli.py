"""The ``quizbot`` command: run the bot, manage the database and the question bank.

Each subcommand handler takes the parsed arguments and returns an exit code. Operator
mistakes (a missing setting, a broken bank, a too-new database) are one clear message on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

import discord

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell shows for a program stopped by a closed pipe


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
    import aiohttp
    import yarl

    from bot.runner import DiscordUnreachableError, describe_network_error, run_bot

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
    except DiscordUnreachableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError) as exc:
        # Discord answered the start-up probe, then failed during login: the same advice.
        where = yarl.URL(settings.discord_api_base)
        print(
            f"error: {describe_network_error(exc, where)} while logging in; check the network, or "
            "Discord's status at https://discordstatus.com, then start again",
            file=sys.stderr,
        )
        return DiscordUnreachableError.exit_code


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from bot.app import open_database

    settings = _settings_for(args)

    async def go() -> int:
        db = await open_database(settings)
        await db.close()
        return 0

    code = asyncio.run(go())
    print(f"{settings.database_label()}: up to date")
    return code


def cmd_db_status(args: argparse.Namespace) -> int:
    from bot.storage.database import connect
    from bot.storage.migrations import status

    settings = _settings_for(args)
    path = settings.database_file()
    if settings.uses_postgres:
        return asyncio.run(_postgres_status(settings))

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


async def _postgres_status(settings: Settings) -> int:
    from bot.storage.database import Database

    db = await Database.open(settings.database_target())
    try:
        current, latest = await db.schema_version()
    finally:
        await db.close()
    print(f"database: {settings.database_label()}")
    print(f"schema version: {current} (this code knows up to {latest})")
    if current > latest:
        print("written by a newer Quiz Tutor: this version will refuse to start against it")
        return 1
    pending = ", ".join(str(v) for v in range(current + 1, latest + 1))
    print(f"pending: {pending or 'none'}")
    return 0


DB_COPY_HELP = """\
Copy a bot's data into a new, empty database: SQLite to PostgreSQL (the move to scale out), or
either way between SQLite and PostgreSQL.

--from is read in one consistent snapshot, read-only (SQLite: one read transaction on a read-only
connection), so a running bot can go on writing meanwhile; answers and other writes made after
the snapshot are NOT copied. Make a trial copy while the bot runs if you like, but stop the bot for
the final copy, then start it with DATABASE_URL set to the --to URL.

--to is migrated to this version's schema, must hold no rows, and is written in one transaction:
a copy that stops part way leaves it migrated and empty. The source must be at this version's
schema too (else run `quizbot db migrate` with DATABASE_URL set to it first). Every table of the
schema is copied in foreign-key order; ids are kept and identity sequences moved past them. A value
the target cannot take (say text in an INTEGER column, which SQLite allows) stops the copy, naming
its table, rowid and column. Then the row counts of every table are compared and printed.

exit codes: 0 copied, counts match; 1 copied, but the counts of the tables named differ;
2 a wrong command line; 3 a database cannot be opened or reached;
5 refused or stopped, nothing copied (source at another schema version, target not empty,
values the target cannot take: each named)."""


def add_db_copy_command(db_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    copy = db_sub.add_parser(
        "copy",
        help="copy the data into a new database (SQLite to PostgreSQL) and compare row counts",
        description=DB_COPY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: quizbot db copy --from sqlite:///var/quiz.db --to postgresql://quiz@db:5432/quiz",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="the database to copy: sqlite:///path (relative; sqlite:////abs/path) or postgresql://...",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="the new, empty database: postgresql://user@host:port/db (or sqlite:///path)",
    )
    copy.set_defaults(handler=cmd_db_copy)


def cmd_db_copy(args: argparse.Namespace) -> int:
    from bot.storage.copy import CopyRefusedError, copy_database

    setup_logging("WARNING")

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        result = asyncio.run(copy_database(args.source, args.target, progress=progress))
    except CopyRefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"copied {result.source} -> {result.target} (schema {result.schema_version})")
    for name in result.skipped:
        print(f"not copied: {name} (not a table of Quiz Tutor's schema)")
    width = max([len("table"), *(len(c.table) for c in result.counts)])
    print(f"{'table':<{width}}  {'source':>10}  {'target':>10}")
    for count in result.counts:
        mark = "" if count.matches else "  DIFFERS"
        print(f"{count.table:<{width}}  {count.source:>10,}  {count.target:>10,}{mark}")
    total_source = sum(c.source for c in result.counts)
    print(f"{'total':<{width}}  {total_source:>10,}  {result.rows:>10,}")
    differing = result.differing
    if differing:
        named = ", ".join(f"{c.table} (source {c.source:,}, target {c.target:,})" for c in differing)
        print(
            f"error: row counts differ in {named}: the target is not a faithful copy; "
            "do not switch the bot to it (drop it, create it again and copy again)",
            file=sys.stderr,
        )
        return 1
    print(f"{len(result.counts)} tables, {result.rows:,} rows in {result.seconds:.1f} s: every count matches")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the database opens and the running bot's heartbeat is fresh (Docker HEALTHCHECK)."""
    from datetime import UTC, datetime

    from bot.heartbeat import FRESH_FOR, last_beat
    from bot.storage.database import Database, connect
    from bot.storage.migrations import current_version

    settings = load_settings()  # no logging set up: the one line below is the whole output
    path = settings.database_file()
    if not settings.uses_postgres and not path.is_file():
        print(f"unhealthy: no database at {path}: is the bot running with this DATABASE_PATH?")
        return 1

    async def version() -> int:
        if settings.uses_postgres:
            db = await Database.open(settings.database_target())
            try:
                return (await db.schema_version())[0]
            finally:
                await db.close()
        conn = await connect(path)
        try:
            return await current_version(conn)
        finally:
            await conn.close()

    schema = asyncio.run(version())  # DatabaseOpenError: exit 3 with its one line
    heartbeat = settings.heartbeat_file()
    beaten = last_beat(heartbeat)
    if beaten is None:
        print(f"unhealthy: no heartbeat in {heartbeat}: the bot is not running (or not connected yet)")
        return 1
    age = (datetime.now(UTC) - beaten).total_seconds()
    if age > FRESH_FOR.total_seconds():
        print(
            f"unhealthy: the last heartbeat in {heartbeat} is {age:.0f} s old (fresh: under "
            f"{FRESH_FOR.total_seconds():.0f} s): the bot is stuck or disconnected; see its log"
        )
        return 1
    print(
        f"healthy: database {settings.database_label()} (schema {schema}), heartbeat {max(age, 0):.0f} s ago"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="Quiz Tutor: a Discord quiz bot for learning LLM fine-tuning.",
        epilog="Settings come from the environment or a .env file; see the README's configuration table.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (the same as `python -m bot`)")
    run.set_defaults(handler=cmd_run)

    db = sub.add_parser("db", help="the database: migrate, status, copy")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    db_sub.add_parser("migrate", help="apply pending migrations").set_defaults(handler=cmd_db_migrate)
    db_sub.add_parser("status", help="show the schema version and pending migrations").set_defaults(
        handler=cmd_db_status
    )

    add_db_copy_command(db_sub)

    sub.add_parser(
        "health", help="exit 0 when the database opens and the running bot's heartbeat is fresh"
    ).set_defaults(handler=cmd_health)

    from bot.bank.cli import add_bank_commands

    add_bank_commands(sub)
    for register in _more_commands():
        register(sub)
    return parser


def _more_commands() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Command groups added by later features (kept apart so this file stays small)."""
    from bot.invite import add_invite_command
    from bot.play import add_play_command
    from bot.study_cli import add_study_command

    return [add_play_command, add_invite_command, add_study_command]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if args.command == "bank" and hasattr(args, "paths"):
        return run_handler(_with_bank_dir(handler), args)
    return run_handler(handler, args)


def _with_bank_dir(handler: Handler) -> Handler:
    """``bank check`` and ``bank export`` without paths read BANK_DIR when it is set, as ``run`` does."""

    def run(args: argparse.Namespace) -> int:
        if not args.paths:
            bank_dir = load_settings().bank_dir
            if bank_dir is not None:
                args.paths = [bank_dir]
        return handler(args)

    return run


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    from bot.bank.loader import BankError
    from bot.storage.database import DatabaseOpenError
    from bot.storage.migrations import MigrationError

    try:
        return handler(args)
    except (SettingsError, DatabaseOpenError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader of our output stopped early (`quizbot bank export | head`): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE_EXIT
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

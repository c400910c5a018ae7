"""``quizbot bank ...``: import seeds, check the bank, export it, write its JSON Schema.

``add_bank_commands`` adds the ``bank`` group to the main ``quizbot`` parser (bot/cli.py);
each command stores its handler as ``handler`` (``args.handler(args)`` returns the exit
code, as bot/cli.py expects). Run ``python -m bot.bank.cli bank ...`` to use the group on
its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.bank.export import bank_json_schema_text, dump_bank_yaml, export_json
from bot.bank.importers import ImportFormat, import_text
from bot.bank.loader import DEFAULT_BANK_DIR, check_bank, decode_text, display_path

log = logging.getLogger(__name__)

DEFAULT_SCHEMA_PATH = DEFAULT_BANK_DIR / "bank.schema.json"
STDOUT = "-"


def add_bank_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add ``bank import|check|export|schema`` to a subparsers object; returns the ``bank`` parser."""
    bank = subparsers.add_parser("bank", help="question bank: import, check, export, schema")
    commands = bank.add_subparsers(dest="bank_command", metavar="COMMAND", required=True)

    imp = commands.add_parser(
        "import",
        help="turn a raw seed file into a bank YAML file",
        description="Parse a raw seed file and write a draft bank file. Every part that cannot be "
        "parsed is reported as file:line: message on stderr.",
    )
    imp.add_argument("file", metavar="FILE", type=Path, help="the raw seed file")
    imp.add_argument(
        "--format",
        choices=[f.value for f in ImportFormat],
        help="the seed's shape (detected when omitted)",
    )
    imp.add_argument(
        "--output",
        metavar="PATH",
        help=f"bank file to write (default: {display_path(DEFAULT_BANK_DIR)}/<stem>.yaml; - for stdout)",
    )
    imp.add_argument("--force", action="store_true", help="overwrite an existing output file")
    imp.set_defaults(handler=cmd_import)

    check = commands.add_parser(
        "check",
        help="validate bank files and print every problem",
        description="Validate bank files, print every problem as file:line: message, then a summary.",
    )
    _add_bank_paths(check)
    check.set_defaults(handler=cmd_check)

    export = commands.add_parser(
        "export",
        help="print every item as one JSON array",
        description="Print every item as one JSON array of {id, type, lang, topics, prompt, choices, "
        "answer, explanation, source}; answer is the choice index, or the model answer for short answers.",
    )
    export.add_argument("--format", choices=["json"], default="json", help="output format (json)")
    _add_bank_paths(export)
    export.set_defaults(handler=cmd_export)

    schema = commands.add_parser(
        "schema",
        help="print (or write) the JSON Schema of a bank file",
        description="Print the JSON Schema of a bank file, for editors; --output writes it to a file "
        f"(the shipped copy is {display_path(DEFAULT_SCHEMA_PATH)}).",
    )
    schema.add_argument(
        "--output",
        metavar="PATH",
        help=f"file to write (default: stdout; the shipped copy: {display_path(DEFAULT_SCHEMA_PATH)})",
    )
    schema.set_defaults(handler=cmd_schema)

    stats = commands.add_parser(
        "stats",
        help="item analysis of the shared bank over every answer in a database",
        description="Difficulty, discrimination, choice shares and flags of every shared-bank item, over "
        "the answers of all servers in the database. Exits 1 when any item is flagged suspect_key.",
    )
    stats.add_argument(
        "--database", metavar="PATH", type=Path, help="the SQLite file (default: DATABASE_PATH)"
    )
    stats.add_argument(
        "--min-answers",
        metavar="N",
        type=int,
        help="answers an item needs before flags are shown (default: ANALYTICS_MIN_ANSWERS, 30)",
    )
    stats.add_argument("--format", choices=["table", "json"], default="table", help="output format (table)")
    stats.set_defaults(handler=cmd_stats)
    return bank


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.analytics_cli import run_stats  # the database and the services, only for this command

    return run_stats(args)


def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.file)
    shown = str(args.file)
    try:
        data = source.read_bytes()
    except OSError as exc:
        print(f"{shown}:1: cannot read the file: {exc.strerror or exc}", file=sys.stderr)
        return 1
    text, problem = decode_text(data, shown)
    if text is None:
        print(problem, file=sys.stderr)
        return 1

    result = import_text(text, source.name, args.format)
    for problem in result.problems:
        print(dataclasses.replace(problem, file=shown), file=sys.stderr)
    if not result.items:
        print(f"{shown}: nothing could be imported", file=sys.stderr)
        return 1

    output = args.output or str(DEFAULT_BANK_DIR / f"{source.stem}.yaml")
    schema_ref = (
        os.path.relpath(DEFAULT_SCHEMA_PATH, Path(output).resolve().parent)
        if output != STDOUT
        else DEFAULT_SCHEMA_PATH.name
    )
    header = (
        f"yaml-language-server: $schema={Path(schema_ref).as_posix()}\n"
        f"Imported from {source.name} ({result.format}) by `quizbot bank import`.\n"
        "Check the keys, topics and difficulty; write every empty explanation."
    )
    document = dump_bank_yaml(result.items, header=header)

    if output == STDOUT:
        sys.stdout.write(document)
    else:
        target = Path(output)
        if target.exists() and not args.force:
            print(f"{target}: already exists; pass --force to overwrite it", file=sys.stderr)
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(document, encoding="utf-8")
        print(f"wrote {len(result.items)} items to {target}")

    where = "stdout" if output == STDOUT else output
    unparsed = (
        f"; {len(result.problems)} part(s) could not be imported (see above)" if result.problems else ""
    )
    print(f"imported {len(result.items)} items from {shown} as {result.format}{unparsed}", file=sys.stderr)
    if result.empty_explanations:
        print(
            f"{result.empty_explanations} of {len(result.items)} explanations are empty: write them in "
            f"{where} before `quizbot bank check` passes",
            file=sys.stderr,
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    result = check_bank(_paths(args))
    # Problems first (they fail the check), then warnings (they never change the exit code).
    for problem in [*result.problems, *result.warnings]:
        print(problem)
    if result.problems or result.warnings:
        print()
    for line in result.bank.summary().lines():
        print(line)
    count = len(result.problems)
    verdict = f"{count} problem{'s' if count != 1 else ''}" if count else "no problems"
    warned = len(result.warnings)
    if warned:
        verdict += f", {warned} warning{'s' if warned != 1 else ''}"
    print(verdict)
    return 1 if result.problems else 0


def cmd_export(args: argparse.Namespace) -> int:
    result = check_bank(_paths(args))
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"not exported: {len(result.problems)} problem(s) in the bank", file=sys.stderr)
        return 1
    print(export_json(result.bank))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    text = bank_json_schema_text()
    if not args.output or args.output == STDOUT:
        # Printing by default: a bare `quizbot bank schema` must not overwrite the tracked file.
        sys.stdout.write(text)
        return 0
    target = Path(args.output)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"{target}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {display_path(target)}")
    return 0


def _paths(args: argparse.Namespace) -> list[Path] | None:
    return list(args.paths) if args.paths else None


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone ``quizbot`` parser with only the bank group, for ``python -m bot.bank.cli``."""
    parser = argparse.ArgumentParser(prog="quizbot")
    add_bank_commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())


def _add_bank_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        metavar="PATH",
        nargs="*",
        type=Path,
        help="bank files or folders (default: the shipped bank)",
    )

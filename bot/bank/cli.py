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
from bot.bank.formats import FORMATS, import_text, known_prompts
from bot.bank.formats.export import DEFAULT_APKG, EXPORT_FORMATS, export_apkg, export_gift
from bot.bank.loader import DEFAULT_BANK_DIR, check_bank, decode_text, display_path
from bot.bank.schema import TOPICS, BankItem

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
    imp.add_argument("file", metavar="FILE", type=Path, help="the question file (a seed or another format)")
    imp.add_argument(
        "--format",
        choices=list(FORMATS),
        help="the file's format (detected from its content when omitted)",
    )
    imp.add_argument("--lang", choices=["en", "zh"], help="every item's language (detected when omitted)")
    imp.add_argument(
        "--topic",
        metavar="T",
        help="every item's topic (default: the question's category, else the file's name)",
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
        help="write every item as JSON, GIFT or an Anki deck",
        description="json: one JSON array of {id, type, lang, topics, prompt, choices, answer, explanation, "
        "source}; answer is the choice index, or the model answer for short answers. gift: Moodle GIFT, a "
        "category per topic. anki: an .apkg with a deck per topic and stable note ids.",
    )
    export.add_argument("--format", choices=list(EXPORT_FORMATS), default="json", help="output format")
    export.add_argument(
        "--output",
        metavar="F",
        help=f"file to write (default: stdout; for anki {DEFAULT_APKG})",
    )
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
        "--database",
        metavar="PATH|URL",
        help="a SQLite file or a postgresql:// URL (default: DATABASE_URL, else DATABASE_PATH)",
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

    known = _known_prompts(source.name)
    result = import_text(text, source.name, args.format, lang=args.lang, topic=args.topic, known=known)
    for problem in result.report:
        print(dataclasses.replace(problem, file=shown), file=sys.stderr)
    if result.format is None:
        return 1  # the one line above says so
    if result.errors:
        print(f"{shown}: nothing imported: {result.why_nothing()}; fix every error above", file=sys.stderr)
        return 1
    if not result.items:
        print(f"{shown}: nothing could be imported: {result.why_nothing()}", file=sys.stderr)
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
    unparsed = f"; {len(result.skips)} part(s) could not be imported (see above)" if result.skips else ""
    print(f"imported {len(result.items)} items from {shown} as {result.format}{unparsed}", file=sys.stderr)
    if result.empty_explanations:
        print(
            f"{result.empty_explanations} of {len(result.items)} explanations are empty: write them in "
            f"{where} before `quizbot bank check` passes",
            file=sys.stderr,
        )
    own = sorted({t for item in result.items for t in item["topics"] if t not in TOPICS})
    if own:
        print(
            f"topics outside the shared taxonomy: {', '.join(own)}. For the shared bank, change them to "
            f"taxonomy topics in {where}; to give one server these questions, upload {source.name} itself "
            "with /bank import (a server may have topics of its own)",
            file=sys.stderr,
        )
    return 0


def _known_prompts(file_name: str) -> dict[str, str]:
    """The shared bank's prompts, for duplicates; a re-import of the same file is no duplicate."""
    bank = check_bank().bank
    return known_prompts(i for i in bank if i.source.file != file_name)


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
    items = list(result.bank)
    return write_export(items, args.format, args.output)


def write_export(items: list[BankItem], fmt: str, output: str | None) -> int:
    if fmt == "anki":
        target = Path(output or DEFAULT_APKG)
        data = export_apkg(items)
    else:
        text = export_json(items) + "\n" if fmt == "json" else export_gift(items)
        if output in (None, STDOUT):
            # In pieces, flushed here: a reader that went away (`| head`) is then met inside the
            # handler as a BrokenPipeError (one huge write can be taken whole by the pipe).
            for start in range(0, len(text), 16_384):
                sys.stdout.write(text[start : start + 16_384])
                sys.stdout.flush()
            return 0
        target, data = Path(output), text.encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        print(f"{target}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(items)} items to {target} ({fmt})", file=sys.stderr)
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

"""The catalogue's maintenance, with Babel (a dev dependency): extract, update, compile; and what
the coverage test compares.

    python -m tests.i18n_tools          # bot/locale/quizbot.pot from the code, zh .po updated, .mo compiled

Strings in code are found the way Babel finds them (``_``, ``N_``, ``ngettext``, ``pgettext``...,
in ``bot/`` and ``cogs/``), with ``bot.core.i18n``'s deferred plurals ``Nn_(singular, plural)``.
Command names, descriptions and choices are not in calls: they are
entries of the ``.po`` with the context ``command name`` (names) or ``command`` (descriptions and
choices), added by hand; the end-to-end test checks every synced command and option has them.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
LOCALE_DIR = REPO / "bot" / "locale"
DOMAIN = "quizbot"
LANGS = ("zh",)
# Babel's keywords, and bot.core.i18n's marker of a plural looked up later (an error's message).
KEYWORDS = {**DEFAULT_KEYWORDS, "Nn_": (1, 2)}
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every translatable string used in ``bot/`` and ``cogs/``, with where it is."""
    catalog = Catalog(domain=DOMAIN, project="Quiz Tutor", charset="utf-8")
    for folder in ("bot", "cogs"):
        found = extract_from_dir(
            REPO / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            catalog.add(
                message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return catalog


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main() -> int:
    template = extract()
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as f:
        write_po(f, template, omit_header=False, sort_output=True)
    for lang in LANGS:
        catalog = read(lang)
        catalog.fuzzy = False  # the header: the catalogue is kept by hand, not a machine draft
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        # update() marks entries the code no longer uses obsolete; command strings are hand-kept.
        for key, message in list(catalog.obsolete.items()):
            if message.context in ("command", "command name"):
                catalog[message.id] = message
                catalog.obsolete.pop(key)
        with po_path(lang).open("wb") as f:
            write_po(f, catalog, sort_output=True, include_previous=False)
        po_path(lang).with_suffix(".mo").write_bytes(compiled(read(lang)))
        print(f"{lang}: {len(catalog)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The catalogue's maintenance, with Babel (a dev dependency): extract, update, compile; and what
the coverage test compares.

    python -m tests.i18n_tools          # bot/locale/quizbot.pot from the code, zh .po updated, .mo compiled

The zh_TW catalogue (Traditional Chinese, for Discord's zh-TW) is not kept by hand: it is the zh one
converted with OpenCC's ``s2twp`` (Taiwan's characters and usual words), by the pure-Python
``opencc-python-reimplemented`` (a dev dependency, offline), each time this runs.

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
# Catalogues made from another by conversion: language -> (its source, the OpenCC configuration).
DERIVED: dict[str, tuple[str, str]] = {"zh_TW": ("zh", "s2twp")}
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


def converted(source: Catalog, lang: str, config: str, source_lang: str) -> Catalog:
    """``source`` with every translation converted by OpenCC's ``config`` (ids, contexts, places kept)."""
    from opencc import OpenCC

    convert = OpenCC(config).convert
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        project="Quiz Tutor",
        charset="utf-8",
        fuzzy=False,
        creation_date=source.creation_date,  # the source's: a run that changes nothing changes no file
        revision_date=source.revision_date,
        header_comment=(
            f"# {lang} messages of Quiz Tutor: generated from the {source_lang} catalogue by OpenCC "
            f"{config} (python -m tests.i18n_tools). Do not edit; edit the {source_lang} one."
        ),
    )
    for message in source:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        done = tuple(convert(s) for s in strings)
        catalog.add(
            message.id,
            done if isinstance(message.string, tuple) else done[0],
            locations=message.locations,
            auto_comments=message.auto_comments,
            flags=message.flags,
            context=message.context,
        )
    return catalog


def write(catalog: Catalog, lang: str) -> None:
    """The .po of ``lang`` and its compiled .mo."""
    po_path(lang).parent.mkdir(parents=True, exist_ok=True)
    with po_path(lang).open("wb") as f:
        write_po(f, catalog, sort_output=True, include_previous=False)
    po_path(lang).with_suffix(".mo").write_bytes(compiled(read(lang)))


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
    for lang, (source, config) in DERIVED.items():
        catalog = converted(read(source), lang, config, source)
        write(catalog, lang)
        print(f"{lang}: {len(catalog)} entries, converted from {source} ({config})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

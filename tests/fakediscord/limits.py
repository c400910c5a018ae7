"""Discord's documented size limits, checked the way Discord checks them.

A bot that builds a 2,001-character message or a select menu with 26 options works on a
developer's small test server and breaks in production; the stand-in rejects it with the same
400 and Invalid Form Body (50035) body Discord sends, with the ``errors`` tree pointing at the
offending field, so discord.py raises the same ``HTTPException`` it would raise against Discord.
"""

from __future__ import annotations

import re
from typing import Any

from .models import JSON

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_COMPONENTS_MAX = 5
SELECT_OPTIONS_MAX = 25
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
MODAL_TITLE_MAX = 45
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
# Discord's locales (the keys a *_localizations map may have).
LOCALES = frozenset(
    {
        *("ar", "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-419", "es-ES", "fi", "fr", "he", "hi"),
        *("hr", "hu", "id", "it", "ja", "ko", "lt", "nl", "no", "pl", "pt-BR", "ro", "ru", "sv-SE", "th"),
        *("tr", "uk", "vi", "zh-CN", "zh-TW"),
    }
)
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMANDS_MAX = 100

CODE_MAX_LENGTH = "BASE_TYPE_MAX_LENGTH"
CODE_MIN_LENGTH = "BASE_TYPE_MIN_LENGTH"
CODE_REQUIRED = "BASE_TYPE_REQUIRED"
CODE_BAD = "BASE_TYPE_BAD_VALUE"


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` object."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: tuple[str | int, ...], limit: int) -> None:
        self.add(path, CODE_MAX_LENGTH, f"Must be {limit} or fewer in length.")

    def check_len(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.max_length(path, limit)

    def __bool__(self) -> bool:
        return bool(self.tree)

    def body(self) -> JSON:
        return {"message": "Invalid Form Body", "code": 50035, "errors": self.tree}

    def describe(self) -> str:
        """One line per error, for assertion messages."""
        lines: list[str] = []

        def walk(node: JSON, prefix: str) -> None:
            for key, value in node.items():
                if key == "_errors":
                    lines.extend(f"{prefix or '(body)'}: {e['message']}" for e in value)
                else:
                    walk(value, f"{prefix}.{key}" if prefix else key)

        walk(self.tree, "")
        return "; ".join(lines)


def embed_length(embed: JSON) -> int:
    """Characters that count toward the 6,000 total, as Discord counts them."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def check_embeds(errors: FormErrors, embeds: list[JSON]) -> None:
    if len(embeds) > EMBEDS_MAX:
        errors.max_length(("embeds",), EMBEDS_MAX)
    for i, e in enumerate(embeds):
        errors.check_len(("embeds", i, "title"), e.get("title"), EMBED_TITLE_MAX)
        errors.check_len(("embeds", i, "description"), e.get("description"), EMBED_DESCRIPTION_MAX)
        errors.check_len(
            ("embeds", i, "footer", "text"), (e.get("footer") or {}).get("text"), EMBED_FOOTER_MAX
        )
        errors.check_len(
            ("embeds", i, "author", "name"), (e.get("author") or {}).get("name"), EMBED_AUTHOR_MAX
        )
        fields = e.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.max_length(("embeds", i, "fields"), EMBED_FIELDS_MAX)
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if not name:
                errors.add(("embeds", i, "fields", j, "name"), CODE_REQUIRED, "This field is required")
            if not value:
                errors.add(("embeds", i, "fields", j, "value"), CODE_REQUIRED, "This field is required")
            errors.check_len(("embeds", i, "fields", j, "name"), name, EMBED_FIELD_NAME_MAX)
            errors.check_len(("embeds", i, "fields", j, "value"), value, EMBED_FIELD_VALUE_MAX)
    if sum(embed_length(e) for e in embeds) > EMBED_TOTAL_MAX:
        errors.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"
        )


def check_components(errors: FormErrors, rows: list[JSON], *, modal: bool = False) -> None:
    """Action rows of buttons and selects (classic components); Components V2 layouts pass unchecked."""
    if len(rows) > ACTION_ROWS_MAX:
        errors.max_length(("components",), ACTION_ROWS_MAX)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.get("type") != 1:
            continue
        children = row.get("components") or []
        if len(children) > ROW_COMPONENTS_MAX:
            errors.max_length(("components", i, "components"), ROW_COMPONENTS_MAX)
        if not children:
            errors.add(("components", i, "components"), CODE_MIN_LENGTH, "Must be 1 or more in length.")
        for j, c in enumerate(children):
            path: tuple[str | int, ...] = ("components", i, "components", j)
            custom_id = c.get("custom_id")
            is_link = c.get("type") == 2 and c.get("style") in (5, 6)
            if custom_id is None and not is_link:
                errors.add((*path, "custom_id"), CODE_REQUIRED, "This field is required")
            if custom_id is not None:
                errors.check_len((*path, "custom_id"), custom_id, CUSTOM_ID_MAX)
                if custom_id in seen:
                    errors.add(
                        (*path, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            if c.get("type") == 2:
                errors.check_len((*path, "label"), c.get("label"), BUTTON_LABEL_MAX)
                if not c.get("label") and not c.get("emoji"):
                    errors.add((*path, "label"), CODE_REQUIRED, "This field is required")
            if c.get("type") in (3, 5, 6, 7, 8):
                errors.check_len((*path, "placeholder"), c.get("placeholder"), SELECT_PLACEHOLDER_MAX)
            if c.get("type") == 3:
                options = c.get("options") or []
                if len(options) > SELECT_OPTIONS_MAX:
                    errors.max_length((*path, "options"), SELECT_OPTIONS_MAX)
                if not options:
                    errors.add((*path, "options"), CODE_MIN_LENGTH, "Must be 1 or more in length.")
                for k, o in enumerate(options):
                    for key in ("label", "value", "description"):
                        errors.check_len((*path, "options", k, key), o.get(key), SELECT_OPTION_TEXT_MAX)
                max_values = c.get("max_values", 1)
                if max_values > max(len(options), 1):
                    errors.add(
                        (*path, "max_values"),
                        "BASE_TYPE_MAX",
                        f"int value should be less than or equal to {len(options)}.",
                    )
            if c.get("type") == 4 and not modal:
                errors.add((*path, "type"), CODE_BAD, "Text inputs are only allowed in modals")


def check_message(errors: FormErrors, body: JSON, *, partial: bool = False) -> None:
    """A message create (or, with ``partial``, edit) body: content, embeds and components."""
    content = body.get("content")
    errors.check_len(("content",), content, CONTENT_MAX)
    embeds = body.get("embeds")
    if embeds is None and body.get("embed") is not None:
        embeds = [body["embed"]]
    if embeds:
        check_embeds(errors, embeds)
    components = body.get("components")
    if components and not (body.get("flags", 0) & (1 << 15)):  # IS_COMPONENTS_V2 layouts are not checked
        check_components(errors, components)


def is_empty_message(body: JSON) -> bool:
    return not (
        body.get("content") or body.get("embeds") or body.get("components") or body.get("sticker_ids")
    ) and not (body.get("attachments") or body.get("poll"))


def check_autocomplete_choices(errors: FormErrors, choices: list[JSON], option_type: int) -> None:
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        errors.max_length(("data", "choices"), AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        path: tuple[str | int, ...] = ("data", "choices", i)
        name = choice.get("name")
        if not name:
            errors.add((*path, "name"), CODE_REQUIRED, "This field is required")
        errors.check_len((*path, "name"), name, CHOICE_NAME_MAX)
        value = choice.get("value")
        if option_type == 3:
            if not isinstance(value, str):
                errors.add((*path, "value"), "BASE_TYPE_STRING", "Must be a string.")
            else:
                errors.check_len((*path, "value"), value, CHOICE_STRING_VALUE_MAX)
        elif option_type == 4 and (not isinstance(value, int) or isinstance(value, bool)):
            errors.add((*path, "value"), "NUMBER_TYPE_COERCE", "Value is not int.")
        elif option_type == 10 and (not isinstance(value, int | float) or isinstance(value, bool)):
            errors.add((*path, "value"), "NUMBER_TYPE_COERCE", "Value is not a number.")


def check_command_definitions(errors: FormErrors, commands: list[JSON]) -> None:
    """The checks Discord runs on a bulk overwrite, the ones a typo in a decorator trips."""
    if len(commands) > COMMANDS_MAX:
        errors.max_length((), COMMANDS_MAX)
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        name = cmd.get("name") or ""
        if (ctype, name) in seen:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add((ctype, name))
        if ctype == 1:
            _check_name(errors, (i, "name"), name)
            _check_description(errors, (i, "description"), cmd.get("description"))
            _check_localizations(errors, (i,), cmd)
            _check_options(errors, (i, "options"), cmd.get("options") or [], depth=0)


def _check_name(errors: FormErrors, path: tuple[str | int, ...], name: str) -> None:
    if not COMMAND_NAME_RE.match(name) or name != name.lower():
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")


def _check_localizations(errors: FormErrors, path: tuple[str | int, ...], item: JSON) -> None:
    """``name_localizations`` (each a valid name, in lower case where the script has case) and
    ``description_localizations`` (1-100), keyed by Discord's locales."""
    checks = (("name_localizations", _check_name), ("description_localizations", _check_description))
    for key, check in checks:
        localized = item.get(key) or {}
        for locale, text in localized.items():
            if locale not in LOCALES:
                errors.add((*path, key, locale), "LOCALE_INVALID", f"Invalid locale: {locale!r}")
            else:
                check(errors, (*path, key, locale), text or "")


def _check_description(errors: FormErrors, path: tuple[str | int, ...], description: str | None) -> None:
    if not description:
        errors.add(path, CODE_MIN_LENGTH, "Must be between 1 and 100 in length.")
    else:
        errors.check_len(path, description, COMMAND_DESCRIPTION_MAX)


def _check_options(
    errors: FormErrors, path: tuple[str | int, ...], options: list[JSON], *, depth: int
) -> None:
    if len(options) > COMMAND_OPTIONS_MAX:
        errors.max_length(path, COMMAND_OPTIONS_MAX)
    names: set[str] = set()
    optional_seen = False
    for j, opt in enumerate(options):
        p = (*path, j)
        _check_name(errors, (*p, "name"), opt.get("name") or "")
        _check_description(errors, (*p, "description"), opt.get("description"))
        _check_localizations(errors, p, opt)
        if opt.get("name") in names:
            errors.add(
                (*p, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        names.add(opt.get("name") or "")
        otype = opt.get("type")
        if otype in (1, 2):
            if depth >= 2 or (otype == 2 and depth >= 1):
                errors.add(
                    (*p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands nested too deep"
                )
            _check_options(errors, (*p, "options"), opt.get("options") or [], depth=depth + 1)
            continue
        if opt.get("required"):
            if optional_seen:
                errors.add(
                    (*p, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = opt.get("choices") or []
        if choices and opt.get("autocomplete"):
            errors.add((*p, "autocomplete"), CODE_BAD, "Autocomplete cannot be set with choices")
        if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
            errors.max_length((*p, "choices"), AUTOCOMPLETE_CHOICES_MAX)
        for k, choice in enumerate(choices):
            for locale, text in (choice.get("name_localizations") or {}).items():
                cpath = (*p, "choices", k, "name_localizations", locale)
                if locale not in LOCALES:
                    errors.add(cpath, "LOCALE_INVALID", f"Invalid locale: {locale!r}")
                else:
                    errors.check_len(cpath, text, CHOICE_NAME_MAX)

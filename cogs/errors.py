"""The one error handler for every interaction, with the mapping as data.

A :class:`~bot.core.errors.UserFacingError` (or one of discord.py's check failures) is shown to
the member ephemerally; anything else is logged with a short code that the member also sees, so
an admin can find it in the logs.

Slash commands reach it through :class:`ErrorReportingTree` (the bot's ``tree_cls``); buttons
and views through the guarded bases in ``cogs/_guarded.py``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.i18n import N_, Text, translator
from cogs._posting import permission_names
from cogs._reply import clip_input, reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


def _missing_perms(
    error: app_commands.MissingPermissions | app_commands.BotMissingPermissions, lang: object = None
) -> str:
    return permission_names(error.missing_permissions).render(lang)


# Known failures and what to tell the member, as English msgids rendered in the member's language.
# Checked in order; the first isinstance wins.
USER_MESSAGES: tuple[tuple[type[Exception], Callable[[Any, object], Text]], ...] = (
    (
        app_commands.MissingPermissions,
        lambda e, lang: Text(
            N_("You need the {permissions} permission to use this command."),
            {"permissions": _missing_perms(e, lang)},
        ),
    ),
    (
        app_commands.BotMissingPermissions,
        lambda e, lang: Text(
            N_("I need the {permissions} permission in this channel; ask an admin to grant it."),
            {"permissions": _missing_perms(e, lang)},
        ),
    ),
    (
        app_commands.NoPrivateMessage,
        lambda e, lang: Text(N_("This command works in a server channel, not in DMs.")),
    ),
    (
        app_commands.CommandOnCooldown,
        lambda e, lang: Text(N_("Slow down: try again in {seconds} s."), {"seconds": f"{e.retry_after:.0f}"}),
    ),
    (
        app_commands.TransformerError,
        lambda e, lang: Text(
            N_("I couldn't understand `{value}`; pick one of the suggested values."),
            {"value": clip_input(str(e.value))},
        ),
    ),
    (app_commands.CheckFailure, lambda e, lang: Text(N_("You can't use this command here."))),
)


def message_for(error: Exception, locale: object = None) -> str | None:
    """What to tell the member about ``error``, in the language of their ``locale`` (English where
    the catalogue lacks the message), or None when it is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.translated(locale)
    for kind, message in USER_MESSAGES:
        if isinstance(error, kind):
            return message(error, locale).render(locale)
    return None


def new_error_code() -> str:
    return secrets.token_hex(3).upper()


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer the interaction privately, whether or not it was already answered."""
    try:
        await reply(interaction, text, ephemeral=True)
    except discord.NotFound:
        # The interaction expired (10062) before we could answer: nothing to show it on.
        log.warning("could not tell the member about an error: the interaction expired")
    except discord.HTTPException:
        log.exception("could not tell the member about an error")


def _component_name(interaction: discord.Interaction) -> str:
    data = cast("dict[str, Any]", interaction.data or {})
    custom_id = data.get("custom_id")
    return f"component {custom_id}" if custom_id else "component"


async def handle_interaction_error(interaction: discord.Interaction, error: Exception) -> None:
    """Shared by the command tree and by views' ``on_error``."""
    text = message_for(error, interaction.locale)
    if text is None:
        code = new_error_code()
        command = interaction.command.qualified_name if interaction.command else _component_name(interaction)
        original = getattr(error, "original", error)
        log.error(
            "error %s in %s (guild %s, user %s)",
            code,
            command,
            interaction.guild_id,
            interaction.user.id,
            exc_info=original,
        )
        text = (
            translator(interaction.locale)
            .gettext(
                N_(
                    "Something went wrong on my side (error code `{code}`). "
                    "An admin can look it up in the logs."
                )
            )
            .format(code=code)
        )
    await reply_ephemeral(interaction, text)


def _leaf_options(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of the invoked (sub)command, below any subcommand groups."""
    options: list[dict[str, Any]] = list(data.get("options", []))
    while options and options[0].get("type") in (1, 2):  # a subcommand or a group
        options = list(options[0].get("options", []))
    return options


_OPTION_TYPES: dict[discord.AppCommandOptionType, type | tuple[type, ...]] = {
    discord.AppCommandOptionType.string: str,
    discord.AppCommandOptionType.integer: int,
    discord.AppCommandOptionType.number: (int, float),
    discord.AppCommandOptionType.boolean: bool,
}
_TYPE_NAMES = {
    discord.AppCommandOptionType.string: N_("text"),
    discord.AppCommandOptionType.integer: N_("a whole number"),
    discord.AppCommandOptionType.number: N_("a number"),
    discord.AppCommandOptionType.boolean: N_("true or false"),
}


def option_problems(
    command: app_commands.Command[Any, ..., Any], data: dict[str, Any], locale: object = None
) -> list[str]:
    """What in a slash command's options breaks its declared ranges, lengths or choices, in the
    language of ``locale``.

    Discord's client never sends such values, but a raw request can, and discord.py passes them on
    unchecked; the command would then run with ``questions:0`` or a 2,000-character zone name.
    """
    _ = translator(locale).gettext
    params = {p.display_name: p for p in command.parameters}
    problems = []
    for option in _leaf_options(data):
        param = params.get(option.get("name", ""))
        value = option.get("value")
        if param is None or value is None:
            continue
        name = param.display_name
        expected = _OPTION_TYPES.get(param.type)
        if expected is not None and (
            not isinstance(value, expected) or isinstance(value, bool) is not (expected is bool)
        ):
            problems.append(
                _("`{name}` takes {kind}, not `{value}`.").format(
                    name=name, kind=_(_TYPE_NAMES[param.type]), value=clip_input(str(value), 40)
                )
            )
            continue
        low, high = param.min_value, param.max_value
        if isinstance(value, str) and param.type is discord.AppCommandOptionType.string:
            if high is not None and len(value) > high:
                problems.append(
                    _("`{name}` takes at most {high} characters, not {length}.").format(
                        name=name, high=high, length=len(value)
                    )
                )
            elif low is not None and len(value) < low:
                problems.append(_("`{name}` takes at least {low} characters.").format(name=name, low=low))
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and ((low is not None and value < low) or (high is not None and value > high))
        ):
            shown = clip_input(str(value), 20)
            if low is not None and high is not None:
                problems.append(
                    _("`{name}` goes from {low} to {high}, not {value}.").format(
                        name=name, low=low, high=high, value=shown
                    )
                )
            else:
                problems.append(_("`{name}` is out of range: {value}.").format(name=name, value=shown))
        if param.choices and value not in [c.value for c in param.choices]:
            names = ", ".join(f"`{c.value}`" for c in param.choices)
            problems.append(
                _("`{name}` is one of {names}, not `{value}`.").format(
                    name=name, names=names, value=clip_input(str(value), 40)
                )
            )
    return problems


class ErrorReportingTree(app_commands.CommandTree):
    """The bot's command tree (passed as ``tree_cls``): every slash command error goes to the one handler.

    Its :meth:`interaction_check` re-checks every option against the command's declared ranges,
    lengths and choices first, and refuses privately what breaks them.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.type is not discord.InteractionType.application_command:
            return True
        command = interaction.command
        if not isinstance(command, app_commands.Command):
            return True
        data = cast("dict[str, Any]", interaction.data or {})
        problems = option_problems(command, data, interaction.locale)
        if not problems:
            return True
        text = translator(interaction.locale).gettext(N_("Nothing was done: {problems}"))
        await reply_ephemeral(interaction, text.format(problems=" ".join(problems)))
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await handle_interaction_error(interaction, error)


# What to tell a member whose click names a component the message does not have (Discord's own
# client never sends one; a forged request can). The first pattern that matches wins.
UNROUTED_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"quiz:\d+:\d+"), N_("That is not one of this question's choices.")),
    (re.compile(r".*"), N_("That button is not on this message (any more); nothing was done.")),
)


def _component_ids(message: discord.Message | None) -> set[str]:
    ids: set[str] = set()
    stack: list[Any] = list(message.components) if message is not None else []
    while stack:
        component = stack.pop()
        custom_id = getattr(component, "custom_id", None)
        if custom_id:
            ids.add(custom_id)
        stack.extend(getattr(component, "children", []))
    return ids


class UnroutedComponents(commands.Cog):
    """Answers a click whose custom_id is not on its message: discord.py's views and dynamic items
    drop it silently, and the member would see "This interaction failed"."""

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = str(cast("dict[str, Any]", interaction.data or {}).get("custom_id", ""))
        if custom_id in _component_ids(interaction.message):
            return  # a view or dynamic item of the bot answers it
        log.info("a click with a custom_id not on its message (%s) was refused", clip_input(custom_id, 100))
        text = next(text for pattern, text in UNROUTED_MESSAGES if pattern.fullmatch(custom_id))
        await reply_ephemeral(interaction, translator(interaction.locale).gettext(text))


async def setup(bot: QuizBot) -> None:
    """The handler itself is installed with the tree (``tree_cls``) and the guarded bases; this adds
    the answer to clicks no view can route.

    (discord.py executes an extension's module afresh, so its classes are not the ones ``bot.app``
    imported: no isinstance check on the tree here.)
    """
    await bot.add_cog(UnroutedComponents())

"""The one error handler for every interaction, with the mapping as data.

A :class:`~bot.core.errors.UserFacingError` (or one of discord.py's check failures) is shown to
the member ephemerally; anything else is logged with a short code that the member also sees, so
an admin can find it in the logs.

Slash commands reach it through :class:`ErrorReportingTree` (the bot's ``tree_cls``); buttons
and views through the guarded bases in ``cogs/_guarded.py``.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.core.errors import UserFacingError

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)


def _missing_perms(error: app_commands.MissingPermissions | app_commands.BotMissingPermissions) -> str:
    return ", ".join(
        p.replace("_", " ").replace("guild", "server").title() for p in error.missing_permissions
    )


# Known failures and what to tell the member. Checked in order; the first isinstance wins.
USER_MESSAGES: tuple[tuple[type[Exception], object], ...] = (
    (
        app_commands.MissingPermissions,
        lambda e: f"You need the {_missing_perms(e)} permission to use this command.",
    ),
    (
        app_commands.BotMissingPermissions,
        lambda e: f"I need the {_missing_perms(e)} permission in this channel; ask an admin to grant it.",
    ),
    (app_commands.NoPrivateMessage, "This command works in a server channel, not in DMs."),
    (
        app_commands.CommandOnCooldown,
        lambda e: f"Slow down: try again in {e.retry_after:.0f} s.",
    ),
    (
        app_commands.TransformerError,
        lambda e: f"I couldn't understand `{e.value}`; pick one of the suggested values.",
    ),
    (app_commands.CheckFailure, "You can't use this command here."),
)


def message_for(error: Exception) -> str | None:
    """What to tell the member about ``error``, or None when it is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.message
    for kind, message in USER_MESSAGES:
        if isinstance(error, kind):
            return message(error) if callable(message) else str(message)
    return None


def new_error_code() -> str:
    return secrets.token_hex(3).upper()


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer the interaction privately, whether or not it was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
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
    text = message_for(error)
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
        text = f"Something went wrong on my side (error code `{code}`). An admin can look it up in the logs."
    await reply_ephemeral(interaction, text)


class ErrorReportingTree(app_commands.CommandTree):
    """The bot's command tree (passed as ``tree_cls``): every slash command error goes to the one handler."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await handle_interaction_error(interaction, error)


async def setup(bot: QuizBot) -> None:
    """Nothing to add: the handler is installed with the tree (``tree_cls``) and the guarded bases.

    Kept as an extension so the extension list still names where errors are handled. (discord.py
    executes an extension's module afresh, so its classes are not the ones ``bot.app`` imported:
    no isinstance check on the tree here.)
    """

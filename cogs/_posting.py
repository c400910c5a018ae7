"""What Discord's errors mean for a post, and the permissions a post needs, for the quiz and daily cogs.

:func:`describe_failure` turns an error from a send into the services' :class:`SendFailure`
(retry a 5xx, a 429 that outlasted discord.py's own retries, or a timeout; not a refusal);
:func:`missing_permissions` lists what the bot lacks in a channel before anything is posted there.
"""

from __future__ import annotations

import aiohttp
import discord

from bot.core.i18n import N_, Joined, Text
from bot.core.vocabulary import AnswerMode
from bot.services.posting import CONNECTION_FAILED, NO_ANSWER, SendFailure

# What every question needs in its channel: to see it, post, show the card, and reply to the
# question with its reveal (a reply needs Read Message History).
BASE_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history")
# Permission names as Discord's client shows them (msgids; the catalogue has the client's zh names).
PERMISSION_NAMES = {
    "manage_guild": N_("Manage Server"),
    "manage_messages": N_("Manage Messages"),
    "manage_roles": N_("Manage Roles"),
    "manage_channels": N_("Manage Channels"),
    "send_messages": N_("Send Messages"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
    "embed_links": N_("Embed Links"),
    "attach_files": N_("Attach Files"),
    "add_reactions": N_("Add Reactions"),
    "read_message_history": N_("Read Message History"),
    "view_channel": N_("View Channel"),
    "read_messages": N_("View Channel"),
    "use_external_emojis": N_("Use External Emoji"),
    "administrator": N_("Administrator"),
}


def describe_failure(error: BaseException) -> SendFailure | None:
    """A :class:`SendFailure` for an error from Discord or the network; None for anything else."""
    if isinstance(error, discord.HTTPException):
        status = error.status
        transient = status >= 500 or status == 429
        what = f"HTTP {status}" + (f", code {error.code}" if error.code else "")
        text = error.text.strip() if error.text else ""
        return SendFailure(f"{what}{': ' + text[:200] if text else ''}", transient)
    if isinstance(error, TimeoutError):  # asyncio.TimeoutError and aiohttp's timeouts too
        return SendFailure(NO_ANSWER, True)
    if isinstance(error, (aiohttp.ClientError, ConnectionError)):
        return SendFailure(CONNECTION_FAILED.format(error=type(error).__name__), True)
    return None


def missing_permissions(
    perms: discord.Permissions, mode: AnswerMode | str, *, attaches: bool = False
) -> list[str]:
    """The permissions a question (or question of the day) in ``mode`` needs that ``perms`` lacks."""
    needed = list(BASE_PERMISSIONS)
    if mode == AnswerMode.REACTIONS:
        needed.append("add_reactions")
    if attaches:
        needed.append("attach_files")
    return [name for name in needed if not getattr(perms, name)]


def permission_names(names: list[str]) -> Joined:
    """``["send_messages", "add_reactions"]`` -> "Send Messages, Add Reactions" (``str()``), or in
    a member's language (``.render(lang)``, or as a message's parameter)."""
    return Joined(
        tuple(
            Text(PERMISSION_NAMES.get(n) or n.replace("_", " ").replace("guild", "server").title())
            for n in names
        )
    )

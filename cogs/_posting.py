"""What Discord's errors mean for a post, and the permissions a post needs, for the quiz and daily cogs.

:func:`describe_failure` turns an error from a send into the services' :class:`SendFailure`
(retry a 5xx, a 429 that outlasted discord.py's own retries, or a timeout; not a refusal);
:func:`missing_permissions` lists what the bot lacks in a channel before anything is posted there.
"""

from __future__ import annotations

import aiohttp
import discord

from bot.core.vocabulary import AnswerMode
from bot.services.posting import SendFailure

# What every question needs in its channel: to see it, post, show the card, and reply to the
# question with its reveal (a reply needs Read Message History).
BASE_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history")


def describe_failure(error: BaseException) -> SendFailure | None:
    """A :class:`SendFailure` for an error from Discord or the network; None for anything else."""
    if isinstance(error, discord.HTTPException):
        status = error.status
        transient = status >= 500 or status == 429
        what = f"HTTP {status}" + (f", code {error.code}" if error.code else "")
        text = error.text.strip() if error.text else ""
        return SendFailure(f"{what}{': ' + text[:200] if text else ''}", transient)
    if isinstance(error, TimeoutError):  # asyncio.TimeoutError and aiohttp's timeouts too
        return SendFailure("Discord did not answer in time", True)
    if isinstance(error, (aiohttp.ClientError, ConnectionError)):
        return SendFailure(f"the connection to Discord failed ({type(error).__name__})", True)
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


def permission_names(names: list[str]) -> str:
    """``["send_messages", "add_reactions"]`` -> ``"Send Messages, Add Reactions"``."""
    return ", ".join(n.replace("_", " ").title() for n in names)

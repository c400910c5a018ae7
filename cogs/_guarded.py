"""Bases for buttons and views whose every callback reports through the one error handler.

A :class:`GuardedButton` subclass implements :meth:`GuardedButton.on_click`; whatever it raises
(a domain :class:`~bot.core.errors.UserFacingError` or a bug) is shown to the member by
:func:`cogs.errors.handle_interaction_error`, the bug with an error code. discord.py itself only
logs an exception from a dynamic item's callback, and the member sees "interaction failed".
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from cogs.errors import handle_interaction_error

log = logging.getLogger(__name__)


class GuardedButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"guarded:never"):
    """A persistent button (its custom_id carries what it needs) with a guarded callback."""

    async def on_click(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.on_click(interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)


class GuardedView(discord.ui.View):
    """A view whose items' errors go to the one handler (``timeout=None`` by default)."""

    def __init__(self, *, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_interaction_error(interaction, error)


class GuardedModal(discord.ui.Modal):
    """A modal whose submit errors go to the one handler (for any modal the cogs add)."""

    # discord.ui.Modal.on_error narrows BaseView's signature (no item); this matches Modal's.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await handle_interaction_error(interaction, error)

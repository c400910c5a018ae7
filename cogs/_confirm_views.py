"""Yes/no confirmations for one member: resetting the leaderboard, and forget-me (/privacy).

Confirmation buttons carry the action, the member who may confirm and when they were drawn; they
are only shown ephemerally to that member, and the callback checks the member again anyway.

The buttons are persistent (their custom_id carries the server, the member and when it was
asked), expire after ``CONFIRM_TTL``, and report through the one error handler.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import PermissionDeniedError, UserFacingError
from bot.core.i18n import N_, translator
from bot.services.leaderboard import archive_label
from cogs._guarded import GuardedButton, GuardedView
from cogs._i18n import private_language
from cogs._reply import edit

if TYPE_CHECKING:
    from bot.app import QuizBot

CONFIRM_TTL = timedelta(minutes=10)


def confirm_view(
    action: str,
    guild_id: int,
    user_id: int,
    issued_s: int,
    confirm_label: str,
    cancel_label: str | None = None,
    *,
    lang: str = "en",
) -> discord.ui.View:
    view = GuardedView()
    button_cls = ResetConfirmButton if action == "reset" else ForgetConfirmButton
    view.add_item(button_cls(True, guild_id, user_id, issued_s, confirm_label))
    cancel = cancel_label if cancel_label is not None else translator(lang).gettext("Cancel")
    view.add_item(button_cls(False, guild_id, user_id, issued_s, cancel))
    return view


class _ConfirmButton(GuardedButton, template=r"confirm-base:never"):
    """A yes/no button for one member; subclasses say what yes does."""

    action = "base"

    def __init__(self, yes: bool, guild_id: int, user_id: int, issued_s: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or ("Confirm" if yes else "Cancel"),
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"confirm:{self.action}:{'yes' if yes else 'no'}:{guild_id}:{user_id}:{issued_s}",
            )
        )
        self.yes, self.guild_id, self.user_id, self.issued_s = yes, guild_id, user_id, issued_s

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> _ConfirmButton:
        return cls(match["answer"] == "yes", int(match["guild"]), int(match["user"]), int(match["issued"]))

    async def run(self, interaction: discord.Interaction) -> str:
        raise NotImplementedError

    async def on_click(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id or (interaction.guild_id or 0) != self.guild_id:
            raise PermissionDeniedError(N_("Only the member who asked can confirm this."))
        if not self.yes:
            cancelled = translator(private_language(interaction)).gettext("Cancelled; nothing was changed.")
            await edit(interaction, content=cancelled, view=None)
            return
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        if bot.clock.now().timestamp() - self.issued_s > CONFIRM_TTL.total_seconds():
            raise UserFacingError(N_("This confirmation has expired; run the command again."))
        await interaction.response.defer()
        text = await self.run(interaction)
        await edit(interaction, content=text, view=None)


class ResetConfirmButton(
    _ConfirmButton,
    template=r"confirm:(?P<action>reset):(?P<answer>yes|no):(?P<guild>\d+):(?P<user>\d+):(?P<issued>\d+)",
):
    action = "reset"

    async def run(self, interaction: discord.Interaction) -> str:
        if not interaction.permissions.manage_guild:
            raise PermissionDeniedError(N_("You need the Manage Server permission to reset the leaderboard."))
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        result = await bot.leaderboards.reset_all_time(self.guild_id)
        tr = translator(private_language(interaction))
        text = tr.ngettext(
            "The all-time leaderboard starts over. The old one ({n} member) is archived as **{label}**.",
            "The all-time leaderboard starts over. The old one ({n} members) is archived as **{label}**.",
            result.members,
        )
        label = archive_label(result.label).render(tr)
        return text.format(n=result.members, label=discord.utils.escape_markdown(label))


class ForgetConfirmButton(
    _ConfirmButton,
    template=r"confirm:(?P<action>forget):(?P<answer>yes|no):(?P<guild>\d+):(?P<user>\d+):(?P<issued>\d+)",
):
    action = "forget"

    async def run(self, interaction: discord.Interaction) -> str:
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        deleted = await bot.privacy.forget(self.guild_id, self.user_id)
        _ = translator(interaction.locale).gettext
        if not deleted:
            if self.guild_id:
                return _("There was nothing to delete: I keep no record of you in this server.")
            return _("There was nothing to delete: I keep no record of you in your private deck.")
        what = _(", ").join(f"{n} {_(kind)}" for kind, n in deleted.items())
        if self.guild_id:
            return _("Done. I deleted everything I kept about you in this server ({what}).").format(what=what)
        return _("Done. I deleted everything I kept about you in your private deck ({what}).").format(
            what=what
        )

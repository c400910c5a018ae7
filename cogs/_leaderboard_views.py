"""How boards, stats and season endings look on Discord, and the buttons that survive restarts.

Page buttons carry the board (kind, server, key) and the page in their custom_id and re-read the
database on every click, so a leaderboard posted before a restart still pages. Confirmation
buttons carry the action, the member who may confirm and when they were drawn; they are only
shown ephemerally to that member, and the callback checks the member again anyway.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.core.clock import from_ms
from bot.core.errors import PermissionDeniedError, UserFacingError
from bot.core.ranking import percent
from bot.services.leaderboard import BoardPage, RankedBy, RankedRow
from bot.services.seasons import SeasonEnded
from bot.services.stats import MemberStats
from cogs._guarded import GuardedButton, GuardedView
from cogs._quiz_views import DESCRIPTION_LIMIT, FIELD_LIMIT, MEDALS, clip, topic_label

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

COLOUR_BOARD = discord.Colour.gold()
COLOUR_STATS = discord.Colour.blurple()
COLOUR_DANGER = discord.Colour.red()
CONFIRM_TTL = timedelta(minutes=10)
NO_MENTIONS = discord.AllowedMentions.none()


def name_of(row_name: str | None, user_id: int) -> str:
    """A cached display name, escaped; never a mention."""
    if not row_name:
        return f"member …{str(user_id)[-4:]}"
    return discord.utils.escape_markdown(row_name)


def _badge(rank: int) -> str:
    return MEDALS[rank - 1] if rank <= len(MEDALS) else f"**{rank}.**"


def row_line(ranked: RankedRow, ranked_by: RankedBy) -> str:
    row = ranked.row
    name = name_of(row.display_name, row.user_id)
    acc = percent(row.correct, row.answered)
    if ranked_by is RankedBy.CORRECT:
        return f"{_badge(ranked.rank)} {name}: **{row.correct}** correct of {row.answered} ({acc})"
    return (
        f"{_badge(ranked.rank)} {name}: **{row.points or 0:,}** points · {acc} ({row.correct}/{row.answered})"
    )


# --- boards ---------------------------------------------------------------------------------------


def board_embed(page: BoardPage, viewer_name: str) -> discord.Embed:
    board = page.board
    lines = [f"*{board.detail}*", ""] if board.detail else []
    if not page.rows:
        lines.append("Nobody is on this board yet. `/quiz start` to play.")
    lines.extend(row_line(r, board.ranked_by) for r in page.rows)
    title = f"Topic: {topic_label(board.topic)}" if board.topic else board.title
    embed = discord.Embed(
        title=clip(f"🏆 Leaderboard · {title}", 256),
        description=clip("\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOUR_BOARD,
    )
    if not page.viewer_on_page and page.rows:
        if page.viewer is not None:
            line = row_line(page.viewer, board.ranked_by)
        else:
            line = f"{discord.utils.escape_markdown(viewer_name)} is not on this board yet."
        embed.add_field(name="Outside this page", value=clip(line, FIELD_LIMIT), inline=False)
    members = f"{page.total} member{'s' if page.total != 1 else ''}"
    embed.set_footer(text=f"Page {page.page + 1}/{page.pages} · {members} · ties share a rank")
    return embed


class PageButton(
    GuardedButton,
    template=(
        r"lb:(?P<kind>all|week|month|season|topic|archive):(?P<guild>\d+):(?P<key>[A-Za-z0-9_.-]+)"
        r":(?P<page>\d+):(?P<dir>[pn])"
    ),
):
    """Previous/next page of a board; everything it needs is in its custom_id."""

    def __init__(
        self, kind: str, guild_id: int, key: str, page: int, direction: str, *, disabled: bool
    ) -> None:
        label = "◀ Previous" if direction == "p" else "Next ▶"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:{kind}:{guild_id}:{key}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.kind, self.guild_id, self.key, self.page = kind, guild_id, key, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(
            match["kind"], int(match["guild"]), match["key"], int(match["page"]), match["dir"], disabled=False
        )

    async def on_click(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id != self.guild_id:
            raise UserFacingError("This leaderboard belongs to another server.")
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        board = await bot.leaderboards.board(self.guild_id, self.kind, self.key)
        page = await bot.leaderboards.page(board, self.page, interaction.user.id)
        await interaction.response.edit_message(
            embed=board_embed(page, interaction.user.display_name),
            view=page_view(page),
            allowed_mentions=NO_MENTIONS,
        )


def page_view(page: BoardPage) -> discord.ui.View | None:
    """Previous/next buttons, or None for a board that fits on one page."""
    if page.pages <= 1:
        return None
    key = page.board.key
    view = GuardedView()
    view.add_item(
        PageButton(
            key.period_kind,
            key.guild_id,
            key.period_key,
            max(page.page - 1, 0),
            "p",
            disabled=not page.has_previous,
        )
    )
    view.add_item(
        PageButton(
            key.period_kind,
            key.guild_id,
            key.period_key,
            min(page.page + 1, page.pages - 1),
            "n",
            disabled=not page.has_next,
        )
    )
    return view


# --- stats ----------------------------------------------------------------------------------------


def stats_embed(stats: MemberStats, name: str) -> discord.Embed:
    shown = discord.utils.escape_markdown(name)
    embed = discord.Embed(title=clip(f"📊 Stats · {shown}", 256), colour=COLOUR_STATS)
    if not stats.has_answers:
        embed.description = f"{shown} has not answered any question in this server yet."
        return embed
    rank = f"#{stats.rank} of {stats.ranked_members}" if stats.rank is not None else "not ranked"
    embed.add_field(name="Points", value=f"{stats.points:,}", inline=True)
    embed.add_field(name="Rank", value=rank, inline=True)
    embed.add_field(
        name="Accuracy",
        value=f"{percent(stats.correct, stats.answered)} ({stats.correct}/{stats.answered} answered)",
        inline=True,
    )
    embed.add_field(
        name="Streak (correct in a row)",
        value=f"{stats.correct_streak} now · best {stats.best_correct_streak}",
        inline=True,
    )
    embed.add_field(
        name="Daily streak (days in a row)",
        value=f"{stats.daily_streak} now · best {stats.best_daily_streak}",
        inline=True,
    )
    if stats.topics:
        lines = [
            f"{topic_label(t.topic)}: {percent(t.correct, t.answered)} ({t.correct}/{t.answered})"
            for t in sorted(stats.topics, key=lambda t: topic_label(t.topic).lower())
        ]
        embed.add_field(name="Per topic", value=clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text="All-time in this server · accuracy = correct / answered")
    return embed


# --- seasons --------------------------------------------------------------------------------------


def season_end_embed(ended: SeasonEnded) -> discord.Embed:
    season = ended.season
    if ended.podium:
        lines = [row_line(r, RankedBy.POINTS) for r in ended.podium]
    else:
        lines = ["Nobody scored this season."]
    how = "ended on schedule" if ended.on_schedule else "was ended"
    if ended.late:
        how += " (late: I was offline when it was due)"
    embed = discord.Embed(
        title=clip(f"🏁 Season {season.name} is over", 256),
        description=clip(f"The season {how}. Final top 3:\n\n" + "\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOUR_BOARD,
    )
    started = int(from_ms(season.started_at).timestamp())
    embed.add_field(
        name="Played", value=f"from <t:{started}:f> · {ended.participants} member(s)", inline=False
    )
    embed.set_footer(text=f"Standings archived: /leaderboard period:season season:{season.name}")
    return embed


# --- confirmations --------------------------------------------------------------------------------


def confirm_view(
    action: str, guild_id: int, user_id: int, issued_s: int, confirm_label: str
) -> discord.ui.View:
    view = GuardedView()
    button_cls = ResetConfirmButton if action == "reset" else ForgetConfirmButton
    view.add_item(button_cls(True, guild_id, user_id, issued_s, confirm_label))
    view.add_item(button_cls(False, guild_id, user_id, issued_s, "Cancel"))
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
        if interaction.user.id != self.user_id or interaction.guild_id != self.guild_id:
            raise PermissionDeniedError("Only the member who asked can confirm this.")
        if not self.yes:
            await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None)
            return
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        if bot.clock.now().timestamp() - self.issued_s > CONFIRM_TTL.total_seconds():
            raise UserFacingError("This confirmation has expired; run the command again.")
        await interaction.response.defer()
        text = await self.run(interaction)
        await interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_MENTIONS)


class ResetConfirmButton(
    _ConfirmButton,
    template=r"confirm:(?P<action>reset):(?P<answer>yes|no):(?P<guild>\d+):(?P<user>\d+):(?P<issued>\d+)",
):
    action = "reset"

    async def run(self, interaction: discord.Interaction) -> str:
        if not interaction.permissions.manage_guild:
            raise PermissionDeniedError("You need the Manage Server permission to reset the leaderboard.")
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        result = await bot.leaderboards.reset_all_time(self.guild_id)
        return (
            f"The all-time leaderboard starts over. The old one ({result.members} member(s)) is archived as "
            f"**{discord.utils.escape_markdown(result.label)}**."
        )


class ForgetConfirmButton(
    _ConfirmButton,
    template=r"confirm:(?P<action>forget):(?P<answer>yes|no):(?P<guild>\d+):(?P<user>\d+):(?P<issued>\d+)",
):
    action = "forget"

    async def run(self, interaction: discord.Interaction) -> str:
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        deleted = await bot.privacy.forget(self.guild_id, self.user_id)
        if not deleted:
            return "There was nothing to delete: I keep no record of you in this server."
        what = ", ".join(f"{n} {kind}" for kind, n in deleted.items())
        return f"Done. I deleted everything I kept about you in this server ({what})."

"""How boards look on Discord, and the page buttons that survive restarts.

Page buttons carry the board (kind, server, key) and the page in their custom_id and re-read the
database on every click, so a leaderboard posted before a restart still pages. (Stats embeds are
in ``_stats_views.py``, season endings in ``_season_views.py``, confirmations in
``_confirm_views.py``.)
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import UserFacingError
from bot.core.ranking import percent
from bot.services.leaderboard import BoardPage, RankedBy, RankedRow
from cogs._guarded import GuardedButton, GuardedView
from cogs._quiz_views import DESCRIPTION_LIMIT, FIELD_LIMIT, MEDALS, clip, topic_label
from cogs._reply import edit

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

COLOUR_BOARD = discord.Colour.gold()
COLOUR_STATS = discord.Colour.blurple()
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
        await edit(interaction, embed=board_embed(page, interaction.user.display_name), view=page_view(page))


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

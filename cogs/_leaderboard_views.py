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
from bot.core.i18n import N_, translator
from bot.core.ranking import percent
from bot.services.leaderboard import BoardPage, RankedBy, RankedRow
from cogs._guarded import GuardedButton, GuardedView
from cogs._i18n import public_language
from cogs._quiz_views import DESCRIPTION_LIMIT, FIELD_LIMIT, MEDALS, clip, topic_label
from cogs._reply import edit

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

COLOUR_BOARD = discord.Colour.gold()
COLOUR_STATS = discord.Colour.blurple()
NO_MENTIONS = discord.AllowedMentions.none()


def name_of(row_name: str | None, user_id: int, lang: str = "en") -> str:
    """A cached display name, escaped; never a mention."""
    if not row_name:
        return translator(lang).gettext("member …{digits}").format(digits=str(user_id)[-4:])
    return discord.utils.escape_markdown(row_name)


def _badge(rank: int) -> str:
    return MEDALS[rank - 1] if rank <= len(MEDALS) else f"**{rank}.**"


def row_line(ranked: RankedRow, ranked_by: RankedBy, lang: str = "en") -> str:
    row = ranked.row
    name = name_of(row.display_name, row.user_id, lang)
    acc = percent(row.correct, row.answered)
    ngettext = translator(lang).ngettext
    if ranked_by is RankedBy.CORRECT:
        text = translator(lang).gettext("{badge} {name}: **{correct}** correct of {answered} ({accuracy})")
        return text.format(
            badge=_badge(ranked.rank), name=name, correct=row.correct, answered=row.answered, accuracy=acc
        )
    points = row.points or 0
    text = ngettext(
        "{badge} {name}: **{points}** point · {accuracy} ({correct}/{answered})",
        "{badge} {name}: **{points}** points · {accuracy} ({correct}/{answered})",
        points,
    )
    return text.format(
        badge=_badge(ranked.rank),
        name=name,
        points=f"{points:,}",
        accuracy=acc,
        correct=row.correct,
        answered=row.answered,
    )


# --- boards ---------------------------------------------------------------------------------------


def board_embed(page: BoardPage, viewer_name: str, lang: str = "en") -> discord.Embed:
    """A page of a board in ``lang``: the server's language, since the channel sees it."""
    tr = translator(lang)
    _ = tr.gettext
    board = page.board
    detail = board.detail_in(lang)
    lines = [f"*{detail}*", ""] if detail else []
    if not page.rows:
        lines.append(_("Nobody is on this board yet. `/quiz start` to play."))
    lines.extend(row_line(r, board.ranked_by, lang) for r in page.rows)
    if board.topic:
        title = _("Topic: {topic}").format(topic=topic_label(board.topic, lang))
    else:
        title = board.title_in(lang)
    embed = discord.Embed(
        title=clip(_("🏆 Leaderboard · {title}").format(title=title), 256),
        description=clip("\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOUR_BOARD,
    )
    if not page.viewer_on_page and page.rows:
        if page.viewer is not None:
            line = row_line(page.viewer, board.ranked_by, lang)
        else:
            line = _("{name} is not on this board yet.").format(
                name=discord.utils.escape_markdown(viewer_name)
            )
        embed.add_field(name=_("Outside this page"), value=clip(line, FIELD_LIMIT), inline=False)
    footer = tr.ngettext(
        "Page {page}/{pages} · {n} member · ties share a rank",
        "Page {page}/{pages} · {n} members · ties share a rank",
        page.total,
    )
    embed.set_footer(text=footer.format(page=page.page + 1, pages=page.pages, n=page.total))
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
        self,
        kind: str,
        guild_id: int,
        key: str,
        page: int,
        direction: str,
        *,
        disabled: bool,
        lang: str = "en",
    ) -> None:
        label = translator(lang).gettext(N_("◀ Previous") if direction == "p" else N_("Next ▶"))
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
            raise UserFacingError(N_("This leaderboard belongs to another server."))
        bot: QuizBot = interaction.client  # type: ignore[assignment]
        board = await bot.leaderboards.board(self.guild_id, self.kind, self.key)
        page = await bot.leaderboards.page(board, self.page, interaction.user.id)
        lang = await public_language(bot, self.guild_id)  # the board message is the channel's
        await edit(
            interaction,
            embed=board_embed(page, interaction.user.display_name, lang),
            view=page_view(page, lang),
        )


def page_view(page: BoardPage, lang: str = "en") -> discord.ui.View | None:
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
            lang=lang,
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
            lang=lang,
        )
    )
    return view

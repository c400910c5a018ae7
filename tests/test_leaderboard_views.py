"""Leaderboard rendering within Discord's limits, and custom_ids that fit and round-trip."""

from __future__ import annotations

import discord

from bot.services.leaderboard import Board, BoardPage, RankedBy, RankedRow
from bot.storage.scores import BoardKey, BoardRow, Source
from cogs._confirm_views import ForgetConfirmButton, ResetConfirmButton, confirm_view
from cogs._leaderboard_views import PageButton, board_embed, page_view

BIG = 2**63 - 1  # the largest snowflake


def buttons(view: discord.ui.View) -> list[discord.ui.Button]:  # type: ignore[type-arg]
    items = [c.item if isinstance(c, discord.ui.DynamicItem) else c for c in view.children]
    return [b for b in items if isinstance(b, discord.ui.Button)]


def page_of(board: Board, rows: int, *, page: int = 0, pages: int = 3) -> BoardPage:
    ranked = tuple(
        RankedRow(page * 10 + i + 1, BoardRow(BIG - i, "𝓛" * 32 + "*_`|~", 123_456_789, 99_999, 99_998))
        for i in range(rows)
    )
    viewer = RankedRow(99_999, BoardRow(BIG, "x" * 32, 1, 1, 0))
    return BoardPage(board, ranked, page, pages, 100_000, BIG, viewer, False)


def test_page_buttons_fit_in_a_custom_id_and_match_their_template() -> None:
    for key in (
        BoardKey(Source.SCORES, BIG, "week", "2026-W53"),
        BoardKey(Source.TOPIC, BIG, "topic", "chat-templates"),
        BoardKey(Source.ARCHIVE, BIG, "archive", str(BIG)),
        BoardKey(Source.SCORES, BIG, "season", str(BIG)),
    ):
        view = page_view(page_of(Board(key, "t"), 10, page=1))
        assert view is not None
        ids = [b.custom_id for b in buttons(view)]
        assert len(ids) == 2 and len(set(ids)) == 2
        for custom_id in ids:
            assert custom_id is not None and len(custom_id) <= 100
            assert PageButton.__discord_ui_compiled_template__.fullmatch(custom_id)


def test_one_page_boards_have_no_buttons_and_the_ends_are_disabled() -> None:
    board = Board(BoardKey(Source.SCORES, 1, "all", "all"), "All-time")
    assert page_view(page_of(board, 3, pages=1)) is None
    first = page_view(page_of(board, 10, page=0, pages=3))
    assert first is not None
    prev, nxt = buttons(first)
    assert prev.disabled and not nxt.disabled


def test_a_full_board_embed_stays_within_discords_limits_and_escapes_names() -> None:
    for ranked_by in RankedBy:
        board = Board(BoardKey(Source.SCORES, 1, "all", "all"), "x" * 300, "d" * 300, ranked_by=ranked_by)
        embed = board_embed(page_of(board, 10), "viewer" * 20)
        assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
        assert len(embed) <= 6000
        assert "\\*\\_\\`\\|\\~" in (embed.description or "")  # markdown in names is shown, not applied


def test_confirmation_buttons_carry_the_member_and_round_trip() -> None:
    for action, cls in (("reset", ResetConfirmButton), ("forget", ForgetConfirmButton)):
        view = confirm_view(action, BIG, BIG, 1_767_614_400, "Go")
        ids = [b.custom_id for b in buttons(view)]
        assert ids == [
            f"confirm:{action}:yes:{BIG}:{BIG}:1767614400",
            f"confirm:{action}:no:{BIG}:{BIG}:1767614400",
        ]
        assert all(
            id_ is not None and len(id_) <= 100 and cls.__discord_ui_compiled_template__.fullmatch(id_)
            for id_ in ids
        )

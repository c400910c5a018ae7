"""The one way to answer an interaction: nothing it sends can exceed Discord's limits.

:func:`reply` clips the content to 2,000 characters and every embed to Discord's embed limits
(title 256, description 4,096, 25 fields of 256/1,024, footer 2,048, author 256, 6,000 in all)
before sending, as the first response or as a follow-up, and mentions nobody unless told.
:func:`clip_input` is for echoing what a member typed back to them.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import MISSING

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
ECHO_LIMIT = 100  # how much of a member's input a reply repeats

NO_MENTIONS = discord.AllowedMentions.none()


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; a code fence the cut opened is closed."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)] + "…"
    if cut.count("```") % 2 == 1:
        cut = text[: max(0, limit - 5)] + "…\n```"
    return cut


def clip_input(text: str, limit: int = ECHO_LIMIT) -> str:
    """What a member typed, made safe to show inside `code`: one line, no backticks, short."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return clip(flat, limit)


def fit_content(content: str | None) -> str | None:
    return None if content is None else clip(content, CONTENT_LIMIT)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """A copy of ``embed`` within every one of Discord's embed limits (the description gives way first)."""
    data: dict[str, Any] = dict(embed.to_dict())
    if "title" in data:
        data["title"] = clip(data["title"], TITLE_LIMIT)
    if "description" in data:
        data["description"] = clip(data["description"], DESCRIPTION_LIMIT)
    fields = data.get("fields", [])[:FIELDS_LIMIT]
    for field in fields:
        field["name"] = clip(field["name"], FIELD_NAME_LIMIT) or "\u200b"
        field["value"] = clip(field["value"], FIELD_VALUE_LIMIT) or "\u200b"
    if fields:
        data["fields"] = fields
    if "footer" in data and "text" in data["footer"]:
        data["footer"]["text"] = clip(data["footer"]["text"], FOOTER_LIMIT)
    if "author" in data and "name" in data["author"]:
        data["author"]["name"] = clip(data["author"]["name"], AUTHOR_LIMIT)
    over = _total(data) - EMBED_TOTAL_LIMIT
    if over > 0 and data.get("description"):
        data["description"] = clip(data["description"], max(1, len(data["description"]) - over))
        over = _total(data) - EMBED_TOTAL_LIMIT
    while over > 0 and data.get("fields"):
        data["fields"].pop()  # the last fields are the least important
        over = _total(data) - EMBED_TOTAL_LIMIT
    return discord.Embed.from_dict(data)


def _total(data: dict[str, Any]) -> int:
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    total += len(data.get("footer", {}).get("text", "")) + len(data.get("author", {}).get("name", ""))
    return total


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    files: list[discord.File] | None = None,
    ephemeral: bool = False,
    allowed_mentions: discord.AllowedMentions = NO_MENTIONS,
) -> None:
    """Answer ``interaction`` (or follow it up, once answered), clipped to Discord's limits."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": allowed_mentions}
    if embed is not None:
        kwargs["embed"] = fit_embed(embed)
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if files is not None:
        kwargs["files"] = files
    text = fit_content(content)
    if interaction.response.is_done():
        await interaction.followup.send(text or discord.utils.MISSING, **kwargs)
    else:
        await interaction.response.send_message(text, **kwargs)


async def edit(
    interaction: discord.Interaction,
    *,
    content: str | None = MISSING,
    embed: discord.Embed | None = MISSING,
    view: discord.ui.View | None = MISSING,
    allowed_mentions: discord.AllowedMentions = NO_MENTIONS,
) -> None:
    """Edit the message the interaction is about (a component's message, or the deferred original
    response), clipped to Discord's limits; ``None`` removes a part, leaving it out keeps it."""
    kwargs: dict[str, Any] = {"allowed_mentions": allowed_mentions}
    if content is not MISSING:
        kwargs["content"] = fit_content(content)
    if embed is not MISSING:
        kwargs["embed"] = None if embed is None else fit_embed(embed)
    if view is not MISSING:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)

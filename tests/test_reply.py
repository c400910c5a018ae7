"""The reply helper keeps every reply within Discord's limits; what Discord's errors mean for a post."""

from __future__ import annotations

import discord

from bot.core.vocabulary import AnswerMode
from cogs._posting import describe_failure, missing_permissions, permission_names
from cogs._reply import clip_input, fit_content, fit_embed


class _Response:
    def __init__(self, status: int, reason: str = "") -> None:
        self.status = status
        self.reason = reason


def _http(cls: type[discord.HTTPException], status: int) -> discord.HTTPException:
    return cls(_Response(status), {"message": "nope", "code": 50013 if status == 403 else 0})  # type: ignore[arg-type]


def test_content_is_clipped_to_2000_characters_and_short_content_is_kept() -> None:
    assert fit_content("hi") == "hi" and fit_content(None) is None
    long = fit_content("a" * 1950 + " and a topic of " + "b" * 1950)
    assert long is not None and len(long) == 2000 and long.endswith("…")
    fenced = fit_content("```\n" + "x" * 3000)
    assert fenced is not None and len(fenced) <= 2000 and fenced.count("```") == 2


def test_an_embed_is_fitted_to_every_limit_and_6000_in_all() -> None:
    embed = discord.Embed(title="t" * 300, description="d" * 5000)
    for i in range(30):
        embed.add_field(name=f"n{i}" + "n" * 300, value="v" * 2000)
    embed.set_footer(text="f" * 3000)
    embed.set_author(name="a" * 300)
    fitted = fit_embed(embed)
    assert len(fitted.title or "") <= 256 and len(fitted.description or "") <= 4096
    assert len(fitted.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in fitted.fields)
    assert len(fitted.footer.text or "") <= 2048 and len(fitted.author.name or "") <= 256
    assert len(fitted) <= 6000
    small = discord.Embed(title="ok", description="fine").add_field(name="a", value="b")
    assert fit_embed(small).to_dict() == small.to_dict()


def test_an_echoed_input_is_one_short_line_without_backticks() -> None:
    assert clip_input("lora") == "lora"
    echoed = clip_input("`rm`\n" + "x" * 500)
    assert "`" not in echoed and "\n" not in echoed and len(echoed) == 100 and echoed.endswith("…")


def test_5xx_429_and_timeouts_are_retried_and_refusals_are_not() -> None:
    assert describe_failure(_http(discord.DiscordServerError, 503)).transient  # type: ignore[union-attr]
    assert describe_failure(_http(discord.HTTPException, 429)).transient  # type: ignore[union-attr]
    refused = describe_failure(_http(discord.Forbidden, 403))
    assert refused is not None and not refused.transient and "HTTP 403, code 50013" in refused.reason
    assert describe_failure(TimeoutError()).transient  # type: ignore[union-attr]
    assert describe_failure(ValueError("a bug")) is None


def test_the_permissions_a_question_needs_depend_on_the_answer_mode() -> None:
    bare = discord.Permissions(view_channel=True, send_messages=True)
    assert missing_permissions(bare, AnswerMode.BUTTONS) == ["embed_links", "read_message_history"]
    assert missing_permissions(bare, AnswerMode.REACTIONS, attaches=True) == [
        "embed_links",
        "read_message_history",
        "add_reactions",
        "attach_files",
    ]
    assert missing_permissions(discord.Permissions.all(), AnswerMode.REACTIONS, attaches=True) == []
    assert str(permission_names(["send_messages", "add_reactions"])) == "Send Messages, Add Reactions"

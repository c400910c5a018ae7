"""`quizbot invite`: the URL with the scopes and the exact permission integer the features need."""

from __future__ import annotations

import discord
import pytest

from bot.cli import main
from bot.invite import NEEDED_NAMES
from cogs._posting import missing_permissions

# Bit positions from Discord's permission table.
VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ADD_REACTIONS = 1 << 10, 1 << 11, 1 << 14, 1 << 6
READ_MESSAGE_HISTORY, MANAGE_MESSAGES = 1 << 16, 1 << 13


def test_invite_prints_both_urls_with_the_exact_permissions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invite", "--application-id", "1234567890"]) == 0
    out = capsys.readouterr().out
    needed = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ADD_REACTIONS | READ_MESSAGE_HISTORY
    base = "https://discord.com/oauth2/authorize?client_id=1234567890&scope=bot+applications.commands"
    assert f"{base}&permissions={needed}\n" in out
    assert f"{base}&permissions={needed | MANAGE_MESSAGES}\n" in out
    assert "View Channel, Send Messages, Embed Links, Add Reactions, Read Message History" in out


def test_a_bad_application_id_is_refused_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["invite", "--application-id", "my-bot"])
    assert exited.value.code == 2
    assert "numeric Application ID" in capsys.readouterr().err


def test_the_invite_covers_what_the_daily_post_checks_for() -> None:
    # Everything a question or question of the day checks for before it posts is in the invite.
    assert set(missing_permissions(discord.Permissions.none(), "reactions")) <= set(NEEDED_NAMES)

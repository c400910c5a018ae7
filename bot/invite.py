"""``quizbot invite``: the URL that adds the bot to a server, with exactly the permissions it uses.

The permissions are those the features need in a quiz channel: see the README's "Setting up the
Discord application". Manage Messages is optional (it lets the bot hide answers by removing each
answer reaction as it records it), so both URLs are printed.
"""

from __future__ import annotations

import argparse

import discord

SCOPES = ("bot", "applications.commands")

# See a quiz channel, post questions, reveals and results (embeds), add the answer reactions (which
# Discord allows only with Read Message History). Replies to slash commands, including the /stats
# chart and the /bank import report, are interaction responses: they need no channel permission.
NEEDED_NAMES = ("view_channel", "send_messages", "embed_links", "add_reactions", "read_message_history")
NEEDED = discord.Permissions(**dict.fromkeys(NEEDED_NAMES, True))
WITH_MANAGE_MESSAGES = NEEDED | discord.Permissions(manage_messages=True)


def invite_url(application_id: int, permissions: discord.Permissions) -> str:
    return discord.utils.oauth_url(application_id, permissions=permissions, scopes=SCOPES)


def display_name(permission: str) -> str:
    """``view_channel`` -> ``View Channel``, as the developer portal spells it."""
    return permission.replace("_", " ").title()


def _snowflake(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(
            "expected the numeric Application ID from the General Information page of your application"
        )
    return int(text)


def cmd_invite(args: argparse.Namespace) -> int:
    app_id = args.application_id
    print(f"Invite URLs for application {app_id} (scopes: {' '.join(SCOPES)}):")
    print()
    print(f"With Manage Messages, so answers can be hidden (permissions={WITH_MANAGE_MESSAGES.value}):")
    print(f"  {invite_url(app_id, WITH_MANAGE_MESSAGES)}")
    print(f"Without it: answer reactions stay visible (permissions={NEEDED.value}):")
    print(f"  {invite_url(app_id, NEEDED)}")
    print()
    print(f"Permissions: {', '.join(map(display_name, NEEDED_NAMES))}; optionally Manage Messages.")
    return 0


def add_invite_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "invite",
        help="print the URL that adds the bot to a server, with the permissions it needs",
        description="Print the invite URLs (with and without Manage Messages) for your application.",
    )
    parser.add_argument(
        "--application-id",
        required=True,
        type=_snowflake,
        metavar="ID",
        help="the Application ID (developer portal: General Information)",
    )
    parser.set_defaults(handler=cmd_invite)

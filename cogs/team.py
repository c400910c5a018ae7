"""/team create (Manage Server), /team join, /team leave, /team list.

The group mixes an admin subcommand with member ones, so it cannot carry
default_member_permissions (Discord only has it on top-level commands): ``create`` checks Manage
Server at run time, and the error handler refuses a member without it ephemerally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.competitions import MAX_TEAM_NAME
from bot.core.errors import UserFacingError
from bot.core.i18n import N_, translator
from cogs._competition_views import teams_embed
from cogs._i18n import private_language, public_language
from cogs._quiz_views import role_ids
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot


@app_commands.guild_only()
class TeamCog(commands.GroupCog, group_name="team", group_description="Study teams that compete together"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.teams
        super().__init__()

    async def team_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold().strip()
        return [
            app_commands.Choice(name=team.name, value=team.name)
            for team in self.service.teams(interaction.guild_id)
            if needle in team.name.casefold() and team.role_id is None
        ][:25]

    @app_commands.command(
        name="create", description="Create a team (Manage Server); with a role, its holders"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        name=f"The team's name (1-{MAX_TEAM_NAME} characters, unique here)",
        role="Optional: everyone with this role is on the team (no /team join needed)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, MAX_TEAM_NAME],
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if role is not None and role.is_default():
            raise UserFacingError(N_("@everyone can't make up a team; pick a role only some members have."))
        team = await self.service.create(
            guild_id=interaction.guild_id,
            name=name,
            role_id=role.id if role else None,
            role_name=role.mention if role else "",
        )
        shown = discord.utils.escape_markdown(team.name)
        _ = translator(await public_language(self.bot, interaction.guild_id)).gettext  # a public reply
        if role is not None:
            text = _("Team **{team}** created: everyone with the {role} role is on it.").format(
                team=shown, role=role.mention
            )
        else:
            text = _("Team **{team}** created: members join it with `/team join name:{name}`.").format(
                team=shown, name=team.name
            )
        await reply(interaction, text)

    @app_commands.command(name="join", description="Join a team (you can be on one team at a time)")
    @app_commands.describe(name="The team to join")
    @app_commands.autocomplete(name=team_autocomplete)
    async def join(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild_id is not None
        team = await self.service.join(
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            name=name,
            display_name=interaction.user.display_name,
            role_ids=role_ids(interaction.user),
        )
        _ = translator(await public_language(self.bot, interaction.guild_id)).gettext  # a public reply
        text = _("{member} joined team **{team}**.").format(
            member=discord.utils.escape_markdown(interaction.user.display_name),
            team=discord.utils.escape_markdown(team.name),
        )
        await reply(interaction, text)

    @app_commands.command(name="leave", description="Leave your team")
    async def leave(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        team = await self.service.leave(
            guild_id=interaction.guild_id, user_id=interaction.user.id, role_ids=role_ids(interaction.user)
        )
        _ = translator(private_language(interaction)).gettext
        text = _(
            "You left team **{team}**. Points you already earned for it in a competition stay with it."
        ).format(team=discord.utils.escape_markdown(team.name))
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="list", description="The server's teams and their members")
    async def list_teams(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        listings = await self.service.listing(interaction.guild_id)
        own = self.service.member_team_id(
            interaction.guild_id, interaction.user.id, role_ids(interaction.user)
        )
        lang = await public_language(self.bot, interaction.guild_id)  # a public reply: the channel's
        await reply(interaction, embed=teams_embed(listings, own, lang))


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(TeamCog(bot))

"""How teams and competition tables look on Discord (embeds, clipped to Discord's limits)."""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.core.competitions import TeamStanding
from bot.services.competitions import CompetitionEnded, Standings
from bot.services.teams import TeamListing
from cogs._quiz_views import DESCRIPTION_LIMIT, FIELD_LIMIT, MEDALS, clip

COLOUR_TEAMS = discord.Colour.teal()
COLOUR_COMPETITION = discord.Colour.gold()
MAX_TEAM_FIELDS = 10  # best members shown for the first ten teams of the table

SCORING_TEXT = {
    "total": "Scoring: **total** points of each team.",
    "average": "Scoring: **average** points per active member (members who answered at least once).",
}


def _esc(text: str) -> str:
    return discord.utils.escape_markdown(text)


def _badge(rank: int) -> str:
    return MEDALS[rank - 1] if rank <= len(MEDALS) else f"**{rank}.**"


def standing_line(row: TeamStanding, scoring: str) -> str:
    active = f"{row.active_members} active member{'s' if row.active_members != 1 else ''}"
    if scoring == "average":
        return (
            f"{_badge(row.rank)} **{_esc(row.name)}**: **{row.shown_score('average')}** points per active "
            f"member ({row.points:,} from {active})"
        )
    return f"{_badge(row.rank)} **{_esc(row.name)}**: **{row.points:,}** points · {active}"


def winners_line(standings: Standings) -> str:
    if not standings.winners:
        return "No team scored." if standings.final else "No team has scored yet."
    names = ", ".join(f"**{_esc(w.name)}**" for w in standings.winners)
    if standings.final:
        return f"🏆 Winner{'s (a tie)' if len(standings.winners) > 1 else ''}: {names}"
    return f"Leading: {names}"


def standings_embed(standings: Standings, *, title: str | None = None, intro: str = "") -> discord.Embed:
    competition = standings.competition
    if title is None:
        title = f"🏆 {competition.name}" + (" · final standings" if standings.final else " · standings")
    if standings.final and competition.ended_at is not None:
        when = f"Ended <t:{competition.ended_at // 1000}:f>."
    else:
        unix = competition.ends_at // 1000
        when = f"Ends <t:{unix}:f> (<t:{unix}:R>)."
    lines = [standing_line(row, competition.scoring) for row in standings.table] or [
        "This server has no teams."
    ]
    head = [intro] if intro else []
    description = "\n".join(
        [*head, f"{SCORING_TEXT[competition.scoring]} {when}", "", *lines, "", winners_line(standings)]
    )
    embed = discord.Embed(
        title=clip(title, 256), description=clip(description, DESCRIPTION_LIMIT), colour=COLOUR_COMPETITION
    )
    for row in standings.table[:MAX_TEAM_FIELDS]:
        best = standings.best.get(row.team_id, ())
        value = (
            "\n".join(f"{i}. {_esc(m.display_name)}: {m.points:,}" for i, m in enumerate(best, start=1))
            or "Nobody has scored yet."
        )
        embed.add_field(
            name=clip(f"{row.name} · best members", 256), value=clip(value, FIELD_LIMIT), inline=True
        )
    return embed


def competition_end_embed(ended: CompetitionEnded) -> discord.Embed:
    how = "ended on schedule" if ended.on_schedule else "was ended"
    if ended.late:
        how += " (late: I was offline when it was due)"
    embed = standings_embed(
        ended.standings,
        title=f"🏁 Competition {ended.competition.name} is over",
        intro=f"The competition {how}. Final table:",
    )
    started = int(from_ms(ended.competition.started_at).timestamp())
    embed.set_footer(text=clip(f"Final table: /competition standings name:{ended.competition.name}", 2048))
    embed.description = clip(f"{embed.description}\nPlayed from <t:{started}:f>.", DESCRIPTION_LIMIT)
    return embed


def teams_embed(listings: list[TeamListing], own_team_id: int | None) -> discord.Embed:
    lines = []
    for listing in listings:
        team = listing.team
        mark = " ← you" if team.id == own_team_id else ""
        if team.role_id is not None:
            lines.append(f"**{_esc(team.name)}**: everyone with the <@&{team.role_id}> role{mark}")
            continue
        names = ", ".join(_esc(n) for n in listing.names)
        more = listing.explicit_members - len(listing.names)
        if more > 0:
            names += f" and {more} more"
        count = f"{listing.explicit_members} member{'s' if listing.explicit_members != 1 else ''}"
        lines.append(f"**{_esc(team.name)}**: {count}{f' ({names})' if names else ''}{mark}")
    if not lines:
        lines = ["No teams yet. An admin can `/team create` one."]
    elif own_team_id is None:
        lines += ["", "You are on no team: `/team join` one."]
    return discord.Embed(
        title="👥 Teams", description=clip("\n".join(lines), DESCRIPTION_LIMIT), colour=COLOUR_TEAMS
    )

"""How teams and competition tables look on Discord (embeds, clipped to Discord's limits).

Every embed takes the language it is read in: the server's for what the channel sees.
"""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.core.competitions import TeamStanding
from bot.core.i18n import N_, translator
from bot.services.competitions import CompetitionEnded, Standings
from bot.services.teams import TeamListing
from cogs._quiz_views import DESCRIPTION_LIMIT, FIELD_LIMIT, MEDALS, clip

COLOUR_TEAMS = discord.Colour.teal()
COLOUR_COMPETITION = discord.Colour.gold()
MAX_TEAM_FIELDS = 10  # best members shown for the first ten teams of the table

SCORING_TEXT = {
    "total": N_("Scoring: **total** points of each team."),
    "average": N_("Scoring: **average** points per active member (members who answered at least once)."),
}


def _esc(text: str) -> str:
    return discord.utils.escape_markdown(text)


def _badge(rank: int) -> str:
    return MEDALS[rank - 1] if rank <= len(MEDALS) else f"**{rank}.**"


def standing_line(row: TeamStanding, scoring: str, lang: str = "en") -> str:
    ngettext = translator(lang).ngettext
    if scoring == "average":
        text = ngettext(
            "{badge} **{team}**: **{score}** points per active member ({points} from {n} active member)",
            "{badge} **{team}**: **{score}** points per active member ({points} from {n} active members)",
            row.active_members,
        )
        return text.format(
            badge=_badge(row.rank),
            team=_esc(row.name),
            score=row.shown_score("average"),
            points=f"{row.points:,}",
            n=row.active_members,
        )
    text = ngettext(
        "{badge} **{team}**: **{points}** points · {n} active member",
        "{badge} **{team}**: **{points}** points · {n} active members",
        row.active_members,
    )
    return text.format(
        badge=_badge(row.rank), team=_esc(row.name), points=f"{row.points:,}", n=row.active_members
    )


def winners_line(standings: Standings, lang: str = "en") -> str:
    tr = translator(lang)
    _ = tr.gettext
    if not standings.winners:
        return _("No team scored.") if standings.final else _("No team has scored yet.")
    names = ", ".join(f"**{_esc(w.name)}**" for w in standings.winners)
    if standings.final:
        if len(standings.winners) > 1:
            return _("🏆 Winners (a tie): {names}").format(names=names)
        return _("🏆 Winner: {names}").format(names=names)
    return _("Leading: {names}").format(names=names)


def standings_embed(
    standings: Standings, *, title: str | None = None, intro: str = "", lang: str = "en"
) -> discord.Embed:
    _ = translator(lang).gettext
    competition = standings.competition
    if title is None:
        if standings.final:
            title = _("🏆 {name} · final standings").format(name=competition.name)
        else:
            title = _("🏆 {name} · standings").format(name=competition.name)
    if standings.final and competition.ended_at is not None:
        when = _("Ended <t:{unix}:f>.").format(unix=competition.ended_at // 1000)
    else:
        when = _("Ends <t:{unix}:f> (<t:{unix}:R>).").format(unix=competition.ends_at // 1000)
    lines = [standing_line(row, competition.scoring, lang) for row in standings.table] or [
        _("This server has no teams.")
    ]
    head = [intro] if intro else []
    description = "\n".join(
        [
            *head,
            _("{scoring} {when}").format(scoring=_(SCORING_TEXT[competition.scoring]), when=when),
            "",
            *lines,
            "",
            winners_line(standings, lang),
        ]
    )
    embed = discord.Embed(
        title=clip(title, 256), description=clip(description, DESCRIPTION_LIMIT), colour=COLOUR_COMPETITION
    )
    for row in standings.table[:MAX_TEAM_FIELDS]:
        best = standings.best.get(row.team_id, ())
        value = "\n".join(
            f"{i}. {_esc(m.display_name)}: {m.points:,}" for i, m in enumerate(best, start=1)
        ) or _("Nobody has scored yet.")
        embed.add_field(
            name=clip(_("{team} · best members").format(team=row.name), 256),
            value=clip(value, FIELD_LIMIT),
            inline=True,
        )
    return embed


def competition_end_embed(ended: CompetitionEnded, lang: str = "en") -> discord.Embed:
    _ = translator(lang).gettext
    if ended.on_schedule:
        if ended.late:
            intro = _("The competition ended on schedule (late: I was offline when it was due). Final table:")
        else:
            intro = _("The competition ended on schedule. Final table:")
    elif ended.late:
        intro = _("The competition was ended (late: I was offline when it was due). Final table:")
    else:
        intro = _("The competition was ended. Final table:")
    name = ended.competition.name
    embed = standings_embed(
        ended.standings, title=_("🏁 Competition {name} is over").format(name=name), intro=intro, lang=lang
    )
    started = int(from_ms(ended.competition.started_at).timestamp())
    footer = _("Final table: /competition standings name:{name}").format(name=name)
    embed.set_footer(text=clip(footer, 2048))
    played = _("Played from <t:{started}:f>.").format(started=started)
    embed.description = clip(f"{embed.description}\n{played}", DESCRIPTION_LIMIT)
    return embed


def teams_embed(listings: list[TeamListing], own_team_id: int | None, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _ = tr.gettext
    lines = []
    for listing in listings:
        team = listing.team
        mark = _(" ← you") if team.id == own_team_id else ""
        if team.role_id is not None:
            line = _("**{team}**: everyone with the <@&{role_id}> role").format(
                team=_esc(team.name), role_id=team.role_id
            )
            lines.append(line + mark)
            continue
        names = ", ".join(_esc(n) for n in listing.names)
        more = listing.explicit_members - len(listing.names)
        if more > 0:
            names = _("{names} and {n} more").format(names=names, n=more)
        count = tr.ngettext("{n} member", "{n} members", listing.explicit_members).format(
            n=listing.explicit_members
        )
        if names:
            shown = _("**{team}**: {count} ({names})").format(team=_esc(team.name), count=count, names=names)
        else:
            shown = _("**{team}**: {count}").format(team=_esc(team.name), count=count)
        lines.append(shown + mark)
    if not lines:
        lines = [_("No teams yet. An admin can `/team create` one.")]
    elif own_team_id is None:
        lines += ["", _("You are on no team: `/team join` one.")]
    return discord.Embed(
        title=_("👥 Teams"), description=clip("\n".join(lines), DESCRIPTION_LIMIT), colour=COLOUR_TEAMS
    )

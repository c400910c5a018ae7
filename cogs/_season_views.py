"""How a season's end looks: the final top 3 and where the standings are archived."""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.core.i18n import translator
from bot.services.leaderboard import RankedBy
from bot.services.seasons import SeasonEnded
from cogs._leaderboard_views import COLOUR_BOARD, row_line
from cogs._quiz_views import DESCRIPTION_LIMIT, clip


def season_end_embed(ended: SeasonEnded, lang: str = "en") -> discord.Embed:
    """The announcement in ``lang``: the server's language, since the channel reads it."""
    tr = translator(lang)
    _ = tr.gettext
    season = ended.season
    if ended.podium:
        lines = [row_line(r, RankedBy.POINTS, lang) for r in ended.podium]
    else:
        lines = [_("Nobody scored this season.")]
    if ended.on_schedule:
        if ended.late:
            how = _("The season ended on schedule (late: I was offline when it was due). Final top 3:")
        else:
            how = _("The season ended on schedule. Final top 3:")
    elif ended.late:
        how = _("The season was ended (late: I was offline when it was due). Final top 3:")
    else:
        how = _("The season was ended. Final top 3:")
    embed = discord.Embed(
        title=clip(_("🏁 Season {name} is over").format(name=season.name), 256),
        description=clip(how + "\n\n" + "\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOUR_BOARD,
    )
    started = int(from_ms(season.started_at).timestamp())
    played = tr.ngettext(
        "from <t:{started}:f> · {n} member", "from <t:{started}:f> · {n} members", ended.participants
    ).format(started=started, n=ended.participants)
    embed.add_field(name=_("Played"), value=played, inline=False)
    embed.set_footer(
        text=_("Standings archived: /leaderboard period:season season:{name}").format(name=season.name)
    )
    return embed

"""How a season's end looks: the final top 3 and where the standings are archived."""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.services.leaderboard import RankedBy
from bot.services.seasons import SeasonEnded
from cogs._leaderboard_views import COLOUR_BOARD, row_line
from cogs._quiz_views import DESCRIPTION_LIMIT, clip


def season_end_embed(ended: SeasonEnded) -> discord.Embed:
    season = ended.season
    if ended.podium:
        lines = [row_line(r, RankedBy.POINTS) for r in ended.podium]
    else:
        lines = ["Nobody scored this season."]
    how = "ended on schedule" if ended.on_schedule else "was ended"
    if ended.late:
        how += " (late: I was offline when it was due)"
    embed = discord.Embed(
        title=clip(f"🏁 Season {season.name} is over", 256),
        description=clip(f"The season {how}. Final top 3:\n\n" + "\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOUR_BOARD,
    )
    started = int(from_ms(season.started_at).timestamp())
    embed.add_field(
        name="Played", value=f"from <t:{started}:f> · {ended.participants} member(s)", inline=False
    )
    embed.set_footer(text=f"Standings archived: /leaderboard period:season season:{season.name}")
    return embed

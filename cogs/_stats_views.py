"""How /stats looks: a member's points, rank, accuracy, streaks and per-topic accuracy."""

from __future__ import annotations

import discord

from bot.core.i18n import translator
from bot.core.ranking import percent
from bot.services.stats import MemberStats
from cogs._quiz_views import FIELD_LIMIT, clip, topic_label

COLOUR_STATS = discord.Colour.blurple()


def stats_embed(stats: MemberStats, name: str, lang: str = "en") -> discord.Embed:
    _ = translator(lang).gettext
    shown = discord.utils.escape_markdown(name)
    embed = discord.Embed(title=clip(_("📊 Stats · {name}").format(name=shown), 256), colour=COLOUR_STATS)
    if not stats.has_answers:
        embed.description = _("{name} has not answered any question in this server yet.").format(name=shown)
        return embed
    rank = (
        _("#{rank} of {members}").format(rank=stats.rank, members=stats.ranked_members)
        if stats.rank is not None
        else _("not ranked")
    )
    embed.add_field(name=_("Points"), value=f"{stats.points:,}", inline=True)
    embed.add_field(name=_("Rank"), value=rank, inline=True)
    embed.add_field(
        name=_("Accuracy"),
        value=_("{percent} ({correct}/{answered} answered)").format(
            percent=percent(stats.correct, stats.answered), correct=stats.correct, answered=stats.answered
        ),
        inline=True,
    )
    embed.add_field(
        name=_("Streak (correct in a row)"),
        value=_("{now} now · best {best}").format(now=stats.correct_streak, best=stats.best_correct_streak),
        inline=True,
    )
    embed.add_field(
        name=_("Daily streak (days in a row)"),
        value=_("{now} now · best {best}").format(now=stats.daily_streak, best=stats.best_daily_streak),
        inline=True,
    )
    if stats.topics:
        lines = [
            f"{topic_label(t.topic, lang)}: {percent(t.correct, t.answered)} ({t.correct}/{t.answered})"
            for t in sorted(stats.topics, key=lambda t: topic_label(t.topic, lang).lower())
        ]
        embed.add_field(name=_("Per topic"), value=clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text=_("All-time in this server · accuracy = correct / answered"))
    return embed

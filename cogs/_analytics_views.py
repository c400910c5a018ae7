"""Item analytics on Discord: the reveal's 🚩 report (button, reasons, comment), the review queue,
/bank stats and /class embeds and their PNGs.

The 🚩 button is a :class:`GuardedButton` whose custom_id carries the round, so it works on any
reveal after a restart; the reasons select and the comment modal are short-lived and private.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.bank.schema import BankItem
from bot.core.item_analysis import FLAG_LABELS, ItemStats, dead_distractors
from bot.core.letters import LETTERS
from bot.core.study import PRIVATE_DECK
from bot.services.analytics import NEEDS_HELP_DUE, REASONS, ClassOverview, ItemDetail, ReviewEntry
from bot.services.analytics_charts import Point, ShareBar, activity_chart, bars_chart, item_chart
from bot.services.charts import AccuracyBar, accuracy_chart
from cogs._guarded import GuardedButton, GuardedModal, GuardedView
from cogs._quiz_views import clip, topic_label
from cogs._reply import edit, reply

if TYPE_CHECKING:
    from bot.services.analytics import AnalyticsService

log = logging.getLogger(__name__)

COLOUR = discord.Colour.orange()
FIELD_LIMIT = 1024
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def _service(interaction: discord.Interaction) -> AnalyticsService:
    return interaction.client.analytics  # type: ignore[attr-defined]


# --- 🚩 report ---------------------------------------------------------------------------------


class ReportButton(GuardedButton, template=r"report:(?P<round>\d+)"):
    """🚩 under a reveal: report the question, privately."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report",
                emoji="🚩",
                style=discord.ButtonStyle.secondary,
                custom_id=f"report:{round_id}",
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReportButton:
        return cls(int(match["round"]))

    async def on_click(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        item = await _service(interaction).reportable_round(
            interaction.guild_id, self.round_id, interaction.user.id
        )
        await _ask_reason(interaction, interaction.guild_id, item.id, self.round_id)


class StudyReportButton(GuardedButton, template=r"report:study:(?P<session>\d+):(?P<position>\d+)"):
    """🚩 under a study card's answer: the same private report, of the card's item.

    In a DM (the private deck, server id 0) the report is kept under server id 0: no server's
    /bank review shows it; the shared bank's curators read it under ``quizbot bank stats``'s table.
    """

    def __init__(self, session_id: int, position: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report",
                emoji="🚩",
                style=discord.ButtonStyle.secondary,
                custom_id=f"report:study:{session_id}:{position}",
            )
        )
        self.session_id = session_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StudyReportButton:
        return cls(int(match["session"]), int(match["position"]))

    async def on_click(self, interaction: discord.Interaction) -> None:
        scope, item = await _service(interaction).reportable_study(
            self.session_id, self.position, interaction.user.id
        )
        await _ask_reason(interaction, scope, item.id, None)


async def _ask_reason(
    interaction: discord.Interaction, scope: int, item_id: str, round_id: int | None
) -> None:
    who = "the shared bank's curators" if scope == PRIVATE_DECK else "this server's curators"
    await reply(
        interaction,
        f"What is wrong with `{item_id}`? Only {who} see reports.",
        view=ReasonView(item_id, round_id, scope),
        ephemeral=True,
    )


def report_view(round_id: int) -> discord.ui.View:
    """The reveal's view: the 🚩 button (one line in the reveal rendering adds it)."""
    view = GuardedView()
    view.add_item(ReportButton(round_id))
    return view


class ReasonSelect(discord.ui.Select["ReasonView"]):
    def __init__(self, item_id: str, round_id: int | None, scope: int) -> None:
        super().__init__(
            placeholder="Pick a reason",
            options=[discord.SelectOption(label=label, value=value) for value, label in REASONS.items()],
        )
        self.item_id = item_id
        self.round_id = round_id
        self.scope = scope

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(
            ReportModal(self.item_id, self.round_id, self.values[0], self.scope)
        )


class ReasonView(GuardedView):
    def __init__(self, item_id: str, round_id: int | None, scope: int) -> None:
        super().__init__(timeout=600)
        self.add_item(ReasonSelect(item_id, round_id, scope))


class ReportModal(GuardedModal):
    comment: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        custom_id="comment",
        label="Anything to add? (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=500,
        placeholder="e.g. the key should be C: ...",
    )

    def __init__(self, item_id: str, round_id: int | None, reason: str, scope: int) -> None:
        super().__init__(title="Report this question", timeout=900)
        self.item_id = item_id
        self.round_id = round_id
        self.reason = reason
        self.scope = scope  # the server, or PRIVATE_DECK (0) for the shared bank's curators

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _service(interaction).report(
            guild_id=self.scope,
            item_id=self.item_id,
            user_id=interaction.user.id,
            reason=self.reason,
            comment=self.comment.value,
            round_id=self.round_id,
        )
        await reply(
            interaction,
            f"Thanks: your report on `{self.item_id}` ({REASONS[self.reason].lower()}) went to the "
            + ("shared bank's curators." if self.scope == PRIVATE_DECK else "server's curators."),
            ephemeral=True,
        )


# --- shared rendering ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def item_as_posted(item: BankItem) -> str:
    lines = [clip(item.prompt, 1500), ""]
    if not item.choices:  # a short-answer item (a study flashcard): its model answer
        return "\n".join([*lines, f"**Model answer:** {clip(item.answer, 1000)}"])
    accepted = {item.answer_index, *item.also_accepted_indexes}
    for index, choice in enumerate(item.choices):
        mark = " ✅" if index in accepted else ""
        lines.append(f"**{LETTERS[index]}.** {clip(choice.replace(chr(10), ' '), 200)}{mark}")
    return "\n".join(lines)


def stats_text(stats: ItemStats | None) -> str:
    if stats is None or not stats.answers:
        return "No answers in the last computed statistics (they are recomputed hourly)."
    r = "-" if stats.discrimination is None else f"{stats.discrimination:+.2f}"
    time = "-" if stats.mean_latency_ms is None else f"{stats.mean_latency_ms / 1000:.1f} s"
    return (
        f"Answers **{stats.answers}** · p **{_pct(stats.p)}** (chance {_pct(stats.chance)})\n"
        f"Discrimination **{r}** (over {stats.discriminating_answers} answers)\n"
        f"Mean time {time} · in the last 10% of the time {_pct(stats.late_share)}"
    )


def shares_text(stats: ItemStats | None) -> str:
    if stats is None or not stats.answers:
        return "-"
    dead = set(dead_distractors(stats))
    lines = []
    for index, share in enumerate(stats.shares):
        mark = " ✅" if index in stats.accepted else (" 💤" if index in dead else "")
        lines.append(f"{LETTERS[index]} {share * 100:4.0f}% · top third {stats.top_counts[index]}{mark}")
    return "\n".join(lines)


def flags_text(stats: ItemStats | None, min_answers: int) -> str:
    if stats is None or not stats.flags_shown:
        return f"Shown from {min_answers} answers (has {stats.answers if stats else 0})."
    return ", ".join(f"🚩 {FLAG_LABELS[f]}" for f in stats.flags) or "None"


def review_embed(entry: ReviewEntry, index: int, total: int, *, disabled_mode: bool = False) -> discord.Embed:
    item = entry.item
    scope = "this server's own" if entry.own else "shared bank"
    heading = "Disabled here" if disabled_mode else "Review"
    embed = discord.Embed(
        title=clip(f"{heading} {index + 1}/{total} · {item.id} ({scope})", 256),
        description=clip(item_as_posted(item), 4000),
        colour=COLOUR,
    )
    embed.add_field(name="Statistics here", value=stats_text(entry.stats), inline=False)
    embed.add_field(
        name="Choice shares (bank order)", value=f"```\n{shares_text(entry.stats)}\n```", inline=False
    )
    embed.add_field(name="Flags", value=flags_text(entry.stats, entry.min_answers), inline=False)
    if entry.everywhere is not None and entry.everywhere.answers:
        e = entry.everywhere
        r = "-" if e.discrimination is None else f"{e.discrimination:+.2f}"
        embed.add_field(
            name="Across all servers",
            value=f"Answers {e.answers} · p {_pct(e.p)} · discrimination {r} · "
            + flags_text(e, entry.min_answers),
            inline=False,
        )
    if entry.reports:
        lines = [
            f"• **{REASONS.get(r.reason, r.reason)}**"
            + (f": {discord.utils.escape_markdown(r.comment)}" if r.comment else "")
            for r in entry.reports
        ]
        embed.add_field(
            name=f"Reports ({len(entry.reports)})", value=clip("\n".join(lines), FIELD_LIMIT), inline=False
        )
    embed.set_footer(
        text="Dismiss: out of the queue until a new report · Disable here: no longer drawn in this server"
        if not disabled_mode
        else "Enable again: drawn in this server's quizzes again"
    )
    return embed


# --- /bank review --------------------------------------------------------------------------------


class _ActionButton(discord.ui.Button["ReviewView"]):
    def __init__(self, label: str, style: discord.ButtonStyle, action: Any, *, enabled: bool) -> None:
        super().__init__(label=label, style=style, disabled=not enabled)
        self.action = action

    async def callback(self, interaction: discord.Interaction) -> None:
        await self.action(interaction)


class ReviewView(GuardedView):
    """The private, paged queue; every action re-reads the queue from the service."""

    def __init__(
        self,
        service: AnalyticsService,
        guild_id: int,
        user_id: int,
        entries: list[ReviewEntry],
        disabled: list[ReviewEntry],
        *,
        disabled_mode: bool = False,
        index: int = 0,
    ) -> None:
        super().__init__(timeout=900)
        self.service = service
        self.guild_id = guild_id
        self.user_id = user_id
        self.entries = entries
        self.disabled = disabled
        self.disabled_mode = disabled_mode
        self.index = index
        self._build()

    @property
    def shown(self) -> list[ReviewEntry]:
        return self.disabled if self.disabled_mode else self.entries

    def _button(self, label: str, style: discord.ButtonStyle, action: Any, *, enabled: bool = True) -> None:
        self.add_item(_ActionButton(label, style, action, enabled=enabled))

    def _build(self) -> None:
        self.clear_items()
        shown = self.shown
        self.index = min(max(self.index, 0), max(0, len(shown) - 1))
        self._button("◀", discord.ButtonStyle.secondary, self._previous, enabled=self.index > 0)
        self._button("▶", discord.ButtonStyle.secondary, self._next, enabled=self.index < len(shown) - 1)
        if self.disabled_mode:
            self._button("Enable again", discord.ButtonStyle.success, self._enable, enabled=bool(shown))
            self._button("Back to the queue", discord.ButtonStyle.secondary, self._queue)
            return
        self._button("Dismiss", discord.ButtonStyle.secondary, self._dismiss, enabled=bool(shown))
        self._button("Disable here", discord.ButtonStyle.danger, self._disable, enabled=bool(shown))
        if shown and shown[self.index].own:
            self._button("Remove", discord.ButtonStyle.danger, self._remove)
        self._button(
            f"Disabled items ({len(self.disabled)})", discord.ButtonStyle.secondary, self._disabled_list
        )

    def render(self) -> discord.Embed:
        shown = self.shown
        if not shown:
            what = "disabled items" if self.disabled_mode else "flagged or reported questions"
            return discord.Embed(
                title="Nothing to review" if not self.disabled_mode else "No disabled items",
                description=f"This server has no {what}. Members report a question with 🚩 under its answer; "
                "flags appear once an item has enough answers (statistics are recomputed hourly).",
                colour=COLOUR,
            )
        return review_embed(shown[self.index], self.index, len(shown), disabled_mode=self.disabled_mode)

    async def _reload(self, interaction: discord.Interaction, note: str | None = None) -> None:
        self.entries = await self.service.review_queue(self.guild_id)
        self.disabled = await self.service.disabled_entries(self.guild_id)
        self._build()
        await edit(interaction, content=note, embed=self.render(), view=self)

    async def _current(self) -> ReviewEntry:
        return self.shown[self.index]

    async def _previous(self, interaction: discord.Interaction) -> None:
        self.index -= 1
        self._build()
        await edit(interaction, embed=self.render(), view=self)

    async def _next(self, interaction: discord.Interaction) -> None:
        self.index += 1
        self._build()
        await edit(interaction, embed=self.render(), view=self)

    async def _dismiss(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.dismiss(self.guild_id, entry.item.id, interaction.user.id)
        await self._reload(interaction, f"Dismissed `{entry.item.id}`.")

    async def _disable(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.disable(self.guild_id, entry.item.id, interaction.user.id)
        await self._reload(interaction, f"Disabled `{entry.item.id}` here: quizzes no longer draw it.")

    async def _remove(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.remove(self.guild_id, entry.item.id)
        await self._reload(interaction, f"Removed `{entry.item.id}` from this server's own questions.")

    async def _enable(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.enable(self.guild_id, entry.item.id)
        await self._reload(interaction, f"Enabled `{entry.item.id}` again.")

    async def _disabled_list(self, interaction: discord.Interaction) -> None:
        self.disabled_mode, self.index = True, 0
        await self._reload(interaction)

    async def _queue(self, interaction: discord.Interaction) -> None:
        self.disabled_mode, self.index = False, 0
        await self._reload(interaction)


# --- /bank stats ---------------------------------------------------------------------------------


def _week_label(week: int) -> str:
    return datetime.fromtimestamp(week * WEEK_MS / 1000, tz=UTC).strftime("%d %b")


def detail_embed(detail: ItemDetail) -> discord.Embed:
    item = detail.item
    embed = discord.Embed(
        title=clip(f"📊 {item.id} · {topic_label(item.main_topic)}", 256),
        description=clip(item_as_posted(item), 4000),
        colour=COLOUR,
    )
    embed.add_field(name="Statistics here", value=stats_text(detail.stats), inline=False)
    embed.add_field(
        name="Choice shares (bank order)", value=f"```\n{shares_text(detail.stats)}\n```", inline=False
    )
    embed.add_field(name="Flags", value=flags_text(detail.stats, detail.min_answers), inline=False)
    if detail.everywhere is not None and detail.everywhere.answers:
        embed.add_field(name="Across all servers", value=stats_text(detail.everywhere), inline=False)
    extra = [f"{detail.reports} report(s)"]
    if detail.disabled:
        extra.append("disabled here")
    if detail.computed_at:
        extra.append(f"statistics as of <t:{detail.computed_at // 1000}:R>")
    embed.add_field(name="Status", value=" · ".join(extra), inline=False)
    embed.set_image(url="attachment://item-stats.png")
    return embed


def detail_chart(detail: ItemDetail) -> discord.File:
    stats = detail.stats
    shares = [
        ShareBar(
            f"{LETTERS[i]}. {choice}",
            stats.shares[i] if stats else 0.0,
            good=stats is not None and i in stats.accepted,
        )
        for i, choice in enumerate(detail.item.choices)
    ]
    weeks = [Point(_week_label(w.week), w.correct / w.answers if w.answers else None) for w in detail.weeks]
    chance = 1 / len(detail.item.choices)
    png = item_chart(f"{detail.item.id}: choice shares and p over time", shares, weeks, chance)
    return discord.File(io.BytesIO(png), "item-stats.png")


# --- /class --------------------------------------------------------------------------------------


def _day_label(day: int) -> str:
    return datetime.fromtimestamp(day * DAY_MS / 1000, tz=UTC).strftime("%d %b")


def class_embed(overview: ClassOverview) -> discord.Embed:
    active = {d.day for d in overview.activity if d.members}
    embed = discord.Embed(
        title="🎓 Class overview (last 30 days)",
        description=f"**{overview.answers}** answers on **{len(active)}** day(s). "
        "Private to you: no member is named anywhere else.",
        colour=COLOUR,
    )
    hardest = "\n".join(
        f"`{h.item_id}` {h.correct * 100 // h.answers}% right of {h.answers}: {clip(h.prompt, 60)}"
        for h in overview.hardest
    )
    embed.add_field(
        name="Hardest items", value=clip(hardest or "Not enough answers yet.", FIELD_LIMIT), inline=False
    )
    needs = "\n".join(
        f"{discord.utils.escape_markdown(m.display_name)}: {m.correct * 100 // m.answered}% of {m.answered}"
        for m in overview.needs_help
    )
    embed.add_field(
        name="May need help (accuracy under 50%)", value=clip(needs or "Nobody.", FIELD_LIMIT), inline=False
    )
    behind = "\n".join(
        f"{discord.utils.escape_markdown(m.display_name)}: {m.due} cards due" for m in overview.behind
    )
    embed.add_field(
        name=f"May need help ({NEEDS_HELP_DUE} or more study cards due)",
        value=clip(behind or "Nobody.", FIELD_LIMIT),
        inline=False,
    )
    improved = "\n".join(
        f"{discord.utils.escape_markdown(i.display_name)}: {i.before * 100:.0f}% → {i.recent * 100:.0f}%"
        for i in overview.improved
    )
    embed.add_field(
        name="Most improved (last 14 days vs the 14 before)",
        value=clip(improved or "Not enough answers in both windows yet.", FIELD_LIMIT),
        inline=False,
    )
    embed.set_image(url="attachment://participation.png")
    return embed


def class_files(overview: ClassOverview) -> list[discord.File]:
    days = [(_day_label(d.day), d.answers, d.members) for d in overview.activity]
    participation = activity_chart("Participation: answers and active members per day", days)
    topics = accuracy_chart(
        [AccuracyBar(topic_label(t.topic), t.correct, t.answered) for t in overview.topics],
        title="Accuracy per topic",
    )
    hardest = bars_chart(
        "The 5 hardest items (share right, last 30 days)",
        [ShareBar(h.item_id, h.correct / h.answers, note=f"of {h.answers}") for h in overview.hardest],
    )
    return [
        discord.File(io.BytesIO(participation), "participation.png"),
        discord.File(io.BytesIO(topics), "topics.png"),
        discord.File(io.BytesIO(hardest), "hardest.png"),
    ]

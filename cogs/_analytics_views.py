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
from bot.core.i18n import N_, translator
from bot.core.item_analysis import FLAG_LABELS, ItemStats, dead_distractors
from bot.core.letters import LETTERS
from bot.core.study import PRIVATE_DECK
from bot.services.analytics import NEEDS_HELP_DUE, REASONS, ClassOverview, ItemDetail, ReviewEntry
from bot.services.analytics_charts import Point, ShareBar, activity_chart, bars_chart, item_chart
from bot.services.charts import AccuracyBar, accuracy_chart
from cogs._guarded import GuardedButton, GuardedModal, GuardedView
from cogs._i18n import private_language
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
    """🚩 under a reveal: report the question, privately. Its label is in the reveal's language."""

    def __init__(self, round_id: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=translator(lang).gettext("Report"),
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

    def __init__(self, session_id: int, position: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=translator(lang).gettext("Report"),
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
    lang = private_language(interaction)
    _ = translator(lang).gettext
    if scope == PRIVATE_DECK:
        text = _("What is wrong with `{item_id}`? Only the shared bank's curators see reports.")
    else:
        text = _("What is wrong with `{item_id}`? Only this server's curators see reports.")
    await reply(
        interaction,
        text.format(item_id=item_id),
        view=ReasonView(item_id, round_id, scope, lang),
        ephemeral=True,
    )


def report_view(round_id: int, lang: str = "en") -> discord.ui.View:
    """The reveal's view: the 🚩 button (one line in the reveal rendering adds it), in ``lang``."""
    view = GuardedView()
    view.add_item(ReportButton(round_id, lang))
    return view


class ReasonSelect(discord.ui.Select["ReasonView"]):
    def __init__(self, item_id: str, round_id: int | None, scope: int, lang: str = "en") -> None:
        _ = translator(lang).gettext
        super().__init__(
            placeholder=_("Pick a reason"),
            options=[discord.SelectOption(label=_(label), value=value) for value, label in REASONS.items()],
        )
        self.item_id = item_id
        self.round_id = round_id
        self.scope = scope

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(
            ReportModal(
                self.item_id, self.round_id, self.values[0], self.scope, private_language(interaction)
            )
        )


class ReasonView(GuardedView):
    def __init__(self, item_id: str, round_id: int | None, scope: int, lang: str = "en") -> None:
        super().__init__(timeout=600)
        self.add_item(ReasonSelect(item_id, round_id, scope, lang))


class ReportModal(GuardedModal):
    """The optional comment of a report, its labels in the reporting member's language."""

    def __init__(self, item_id: str, round_id: int | None, reason: str, scope: int, lang: str = "en") -> None:
        _ = translator(lang).gettext
        super().__init__(title=_("Report this question"), timeout=900)
        self.comment: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            custom_id="comment",
            label=_("Anything to add? (optional)"),
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=500,
            placeholder=_("e.g. the key should be C: ..."),
        )
        self.add_item(self.comment)
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
        _ = translator(private_language(interaction)).gettext
        if self.scope == PRIVATE_DECK:
            text = _("Thanks: your report on `{item_id}` ({reason}) went to the shared bank's curators.")
        else:
            text = _("Thanks: your report on `{item_id}` ({reason}) went to the server's curators.")
        reason = _(REASONS[self.reason]).lower()
        await reply(interaction, text.format(item_id=self.item_id, reason=reason), ephemeral=True)


# --- shared rendering ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def item_as_posted(item: BankItem, lang: str = "en") -> str:
    lines = [clip(item.prompt, 1500), ""]
    if not item.choices:  # a short-answer item (a study flashcard): its model answer
        label = translator(lang).gettext("**Model answer:** {answer}")
        return "\n".join([*lines, label.format(answer=clip(item.answer, 1000))])
    accepted = {item.answer_index, *item.also_accepted_indexes}
    for index, choice in enumerate(item.choices):
        mark = " ✅" if index in accepted else ""
        lines.append(f"**{LETTERS[index]}.** {clip(choice.replace(chr(10), ' '), 200)}{mark}")
    return "\n".join(lines)


def stats_text(stats: ItemStats | None, lang: str = "en") -> str:
    _ = translator(lang).gettext
    if stats is None or not stats.answers:
        return _("No answers in the last computed statistics (they are recomputed hourly).")
    r = "-" if stats.discrimination is None else f"{stats.discrimination:+.2f}"
    time = (
        "-"
        if stats.mean_latency_ms is None
        else _("{seconds} s").format(seconds=f"{stats.mean_latency_ms / 1000:.1f}")
    )
    return "\n".join(
        [
            _("Answers **{answers}** · p **{p}** (chance {chance})").format(
                answers=stats.answers, p=_pct(stats.p), chance=_pct(stats.chance)
            ),
            _("Discrimination **{r}** (over {count} answers)").format(
                r=r, count=stats.discriminating_answers
            ),
            _("Mean time {time} · in the last 10% of the time {late}").format(
                time=time, late=_pct(stats.late_share)
            ),
        ]
    )


def shares_text(stats: ItemStats | None, lang: str = "en") -> str:
    if stats is None or not stats.answers:
        return "-"
    top = translator(lang).gettext("top third")
    dead = set(dead_distractors(stats))
    lines = []
    for index, share in enumerate(stats.shares):
        mark = " ✅" if index in stats.accepted else (" 💤" if index in dead else "")
        lines.append(f"{LETTERS[index]} {share * 100:4.0f}% · {top} {stats.top_counts[index]}{mark}")
    return "\n".join(lines)


def flags_text(stats: ItemStats | None, min_answers: int, lang: str = "en") -> str:
    _ = translator(lang).gettext
    if stats is None or not stats.flags_shown:
        return _("Shown from {min} answers (has {count}).").format(
            min=min_answers, count=stats.answers if stats else 0
        )
    return ", ".join(f"🚩 {_(FLAG_LABELS[f])}" for f in stats.flags) or _("None")


def review_embed(
    entry: ReviewEntry, index: int, total: int, *, disabled_mode: bool = False, lang: str = "en"
) -> discord.Embed:
    _ = translator(lang).gettext
    item = entry.item
    scope = _("this server's own") if entry.own else _("shared bank")
    heading = _("Disabled here") if disabled_mode else _("Review")
    embed = discord.Embed(
        title=clip(f"{heading} {index + 1}/{total} · {item.id} ({scope})", 256),
        description=clip(item_as_posted(item, lang), 4000),
        colour=COLOUR,
    )
    embed.add_field(name=_("Statistics here"), value=stats_text(entry.stats, lang), inline=False)
    embed.add_field(
        name=_("Choice shares (bank order)"),
        value=f"```\n{shares_text(entry.stats, lang)}\n```",
        inline=False,
    )
    embed.add_field(name=_("Flags"), value=flags_text(entry.stats, entry.min_answers, lang), inline=False)
    if entry.everywhere is not None and entry.everywhere.answers:
        e = entry.everywhere
        r = "-" if e.discrimination is None else f"{e.discrimination:+.2f}"
        summary = _("Answers {answers} · p {p} · discrimination {r}").format(
            answers=e.answers, p=_pct(e.p), r=r
        )
        embed.add_field(
            name=_("Across all servers"),
            value=f"{summary} · {flags_text(e, entry.min_answers, lang)}",
            inline=False,
        )
    if entry.reports:
        lines = [
            f"• **{_(REASONS[r.reason]) if r.reason in REASONS else r.reason}**"
            + (f": {discord.utils.escape_markdown(r.comment)}" if r.comment else "")
            for r in entry.reports
        ]
        embed.add_field(
            name=_("Reports ({count})").format(count=len(entry.reports)),
            value=clip("\n".join(lines), FIELD_LIMIT),
            inline=False,
        )
    embed.set_footer(
        text=_("Dismiss: out of the queue until a new report · Disable here: no longer drawn in this server")
        if not disabled_mode
        else _("Enable again: drawn in this server's quizzes again")
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
        lang: str = "en",
    ) -> None:
        super().__init__(timeout=900)
        self.lang = lang  # the curator's who opened it: the queue is private
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
        _ = translator(self.lang).gettext
        self.clear_items()
        shown = self.shown
        self.index = min(max(self.index, 0), max(0, len(shown) - 1))
        self._button("◀", discord.ButtonStyle.secondary, self._previous, enabled=self.index > 0)
        self._button("▶", discord.ButtonStyle.secondary, self._next, enabled=self.index < len(shown) - 1)
        if self.disabled_mode:
            self._button(_("Enable again"), discord.ButtonStyle.success, self._enable, enabled=bool(shown))
            self._button(_("Back to the queue"), discord.ButtonStyle.secondary, self._queue)
            return
        self._button(_("Dismiss"), discord.ButtonStyle.secondary, self._dismiss, enabled=bool(shown))
        self._button(_("Disable here"), discord.ButtonStyle.danger, self._disable, enabled=bool(shown))
        if shown and shown[self.index].own:
            self._button(_("Remove"), discord.ButtonStyle.danger, self._remove)
        self._button(
            _("Disabled items ({count})").format(count=len(self.disabled)),
            discord.ButtonStyle.secondary,
            self._disabled_list,
        )

    def render(self) -> discord.Embed:
        _ = translator(self.lang).gettext
        shown = self.shown
        if not shown:
            if self.disabled_mode:
                title, first = _("No disabled items"), _("This server has no disabled items.")
            else:
                title, first = _("Nothing to review"), _("This server has no flagged or reported questions.")
            how = _(
                "Members report a question with 🚩 under its answer; flags appear once an item has "
                "enough answers (statistics are recomputed hourly)."
            )
            return discord.Embed(title=title, description=f"{first} {how}", colour=COLOUR)
        return review_embed(
            shown[self.index], self.index, len(shown), disabled_mode=self.disabled_mode, lang=self.lang
        )

    async def _reload(self, interaction: discord.Interaction, note: str | None = None) -> None:
        self.entries = await self.service.review_queue(self.guild_id)
        self.disabled = await self.service.disabled_entries(self.guild_id)
        self._build()
        await edit(interaction, content=note, embed=self.render(), view=self)

    def _note(self, message: str, entry: ReviewEntry) -> str:
        return translator(self.lang).gettext(message).format(item_id=entry.item.id)

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
        await self._reload(interaction, self._note(N_("Dismissed `{item_id}`."), entry))

    async def _disable(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.disable(self.guild_id, entry.item.id, interaction.user.id)
        await self._reload(
            interaction, self._note(N_("Disabled `{item_id}` here: quizzes no longer draw it."), entry)
        )

    async def _remove(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.remove(self.guild_id, entry.item.id)
        await self._reload(
            interaction, self._note(N_("Removed `{item_id}` from this server's own questions."), entry)
        )

    async def _enable(self, interaction: discord.Interaction) -> None:
        entry = await self._current()
        await self.service.enable(self.guild_id, entry.item.id)
        await self._reload(interaction, self._note(N_("Enabled `{item_id}` again."), entry))

    async def _disabled_list(self, interaction: discord.Interaction) -> None:
        self.disabled_mode, self.index = True, 0
        await self._reload(interaction)

    async def _queue(self, interaction: discord.Interaction) -> None:
        self.disabled_mode, self.index = False, 0
        await self._reload(interaction)


# --- /bank stats ---------------------------------------------------------------------------------


def _date_label(ms: int, lang: str) -> str:
    # A strftime format from the catalogue: "30 Nov" in English, "11-30" in Chinese.
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(translator(lang).gettext("%d %b"))


def _week_label(week: int, lang: str = "en") -> str:
    return _date_label(week * WEEK_MS, lang)


def detail_embed(detail: ItemDetail, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    item = detail.item
    embed = discord.Embed(
        title=clip(f"📊 {item.id} · {topic_label(item.main_topic, lang)}", 256),
        description=clip(item_as_posted(item, lang), 4000),
        colour=COLOUR,
    )
    embed.add_field(name=_("Statistics here"), value=stats_text(detail.stats, lang), inline=False)
    embed.add_field(
        name=_("Choice shares (bank order)"),
        value=f"```\n{shares_text(detail.stats, lang)}\n```",
        inline=False,
    )
    embed.add_field(name=_("Flags"), value=flags_text(detail.stats, detail.min_answers, lang), inline=False)
    if detail.everywhere is not None and detail.everywhere.answers:
        embed.add_field(name=_("Across all servers"), value=stats_text(detail.everywhere, lang), inline=False)
    extra = [ngettext("{count} report", "{count} reports", detail.reports).format(count=detail.reports)]
    if detail.disabled:
        extra.append(_("disabled here"))
    if detail.computed_at:
        extra.append(_("statistics as of {when}").format(when=f"<t:{detail.computed_at // 1000}:R>"))
    embed.add_field(name=_("Status"), value=" · ".join(extra), inline=False)
    embed.set_image(url="attachment://item-stats.png")
    return embed


def detail_chart(detail: ItemDetail, lang: str = "en") -> discord.File:
    stats = detail.stats
    shares = [
        ShareBar(
            f"{LETTERS[i]}. {choice}",
            stats.shares[i] if stats else 0.0,
            good=stats is not None and i in stats.accepted,
        )
        for i, choice in enumerate(detail.item.choices)
    ]
    weeks = [
        Point(_week_label(w.week, lang), w.correct / w.answers if w.answers else None) for w in detail.weeks
    ]
    chance = 1 / len(detail.item.choices)
    title = (
        translator(lang).gettext("{item_id}: choice shares and p over time").format(item_id=detail.item.id)
    )
    png = item_chart(title, shares, weeks, chance, lang=lang)
    return discord.File(io.BytesIO(png), "item-stats.png")


# --- /class --------------------------------------------------------------------------------------


def _day_label(day: int, lang: str = "en") -> str:
    return _date_label(day * DAY_MS, lang)


def class_embed(overview: ClassOverview, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    active = {d.day for d in overview.activity if d.members}
    description = ngettext(
        "**{answers}** answers on **{count}** day. Private to you: no member is named anywhere else.",
        "**{answers}** answers on **{count}** days. Private to you: no member is named anywhere else.",
        len(active),
    ).format(answers=overview.answers, count=len(active))
    embed = discord.Embed(title=_("🎓 Class overview (last 30 days)"), description=description, colour=COLOUR)
    right_of = _("{share}% right of {answers}: {prompt}")
    hardest = "\n".join(
        f"`{h.item_id}` "
        + right_of.format(share=h.correct * 100 // h.answers, answers=h.answers, prompt=clip(h.prompt, 60))
        for h in overview.hardest
    )
    embed.add_field(
        name=_("Hardest items"),
        value=clip(hardest or _("Not enough answers yet."), FIELD_LIMIT),
        inline=False,
    )
    share_of = _("{name}: {share}% of {answered}")
    needs = "\n".join(
        share_of.format(
            name=discord.utils.escape_markdown(m.display_name),
            share=m.correct * 100 // m.answered,
            answered=m.answered,
        )
        for m in overview.needs_help
    )
    embed.add_field(
        name=_("May need help (accuracy under 50%)"),
        value=clip(needs or _("Nobody."), FIELD_LIMIT),
        inline=False,
    )
    behind = "\n".join(
        ngettext("{name}: {count} card due", "{name}: {count} cards due", m.due).format(
            name=discord.utils.escape_markdown(m.display_name), count=m.due
        )
        for m in overview.behind
    )
    embed.add_field(
        name=_("May need help ({count} or more study cards due)").format(count=NEEDS_HELP_DUE),
        value=clip(behind or _("Nobody."), FIELD_LIMIT),
        inline=False,
    )
    improved = "\n".join(
        f"{discord.utils.escape_markdown(i.display_name)}: {i.before * 100:.0f}% → {i.recent * 100:.0f}%"
        for i in overview.improved
    )
    embed.add_field(
        name=_("Most improved (last 14 days vs the 14 before)"),
        value=clip(improved or _("Not enough answers in both windows yet."), FIELD_LIMIT),
        inline=False,
    )
    embed.set_image(url="attachment://participation.png")
    return embed


def class_files(overview: ClassOverview, lang: str = "en") -> list[discord.File]:
    """/class's charts, their labels and topics in ``lang``."""
    tr = translator(lang)
    _ = tr.gettext
    days = [(_day_label(d.day, lang), d.answers, d.members) for d in overview.activity]
    participation = activity_chart(_("Participation: answers and active members per day"), days, lang=lang)
    topics = accuracy_chart(
        [AccuracyBar(topic_label(t.topic, lang), t.correct, t.answered) for t in overview.topics],
        title=_("Accuracy per topic"),
        empty=_("No answers yet"),
    )
    of = _("of {count}")
    hardest = bars_chart(
        _("The 5 hardest items (share right, last 30 days)"),
        [
            ShareBar(h.item_id, h.correct / h.answers, note=of.format(count=h.answers))
            for h in overview.hardest
        ],
        lang=lang,
    )
    return [
        discord.File(io.BytesIO(participation), "participation.png"),
        discord.File(io.BytesIO(topics), "topics.png"),
        discord.File(io.BytesIO(hardest), "hardest.png"),
    ]

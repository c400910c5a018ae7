"""/bank (Manage Server): import, list, remove (the server's own questions); review and stats (analytics)."""

from __future__ import annotations

import io
import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.bank.formats.export import EXPORT_FORMATS
from bot.bank.loader import Problem
from bot.bank.schema import BankItem
from bot.core.i18n import translator
from bot.core.item_analysis import FLAG_LABELS
from bot.core.topics import topic_label
from bot.services.analytics_charts import ShareBar, bars_chart
from bot.services.guild_bank import MAX_ITEMS_PER_GUILD, ImportReport, check_file_size
from cogs._analytics_views import (
    COLOUR,
    ReportButton,
    ReviewView,
    StudyReportButton,
    detail_chart,
    detail_embed,
)
from cogs._i18n import private_language
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

PAGE_SIZE = 20
# A reply's content may hold 2,000 characters; the report is clipped well inside that and the
# whole of it attached as a text file.
REPORT_BUDGET = 1700


def _start(text: str, width: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def report_text(report: ImportReport, lang: str = "en") -> str:
    """The whole report, as plain text (the attached file). The problems are the parsers' own
    English lines (file:line and what is wrong)."""
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    if report.imported:
        head = ngettext(
            "{file}: imported {count} question ({format})",
            "{file}: imported {count} questions ({format})",
            len(report.added),
        ).format(file=report.file_name, count=len(report.added), format=report.format)
    else:
        head = ngettext(
            "{file}: nothing imported; {count} problem",
            "{file}: nothing imported; {count} problems",
            len(report.problems),
        ).format(file=report.file_name, count=len(report.problems))
    lines = [head]
    lines += [str(p) for p in report.problems]
    lines += [str(p) for p in report.skipped]
    added = _("added {item_id} ({topic}): {prompt}")
    lines += [
        added.format(item_id=i.id, topic=topic_label(i.main_topic, lang), prompt=_start(i.prompt))
        for i in report.added
    ]
    return "\n".join(lines) + "\n"


def report_message(report: ImportReport, lang: str = "en") -> tuple[str, bool]:
    """The reply in ``lang`` (within Discord's limits) and whether it had to be clipped."""
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    if report.imported:
        text = ngettext(
            "Imported **{count}** question from `{file}` ({format}).",
            "Imported **{count}** questions from `{file}` ({format}).",
            len(report.added),
        ).format(count=len(report.added), file=report.file_name, format=report.format)
        text += " " + _(
            "This server now has {total} of its own (up to {limit}); "
            "they join its quizzes from the next one on."
        ).format(total=report.total, limit=MAX_ITEMS_PER_GUILD)
        if report.without_explanation:
            text += "\n" + ngettext(
                "{count} came without an explanation; the reveal says so.",
                "{count} came without an explanation; the reveal says so.",
                report.without_explanation,
            ).format(count=report.without_explanation)
        for note in report.notes:
            text += f"\n{note.render(lang)}"
        if report.skipped:
            text += "\n" + ngettext(
                "{count} question was skipped:", "{count} questions were skipped:", len(report.skipped)
            ).format(count=len(report.skipped))
            return _listed(text + "\n", list(report.skipped), lang)
        return text, False
    head = ngettext(
        "Nothing was imported from `{file}`: {count} problem. Fix it and import the file again.",
        "Nothing was imported from `{file}`: {count} problems. Fix them all and import the file again.",
        len(report.problems),
    ).format(file=report.file_name, count=len(report.problems))
    return _listed(head + "\n", [*report.problems, *report.skipped], lang)


def _listed(head: str, problems: list[Problem], lang: str = "en") -> tuple[str, bool]:
    """``head`` and one line per problem, clipped to fit a message (then True: attach the report)."""
    lines: list[str] = []
    used = len(head)
    for n, problem in enumerate(problems):
        line = f"`{_start(str(problem), 180)}`"
        rest = len(problems) - n
        if used + len(line) + 40 > REPORT_BUDGET and rest:
            more = translator(lang).ngettext(
                "…and {count} more (the attached report lists them all)",
                "…and {count} more (the attached report lists them all)",
                rest,
            )
            lines.append(more.format(count=rest))
            return head + "\n".join(lines), True
        lines.append(line)
        used += len(line) + 1
    return head + "\n".join(lines), False


def list_embed(items: list[BankItem], page: int, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    embed = discord.Embed(title=_("📚 This server's own questions"), colour=discord.Colour.blurple())
    if not items:
        embed.description = _("None yet. `/bank import` adds questions from a file.")
        return embed
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    embed.description = "\n".join(
        f"`{i.id}` · {topic_label(i.main_topic, lang)} · {i.lang} · "
        f"{discord.utils.escape_markdown(_start(i.prompt, 80))}"
        for i in shown
    )
    footer = ngettext(
        "Page {page}/{pages} · {count} question · limit {limit}",
        "Page {page}/{pages} · {count} questions · limit {limit}",
        len(items),
    )
    embed.set_footer(text=footer.format(page=page, pages=pages, count=len(items), limit=MAX_ITEMS_PER_GUILD))
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class BankCog(commands.GroupCog, group_name="bank", group_description="This server's own questions"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.guild_bank
        self.analytics = bot.analytics
        super().__init__()

    async def cog_load(self) -> None:
        # The 🚩 button under every reveal (cogs/quiz.py adds it) and under a study card's answer
        # (cogs/_study_views.py) works after a restart too.
        self.bot.add_dynamic_items(ReportButton, StudyReportButton)

    @app_commands.command(
        name="import", description="Add questions from a file (bank YAML, GIFT, Aiken, Moodle XML, ...)"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        file="A question file of up to 1 MB; a malformed file imports nothing",
        topic="This server's topic for every question (default: its category, else the file's name)",
    )
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        topic: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        check_file_size(file.size)  # before fetching anything
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Only the attachment Discord resolved for this interaction, from its own URL.
        data = await file.read()
        report = await self.service.import_file(
            interaction.guild_id, interaction.user.id, file.filename, data, topic=topic
        )
        lang = private_language(interaction)
        text, clipped = report_message(report, lang)
        if clipped:
            attachment = discord.File(io.BytesIO(report_text(report, lang).encode()), "import-report.txt")
            await reply(interaction, text, file=attachment, ephemeral=True)
        else:
            await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="export", description="Download this server's own questions as a file")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(format="json (for tools), gift (Moodle) or anki (an .apkg deck per topic)")
    @app_commands.choices(format=[app_commands.Choice(name=f, value=f) for f in EXPORT_FORMATS])
    async def export(
        self, interaction: discord.Interaction, format: app_commands.Range[str, 1, 16] = "json"
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        name, data = await self.service.export(interaction.guild_id, format)
        count = len(self.service.items_of(interaction.guild_id))
        text = translator(private_language(interaction)).ngettext(
            "This server's {count} question of its own, as {format}.",
            "This server's {count} questions of its own, as {format}.",
            count,
        )
        await reply(
            interaction,
            text.format(count=count, format=format),
            file=discord.File(io.BytesIO(data), name),
            ephemeral=True,
        )

    @app_commands.command(name="list", description="List this server's own questions")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(page="Page number (20 per page)")
    async def list_(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 100] = 1
    ) -> None:
        assert interaction.guild_id is not None
        items = list(self.service.items_of(interaction.guild_id))
        await reply(interaction, embed=list_embed(items, page, private_language(interaction)), ephemeral=True)

    async def item_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold().strip()
        found = [
            i
            for i in self.service.items_of(interaction.guild_id)
            if needle in i.id or needle in i.prompt.casefold()
        ]
        return [app_commands.Choice(name=_start(f"{i.id}: {i.prompt}", 100), value=i.id) for i in found[:25]]

    @app_commands.command(name="remove", description="Remove one of this server's own questions")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(item_id="The question's id (see /bank list)")
    @app_commands.autocomplete(item_id=item_autocomplete)
    async def remove(
        self, interaction: discord.Interaction, item_id: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild_id is not None
        item = await self.service.remove(interaction.guild_id, item_id)
        text = translator(private_language(interaction)).gettext("Removed `{item_id}`: {prompt}")
        await reply(
            interaction,
            text.format(item_id=item.id, prompt=discord.utils.escape_markdown(_start(item.prompt))),
            ephemeral=True,
        )

    @app_commands.command(
        name="review", description="Flagged and reported questions, privately, with actions"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        entries = await self.analytics.review_queue(interaction.guild_id)
        disabled = await self.analytics.disabled_entries(interaction.guild_id)
        view = ReviewView(
            self.analytics,
            interaction.guild_id,
            interaction.user.id,
            entries,
            disabled,
            lang=private_language(interaction),
        )
        await reply(interaction, embed=view.render(), view=view, ephemeral=True)

    async def any_item_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = self.analytics.item_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=_start(f"{i.id}: {i.prompt}", 100), value=i.id) for i in found[:25]]

    @app_commands.command(
        name="stats", description="Item statistics: one question's in full, or the most answered"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(item_id="A question's id (in each question's footer); empty: the most answered")
    @app_commands.autocomplete(item_id=any_item_autocomplete)
    async def stats(
        self, interaction: discord.Interaction, item_id: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = private_language(interaction)
        tr = translator(lang)
        _, ngettext = tr.gettext, tr.ngettext
        if item_id is not None:
            detail = await self.analytics.item_detail(interaction.guild_id, item_id)
            await reply(
                interaction, embed=detail_embed(detail, lang), file=detail_chart(detail, lang), ephemeral=True
            )
            return
        stats = await self.analytics.server_stats(interaction.guild_id)
        shown = stats[:15]
        embed = discord.Embed(title=_("📊 Item statistics: the most answered here"), colour=COLOUR)
        if not shown:
            embed.description = _("No statistics yet: they are computed hourly from the answers.")
        else:
            embed.description = "\n".join(
                f"`{s.item_id}` "
                + ngettext("{count} answer", "{count} answers", s.answers).format(count=s.answers)
                + f" · p {round((s.p or 0) * 100)}% · "
                f"r {'-' if s.discrimination is None else f'{s.discrimination:+.2f}'}"
                + (f" · 🚩 {', '.join(_(FLAG_LABELS[f]) for f in s.flags)}" if s.flags else "")
                for s in shown
            )
            footer = ngettext(
                "{count} item with answers · /bank stats item_id:<id> for one in full",
                "{count} items with answers · /bank stats item_id:<id> for one in full",
                len(stats),
            )
            embed.set_footer(text=footer.format(count=len(stats)))
        of = _("of {count}")
        png = bars_chart(
            _("Share right of the most answered items"),
            [ShareBar(s.item_id, s.p or 0.0, note=of.format(count=s.answers)) for s in shown],
            lang=lang,
        )
        embed.set_image(url="attachment://items.png")
        await reply(interaction, embed=embed, file=discord.File(io.BytesIO(png), "items.png"), ephemeral=True)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(BankCog(bot))

"""How a study session looks on Discord: the card embeds and the buttons that survive a restart.

Every button is a :class:`StudyButton` whose custom_id is ``study:<session>:<position>:<action>``;
the session's state is re-read from the database on each click, so a button works after a restart
and a click on an earlier step's button just shows the session as it is now.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.i18n import translator
from bot.core.letters import LETTERS, REACTIONS
from bot.core.study import DIFFICULTY_NAMES, RATING_NAMES
from bot.services.progress import Progress, mastery_lines
from bot.services.study import StaleStepError, StudyCard, StudyStep, StudySummary
from cogs._analytics_views import StudyReportButton
from cogs._guarded import GuardedButton, GuardedView
from cogs._i18n import private_language
from cogs._quiz_views import CHOICE_LIMIT, DESCRIPTION_LIMIT, FIELD_LIMIT, clip, topic_label
from cogs._reply import edit

if TYPE_CHECKING:
    from bot.services.study import StudyService

log = logging.getLogger(__name__)

COLOUR_ASK = discord.Colour.blurple()
COLOUR_RIGHT = discord.Colour.green()
COLOUR_WRONG = discord.Colour.red()
COLOUR_DONE = discord.Colour.gold()
RATING_STYLES = {
    1: discord.ButtonStyle.danger,
    2: discord.ButtonStyle.secondary,
    3: discord.ButtonStyle.success,
    4: discord.ButtonStyle.primary,
}


def _heading(card: StudyCard, lang: str) -> str:
    _ = translator(lang).gettext
    heading = _("Study {position}/{total} · {topic}").format(
        position=card.position, total=card.total, topic=topic_label(card.item.main_topic, lang)
    )
    return clip(heading + (_(" · new") if card.new else ""), 256)


def _choices(card: StudyCard) -> str:
    lines = []
    for index, choice in enumerate(card.item.choices):
        body = clip(choice, CHOICE_LIMIT)
        mark = ""
        if card.phase == "answered":
            if index == card.item.answer_index:
                mark = " ✅"
            elif index == card.picked:
                mark = " ❌"
        lines.append(f"{REACTIONS[index]}{chr(10) if chr(10) in body else ' '}{body}{mark}")
    return "\n".join(lines)


def _when(card: StudyCard) -> str:
    if card.next_due is None:
        return "—"
    unix = int(card.next_due.timestamp())
    return f"<t:{unix}:R> (<t:{unix}:f>)"


def card_embed(card: StudyCard, lang: str = "en") -> discord.Embed:
    """A study card, its labels in ``lang`` (the member's: a study session is private)."""
    _ = translator(lang).gettext
    item = card.item
    footer = _("{difficulty} · {id} · {reviewed} reviewed, {correct} right").format(
        difficulty=_(DIFFICULTY_NAMES.get(item.difficulty.value, item.difficulty.value)),
        id=item.id,
        reviewed=card.reviewed,
        correct=card.correct,
    )
    if card.is_choice:
        choices = _choices(card)
        prompt = clip(item.prompt, max(200, DESCRIPTION_LIMIT - len(choices) - 2))
        if card.phase != "answered":
            embed = discord.Embed(
                title=_heading(card, lang),
                description=clip(f"{prompt}\n\n{choices}", DESCRIPTION_LIMIT),
                colour=COLOUR_ASK,
            )
            embed.set_footer(text=footer)
            return embed
        right = card.right
        letter = LETTERS[item.answer_index]
        verdict = _("✅ Right") if right else _("❌ Not quite: the answer is {letter}").format(letter=letter)
        embed = discord.Embed(
            title=clip(f"{verdict} · {_heading(card, lang)}", 256),
            description=clip(f"{prompt}\n\n{choices}", DESCRIPTION_LIMIT),
            colour=COLOUR_RIGHT if right else COLOUR_WRONG,
        )
        embed.add_field(name=_("Why"), value=clip(item.explanation, FIELD_LIMIT), inline=False)
        if not right and card.picked is not None:
            picked = LETTERS[card.picked]
            why = item.why_not.get(picked)
            if why:
                embed.add_field(
                    name=_("Why not {letter}?").format(letter=picked),
                    value=clip(why, FIELD_LIMIT),
                    inline=False,
                )
        embed.add_field(name=_("Comes back"), value=_when(card), inline=False)
        embed.set_footer(text=footer)
        return embed
    # A short-answer item: a flashcard.
    embed = discord.Embed(
        title=_heading(card, lang), description=clip(item.prompt, DESCRIPTION_LIMIT), colour=COLOUR_ASK
    )
    if card.phase in ("shown", "answered"):
        embed.add_field(name=_("Model answer"), value=clip(item.answer, FIELD_LIMIT), inline=False)
        embed.add_field(name=_("Why"), value=clip(item.explanation, FIELD_LIMIT), inline=False)
    if card.phase == "answered" and card.rating is not None:
        embed.colour = COLOUR_RIGHT if card.right else COLOUR_WRONG
        embed.add_field(
            name=_("You said: {rating}").format(rating=_(RATING_NAMES[card.rating])),
            value=_("Comes back {when}").format(when=_when(card)),
            inline=False,
        )
    embed.set_footer(text=footer)
    return embed


def summary_embed(summary: StudySummary, lang: str = "en") -> discord.Embed:
    _ = translator(lang).gettext
    lines = [
        _("Reviewed: **{reviewed}** of {total}").format(reviewed=summary.reviewed, total=summary.total),
        _("Right: **{correct}**").format(correct=summary.correct),
    ]
    if summary.next_due is not None:
        unix = int(summary.next_due.timestamp())
        lines.append(_("Next due: {when}").format(when=f"<t:{unix}:R> (<t:{unix}:f>)"))
    if summary.due_now:
        lines.append(_("Still due now: {count}; `/study start` goes on.").format(count=summary.due_now))
    return discord.Embed(title=_("Study session done"), description="\n".join(lines), colour=COLOUR_DONE)


class StudyButton(
    GuardedButton,
    template=r"study:(?P<session>\d+):(?P<position>\d+):(?P<action>c\d|show|r[1-4]|next)",
):
    """One step of a study session; what it does is in its custom_id, the state in the database."""

    def __init__(
        self,
        session_id: int,
        position: int,
        action: str,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action,
                style=style,
                custom_id=f"study:{session_id}:{position}:{action}",
            )
        )
        self.session_id = session_id
        self.position = position
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StudyButton:
        return cls(int(match["session"]), int(match["position"]), match["action"])

    async def on_click(self, interaction: discord.Interaction) -> None:
        service: StudyService = interaction.client.study  # type: ignore[attr-defined]
        user = interaction.user.id
        try:
            step = await self._act(service, user)
        except StaleStepError:
            # A button of a step already taken (a double click, two open clients): show the
            # session as it is now instead of doing anything twice.
            step = await service.current(self.session_id, user)
        await edit(interaction, **render(step, private_language(interaction)))

    async def _act(self, service: StudyService, user: int) -> StudyStep:
        sid, pos, action = self.session_id, self.position, self.action
        if action.startswith("c"):
            return await service.answer_choice(sid, user, pos, int(action[1:]))
        if action == "show":
            return await service.show_answer(sid, user, pos)
        if action.startswith("r"):
            return await service.rate(sid, user, pos, int(action[1:]))
        return await service.next(sid, user, pos)


def step_view(step: StudyStep, lang: str = "en") -> discord.ui.View | None:
    if isinstance(step, StudySummary):
        return None
    _ = translator(lang).gettext
    view = GuardedView()
    sid, pos = step.session_id, step.position
    if step.phase == "answered":
        last = pos >= step.total
        view.add_item(
            StudyButton(sid, pos, "next", _("Finish") if last else _("Next"), discord.ButtonStyle.primary)
        )
        view.add_item(StudyReportButton(sid, pos, lang))
    elif step.is_choice:
        for index in range(len(step.item.choices)):
            view.add_item(StudyButton(sid, pos, f"c{index}", LETTERS[index], discord.ButtonStyle.primary))
    elif step.phase == "ask":
        view.add_item(StudyButton(sid, pos, "show", _("Show answer"), discord.ButtonStyle.primary))
    else:
        for rating, name in RATING_NAMES.items():
            interval = step.intervals.get(rating)
            label = f"{_(name)} · {interval.render(lang) if interval is not None else '?'}"
            view.add_item(StudyButton(sid, pos, f"r{rating}", label, RATING_STYLES[rating]))
        view.add_item(StudyReportButton(sid, pos, lang))
    return view


def render(step: StudyStep, lang: str = "en") -> dict[str, Any]:
    """The message for a step in ``lang``: ``embed`` and ``view`` (None once the session is done)."""
    if isinstance(step, StudySummary):
        return {"embed": summary_embed(step, lang), "view": None}
    return {"embed": card_embed(step, lang), "view": step_view(step, lang)}


def progress_embed(progress: Progress, name: str, lang: str = "en") -> discord.Embed:
    """The figures beside the progress PNG (which the embed shows as its image), in ``lang``."""
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    embed = discord.Embed(title=clip(_("Study progress: {name}").format(name=name), 256), colour=COLOUR_ASK)
    embed.add_field(name=_("Cards"), value=str(progress.cards))
    embed.add_field(name=_("Due now"), value=str(progress.due_now))
    if progress.retention is None:
        retention = _("no reviews of learnt cards in 30 days")
    else:
        retention = ngettext(
            "{share} of {count} review", "{share} of {count} reviews", progress.retention_reviews
        ).format(share=f"{progress.retention:.0%}", count=progress.retention_reviews)
    embed.add_field(name=_("True retention (30 days)"), value=retention)
    embed.add_field(name=_("Days in a row"), value=str(progress.streak))
    if progress.next_due is not None:
        unix = int(progress.next_due.timestamp())
        embed.add_field(name=_("Next due"), value=f"<t:{unix}:R>")
    embed.add_field(
        name=_("Due, next 14 days"), value=" ".join(str(n) for n in progress.forecast), inline=False
    )
    if progress.reminder is not None:
        reminder = _("on, {when}").format(when=progress.reminder)
    elif progress.reminder_off_reason:
        # The reason is stored as the English msgid (the reminder service's): shown in ``lang``.
        reminder = _("off: {reason}").format(reason=_(progress.reminder_off_reason))
    else:
        reminder = _("off (`/study remind on`)")
    embed.add_field(name=_("Reminder"), value=clip(reminder, FIELD_LIMIT), inline=False)
    lines = mastery_lines(progress.topics, lang)
    if lines:
        embed.description = clip("\n".join(lines), DESCRIPTION_LIMIT)
    embed.set_image(url="attachment://progress.png")
    return embed

"""How quiz questions, reveals and results look on Discord: embeds and answer buttons.

Everything is clipped to Discord's limits (description 4,096, field value 1,024, title 256,
6,000 characters per message), closing a code fence a clip cut through.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.i18n import translator
from bot.core.letters import LETTERS, REACTIONS
from bot.core.media import image_url
from bot.core.settings_rules import language_counts
from bot.core.study import DIFFICULTY_NAMES
from bot.core.topics import topic_label as core_topic_label
from bot.core.typed import MAX_TYPED_INPUT_CHARS
from bot.core.vocabulary import AnswerMode, QuizKind
from bot.services.quiz import ResultsCard
from bot.services.rounds import QuestionCard, RevealCard
from cogs._guarded import GuardedButton, GuardedModal, GuardedView
from cogs._i18n import private_language
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.bank.schema import BankItem
    from bot.services.rounds import RoundService

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
MESSAGE_LIMIT = 6000  # characters across a message's embeds
MAX_REVEAL_FIELDS = 6
MIN_REASON = 80  # a 'why not' with less room than this is left out rather than cut to a stub
CHOICE_LIMIT = 600
MEDALS = ("🥇", "🥈", "🥉")
COLOUR_QUESTION = discord.Colour.blurple()
COLOUR_REVEAL = discord.Colour.green()
COLOUR_RESULTS = discord.Colour.gold()


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; an open code fence is closed."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 5)].rstrip() + "…"
    if cut.count("```") % 2 == 1:
        cut = text[: max(0, limit - 9)].rstrip() + "…\n```"
    return cut


def topic_label(topic: str, lang: str = "en") -> str:
    """Kept for the cogs that import it from here; the names live in ``bot.core.topics``."""
    return core_topic_label(topic, lang)


def difficulty_label(item: BankItem, lang: str = "en") -> str:
    """An item's difficulty as members read it ("medium", "中等")."""
    value = item.difficulty.value
    return translator(lang).gettext(DIFFICULTY_NAMES.get(value, value))


def _choice_lines(choices: tuple[str, ...]) -> list[str]:
    """One line per choice, in posted order, under its letter."""
    lines = []
    for index, choice in enumerate(choices):
        body = clip(choice, CHOICE_LIMIT)
        sep = "\n" if "\n" in body else " "
        lines.append(f"{REACTIONS[index]}{sep}{body}")
    return lines


def question_embed(card: QuestionCard, lang: str = "en") -> discord.Embed:
    """The question as the channel sees it, its labels in ``lang`` (the server's interface language)."""
    _ = translator(lang).gettext
    item = card.item
    choices = "\n".join(_choice_lines(card.choices))
    room = DESCRIPTION_LIMIT - len(choices) - 2
    description = f"{clip(item.prompt, max(200, room))}\n\n{choices}"
    heading = (
        _("Question of the day")
        if card.kind == QuizKind.DAILY
        else _("Question {position}/{total}").format(position=card.position, total=card.total)
    )
    embed = discord.Embed(
        title=clip(f"{heading} · {topic_label(item.main_topic, lang)}", TITLE_LIMIT),
        description=clip(description, DESCRIPTION_LIMIT),
        colour=COLOUR_QUESTION,
    )
    unix = int(card.closes_at.timestamp())
    how = _("React with a letter") if card.mode == AnswerMode.REACTIONS else _("Press a button")
    embed.add_field(
        name=_("Closes"),
        value=_("{when} · {how}; your first answer counts.").format(when=f"<t:{unix}:R>", how=how),
        inline=False,
    )
    embed.set_footer(text=f"{difficulty_label(item, lang)} · {item.id}")
    picture = image_url(item.prompt)  # an image URL stays in the prompt and is shown too (Red lists)
    if picture is not None:
        embed.set_image(url=picture)
    return embed


def _bar(count: int, total: int, width: int = 10) -> str:
    filled = round(width * count / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def reveal_embed(card: RevealCard, lang: str = "en") -> discord.Embed:
    """The key, the explanation, the counts, who was right, and as many 'why not's as fit.

    The counts and the names are what members wait for, so they always fit; the 'why not'
    reasons share what is left of Discord's 6,000 characters, the last one clipped visibly.
    Every letter is as posted: the card translates the bank's. Labels are in ``lang``.
    """
    _ = translator(lang).gettext
    item = card.item
    letter = card.key_letter
    key = card.key_text.replace("\n", " ")
    heading = (
        _("Answer of the day")
        if card.kind == QuizKind.DAILY
        else _("Answer {position}/{total}").format(position=card.position, total=card.total)
    )
    title = clip(
        _("{heading}: {letter}. {key}").format(heading=heading, letter=letter, key=key),
        TITLE_LIMIT,
    )
    footer = clip(
        _("{id} · source: {file} {locator}").format(
            id=item.id, file=item.source.file, locator=item.source.locator
        ),
        FOOTER_LIMIT,
    )
    right_indexes = card.right_indexes
    counts: tuple[str, str] | None = None
    if card.show_counts:
        lines = [
            f"{REACTIONS[i]} {_bar(n, card.answered)} {n}{' ✅' if i in right_indexes else ''}"
            for i, n in enumerate(card.counts)
        ]
        counts = (
            _("Answers ({count})").format(count=card.answered),
            "\n".join(lines),
        )
    # An also-accepted choice scored as right: say so where the explanation (which argues it) starts.
    accepted = (
        _("Also accepted: {letters}").format(letters=", ".join(card.accepted_letters)) + "\n\n"
        if card.accepted_letters
        else ""
    )
    if card.correct_names:
        names = ", ".join(discord.utils.escape_markdown(n) for n in card.correct_names)
        n_right = len(card.correct_names)
        right = (
            _("Right ({count})").format(count=n_right),
            clip(names, FIELD_LIMIT),
        )
    elif card.answered:
        right = (_("Right ({count})").format(count=0), _("Nobody this time."))
    else:
        right = (_("Answers"), _("Nobody answered."))
    kept = [f for f in (counts, right) if f is not None]
    room = MESSAGE_LIMIT - len(title) - len(footer) - sum(len(n) + len(v) for n, v in kept)
    description = accepted + clip(item.explanation, min(DESCRIPTION_LIMIT, room) - len(accepted))
    room -= len(description)
    reasons: list[tuple[str, str]] = []
    for wrong, why in card.why_not:
        name = _("Why not {letter}?").format(letter=wrong)
        space = min(FIELD_LIMIT, room - len(name))
        if len(kept) + len(reasons) >= MAX_REVEAL_FIELDS or space < MIN_REASON:
            break
        reasons.append((name, clip(why, space)))
        room -= len(name) + len(reasons[-1][1])
    embed = discord.Embed(title=title, description=description, colour=COLOUR_REVEAL)
    for name, value in [*([counts] if counts else []), *reasons, right]:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return embed


def results_embed(card: ResultsCard, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    title = _("Quiz stopped: results") if card.stopped else _("Quiz over: results")
    if not card.rows:
        description = _("Nobody answered. `/quiz start` to try again.")
    else:
        lines = []
        for row in card.rows[:15]:
            badge = MEDALS[row.rank - 1] if row.rank <= len(MEDALS) else f"**{row.rank}.**"
            name = discord.utils.escape_markdown(row.name)
            score = ngettext(
                "**{points}** point ({correct}/{answered} right)",
                "**{points}** points ({correct}/{answered} right)",
                row.points,
            ).format(points=row.points, correct=row.correct, answered=row.answered)
            lines.append(_("{badge} {name}: {score}").format(badge=badge, name=name, score=score))
        if len(card.rows) > 15:
            more = len(card.rows) - 15
            lines.append(ngettext("… and {count} more", "… and {count} more", more).format(count=more))
        description = "\n".join(lines)
    if card.reason:
        description = f"*{card.reason.render(tr)}*\n\n{description}"
    embed = discord.Embed(
        title=title, description=clip(description, DESCRIPTION_LIMIT), colour=COLOUR_RESULTS
    )
    embed.set_footer(
        text=ngettext(
            "{asked} of {total} question asked", "{asked} of {total} questions asked", card.total_questions
        ).format(asked=card.questions_asked, total=card.total_questions)
    )
    return embed


def topics_embed(counts: dict[str, dict[str, int]], lang: str = "en") -> discord.Embed:
    _ = translator(lang).gettext
    lines = [
        f"`{topic}` {topic_label(topic, lang)}: {language_counts(per_lang, lang)}"
        for topic, per_lang in counts.items()
    ]
    return discord.Embed(
        title=_("Quiz topics"),
        description="\n".join(lines) or _("The bank is empty."),
        colour=COLOUR_QUESTION,
    ).set_footer(text=_("/quiz start topic:<name> language:<en|zh|any>"))


class AnswerButton(GuardedButton, template=r"quiz:(?P<round>\d+):(?P<choice>\d{1,3})"):
    """A choice button whose custom_id carries the round and choice, so it works after a restart."""

    def __init__(self, round_id: int, choice: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=LETTERS[choice],
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:{round_id}:{choice}",
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]))

    async def on_click(self, interaction: discord.Interaction) -> None:
        service: RoundService = interaction.client.rounds  # type: ignore[attr-defined]
        await answer_by_button(service, interaction, self.choice)


def role_ids(user: discord.abc.User | None) -> tuple[int, ...]:
    """The member's role ids as the event carried them (a role-bound team is read from these)."""
    if not isinstance(user, discord.Member):
        return ()
    return tuple(role.id for role in user.roles)


async def answer_by_button(service: RoundService, interaction: discord.Interaction, choice: int) -> None:
    """Record a button answer and tell only the member what happened."""
    assert interaction.message is not None
    result = await service.answer_when_ready(
        message_id=interaction.message.id,
        user_id=interaction.user.id,
        display_name=interaction.user.display_name,
        choice=choice,
        role_ids=role_ids(interaction.user),
    )
    if result.error is not None:
        raise result.error  # the one handler tells the member, ephemerally
    locked = translator(private_language(interaction)).gettext("Locked in: {answer}")
    await reply(interaction, locked.format(answer=LETTERS[choice]), ephemeral=True)


async def add_answer_reactions(client: discord.Client, card: QuestionCard, message_id: int) -> None:
    """React with the question's letters, in order, under its message (reactions mode)."""
    message = client.get_partial_messageable(card.channel_id).get_partial_message(message_id)
    for index in range(len(card.item.choices)):
        await message.add_reaction(REACTIONS[index])


def answer_view(round_id: int, n_choices: int) -> discord.ui.View:
    view = GuardedView()
    for choice in range(n_choices):
        view.add_item(AnswerButton(round_id, choice))
    return view


def closed_answer_view(round_id: int, n_choices: int, right: frozenset[int]) -> discord.ui.View:
    """The question's buttons once it is revealed: all disabled, the choices that scored in green.

    The custom_ids stay the same, so a click that raced the edit still reaches the bot and is
    told, privately, that the question is closed.
    """
    view = GuardedView()
    for choice in range(n_choices):
        button = AnswerButton(round_id, choice)
        button.item.disabled = True
        button.item.style = discord.ButtonStyle.success if choice in right else discord.ButtonStyle.secondary
        view.add_item(button)
    return view


# --- typed answers ---------------------------------------------------------------------------

TYPED_MODAL = re.compile(r"typed-answer:(?P<message>\d+)")
# A picture in a prompt (Red lists keep image URLs there): shown as the card's image too.
IMAGE_URL = re.compile(r"https?://\S+?\.(?:png|jpe?g|gif|webp)(?:\?\S*)?(?=\s|$)", re.IGNORECASE)
TYPED_FIELD = "answer"
MODAL_TITLE_LIMIT = 45


def typed_question_embed(card: QuestionCard, lang: str = "en") -> discord.Embed:
    """A short-answer question: the prompt, and how to answer (no choices), its labels in ``lang``."""
    _ = translator(lang).gettext
    item = card.item
    heading = _("Question {position}/{total}").format(position=card.position, total=card.total)
    embed = discord.Embed(
        title=clip(f"{heading} · {topic_label(item.main_topic, lang)}", TITLE_LIMIT),
        description=clip(item.prompt, DESCRIPTION_LIMIT),
        colour=COLOUR_QUESTION,
    )
    unix = int(card.closes_at.timestamp())
    embed.add_field(
        name=_("Closes"),
        value=_("{when} · Press **Answer** and type it; your first answer counts.").format(
            when=f"<t:{unix}:R>"
        ),
        inline=False,
    )
    embed.set_footer(text=f"{difficulty_label(item, lang)} · {item.id}")
    image = IMAGE_URL.search(item.prompt)
    if image is not None:
        embed.set_image(url=image.group(0))
    return embed


def typed_reveal_embed(card: RevealCard, lang: str = "en") -> discord.Embed:
    """The answer, every answer that counted, who was right, and the explanation, in ``lang``."""
    _ = translator(lang).gettext
    item = card.item
    heading = _("Answer {position}/{total}").format(position=card.position, total=card.total)
    title = clip(f"{heading}: {item.answer}", TITLE_LIMIT)
    accepted = ", ".join(discord.utils.escape_markdown(a) for a in item.accepted)
    fields = [(_("Accepted answers"), clip(accepted, FIELD_LIMIT))]
    right = _("Right ({count} of {answered})")
    if card.correct_names:
        names = ", ".join(discord.utils.escape_markdown(n) for n in card.correct_names)
        fields.append(
            (right.format(count=len(card.correct_names), answered=card.answered), clip(names, FIELD_LIMIT))
        )
    elif card.answered:
        fields.append((right.format(count=0, answered=card.answered), _("Nobody this time.")))
    else:
        fields.append((_("Answers"), _("Nobody answered.")))
    footer = clip(
        _("{id} · source: {file} {locator}").format(
            id=item.id, file=item.source.file, locator=item.source.locator
        ),
        FOOTER_LIMIT,
    )
    room = MESSAGE_LIMIT - len(title) - len(footer) - sum(len(n) + len(v) for n, v in fields)
    embed = discord.Embed(
        title=title, description=clip(item.explanation, min(DESCRIPTION_LIMIT, room)), colour=COLOUR_REVEAL
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return embed


class TypedAnswerButton(GuardedButton, template=r"typed:(?P<round>\d+)"):
    """The Answer button of a typed question: opens the answer box. Its custom_id carries the
    round, and every press re-reads the round's state, so it works after a restart."""

    def __init__(self, round_id: int, *, disabled: bool = False, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=translator(lang).gettext("Answer"),
                emoji="✏️",
                style=discord.ButtonStyle.secondary if disabled else discord.ButtonStyle.primary,
                custom_id=f"typed:{round_id}",
                disabled=disabled,
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TypedAnswerButton:
        return cls(int(match["round"]))

    async def on_click(self, interaction: discord.Interaction) -> None:
        service: RoundService = interaction.client.rounds  # type: ignore[attr-defined]
        assert interaction.message is not None
        message_id, user_id = interaction.message.id, interaction.user.id
        result = await service.when_ready(lambda: service.check_typed(message_id=message_id, user_id=user_id))
        if result.error is not None:
            raise result.error  # closed, or already answered: told privately by the one handler
        active = service.active_round(message_id)
        # The box is the member's own: in their language (as private replies are).
        lang = private_language(interaction)
        await interaction.response.send_modal(
            typed_answer_modal(message_id, active.item.prompt if active else "", lang)
        )


def typed_answer_modal(message_id: int, prompt: str = "", lang: str = "en") -> GuardedModal:
    """The answer box. Its submission is handled by the quiz cog's ``on_interaction`` (see
    :func:`typed_submission`), not by this object: a box opened before a restart is submitted to
    the next process, which never saw it. So the modal is stopped before it is sent, which keeps
    discord.py from tracking it (a tracked one would race the cog to answer)."""
    # The box covers the question on a phone: its title repeats the question, as much as fits.
    _ = translator(lang).gettext
    title = clip(" ".join(prompt.split()), MODAL_TITLE_LIMIT) or _("Your answer")
    modal = GuardedModal(title=title, custom_id=f"typed-answer:{message_id}", timeout=None)
    modal.add_item(
        discord.ui.Label(
            text=_("Your answer"),
            description=_("Spelling may be a letter off in longer words; your first answer counts."),
            component=discord.ui.TextInput(
                custom_id=TYPED_FIELD, max_length=MAX_TYPED_INPUT_CHARS, required=True
            ),
        )
    )
    modal.stop()
    return modal


def typed_submission(interaction: discord.Interaction) -> tuple[int, str] | None:
    """(question message id, text) of a submitted answer box, or None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return None
    match = TYPED_MODAL.fullmatch(str(interaction.data.get("custom_id", "")))
    if match is None:
        return None
    text = ""
    rows: list[dict[str, Any]] = interaction.data.get("components", [])  # type: ignore[assignment]
    for row in rows:
        # A Label (type 18) holds one component; an action row (type 1) a list of them.
        inner = [row["component"]] if "component" in row else row.get("components", [])
        for component in inner:
            if component.get("custom_id") == TYPED_FIELD:
                text = str(component.get("value", ""))
    return int(match["message"]), text


def typed_view(round_id: int, *, disabled: bool = False, lang: str = "en") -> discord.ui.View:
    view = GuardedView()
    view.add_item(TypedAnswerButton(round_id, disabled=disabled, lang=lang))
    return view

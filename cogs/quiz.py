"""/quiz: live quizzes in a channel. Parses options, calls the quiz service, renders."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotFoundError, UserFacingError
from bot.core.i18n import N_, Text, translator
from bot.core.letters import REACTIONS, index_of_reaction
from bot.core.quiz import MAX_QUESTIONS, MAX_SECONDS, MIN_QUESTIONS, MIN_SECONDS
from bot.core.settings_rules import language_code, language_counts, mode_name
from bot.core.topics import MAX_TOPIC_LENGTH, TOPICS
from bot.core.vocabulary import AnswerMode, QuizKind
from bot.services.posting import SendFailure
from bot.services.quiz import QuizOptions, ResultsCard
from bot.services.rounds import AnswerStatus, QuestionCard, RevealCard
from cogs._analytics_views import report_view
from cogs._i18n import private_language, public_language
from cogs._posting import describe_failure, missing_permissions, permission_names
from cogs._quiz_views import (
    AnswerButton,
    TypedAnswerButton,
    add_answer_reactions,
    answer_view,
    closed_answer_view,
    question_embed,
    results_embed,
    reveal_embed,
    role_ids,
    topic_label,
    topics_embed,
    typed_question_embed,
    typed_reveal_embed,
    typed_submission,
    typed_view,
)
from cogs._reply import clip, clip_input, reply
from cogs.errors import handle_interaction_error

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="Chinese (中文)", value="zh"),
    app_commands.Choice(name="Any", value="any"),
]
MODE_CHOICES = [
    app_commands.Choice(name="Reactions", value=AnswerMode.REACTIONS.value),
    app_commands.Choice(name="Buttons", value=AnswerMode.BUTTONS.value),
]
# A quiz may also be typed: short-answer questions, answered in a box (never a server's default).
QUIZ_MODE_CHOICES = [
    *MODE_CHOICES,
    app_commands.Choice(name="Typed (short answers)", value=AnswerMode.TYPED.value),
]


class QuizCog(commands.GroupCog, group_name="quiz", group_description="Live quizzes in this channel"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.quizzes
        self.rounds = bot.rounds
        self.pool = bot.question_pool
        self._warned_hidden: set[int] = set()  # channels told that answers cannot be hidden
        super().__init__()

    async def cog_load(self) -> None:
        self.service.presenter = self
        self.rounds.presenter = self
        self.bot.add_dynamic_items(AnswerButton, TypedAnswerButton)
        self.bot.spawn_when_ready(self._resume, name="quiz-resume")

    async def _resume(self) -> None:
        resumed = await self.service.resume()
        if resumed:
            log.info("resumed %d running quiz(zes)", resumed)

    # -- gateway session changes ---------------------------------------------------------------

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        # From here until READY or RESUMED, reactions may happen that no event will ever bring.
        self.rounds.session_lost()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self._session_ready()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        await self._session_ready()

    async def _session_ready(self) -> None:
        read = await self.rounds.session_ready()
        if read:
            log.info("read the reactions of %d open question(s) after a gateway session change", read)

    # -- commands ------------------------------------------------------------------------------

    async def _askable_topics(self, guild_id: int | None) -> dict[str, dict[str, int]]:
        """topic -> language -> questions a quiz here can ask (the server's enabled topics apply)."""
        enabled = None if guild_id is None else (await self.service.guild_settings(guild_id)).topics_enabled
        return self.pool.topics(guild_id, enabled)

    async def _typed_topics(self, guild_id: int | None) -> dict[str, dict[str, int]]:
        """topic -> language -> questions a typed quiz here can ask (the server's enabled topics apply)."""
        enabled = None if guild_id is None else (await self.service.guild_settings(guild_id)).topics_enabled
        return self.pool.typed_topics(guild_id, enabled)

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        counts = await self._askable_topics(interaction.guild_id)
        if getattr(interaction.namespace, "mode", None) == AnswerMode.TYPED:  # mode picked first
            counts = await self._typed_topics(interaction.guild_id)
        needle = current.lower().strip()
        lang = private_language(interaction)
        choices = []
        for topic, per_lang in counts.items():
            label = f"{topic_label(topic, lang)} ({language_counts(per_lang, lang)})"
            if needle in topic or needle in label.lower():
                choices.append(app_commands.Choice(name=label, value=topic))
        return choices[:25]

    @app_commands.command(name="start", description="Start a quiz in this channel")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="Only questions on this topic (default: all)",
        questions=f"How many questions ({MIN_QUESTIONS}-{MAX_QUESTIONS}, default 5)",
        seconds=f"Seconds per question ({MIN_SECONDS}-{MAX_SECONDS}, default from the server's settings)",
        language="Question language (default English)",
        mode="Answer with reactions or buttons (default from the server's settings), or typed",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, mode=QUIZ_MODE_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, MAX_TOPIC_LENGTH] | None = None,
        questions: app_commands.Range[int, MIN_QUESTIONS, MAX_QUESTIONS] = 5,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        language: app_commands.Range[str, 1, 8] | None = None,
        mode: app_commands.Range[str, 1, 16] | None = None,
    ) -> None:
        await self._start(interaction, topic, questions, seconds, language, mode, kind=QuizKind.QUIZ)

    @app_commands.command(name="question", description="Post a single question in this channel")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="Only questions on this topic (default: all)",
        seconds=f"Seconds to answer ({MIN_SECONDS}-{MAX_SECONDS})",
        language="Question language (default English)",
        mode="Answer with reactions or buttons, or typed (short answers)",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, mode=QUIZ_MODE_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def question(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, MAX_TOPIC_LENGTH] | None = None,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        language: app_commands.Range[str, 1, 8] | None = None,
        mode: app_commands.Range[str, 1, 16] | None = None,
    ) -> None:
        await self._start(interaction, topic, 1, seconds, language, mode, kind=QuizKind.SINGLE)

    @app_commands.command(name="weak", description="A quiz on this server's weakest questions")
    @app_commands.guild_only()
    @app_commands.describe(
        questions=f"How many questions ({MIN_QUESTIONS}-{MAX_QUESTIONS}, default 5)",
        seconds=f"Seconds per question ({MIN_SECONDS}-{MAX_SECONDS}, default from the server's settings)",
        language="Question language (default from the server's settings)",
        mode="Answer with reactions or buttons (default from the server's settings)",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, mode=MODE_CHOICES)
    async def weak(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, MIN_QUESTIONS, MAX_QUESTIONS] = 5,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] | None = None,
        language: app_commands.Range[str, 1, 8] | None = None,
        mode: app_commands.Range[str, 1, 16] | None = None,
    ) -> None:
        # The weakest items: lowest mean retrievability over the members who hold cards for them.
        assert interaction.guild_id is not None
        settings = await self.service.guild_settings(interaction.guild_id)
        lang = language or settings.default_language
        pool = self.bot.question_pool.pool(None, lang, settings.topics_enabled, guild_id=interaction.guild_id)
        weakest = await self.bot.study.weakest(interaction.guild_id, [i.id for i in pool], questions)
        if not weakest:
            raise NotFoundError(
                N_(
                    "Nobody here has studied these questions yet, so none is known to be weak. Play "
                    "`/quiz start` or `/study start` first: every answer feeds the members' decks."
                )
            )
        await self._start(
            interaction, None, questions, seconds, language, mode, kind=QuizKind.QUIZ, item_ids=weakest
        )

    async def _start(
        self,
        interaction: discord.Interaction,
        topic: str | None,
        questions: int,
        seconds: int | None,
        language: str | None,
        mode: str | None,
        *,
        kind: QuizKind,
        item_ids: list[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if topic is not None:
            topic = topic.strip().lower() or None
        # The shared taxonomy, or one of the server's own topics (issue 18: imported questions).
        own = self.pool.topics(interaction.guild_id)
        if mode == AnswerMode.TYPED:
            own = {**own, **self.pool.typed_topics(interaction.guild_id)}
        if topic is not None and topic not in TOPICS and topic not in own:
            raise UserFacingError(
                N_("`{topic}` is not a topic. Pick one from the list, or see `/quiz topics`."),
                topic=clip_input(topic),
            )
        settings = await self.service.guild_settings(interaction.guild_id)
        options = QuizOptions(
            topic=topic,
            questions=questions,
            seconds=settings.default_seconds if seconds is None else seconds,
            lang=language or settings.default_language,
            mode=AnswerMode(mode) if mode else settings.answer_mode,
        )
        options.check()
        # Before anything is public: a question nobody can answer, or a quiz announced and then
        # unable to post, is worse than a private refusal.
        missing = missing_permissions(interaction.app_permissions, options.mode)
        if missing:
            raise UserFacingError(
                N_(
                    "I can't run a quiz in this channel: I am missing {permissions} here. "
                    "Ask an admin to grant it, then try again."
                ),
                permissions=permission_names(missing),
            )
        session = await self.service.start(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            options=options,
            kind=kind,
            item_ids=item_ids,
        )
        # Public: in the server's interface language.
        lang = await public_language(self.bot, interaction.guild_id)
        _ = translator(lang).gettext
        what = (_("a question") if kind == QuizKind.SINGLE else _("a quiz of {count} question(s)")).format(
            count=session.total_questions
        )
        scope = topic_label(topic, lang) if topic else _("all topics")
        if item_ids is not None:
            scope = _("the server's weakest questions")
        text = _(
            "**{name}** started {what} on {scope} ({lang}, {seconds} s each, answer with {mode})."
        ).format(
            name=discord.utils.escape_markdown(interaction.user.display_name),
            what=what,
            scope=scope,
            lang=language_code(options.lang, lang),
            seconds=options.seconds,
            mode=mode_name(options.mode, lang),
        )
        if (
            options.mode == AnswerMode.REACTIONS
            and settings.hidden_answers
            and not interaction.app_permissions.manage_messages
        ):
            text += "\n" + _(
                "Answers stay visible: hidden answers are on, but I lack Manage Messages here. "
                "An admin can grant it to hide them."
            )
            self._warned_hidden.add(interaction.channel_id)
        await reply(interaction, text)

    @app_commands.command(name="stop", description="Stop this channel's quiz and post the results")
    @app_commands.guild_only()
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.channel_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.stop(
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            can_manage_messages=interaction.permissions.manage_messages,
        )
        _ = translator(private_language(interaction)).gettext
        await reply(interaction, _("Quiz stopped."), ephemeral=True)

    @app_commands.command(name="topics", description="List quiz topics with question counts per language")
    async def topics(self, interaction: discord.Interaction) -> None:
        lang = private_language(interaction)
        embed = topics_embed(await self._askable_topics(interaction.guild_id), lang)
        typed = await self._typed_topics(interaction.guild_id)
        if typed:
            lines = [
                f"`{t}` {topic_label(t, lang)}: {language_counts(per, lang)}" for t, per in typed.items()
            ]
            embed.add_field(
                name=translator(lang).gettext("Typed answers (mode: typed)"),
                value="\n".join(lines),
                inline=False,
            )
        await reply(interaction, embed=embed, ephemeral=True)

    # -- reactions -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None:
            return
        if (payload.member is not None and payload.member.bot) or payload.user_id == self.bot.user.id:  # type: ignore[union-attr]
            return
        # Any letter; one past the question's choices is refused by the rounds service.
        choice = index_of_reaction(str(payload.emoji), len(REACTIONS))
        if choice is None:
            return
        name = payload.member.display_name if payload.member is not None else str(payload.user_id)
        result = await self.rounds.answer_when_ready(
            message_id=payload.message_id,
            user_id=payload.user_id,
            display_name=name,
            choice=choice,
            role_ids=role_ids(payload.member),
        )
        if result.hidden and result.status in (AnswerStatus.ACCEPTED, AnswerStatus.DUPLICATE):
            # Until the answer is saved its reaction is its only trace (what a restart recounts):
            # removed only once the database has it, never while a crash could still lose it.
            if result.saved is not None:
                try:
                    await asyncio.shield(result.saved)
                except Exception:  # the writer logged it; the reaction stays and counts at the reveal
                    return
            await self._hide(payload, choice)

    async def _hide(self, payload: discord.RawReactionActionEvent, choice: int) -> None:
        channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        # Check first: without Manage Messages Discord refuses every removal, once per answer.
        if self._can_manage_messages(payload.guild_id, payload.channel_id) is False:
            await self._warn_cannot_hide(channel)
            return
        try:
            await channel.get_partial_message(payload.message_id).remove_reaction(
                REACTIONS[choice], discord.Object(id=payload.user_id)
            )
        except discord.Forbidden:  # the permission went away after the cache last heard of it
            await self._warn_cannot_hide(channel)
        except discord.HTTPException:
            log.warning("could not remove an answer reaction on message %s", payload.message_id)

    def _can_manage_messages(self, guild_id: int | None, channel_id: int) -> bool | None:
        """Whether the bot has Manage Messages in the channel; None when the cache cannot tell."""
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if guild is None or channel is None:
            return None
        return channel.permissions_for(guild.me).manage_messages

    async def _warn_cannot_hide(self, channel: discord.PartialMessageable) -> None:
        """Tell the channel once that answers stay visible (unless /quiz start already said so)."""
        if channel.id in self._warned_hidden:
            return
        self._warned_hidden.add(channel.id)
        log.warning("cannot hide answers in channel %s: Manage Messages missing", channel.id)
        _ = translator(await public_language(self.bot, channel.guild_id)).gettext
        try:
            await channel.send(
                _(
                    "Admins: hidden answers are on, but I lack **Manage Messages** in this channel, so "
                    "answer reactions stay visible. Grant it, or turn hidden answers off."
                )
            )
        except discord.HTTPException:
            log.warning("could not tell channel %s that answers stay visible", channel.id)

    # -- typed answers -------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted answer box (from this process or the one before a restart)."""
        submitted = typed_submission(interaction)
        if submitted is None:
            return
        try:
            await self._take_typed(interaction, *submitted)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)

    async def _take_typed(self, interaction: discord.Interaction, message_id: int, text: str) -> None:
        user = interaction.user
        result = await self.rounds.when_ready(
            lambda: self.rounds.answer_typed(
                message_id=message_id,
                user_id=user.id,
                display_name=user.display_name,
                text=text,
                role_ids=role_ids(user),
            )
        )
        if result.error is not None:
            raise result.error  # closed, or a second box: "already answered", privately
        locked = translator(private_language(interaction)).gettext("Locked in: {answer}")
        await reply(
            interaction, locked.format(answer=discord.utils.escape_markdown(clip_input(text))), ephemeral=True
        )

    # -- the presenter the quiz service calls --------------------------------------------------

    async def post_question(self, card: QuestionCard) -> int:
        channel = self.bot.get_partial_messageable(card.channel_id, guild_id=card.guild_id)
        n = len(card.item.choices)
        lang = await public_language(self.bot, card.guild_id)
        if card.mode == AnswerMode.TYPED:
            view = typed_view(card.round_id, lang=lang)
            message = await channel.send(embed=typed_question_embed(card, lang), view=view)
            return message.id
        embed = question_embed(card, lang)
        if card.mode == AnswerMode.BUTTONS:
            message = await channel.send(embed=embed, view=answer_view(card.round_id, n))
            return message.id
        message = await channel.send(embed=embed)
        return message.id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        if card.mode != AnswerMode.REACTIONS:
            return
        await add_answer_reactions(self.bot, card, message_id)

    async def reveal(self, card: RevealCard) -> None:
        channel = self.bot.get_partial_messageable(card.channel_id, guild_id=card.guild_id)
        question = channel.get_partial_message(card.message_id)
        lang = await public_language(self.bot, card.guild_id)
        if not card.item.is_choice:  # a typed question
            await channel.send(
                embed=typed_reveal_embed(card, lang),
                reference=question.to_reference(fail_if_not_exists=False),
            )
            await self._close_typed(card, question, lang)
            return
        await channel.send(
            embed=reveal_embed(card, lang),
            reference=question.to_reference(fail_if_not_exists=False),
            view=report_view(card.round_id, lang),  # 🚩 Report (cogs/_analytics_views.py)
        )
        if card.mode == AnswerMode.BUTTONS:
            await self._close_buttons(card, question)

    async def _close_buttons(self, card: RevealCard, question: discord.PartialMessage) -> None:
        """Disable the question's buttons, in one edit. The reveal is out whatever happens here."""
        view = closed_answer_view(card.round_id, len(card.item.choices), card.right_indexes)
        try:
            await question.edit(view=view)
        except Exception as exc:
            if describe_failure(exc) is None:
                raise
            # Still clickable: a click is answered privately that the question is closed. Nothing from
            # Discord or the network may leave here: the reveal is out, and an error would make the
            # caller retry the whole reveal and post it twice.
            log.warning("could not disable the buttons of message %s: %s", card.message_id, exc)

    async def _close_typed(self, card: RevealCard, question: discord.PartialMessage, lang: str) -> None:
        """Grey out the Answer button; the reveal is out whatever happens here (a press that
        raced the edit is told privately that the question is closed)."""
        try:
            await question.edit(view=typed_view(card.round_id, disabled=True, lang=lang))
        except Exception as exc:
            if describe_failure(exc) is None:
                raise
            # As for choice buttons (_close_buttons): an error here would make the caller post the
            # reveal again.
            log.warning("could not disable the Answer button of message %s: %s", card.message_id, exc)

    async def post_results(self, card: ResultsCard) -> None:
        channel = self.bot.get_partial_messageable(card.channel_id, guild_id=card.guild_id)
        await channel.send(embed=results_embed(card, await public_language(self.bot, card.guild_id)))

    async def post_notice(self, guild_id: int, channel_id: int, text: Text) -> None:
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        await channel.send(clip(text.render(await public_language(self.bot, guild_id)), 2000))

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        return describe_failure(error)

    async def read_reactions(
        self, channel_id: int, message_id: int, n_choices: int
    ) -> dict[int, tuple[str, list[int]]]:
        channel = self.bot.get_partial_messageable(channel_id)
        message = await channel.fetch_message(message_id)
        found: dict[int, tuple[str, list[int]]] = {}
        for reaction in message.reactions:
            choice = index_of_reaction(str(reaction.emoji), n_choices)
            if choice is None:
                continue
            async for user in reaction.users():
                if user.bot:
                    continue
                name = getattr(user, "display_name", user.name)
                found.setdefault(user.id, (name, []))[1].append(choice)
        return found


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(QuizCog(bot))

"""/daily (Manage Server): the question of the day's set-up, status, pause, resume and a post now.

Also the presenter the daily service posts through: the question card (the quiz's embed and
buttons) pinging only the configured role, and the map from Discord's refusals (a deleted
channel, a missing permission) to "pause this server's schedule, and say why".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.daily import DEFAULT_REVEAL_HOURS, MAX_REVEAL_HOURS, MIN_REVEAL_HOURS
from bot.core.errors import UserFacingError
from bot.core.i18n import N_, translator
from bot.core.topics import MAX_TOPIC_LENGTH
from bot.core.vocabulary import AnswerMode
from bot.services.daily import ChannelUnavailableError, DailyCard, DailyStatus
from bot.services.daily_schedule import CHANNEL_GONE, DISCORD_REFUSED, MISSING_PERMISSIONS, pause_text
from bot.services.posting import SendFailure
from bot.services.quiz import QuestionCard
from cogs._choices import zone_choices
from cogs._i18n import private_language, public_language
from cogs._posting import describe_failure, missing_permissions, permission_names
from cogs._quiz_views import add_answer_reactions, answer_view, question_embed, topic_label
from cogs._reply import reply

if TYPE_CHECKING:
    from bot.app import QuizBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
UNKNOWN_CHANNEL = 10003
COLOUR = discord.Colour.blurple()


def role_ping_warning(
    guild: discord.Guild | None, channel_id: int, role_id: int | None, lang: str = "en"
) -> str | None:
    """Why a role ping would notify nobody, if it would: the role is not mentionable and the bot
    lacks Mention Everyone in the channel (Discord then drops the ping silently). None when fine or
    when the cache cannot tell."""
    if guild is None or role_id is None:
        return None
    role = guild.get_role(role_id)
    channel = guild.get_channel(channel_id)
    if role is None or channel is None or role.mentionable:
        return None
    if channel.permissions_for(guild.me).mention_everyone:
        return None
    return (
        translator(lang)
        .gettext(
            "{role} is not mentionable and I lack Mention Everyone in <#{channel_id}>, so Discord would "
            "notify nobody. Make the role mentionable (Server Settings > Roles) or grant me Mention Everyone."
        )
        .format(role=role.mention, channel_id=channel_id)
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DailyCog(commands.GroupCog, group_name="daily", group_description="Question of the day"):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.service = bot.daily
        self.schedules = bot.daily_schedules
        super().__init__()

    async def cog_load(self) -> None:
        self.service.presenter = self
        restored = await self.service.restore()
        if restored:
            log.info("took answers again on %d open question(s) of the day", restored)

    async def cog_unload(self) -> None:
        if self.service.presenter is self:
            self.service.presenter = None

    # -- autocomplete -----------------------------------------------------------------------------

    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower().strip()
        guild_id = interaction.guild_id
        settings = await self.bot.guild_settings.get(guild_id) if guild_id is not None else None
        topics = self.bot.question_pool.topics(guild_id, settings.topics_enabled if settings else None)
        # The question of the day is asked in the server's language: offer the topics it has there.
        lang = settings.default_language if settings else "any"
        shown = private_language(interaction)  # the list only the admin sees: their language
        return [
            app_commands.Choice(name=topic_label(t, shown), value=t)
            for t, per_lang in topics.items()
            if (lang == "any" or per_lang.get(lang))
            and (needle in t or needle in topic_label(t, shown).lower())
        ][:25]

    # -- commands ---------------------------------------------------------------------------------

    @app_commands.command(name="setup", description="Post a question every day at a local time")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        channel="Where the question is posted",
        time="Local time, HH:MM on a 24-hour clock (e.g. 09:00)",
        timezone="IANA time zone, e.g. Europe/Berlin",
        role="Role to ping with each question (only this role is mentioned)",
        reveal_after_hours=f"Hours until the answer is revealed ({MIN_REVEAL_HOURS}-{MAX_REVEAL_HOURS}, "
        f"default {DEFAULT_REVEAL_HOURS})",
        topic="Only this topic (default: the topic this server answers worst)",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete, topic=topic_autocomplete)
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 3, 5],
        timezone: app_commands.Range[str, 1, 64],
        role: discord.Role | None = None,
        reveal_after_hours: app_commands.Range[
            int, MIN_REVEAL_HOURS, MAX_REVEAL_HOURS
        ] = DEFAULT_REVEAL_HOURS,
        topic: app_commands.Range[str, 1, MAX_TOPIC_LENGTH] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        mode = (await self.bot.guild_settings.get(interaction.guild_id)).answer_mode
        missing = missing_permissions(channel.permissions_for(channel.guild.me), mode)
        if missing:
            raise UserFacingError(
                N_(
                    "Nothing was set up: I am missing {permissions} in {channel}. Grant it there, then run "
                    "`/daily setup` again."
                ),
                permissions=permission_names(missing),
                channel=channel.mention,
            )
        schedule = await self.schedules.setup(
            guild_id=interaction.guild_id,
            channel_id=channel.id,
            post_time=time,
            timezone=timezone,
            role_id=role.id if role is not None else None,
            reveal_after_hours=reveal_after_hours,
            topic=topic,
        )
        lang = private_language(interaction)  # an ephemeral reply: the admin's own language
        text = (
            translator(lang)
            .ngettext(
                "The question of the day will be posted in {channel} every day at **{time}** ({zone}), "
                "answers revealed after {hours} hour. First one: <t:{first}:F>.",
                "The question of the day will be posted in {channel} every day at **{time}** ({zone}), "
                "answers revealed after {hours} hours. First one: <t:{first}:F>.",
                schedule.reveal_after_hours,
            )
            .format(
                channel=channel.mention,
                time=schedule.post_time,
                zone=schedule.timezone,
                hours=schedule.reveal_after_hours,
                first=schedule.next_post_at // 1000,
            )
        )
        warning = role_ping_warning(channel.guild, channel.id, schedule.role_id, lang)
        if warning:
            text += f"\n⚠️ {warning}"
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="status", description="When the next question of the day is posted")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        status = await self.schedules.status(interaction.guild_id)
        schedule = status.schedule
        lang = private_language(interaction)
        warning = role_ping_warning(interaction.guild, schedule.channel_id, schedule.role_id, lang)
        await reply(interaction, embed=status_embed(status, warning=warning, lang=lang), ephemeral=True)

    @app_commands.command(name="pause", description="Stop posting the question of the day until resumed")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.schedules.pause(interaction.guild_id)
        _ = translator(private_language(interaction)).gettext
        await reply(
            interaction,
            _("The question of the day is paused; `/daily resume` starts it again."),
            ephemeral=True,
        )

    @app_commands.command(name="resume", description="Post the question of the day again")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedule = await self.schedules.resume(interaction.guild_id)
        _ = translator(private_language(interaction)).gettext
        text = _("The question of the day is back on; next one <t:{unix}:F>.").format(
            unix=schedule.next_post_at // 1000
        )
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="now", description="Post today's question of the day right now (to try it)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedule = await self.schedules.schedule(interaction.guild_id)
        mode = (await self.bot.guild_settings.get(interaction.guild_id)).answer_mode
        self._refuse_missing(interaction.guild, schedule.channel_id, mode)
        await interaction.response.defer(ephemeral=True, thinking=True)
        post = await self.service.post_now(interaction.guild_id)
        _ = translator(private_language(interaction)).gettext
        text = _("Posted today's question ({date}); the answer is revealed <t:{unix}:R>.").format(
            date=post.local_date, unix=(post.reveal_at or 0) // 1000
        )
        await reply(interaction, text, ephemeral=True)

    # -- the presenter the daily service calls ----------------------------------------------------

    def _refuse_missing(self, guild: discord.Guild | None, channel_id: int, mode: str) -> None:
        """/daily now: refuse privately, before today's post is claimed, what the channel lacks."""
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or channel is None:
            return  # not in the cache (deleted?): the post's own fault handling says why
        missing = missing_permissions(channel.permissions_for(guild.me), mode)
        if missing:
            raise UserFacingError(
                N_(
                    "Nothing was posted: I am missing {permissions} in <#{channel_id}>. "
                    "Grant it there, then try again."
                ),
                permissions=permission_names(missing),
                channel_id=channel_id,
            )

    def _check_channel(self, guild_id: int, channel_id: int, mode: str) -> None:
        """Refuse early, without a request Discord would refuse, when the cache knows a permission is
        missing. A channel the cache does not know goes to Discord, whose answer says why."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or channel is None or not isinstance(channel, discord.abc.GuildChannel):
            return
        missing = missing_permissions(channel.permissions_for(guild.me), mode)
        if missing:
            reason = MISSING_PERMISSIONS.format(permissions=permission_names(missing), channel_id=channel_id)
            raise ChannelUnavailableError(reason)

    async def post_daily(self, card: DailyCard) -> int:
        q = card.question
        self._check_channel(q.guild_id, q.channel_id, q.mode)
        channel = self.bot.get_partial_messageable(q.channel_id, guild_id=q.guild_id)
        lang = await public_language(self.bot, q.guild_id)  # a post to the channel: the server's language
        embed = question_embed(q, lang)
        content = f"**{translator(lang).gettext('Question of the day')}** · {card.local_date}"
        mentions = NO_MENTIONS
        if card.role_id is not None:
            content = f"<@&{card.role_id}> {content}"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(card.role_id)], replied_user=False
            )
        if card.late:
            late = translator(lang).gettext("Posted late: I was offline at the scheduled time.")
            content += f"\n*{late}*"
        try:
            if q.mode == AnswerMode.BUTTONS:
                message = await channel.send(
                    content,
                    embed=embed,
                    view=answer_view(q.round_id, len(q.item.choices)),
                    allowed_mentions=mentions,
                )
            else:
                message = await channel.send(content, embed=embed, allowed_mentions=mentions)
        except discord.HTTPException as error:
            reason = self.unavailable_reason(error)
            if reason is not None:
                raise ChannelUnavailableError(reason) from error
            raise
        return message.id

    async def add_answer_controls(self, card: QuestionCard, message_id: int) -> None:
        if card.mode != AnswerMode.REACTIONS:
            return
        await add_answer_reactions(self.bot, card, message_id)

    def describe_failure(self, error: BaseException) -> SendFailure | None:
        if isinstance(error, ChannelUnavailableError):
            return SendFailure(error.reason, transient=False)
        return describe_failure(error)

    def unavailable_reason(self, error: BaseException) -> str | None:
        if isinstance(error, ChannelUnavailableError):
            return error.reason
        if isinstance(error, discord.NotFound) and error.code == UNKNOWN_CHANNEL:
            return CHANNEL_GONE
        if isinstance(error, discord.Forbidden):
            return DISCORD_REFUSED.format(error=error.text or "Missing Permissions", code=error.code)
        return None


# How /daily status names a post's state (the stored values are the keys).
POST_STATES = {
    "claimed": N_("being posted"),
    "posted": N_("posted"),
    "revealed": N_("revealed"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}


def status_embed(status: DailyStatus, *, warning: str | None = None, lang: str = "en") -> discord.Embed:
    tr = translator(lang)
    _ = tr.gettext
    schedule = status.schedule
    unix = schedule.next_post_at // 1000
    local = status.next_post_local.strftime("%Y-%m-%d %H:%M %Z")
    if schedule.paused:
        # A reason the bot wrote itself reads translated; what it quotes of Discord stays as written.
        state = _("**Paused**: {reason}").format(reason=pause_text(schedule.pause_reason).render(tr))
    else:
        state = _("Running")
    embed = discord.Embed(title=_("Question of the day"), colour=COLOUR)
    embed.add_field(name=_("Channel"), value=f"<#{schedule.channel_id}>", inline=True)
    embed.add_field(name=_("Time"), value=f"{schedule.post_time} {schedule.timezone}", inline=True)
    embed.add_field(name=_("State"), value=state, inline=False)
    embed.add_field(
        name=_("Next post"),
        value=(_("after /daily resume") if schedule.paused else f"{local} · <t:{unix}:F> (<t:{unix}:R>)"),
        inline=False,
    )
    last = status.last_post
    if last is None:
        last_text = _("none yet")
    else:
        when = f"<t:{(last.posted_at or last.due_at) // 1000}:f>"
        shown_state = _(POST_STATES[last.status]) if last.status in POST_STATES else last.status
        if last.late:
            shown_state = _("{state}, late").format(state=shown_state)
        last_text = f"{last.local_date} ({shown_state}) · {when}"
    embed.add_field(name=_("Last post"), value=last_text, inline=False)
    hours = schedule.reveal_after_hours
    extra = [tr.ngettext("reveal after {n} hour", "reveal after {n} hours", hours).format(n=hours)]
    if schedule.topic:
        extra.append(_("topic: {topic}").format(topic=topic_label(schedule.topic, lang)))
    else:
        extra.append(_("topic: the weakest"))
    if schedule.role_id is not None:
        extra.append(_("pings {role}").format(role=f"<@&{schedule.role_id}>"))
    embed.add_field(name=_("Settings"), value=" · ".join(extra), inline=False)
    if warning:
        embed.add_field(name=_("⚠️ Role ping"), value=warning, inline=False)
    return embed


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(DailyCog(bot))

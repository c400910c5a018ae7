"""/study progress: mastery per topic, what is due, true retention and the study streak. No discord.

Retrievability is py-fsrs's (:func:`bot.services.tutor.retrievability`); the counting rules
(forecast buckets, streak, retention share) are :mod:`bot.core.study`'s. A member's "today" is
their reminder zone's, UTC without one.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw

from bot.bank.schema import TOPICS
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.i18n import translator
from bot.core.periods import zone
from bot.core.study import (
    FORECAST_DAYS,
    KNOWN_AT,
    RETENTION_WINDOW,
    forecast,
    study_streak,
    true_retention,
)
from bot.core.topics import topic_label
from bot.services.charts import BACKGROUND, GOOD, GRID, INK, MUTED, POOR, _fit, font, share_colour
from bot.services.study import StudyService
from bot.services.tutor import retrievability
from bot.storage.cards import CardRepository

log = logging.getLogger(__name__)

STREAK_LOOKBACK = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class TopicMastery:
    topic: str
    seen: int  # items with a card
    pool: int  # items the deck could hold
    known: int  # cards with retrievability >= 0.9 now
    mean_retrievability: float | None  # over the seen items


@dataclass(frozen=True, slots=True)
class Progress:
    guild_id: int
    user_id: int
    topics: tuple[TopicMastery, ...]
    cards: int
    due_now: int
    forecast: tuple[int, ...]  # next 14 local days, today first (overdue included)
    forecast_start: date
    retention: float | None
    retention_reviews: int
    streak: int
    next_due: datetime | None
    reminder: str | None  # "09:00 Europe/Berlin" when reminders are on
    reminder_off_reason: str | None


class ProgressService:
    def __init__(self, study: StudyService, clock: Clock) -> None:
        self.study = study
        self.clock = clock
        self.cards = CardRepository(study.db)

    async def progress(self, guild_id: int, user_id: int) -> Progress:
        now = self.clock.now()
        now_ms = to_ms(now)
        member = await self.cards.member(guild_id, user_id)
        zone_info = zone(member.remind_timezone if member is not None and member.remind_timezone else "UTC")
        deck = await self.cards.deck(guild_id, user_id)
        langs = {item.lang for c in deck if (item := self.study.item(guild_id, c.item_id)) is not None}
        pool = [i for i in self.study.pool(guild_id, None, "any") if i.lang in (langs or {"en"})]
        pool_by_topic: dict[str, int] = {}
        for item in pool:
            pool_by_topic[item.main_topic] = pool_by_topic.get(item.main_topic, 0) + 1
        fitted = await self.cards.parameters(guild_id) if deck else None
        by_topic: dict[str, list[float]] = {}
        for card in deck:
            by_topic.setdefault(card.topic, []).append(retrievability(card, now, fitted))
        order = {t: i for i, t in enumerate(TOPICS)}
        topics = tuple(
            TopicMastery(
                topic=t,
                seen=len(by_topic.get(t, [])),
                pool=max(pool_by_topic.get(t, 0), len(by_topic.get(t, []))),
                known=sum(1 for r in by_topic.get(t, []) if r >= KNOWN_AT),
                mean_retrievability=(sum(by_topic[t]) / len(by_topic[t])) if by_topic.get(t) else None,
            )
            for t in sorted(set(pool_by_topic) | set(by_topic), key=lambda t: (order.get(t, len(order)), t))
        )
        today = now.astimezone(zone_info).date()
        due_days = [from_ms(c.due_at).astimezone(zone_info).date() for c in deck]
        passed, reviews = await self.cards.retention_counts(guild_id, user_id, to_ms(now - RETENTION_WINDOW))
        times = await self.cards.review_times(guild_id, user_id, to_ms(now - STREAK_LOOKBACK))
        streak = study_streak({from_ms(t).astimezone(zone_info).date() for t in times}, today)
        reminder = None
        if member is not None and member.remind_time and member.remind_next_at is not None:
            reminder = f"{member.remind_time} {member.remind_timezone}"
        return Progress(
            guild_id=guild_id,
            user_id=user_id,
            topics=topics,
            cards=len(deck),
            due_now=sum(1 for c in deck if c.due_at <= now_ms),
            forecast=tuple(forecast(due_days, today, FORECAST_DAYS)),
            forecast_start=today,
            retention=true_retention(passed, reviews),
            retention_reviews=reviews,
            streak=streak,
            next_due=from_ms(min(c.due_at for c in deck)) if deck else None,
            reminder=reminder,
            reminder_off_reason=member.remind_off_reason if member is not None else None,
        )


# --- the PNG ---------------------------------------------------------------------------------

WIDTH = 760
ROW = 30
LEFT = 170
RIGHT = 200


def progress_chart(progress: Progress, *, title: str, lang: str = "en") -> bytes:
    """Mastery per topic (seen of the pool, known share shaded) and the 14-day due forecast, its
    labels and topics in ``lang``."""
    _ = translator(lang).gettext
    topics = [t for t in progress.topics if t.pool or t.seen]
    chart_h = 150
    height = 64 + ROW * max(1, len(topics)) + 40 + chart_h + 60
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, text_font, small = font(20), font(14), font(12)
    draw.text((16, 16), _fit(draw, title, title_font, WIDTH - 32), fill=INK, font=title_font)
    bar_w = WIDTH - LEFT - RIGHT
    y = 56
    draw.text((LEFT, y - 14), _("seen of pool · known (R >= 0.9) in colour"), fill=MUTED, font=small)
    for t in topics:
        y0 = y + 4
        draw.text(
            (16, y0 + 2),
            _fit(draw, topic_label(t.topic, lang), text_font, LEFT - 28),
            fill=INK,
            font=text_font,
        )
        draw.rectangle([(LEFT, y0), (LEFT + bar_w, y0 + ROW - 10)], fill=GRID)
        if t.pool:
            seen_end = LEFT + round(bar_w * t.seen / t.pool)
            draw.rectangle([(LEFT, y0), (seen_end, y0 + ROW - 10)], fill=MUTED if t.seen else GRID)
            known_end = LEFT + round(bar_w * t.known / t.pool)
            share = t.known / t.seen if t.seen else 0.0
            if known_end > LEFT:
                draw.rectangle([(LEFT, y0), (known_end, y0 + ROW - 10)], fill=share_colour(share))
        mean = f"{t.mean_retrievability:.0%}" if t.mean_retrievability is not None else "-"
        figure = _("{seen}/{pool} · {known} known · R {mean}").format(
            seen=t.seen, pool=t.pool, known=t.known, mean=mean
        )
        draw.text((LEFT + bar_w + 8, y0 + 2), figure, fill=INK, font=small)
        y += ROW
    if not topics:
        draw.text((LEFT, y + 4), _("No cards yet: /study start"), fill=MUTED, font=text_font)
        y += ROW
    y += 30
    draw.text((16, y - 20), _("Due in the next 14 days"), fill=INK, font=text_font)
    peak = max(progress.forecast) if any(progress.forecast) else 1
    slot = (WIDTH - 32) / max(1, len(progress.forecast))
    base = y + chart_h
    draw.line([(16, base), (WIDTH - 16, base)], fill=GRID, width=1)
    for i, n in enumerate(progress.forecast):
        x0 = 16 + i * slot + 4
        x1 = 16 + (i + 1) * slot - 4
        top = base - round((chart_h - 20) * n / peak)
        if n:
            draw.rectangle([(x0, top), (x1, base)], fill=POOR if i == 0 else GOOD)
        label = str(n)
        draw.text(
            ((x0 + x1) / 2 - draw.textlength(label, font=small) / 2, top - 16), label, fill=INK, font=small
        )
        day = progress.forecast_start + timedelta(days=i)
        tick = _("today") if i == 0 else day.strftime("%d")
        draw.text(
            ((x0 + x1) / 2 - draw.textlength(tick, font=small) / 2, base + 4), tick, fill=MUTED, font=small
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def mastery_lines(topics: Sequence[TopicMastery], lang: str = "en") -> list[str]:
    _ = translator(lang).gettext
    lines = []
    for t in topics:
        if not t.seen:
            continue
        line = _("{topic}: {seen}/{pool} seen, {known} known").format(
            topic=topic_label(t.topic, lang), seen=t.seen, pool=t.pool, known=t.known
        )
        if t.mean_retrievability is not None:
            line += _(", mean R {share}").format(share=f"{t.mean_retrievability:.0%}")
        lines.append(line)
    return lines

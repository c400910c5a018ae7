"""PNG charts of item analytics and the class overview, drawn with Pillow. No discord import.

Same look and font as :mod:`bot.services.charts`: an item's choice shares and its p over time
(``/bank stats``), a server's participation per day, its hardest items (``/class``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.core.i18n import translator
from bot.services.charts import BACKGROUND, FAIR, GOOD, GRID, INK, MUTED, POOR, WIDTH, _fit, drawable, font

ACCENT = (88, 101, 242)  # Discord blurple
PANEL_TOP = 56
ROW = 30
LEFT = 150
RIGHT = 110
PLOT_HEIGHT = 180


@dataclass(frozen=True, slots=True)
class ShareBar:
    label: str
    share: float  # 0..1
    note: str = ""  # shown after the percentage
    good: bool = False  # drawn green (the key), else neutral


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    value: float | None  # 0..1; None = no data that period


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _bars(
    draw: ImageDraw.ImageDraw,
    top: int,
    bars: Sequence[ShareBar],
    *,
    neutral: tuple[int, int, int],
    lang: str = "en",
) -> int:
    """Horizontal 0-100% bars from ``top``; returns the y below them."""
    text, small = font(15), font(12)
    width = WIDTH - LEFT - RIGHT
    bottom = top + ROW * max(1, len(bars))
    for tick in (0, 25, 50, 75, 100):
        x = LEFT + width * tick // 100
        draw.line([(x, top - 4), (x, bottom)], fill=GRID, width=1)
        label = f"{tick}%"
        draw.text((x - draw.textlength(label, font=small) / 2, bottom + 4), label, fill=MUTED, font=small)
    if not bars:
        draw.text((LEFT, top + 6), translator(lang).gettext("No answers yet"), fill=MUTED, font=text)
    for index, bar in enumerate(bars):
        y = top + index * ROW
        draw.text((16, y + 6), _fit(draw, bar.label, text, LEFT - 28), fill=INK, font=text)
        draw.rectangle([(LEFT, y + 5), (LEFT + width, y + ROW - 5)], fill=GRID)
        end = LEFT + round(width * max(0.0, min(1.0, bar.share)))
        if end > LEFT:
            draw.rectangle([(LEFT, y + 5), (end, y + ROW - 5)], fill=GOOD if bar.good else neutral)
        figure = f"{bar.share * 100:.0f}%{(' ' + bar.note) if bar.note else ''}"
        draw.text((LEFT + width + 8, y + 6), _fit(draw, figure, text, RIGHT - 10), fill=INK, font=text)
    return bottom + 24


def _line(
    draw: ImageDraw.ImageDraw,
    top: int,
    points: Sequence[Point],
    *,
    reference: float | None = None,
    colour: tuple[int, int, int] = ACCENT,
    lang: str = "en",
) -> int:
    """A 0-100% line over ``points`` from ``top`` (with a dashed ``reference`` level); returns the y below."""
    small = font(12)
    left, right = 60, WIDTH - 24
    bottom = top + PLOT_HEIGHT
    for tick in (0, 50, 100):
        level = bottom - PLOT_HEIGHT * tick // 100
        draw.line([(left, level), (right, level)], fill=GRID, width=1)
        draw.text((16, level - 7), f"{tick}%", fill=MUTED, font=small)
    if reference is not None:
        level = bottom - round(PLOT_HEIGHT * reference)
        for dash in range(left, right, 12):
            draw.line([(dash, level), (min(dash + 6, right), level)], fill=MUTED, width=1)
    if not points:
        draw.text((left + 8, top + 8), translator(lang).gettext("No answers yet"), fill=MUTED, font=font(15))
        return bottom + 30
    step = (right - left) / max(1, len(points) - 1) if len(points) > 1 else 0.0
    previous: tuple[float, float] | None = None
    every = max(1, len(points) // 8)
    for index, point in enumerate(points):
        x: float = left + step * index if len(points) > 1 else (left + right) / 2
        if index % every == 0 or index == len(points) - 1:
            draw.text(
                (x - draw.textlength(point.label, font=small) / 2, bottom + 4),
                drawable(point.label),
                fill=MUTED,
                font=small,
            )
        if point.value is None:
            previous = None
            continue
        y: float = bottom - PLOT_HEIGHT * max(0.0, min(1.0, point.value))
        if previous is not None:
            draw.line([previous, (x, y)], fill=colour, width=3)
        draw.ellipse([(x - 4, y - 4), (x + 4, y + 4)], fill=colour)
        previous = (x, y)
    return bottom + 30


def item_chart(
    title: str, shares: Sequence[ShareBar], weeks: Sequence[Point], chance: float, *, lang: str = "en"
) -> bytes:
    """``/bank stats``: the choice shares (the key in green), then p per week against chance."""
    _ = translator(lang).gettext
    height = PANEL_TOP + ROW * max(1, len(shares)) + 24 + 40 + PLOT_HEIGHT + 40
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((16, 14), _fit(draw, title, font(20), WIDTH - 32), fill=INK, font=font(20))
    draw.text((16, PANEL_TOP - 20), _("Choice shares (bank order)"), fill=MUTED, font=font(13))
    y = _bars(draw, PANEL_TOP, shares, neutral=FAIR, lang=lang)
    draw.text((16, y + 4), _("Share right per week (dashed: chance)"), fill=MUTED, font=font(13))
    _line(draw, y + 30, weeks, reference=chance, lang=lang)
    return _png(image)


def activity_chart(title: str, days: Sequence[tuple[str, int, int]], *, lang: str = "en") -> bytes:
    """``/class``: answers per day as bars, active members per day as a line (own scale)."""
    height = PANEL_TOP + PLOT_HEIGHT + 70
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    small = font(12)
    draw.text((16, 14), _fit(draw, title, font(20), WIDTH - 32), fill=INK, font=font(20))
    left, right = 60, WIDTH - 60
    top, bottom = PANEL_TOP + 10, PANEL_TOP + 10 + PLOT_HEIGHT
    most_answers = max((a for _, a, _ in days), default=0) or 1
    most_members = max((m for _, _, m in days), default=0) or 1
    draw.text((16, top - 4), f"{most_answers}", fill=ACCENT, font=small)
    draw.text((right + 6, top - 4), f"{most_members}", fill=POOR, font=small)
    draw.line([(left, bottom), (right, bottom)], fill=GRID, width=1)
    slot = (right - left) / max(1, len(days))
    previous: tuple[float, float] | None = None
    every = max(1, len(days) // 6)
    for index, (label, answers, members) in enumerate(days):
        x0 = left + slot * index
        if answers:
            h = PLOT_HEIGHT * answers / most_answers
            draw.rectangle([(x0 + 2, bottom - h), (x0 + slot - 2, bottom)], fill=ACCENT)
        cx = x0 + slot / 2
        cy = bottom - PLOT_HEIGHT * members / most_members
        if previous is not None:
            draw.line([previous, (cx, cy)], fill=POOR, width=2)
        previous = (cx, cy)
        if index % every == 0:
            draw.text(
                (cx - draw.textlength(label, font=small) / 2, bottom + 4), label, fill=MUTED, font=small
            )
    legend = translator(lang).gettext("bars: answers per day · line: active members")
    draw.text((16, bottom + 24), legend, fill=MUTED, font=small)
    return _png(image)


def bars_chart(title: str, bars: Sequence[ShareBar], *, lang: str = "en") -> bytes:
    """Horizontal 0-100% bars (``/class``'s hardest items, by share right)."""
    height = PANEL_TOP + ROW * max(1, len(bars)) + 40
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((16, 14), _fit(draw, title, font(20), WIDTH - 32), fill=INK, font=font(20))
    _bars(draw, PANEL_TOP, bars, neutral=POOR, lang=lang)
    return _png(image)

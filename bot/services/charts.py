"""PNG charts drawn with Pillow in Noto Sans CJK, so Chinese, Japanese and Korean names and labels
draw as letters, not empty boxes. No discord import.

The font is Noto Sans CJK (SIL Open Font License) as the ``manimgx-fonts-cjk`` package ships it, a
dependency installed from PyPI like any other: nothing is read from the system or downloaded at run
time, and the Docker image needs no font package. Its Latin letters draw the English labels too.
Text is measured in pixels as drawn (``textlength``), so a CJK character counts its full width.
Emoji are not in the font (a name's emoji still draw as boxes). Without the package, or without
FreeType, charts fall back to Pillow's own font (Latin only), with a warning.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

WIDTH = 760
ROW = 34
TOP = 64
BOTTOM = 40
LEFT = 190  # labels to the left of this
RIGHT = 130  # "100% (999/999)" to the right of the bars
MAX_ROWS = 30

BACKGROUND = (255, 255, 255)
INK = (32, 34, 37)
MUTED = (116, 127, 141)
GRID = (227, 229, 232)
GOOD, FAIR, POOR = (59, 165, 93), (250, 168, 26), (237, 66, 69)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class AccuracyBar:
    label: str
    correct: int
    answered: int


FONT_PACKAGE = "manimgx_fonts_cjk"
FONT_FILE = "NotoSansCJK-VF.otf.ttc"
FONT_FACE = 2  # the collection's faces: JP, KR, SC, TC, HK; SC's glyph shapes for Chinese first
FONT_WEIGHT = "Regular"  # a variable font: its default instance is Thin


@cache
def font_path() -> Path | None:
    """The CJK font file, or None when its package is not installed."""
    try:
        path = Path(str(files(FONT_PACKAGE) / FONT_FILE))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


@cache
def font(size: int) -> Font:
    path = font_path()
    if path is not None:
        try:
            face = ImageFont.truetype(str(path), size, index=FONT_FACE)
            face.set_variation_by_name(FONT_WEIGHT)
            return face
        except (OSError, ImportError) as exc:  # no FreeType in this Pillow
            log.warning("cannot load the CJK font %s (%s); charts draw Latin letters only", path, exc)
    else:
        log.warning("the %s package is not installed; charts draw Latin letters only", FONT_PACKAGE)
    return ImageFont.load_default(size=size)


def share_colour(share: float) -> tuple[int, int, int]:
    """Green from 75 %, amber from 50 %, red below: the colour of a share bar."""
    if share >= 0.75:
        return GOOD
    if share >= 0.5:
        return FAIR
    return POOR


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def accuracy_chart(bars: Sequence[AccuracyBar], *, title: str, empty: str = "No answers yet") -> bytes:
    """Horizontal bars of accuracy per topic (0-100%), as PNG bytes; ``empty`` says there are none.

    Topics without answers are left out; at most 30 bars (the most answered ones).
    """
    shown = [b for b in bars if b.answered > 0]
    shown = sorted(shown, key=lambda b: -b.answered)[:MAX_ROWS]
    shown.sort(key=lambda b: b.label.lower())
    height = TOP + ROW * max(1, len(shown)) + BOTTOM
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, text_font, small_font = font(20), font(15), font(12)
    draw.text((16, 16), _fit(draw, title, title_font, WIDTH - 32), fill=INK, font=title_font)

    bar_width = WIDTH - LEFT - RIGHT
    axis_bottom = TOP + ROW * max(1, len(shown))
    for tick in (0, 25, 50, 75, 100):
        x = LEFT + bar_width * tick // 100
        draw.line([(x, TOP - 6), (x, axis_bottom)], fill=GRID, width=1)
        label = f"{tick}%"
        draw.text(
            (x - draw.textlength(label, font=small_font) / 2, axis_bottom + 6),
            label,
            fill=MUTED,
            font=small_font,
        )
    if not shown:
        draw.text((LEFT, TOP + 8), empty, fill=MUTED, font=text_font)
    for index, bar in enumerate(shown):
        y = TOP + index * ROW
        share = bar.correct / bar.answered
        draw.text((16, y + 8), _fit(draw, bar.label, text_font, LEFT - 28), fill=INK, font=text_font)
        draw.rectangle([(LEFT, y + 6), (LEFT + bar_width, y + ROW - 6)], fill=GRID)
        end = LEFT + round(bar_width * share)
        if end > LEFT:
            draw.rectangle([(LEFT, y + 6), (end, y + ROW - 6)], fill=share_colour(share))
        figure = f"{int(share * 100)}% ({bar.correct}/{bar.answered})"
        draw.text((LEFT + bar_width + 10, y + 8), figure, fill=INK, font=text_font)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

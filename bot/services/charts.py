"""PNG charts drawn with Pillow in Noto Sans CJK, so Chinese, Japanese and Korean names and labels
draw as letters, not empty boxes. No discord import.

The font is Noto Sans CJK (SIL Open Font License) as the ``manimgx-fonts-cjk`` package ships it, a
dependency installed from PyPI like any other: nothing is read from the system or downloaded at run
time, and the Docker image needs no font package. Its Latin letters draw the English labels too.
Text is measured in pixels as drawn (``textlength``), so a CJK character counts its full width.
Emoji are not in the font: :func:`drawable` writes what the font lacks as its Unicode name in
brackets (``🔥`` -> ``[fire]``) and a custom Discord emoji as its ``:name:``, checked against the
font's character map (read with fontTools), so no text draws as empty boxes. Without the package,
or without FreeType, charts fall back to Pillow's own font (Latin only), with a warning.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
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


# A custom Discord emoji in a name or a topic: <:name:id> or <a:name:id> (animated).
CUSTOM_EMOJI = re.compile(r"<a?:(\w{1,32}):\d{5,25}>")
# Joiners, variation selectors, skin tones, keycap and tag characters: parts of an emoji sequence
# that say nothing once the emoji is written as its name.
_SEQUENCE_PARTS = frozenset(
    [0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]
)
_REGIONAL_A = 0x1F1E6  # regional indicators: a flag is two of them, written as its letters


@cache
def glyphs() -> frozenset[int] | None:
    """The code points the chart font draws, or None without the font (text is then left alone)."""
    path = font_path()
    if path is None:
        return None
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as collection:
        return frozenset(collection.fonts[FONT_FACE].getBestCmap())


def drawable(text: str) -> str:
    """``text`` with every character the font lacks written out: an emoji as its name in brackets
    (``🔥`` -> ``[fire]``, a flag as ``[CN]``), a custom emoji as ``:name:``; never an empty box."""
    text = CUSTOM_EMOJI.sub(r":\1:", text)
    have = glyphs()
    if have is None:
        return text
    out: list[str] = []
    flag = ""
    for char in text:
        point = ord(char)
        if _REGIONAL_A <= point < _REGIONAL_A + 26:
            flag += chr(ord("A") + point - _REGIONAL_A)
            if len(flag) == 2:
                out.append(f"[{flag}]")
                flag = ""
            continue
        if point in have or char.isspace():
            out.append(char)
        elif point not in _SEQUENCE_PARTS:
            name = unicodedata.name(char, "")
            out.append(f"[{name.lower()}]" if name else "?")
    if flag:
        out.append(f"[{flag}]")
    return "".join(out)


def share_colour(share: float) -> tuple[int, int, int]:
    """Green from 75 %, amber from 50 %, red below: the colour of a share bar."""
    if share >= 0.75:
        return GOOD
    if share >= 0.5:
        return FAIR
    return POOR


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    """``text`` made :func:`drawable` and shortened with an ellipsis to fit ``width`` pixels, as
    drawn (a CJK character is about twice as wide as a Latin one)."""
    text = drawable(text)
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
        draw.text(
            (LEFT, TOP + 8), _fit(draw, empty, text_font, WIDTH - LEFT - 16), fill=MUTED, font=text_font
        )
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

"""/stats figures, forget-me, and the accuracy chart as a real PNG."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.services.charts import MAX_ROWS, AccuracyBar, accuracy_chart, font
from bot.services.leaderboard import Period
from bot.storage.database import Database
from tests.helpers import run_sql
from tests.services.leaderboard_helpers import A, Boards, make_boards, save_answers

GUILD, OTHER = 1, 2


@pytest.fixture
async def boards(db: Database) -> AsyncIterator[Boards]:
    b = make_boards(db)
    yield b
    await b.close()


async def test_member_stats_add_up_from_the_aggregates(boards: Boards) -> None:
    answers = [
        A(1, 900, topic="lora", name="Ann"),
        A(1, 800, topic="lora", name="Ann"),
        A(1, 0, correct=False, topic="lora", name="Ann"),
        A(1, 700, topic="dpo", name="Ann"),
        A(1, 600, topic="dpo", name="Ann"),
        A(1, 500, topic="dpo", name="Ann"),
        A(2, 1000, topic="dpo"),
        A(2, 1000, topic="dpo"),
        A(2, 1000, topic="dpo"),
        A(2, 1000, topic="dpo"),
    ]
    await save_answers(boards.db, boards.clock, answers)
    ann = await boards.stats.member(GUILD, 1)
    assert (ann.points, ann.answered, ann.correct, ann.rank, ann.ranked_members) == (3500, 6, 5, 2, 2)
    assert ann.display_name == "Ann" and ann.accuracy == pytest.approx(5 / 6)
    assert [(t.topic, t.correct, t.answered) for t in ann.topics] == [("dpo", 3, 3), ("lora", 2, 3)]
    # Answer order: right, right, wrong, right, right, right -> a run of 3 now, and the best.
    assert (ann.correct_streak, ann.best_correct_streak) == (3, 3)
    assert (ann.daily_streak, ann.best_daily_streak) == (0, 0)

    nobody = await boards.stats.member(GUILD, 3)
    assert not nobody.has_answers and nobody.rank is None and nobody.display_name is None


async def test_a_daily_streak_is_shown_only_while_it_is_alive(boards: Boards) -> None:
    await save_answers(boards.db, boards.clock, [A(1, 900)])
    today = boards.clock.now().date()
    # Written by the question of the day (a later issue); set here as it would store it.
    await run_sql(
        boards.db,
        "UPDATE streaks SET daily_current = 4, daily_best = 6, last_daily_date = ? WHERE user_id = 1",
        (today.isoformat(),),
    )
    assert (await boards.stats.member(GUILD, 1)).daily_streak == 4
    boards.clock.advance(timedelta(days=1))
    assert (await boards.stats.member(GUILD, 1)).daily_streak == 4
    boards.clock.advance(timedelta(days=1))
    stats = await boards.stats.member(GUILD, 1)
    assert (stats.daily_streak, stats.best_daily_streak) == (0, 6)


async def test_a_daily_streak_is_judged_in_the_daily_schedules_zone(boards: Boards) -> None:
    # 2026-01-05 02:00 UTC is still the 4th in Los Angeles: a streak last extended on the 3rd
    # (there) is alive, though the server's own zone (UTC) is already at the 5th.
    boards.clock.set(datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    await save_answers(boards.db, boards.clock, [A(1, 900)])
    await run_sql(
        boards.db,
        "UPDATE streaks SET daily_current = 3, daily_best = 3, last_daily_date = '2026-01-03' "
        "WHERE user_id = 1",
    )
    assert (await boards.stats.member(GUILD, 1)).daily_streak == 0
    await run_sql(
        boards.db,
        "INSERT INTO daily_schedules (guild_id, channel_id, post_time, timezone, next_post_at, created_at, "
        "updated_at) VALUES (?, 10, '09:00', 'America/Los_Angeles', 0, 0, 0)",
        (GUILD,),
    )
    assert (await boards.stats.member(GUILD, 1)).daily_streak == 3


async def test_forget_me_deletes_the_member_here_and_nothing_else(boards: Boards) -> None:
    season = await boards.seasons.start(guild_id=GUILD, channel_id=10, user_id=9, name="S")
    await save_answers(
        boards.db,
        boards.clock,
        [
            A(1, 900, season_id=season.id),
            A(1, 800, topic="dpo"),
            A(2, 700, season_id=season.id),
            A(1, 600, guild_id=OTHER),
        ],
    )
    await boards.seasons.end(GUILD)  # an archive with the member in it
    await save_answers(boards.db, boards.clock, [A(1, 100)])
    kept = await boards.privacy.footprint(GUILD, 1)
    assert kept["answers"] == 3 and kept["archived scores"] == 1 and kept["names"] == 1

    deleted = await boards.privacy.forget(GUILD, 1)
    assert deleted == kept
    assert await boards.privacy.footprint(GUILD, 1) == {}
    board = await boards.leaderboards.resolve(GUILD, period=None)
    assert [r.row.user_id for r in (await boards.leaderboards.page(board, 0, 2)).rows] == [2]
    archive = await boards.leaderboards.resolve(GUILD, period=Period.SEASON, season="S")
    assert [r.row.user_id for r in (await boards.leaderboards.page(archive, 0, 2)).rows] == [2]
    assert not (await boards.stats.member(GUILD, 1)).has_answers
    # Another server keeps its own record of the same person.
    assert (await boards.privacy.footprint(OTHER, 1))["answers"] == 1
    assert await boards.privacy.forget(GUILD, 1) == {}


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.verify()  # a truncated or corrupt file raises here
    return Image.open(io.BytesIO(png))


def test_the_accuracy_chart_is_a_valid_png_of_sensible_size() -> None:
    bars = [AccuracyBar("LoRA", 3, 4), AccuracyBar("DPO", 1, 4), AccuracyBar("Quantization", 5, 5)]
    png = accuracy_chart(bars, title="Accuracy per topic")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = _open(png)
    assert image.format == "PNG" and image.mode == "RGB"
    width, height = image.size
    assert width == 760 and 150 <= height <= 300
    assert 2_000 < len(png) < 200_000
    # Bars are drawn in the colour of their score: green from 75%, red below 50%.
    colours = {c for _n, c in image.getcolors(maxcolors=100_000) or []}
    assert (59, 165, 93) in colours and (237, 66, 69) in colours


def test_the_chart_is_capped_and_copes_with_no_answers() -> None:
    many = [AccuracyBar(f"topic {i}", i % 5, 5) for i in range(MAX_ROWS + 10)]
    tall = _open(accuracy_chart(many, title="t"))
    assert tall.size[1] == 64 + 34 * MAX_ROWS + 40
    empty = _open(accuracy_chart([AccuracyBar("LoRA", 0, 0)], title="t"))
    assert empty.size[1] < 200


def test_the_font_is_the_cjk_one_shipped_in_a_package() -> None:
    # Noto Sans CJK from the manimgx-fonts-cjk dependency: nothing read from the system.
    from PIL import ImageFont

    face = font(15)
    assert isinstance(face, ImageFont.FreeTypeFont)
    assert face.getname() == ("Noto Sans CJK SC", "Regular")
    assert "manimgx_fonts_cjk" in str(face.path)

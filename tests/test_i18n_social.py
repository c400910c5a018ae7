"""Issue 19 for the social commands, below Discord: dates of boards, refusals and settings problems
read in the language asked, English unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.competitions import CompetitionRunningError, parse_duration
from bot.core.errors import UserFacingError
from bot.core.i18n import translator
from bot.core.seasons import clean_name, parse_ends_at
from bot.core.settings_rules import InvalidSettingsError, validate_changes
from bot.core.topics import TOPICS
from bot.services.leaderboard import Board, MonthName, WeekSpan, month_label, week_label
from bot.storage.scores import BoardKey, Source

ZH = translator("zh").gettext
EN = translator("en").gettext


def test_weeks_and_months_are_named_in_the_readers_language() -> None:
    assert week_label("2026-W02") == "Mon 5 Jan – Sun 11 Jan 2026"
    assert week_label("2026-W02", "zh") == "1月5日（周一）至 2026年1月11日（周日）"
    assert week_label("2026-W01", "zh") == "12月29日（周一）至 2026年1月4日（周日）"
    assert month_label("2026-05") == "May 2026" and month_label("2026-05", "zh") == "2026年5月"


def test_a_board_fills_its_templates_per_language_and_keeps_stored_labels_as_written() -> None:
    key = BoardKey(Source.SCORES, 1, "week", "2026-W02")
    week = Board(
        key,
        "Week {week}",
        "{days} ({tz})",
        params={"week": "2026-W02", "days": WeekSpan("2026-W02"), "tz": "UTC"},
    )
    assert week.title_in() == "Week 2026-W02" and week.title_in("zh") == "2026-W02 周"
    assert week.detail_in("zh") == "1月5日（周一）至 2026年1月11日（周日）（UTC）"
    month = Board(key, "{month}", params={"month": MonthName("2026-02")})
    assert month.title_in() == "February 2026" and month.title_in("zh") == "2026年2月"
    # An archive's label was written at reset time; braces in it are text, not placeholders.
    archive = Board(key, "{label}", params={"label": "All-time until {x}"})
    assert archive.title_in("zh") == "All-time until {x}"


def test_refusals_read_in_chinese_with_their_values_and_in_english_unchanged() -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    with pytest.raises(UserFacingError) as caught:
        parse_ends_at("2020-01-01", now, "Asia/Shanghai")
    assert caught.value.message == "`2020-01-01` is in the past; a season must end in the future."
    assert caught.value.translated(ZH) == "`2020-01-01` 已经过去了；赛季的结束时间必须在将来。"
    with pytest.raises(UserFacingError) as caught:
        clean_name("   ")
    assert caught.value.translated(ZH) == "赛季需要一个名称，例如 `Spring 2026`。"
    with pytest.raises(UserFacingError) as caught:
        parse_duration("soon")
    assert (
        caught.value.translated(EN)
        == "I couldn't read `soon` as a duration. Use e.g. `90m`, `12h`, `3d`, `2w`."
    )
    running = CompetitionRunningError("March cup")
    assert (
        running.translated(ZH)
        == "比赛 **March cup** 还在进行中；同一时间只能进行一场。请先用 `/competition end` 结束它。"
    )


def test_every_bad_setting_is_listed_in_the_language_asked() -> None:
    with pytest.raises(InvalidSettingsError) as caught:
        validate_changes({"default_seconds": 1, "topics_enabled": "lora, knitting"})
    error = caught.value
    assert error.message == (
        "Nothing was changed:\n• Seconds per question: must be a whole number from 5 to 300\n"
        "• Topics enabled: unknown topic(s) knitting; known topics: " + ", ".join(TOPICS)
    )
    zh = error.translated(ZH)
    assert zh.startswith("没有做任何更改：\n• ") and "必须是 5 到 300 之间的整数" in zh
    assert "未知主题 knitting；已有主题：" in zh


def test_a_board_page_in_chinese_has_chinese_buttons_labels_and_footer_with_the_plural() -> None:
    from cogs._leaderboard_views import board_embed, page_view
    from tests.test_leaderboard_views import buttons, page_of

    board = Board(BoardKey(Source.SCORES, 1, "all", "all"), "All-time")
    page = page_of(board, 10, page=1)
    view = page_view(page, "zh")
    assert view is not None and [b.label for b in buttons(view)] == ["◀ 上一页", "下一页 ▶"]
    embed = board_embed(page, "viewer", "zh")
    assert embed.title == "🏆 排行榜 · 历史累计"
    assert embed.footer.text == "第 2/3 页 · 共 100000 人 · 同分同名次"
    assert [f.name for f in embed.fields] == ["不在本页"]
    english = board_embed(page, "viewer")
    assert english.footer.text == "Page 2/3 · 100000 members · ties share a rank"

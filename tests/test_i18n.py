"""Issue 19: the catalogues cover the code, keep its placeholders, compile to the shipped .mo; the
lookups fall back to English; charts draw CJK with glyphs from the font, not empty boxes."""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTCollection
from PIL import Image, ImageDraw

from bot.core.i18n import LOCALE_DIR, N_, language_of, translator
from bot.core.settings_rules import show
from bot.core.topics import TOPICS, topic_label
from bot.services import charts
from bot.services.charts import AccuracyBar, accuracy_chart
from cogs._i18n import NAME_CONTEXT, NAME_RULE, TEXT_CONTEXT
from tests.i18n_tools import DERIVED, compiled, converted, extract, placeholders, po_path, read


def _ids(message: Any) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Any) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_string_used_in_code_has_a_zh_entry_with_the_same_placeholders() -> None:
    zh = read("zh")
    problems = []
    for message in extract():
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations)
        entry = zh.get(message.id, context=message.context)
        if entry is None or not all(_strings(entry)) or entry.fuzzy:
            problems.append(f"no zh translation for {_ids(message)[0]!r} ({where})")
            continue
        expected = set().union(*(placeholders(s) for s in _ids(message)))
        for text in _strings(entry):
            if placeholders(text) != expected:
                problems.append(
                    f"{_ids(message)[0]!r} ({where}): zh has {sorted(placeholders(text))}, "
                    f"English has {sorted(expected)}"
                )
    assert problems == [], "bot/locale/zh/LC_MESSAGES/quizbot.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh", "zh_TW"])
def test_command_entries_keep_placeholders_and_names_follow_discords_rule(lang: str) -> None:
    problems = []
    for entry in read(lang):
        name = entry.string or ""
        if entry.context == NAME_CONTEXT and not (NAME_RULE.match(name) and name == name.lower()):
            problems.append(
                f"name {entry.id!r} -> {name!r} breaks Discord's rule (^[-_'\\w]{{1,32}}$, lower case)"
            )
        if entry.context == TEXT_CONTEXT and not 1 <= len(entry.string or "") <= 100:
            problems.append(f"{entry.id!r} -> {entry.string!r} is not 1-100 characters")
    assert problems == []


@pytest.mark.parametrize("lang", ["zh", "zh_TW"])
def test_the_shipped_mo_is_the_compiled_po(lang: str) -> None:
    shipped = po_path(lang).with_suffix(".mo")
    fresh = gettext.GNUTranslations(io.BytesIO(compiled(read(lang))))
    current = gettext.GNUTranslations(shipped.open("rb"))
    assert current._catalog == fresh._catalog, "run `python -m tests.i18n_tools` to compile the .po"  # type: ignore[attr-defined]
    assert shipped.parent == LOCALE_DIR / lang / "LC_MESSAGES"


def test_the_traditional_catalogue_is_the_simplified_one_converted_with_the_same_placeholders() -> None:
    source, config = DERIVED["zh_TW"]
    made = converted(read(source), "zh_TW", config, source)
    expected = {(m.context, _ids(m)): _strings(m) for m in made if m.id}
    shipped = {(m.context, _ids(m)): _strings(m) for m in read("zh_TW") if m.id}
    assert shipped == expected, "run `python -m tests.i18n_tools`: zh_TW is generated from zh"
    for (_context, ids), strings in shipped.items():
        wanted = set().union(*(placeholders(i) for i in ids))
        assert all(placeholders(s) == wanted for s in strings), ids
    tw = translator("zh-TW")
    assert tw.gettext("Why not {letter}?") == "為什麼不是 {letter}？"
    assert topic_label("data-prep", "zh_TW") == "資料準備"
    assert tw.pgettext(NAME_CONTEXT, "quiz") == "測驗"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh-TW", "zh_TW"),
        ("zh", "zh"),
        ("en-US", "en"),
        ("fr", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_discord_locales_read_the_catalogue_of_their_language(locale: str | None, lang: str) -> None:
    assert language_of(locale) == lang


def test_a_string_without_a_translation_reads_in_english_and_plurals_follow_the_count() -> None:
    zh, en = translator("zh-CN"), translator("en-US")
    assert zh.gettext("Why not {letter}?").format(letter="B") == "为什么不是 B？"
    assert zh.gettext("A string nobody translated") == "A string nobody translated"
    one = "{asked} of {total} question asked"
    many = "{asked} of {total} questions asked"
    assert en.ngettext(one, many, 1).format(asked=1, total=1) == "1 of 1 question asked"
    assert en.ngettext(one, many, 3).format(asked=2, total=3) == "2 of 3 questions asked"
    assert zh.ngettext(one, many, 1) == zh.ngettext(one, many, 3) == "已出 {asked} 题，共 {total} 题"


def test_topics_are_shown_translated_and_their_slugs_stay_keys() -> None:
    assert topic_label("lora") == "LoRA" and topic_label("lora", "zh") == "LoRA"
    assert topic_label("data-prep") == "Data preparation"
    assert topic_label("data-prep", "zh") == "数据准备"
    assert topic_label("club-history", "zh") == "Club history"  # a server's own topic: its slug
    assert all(topic_label(t, "zh") for t in TOPICS)


def test_settings_show_their_values_in_the_language_asked() -> None:
    assert show("speed_bonus", True, "zh") == "开" and show("speed_bonus", True) == "on"
    assert show("ui_language", None, "zh") == "跟随服务器语言"
    assert show("ui_language", "zh") == "Chinese"


def test_a_chart_with_a_chinese_name_draws_every_character_from_the_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[tuple[str, Any]] = []
    original = ImageDraw.ImageDraw.text

    def record(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        drawn.append((str(text), kwargs.get("font")))
        original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)
    path = charts.font_path()
    assert path is not None, "the manimgx-fonts-cjk package (a dependency) is not installed"
    zh = translator("zh")
    bars = [AccuracyBar(topic_label("data-prep", "zh"), 3, 4), AccuracyBar("LoRA 김치 カナ", 1, 2)]
    png = accuracy_chart(bars, title=zh.gettext("Accuracy per topic · {name}").format(name="小明"))
    assert Image.open(io.BytesIO(png)).format == "PNG"

    face = TTCollection(str(path)).fonts[charts.FONT_FACE]
    cmap = face.getBestCmap()
    texts = [t for t, _f in drawn]
    assert any("小明" in t for t in texts) and any("数据准备" in t for t in texts)
    missing = sorted({c for t in texts for c in t if not c.isspace() and ord(c) not in cmap})
    assert missing == [], f"no glyph in {path.name} for {missing}"
    assert all(Path(f.path) == path for _t, f in drawn), "every text is drawn in the CJK font"


def test_chart_labels_are_cut_by_their_drawn_width() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    face = charts.font(15)
    wide, narrow = "数" * 40, "i" * 40
    cut_wide, cut_narrow = charts._fit(draw, wide, face, 120), charts._fit(draw, narrow, face, 120)
    assert draw.textlength(cut_wide, font=face) <= 120 and draw.textlength(cut_narrow, font=face) <= 120
    assert len(cut_wide) < len(cut_narrow)  # a CJK character takes about two Latin ones' width


def _drawn_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the charts draw from now on (ImageDraw.text, recorded)."""
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def record(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        drawn.append(str(text))
        original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)
    return drawn


def _missing_glyphs(texts: list[str]) -> list[str]:
    path = charts.font_path()
    assert path is not None, "the manimgx-fonts-cjk package (a dependency) is not installed"
    cmap = TTCollection(str(path)).fonts[charts.FONT_FACE].getBestCmap()
    return sorted({c for t in texts for c in t if not c.isspace() and ord(c) not in cmap})


def test_emoji_and_custom_emoji_are_written_as_their_names() -> None:
    assert charts.drawable("小明🔥") == "小明[fire]"
    assert charts.drawable("<:pepe_think:123456789012345678> fan") == ":pepe_think: fan"
    assert charts.drawable("🇨🇳 team") == "[CN] team"
    assert charts.drawable("👍🏽 ok") == "[thumbs up sign] ok"  # the skin tone says nothing as text
    assert charts.drawable("数据准备 · LoRA → 75%") == "数据准备 · LoRA → 75%"  # the font has these


def test_the_tutors_and_analytics_charts_in_chinese_draw_every_character_from_the_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    from bot.services.analytics_charts import Point, ShareBar, activity_chart, bars_chart, item_chart
    from bot.services.progress import Progress, TopicMastery, progress_chart

    drawn = _drawn_texts(monkeypatch)
    zh = translator("zh").gettext
    progress = Progress(
        guild_id=1,
        user_id=2,
        topics=(
            TopicMastery("data-prep", seen=3, pool=5, known=2, mean_retrievability=0.8),
            TopicMastery("🔥-club", seen=1, pool=2, known=0, mean_retrievability=None),
        ),
        cards=4,
        due_now=1,
        forecast=(1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3),
        forecast_start=date(2026, 11, 30),
        retention=None,
        retention_reviews=0,
        streak=2,
        next_due=None,
        reminder=None,
        reminder_off_reason=None,
    )
    pngs = [
        progress_chart(progress, title=zh("{name}: study progress").format(name="小明 🎓"), lang="zh"),
        item_chart(
            zh("{item_id}: choice shares and p over time").format(item_id="s003-q01"),
            [ShareBar("A. 低秩适配器 😀", 0.6, good=True), ShareBar("B. <:lol:111111111111111111>", 0.4)],
            [Point("11-23", 0.5), Point("11-30", None)],
            0.25,
            lang="zh",
        ),
        activity_chart(zh("Participation: answers and active members per day"), [("11-30", 4, 2)], lang="zh"),
        bars_chart(zh("The 5 hardest items (share right, last 30 days)"), [], lang="zh"),
    ]
    assert all(Image.open(io.BytesIO(png)).format == "PNG" for png in pngs)
    everything = "\n".join(drawn)
    for label in (
        "数据准备",
        "今天",
        "未来 14 天到期",
        "各选项占比（题库顺序）",
        "柱：每天的作答次数",
        "还没有作答",
    ):
        assert label in everything, label
    assert "[fire]" in everything and ":lol:" in everything and "[graduation cap]" in everything
    assert _missing_glyphs(drawn) == [], "characters drawn as empty boxes"


def test_a_service_error_keeps_its_msgid_and_renders_in_the_language_asked() -> None:
    from bot.core.errors import NotFoundError
    from bot.core.i18n import Nn_, Text
    from bot.core.study import StudyError

    error = StudyError(
        Nn_(
            "Nothing to study now: no card is due and today's {count} new card is done. "
            "`/study settings new_per_day` changes the daily limit.",
            "Nothing to study now: no card is due and today's {count} new cards are done. "
            "`/study settings new_per_day` changes the daily limit.",
        ),
        count=3,
    )
    assert str(error) == error.message
    assert error.message.startswith("Nothing to study now: no card is due and today's 3 new cards are done.")
    assert error.translated("zh-CN").startswith(
        "现在没有要学习的内容：没有到期的卡片，今天的 3 张新卡片也已学完。"
    )
    assert error.translated(None) == error.message
    one = NotFoundError(N_("This server has no question `{item_id}`."), item_id="q1")
    assert one.translated(translator("zh")) == "本服务器没有题目 `q1`。"
    assert one.translated(translator("zh").gettext) == "本服务器没有题目 `q1`。"  # the older call
    unmarked = NotFoundError("A sentence no catalogue has.")  # falls back to English, untouched
    assert unmarked.translated("zh-CN") == "A sentence no catalogue has."
    nested = Text(
        "Thanks: your report on `{item_id}` ({reason}) went to the server's curators.",
        {"item_id": "q1", "reason": Text(N_("Typo"))},
    )
    assert nested.render("zh") == "谢谢：你对 `q1` 的举报（错别字）已提交给本服务器的题库管理员。"


def test_discords_check_failures_read_in_the_members_language_with_permission_names() -> None:
    from discord import app_commands

    from cogs.errors import message_for

    missing = app_commands.MissingPermissions(["manage_guild", "moderate_members"])
    assert message_for(missing, "zh-CN") == "你需要“管理服务器, Moderate Members”权限才能使用这个命令。"
    assert message_for(missing, "en-US") == (
        "You need the Manage Server, Moderate Members permission to use this command."
    )
    assert (
        message_for(app_commands.NoPrivateMessage(), "zh-CN")
        == "这个命令只能在服务器频道中使用，不能在私信中使用。"
    )
    assert message_for(ValueError("unexpected"), "zh-CN") is None  # logged with a code instead


def test_a_stored_english_sentence_reads_back_in_the_language_asked() -> None:
    from bot.core.i18n import Joined, Text, reread
    from bot.services.daily_schedule import MISSING_PERMISSIONS, PAUSED_BY_ADMIN, pause_text
    from bot.services.leaderboard import archive_label
    from cogs._posting import permission_names

    stored = MISSING_PERMISSIONS.format(
        permissions=permission_names(["send_messages", "add_reactions"]), channel_id=7
    )
    assert stored == "I am missing Send Messages, Add Reactions in <#7>."
    assert pause_text(stored).render("zh") == "我在 <#7> 缺少“发送消息, 添加反应”权限。"
    assert pause_text(stored).render("en") == stored
    assert pause_text(PAUSED_BY_ADMIN).render("zh-CN") == "管理员用 /daily pause 暂停了。"
    quoted = "Discord refused my post: Missing Access (50001)."
    assert pause_text(quoted).render("zh") == "Discord 拒绝了我的发布：Missing Access（50001）。"
    assert pause_text("A reason from an older version.").render("zh") == "A reason from an older version."
    assert archive_label("All-time until 2026-03-26 07:01 (Europe/Berlin)").render("zh") == (
        "历史累计（截至 2026-03-26 07:01，Europe/Berlin）"
    )
    assert archive_label("Spring 2026").render("zh") == "Spring 2026"  # a season's own name
    # A repeated placeholder must hold the same value both times.
    assert reread("a 1 b 2", ["a {x} b {x}"]).message == "a 1 b 2"
    assert reread("a 1 b 1", ["a {x} b {x}"]) == Text("a {x} b {x}", {"x": "1"})
    assert str(Joined((Text("Send Messages"), Text("Embed Links")))) == "Send Messages, Embed Links"

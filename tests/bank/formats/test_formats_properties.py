"""Property tests: every parser, fed any bytes, gives items or FILE:LINE messages, never an exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bank.formats import FORMATS, FormatResult, import_text
from bot.bank.loader import decode_text
from bot.bank.schema import SERVER_TOPICS, BankItem

from . import fixtures as F

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXTURES = [
    F.GIFT,
    F.GIFT_MALFORMED,
    F.AIKEN,
    F.AIKEN_BROKEN,
    F.MOODLE_XML,
    F.XML_BOMB,
    F.OPENTDB,
    F.RED,
    F.ANKI_HEADER,
    F.ANKI_PLAIN_TAB,
    F.ANKI_COMMA,
    F.TASKLIST_MD,
]
# Pieces that mean something to one format or another.
MARKUP = [
    "{", "}", "{}", "{=", "~", "=", "#", "####", "::", "\\", "->", "%50%", "[html]", "$CATEGORY: a/b",
    "ANSWER: A", "A) x", "B. y", "<quiz>", "</quiz>", '<question type="multichoice">', "<![CDATA[",
    "]]>", '"results": [', '"correct_answer":', "- [x] ", "- [ ] ", "#### Q1. ", "```", "#separator:tab",
    "#html:true", "#columns:Front\tBack", '"', "\t", ",", ":\n- ", "- ", "AUTHOR: x", "&amp;", "&#",
    "\n", "\n\n", "\r\n", "\r", "\ufeff", "\x00",
]  # fmt: skip


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(FIXTURES))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "cut"]))
        if op == "insert":
            text = text[:at] + draw(st.one_of(st.sampled_from(MARKUP), st.text(max_size=12))) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            text = text[:at]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


any_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(MARKUP), max_size=40).map(lambda parts: "".join(parts).encode()),
    mutated_fixture(),
)
LINE_MESSAGE = re.compile(r"^f\.txt:\d+: \S")


def check(data: bytes, fmt: str | None) -> None:
    text, problem = decode_text(data, "f.txt")
    if text is None:
        assert problem is not None and LINE_MESSAGE.match(str(problem))
        return
    result = import_text(text, "f.txt", fmt)
    assert isinstance(result, FormatResult)
    assert result.items or result.errors or result.skips, "neither items nor a message"
    last_line = text.count("\n") + 1
    for message in result.report:
        assert LINE_MESSAGE.match(str(message)), message
        assert 1 <= message.line <= last_line, message
    ids = [item["id"] for item in result.items]
    assert len(ids) == len(set(ids))
    for item in result.items:
        BankItem.model_validate(
            {**item, "explanation": item["explanation"] or "-"}, context={SERVER_TOPICS: True}
        )


@pytest.mark.parametrize("fmt", [None, *FORMATS])
@SETTINGS
@given(data=any_bytes)
def test_any_bytes_give_items_or_file_line_messages(fmt: str | None, data: bytes) -> None:
    check(data, fmt)

"""Typed answers: normalisation and the bounded fuzzy match, table by table."""

from __future__ import annotations

import pytest

from bot.core.typed import MAX_TYPED_ANSWER_CHARS, matches, normalise, typeable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shakespeare", "shakespeare"),
        ("  SHAKESPEARE!! ", "shakespeare"),
        ("The Beatles", "beatles"),
        ("a cat", "cat"),
        ("An apple", "apple"),
        ("Lord of the Rings", "lord of rings"),
        ("A", "a"),  # an article alone is the answer (a blood type), not nothing
        ("the", "the"),
        ("Café", "cafe"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("rock 'n' roll", "rock n roll"),
        ("3", "3"),
        ("3.0", "3"),
        ("3.00", "3"),
        ("three", "3"),
        ("Twenty-one", "21"),
        ("twenty one", "21"),
        ("one hundred and five", "105"),
        ("a hundred", "100"),
        ("1,000", "1000"),
        ("one thousand", "1000"),
        ("2.50", "2.50"),  # a fraction stays as written
        ("1.10", "1.10"),  # a version is not 1.1
        ("salt and pepper", "salt and pepper"),
        ("北京", "北京"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text).text == expected


@pytest.mark.parametrize(
    ("guess", "accepted", "expected"),
    [
        # exact after normalisation
        ("shakespeare", ["Shakespeare"], True),
        ("The Beatles", ["Beatles"], True),
        ("beatles!", ["The Beatles"], True),
        ("paris", ["Paris"], True),
        # any of the accepted answers
        ("address resolution protocol", ["ARP", "Address Resolution Protocol"], True),
        ("arp", ["ARP", "Address Resolution Protocol"], True),
        # numbers written any of the usual ways
        ("3", ["three"], True),
        ("Three", ["3"], True),
        ("3.0", ["3"], True),
        ("1000", ["1,000"], True),
        ("one thousand", ["1000"], True),
        ("twenty-one", ["21"], True),
        # bounded fuzziness above 5 characters
        ("Shakespere", ["Shakespeare"], True),
        ("Shakspeare", ["Shakespeare"], True),
        ("Missisippi", ["Mississippi"], True),
        ("Leonardo da Vinci", ["Leonardo da Vinchi"], True),
        ("Shakesbeer", ["Shakespeare"], False),  # two slips in 11: ratio 82
        ("Pariz", ["Paris"], False),  # one slip in 5 letters is 80
        # exact below 5 characters
        ("ARP", ["ARP"], True),
        ("ARO", ["ARP"], False),
        ("RAP", ["ARP"], False),
        ("cat", ["cats"], False),
        ("dogs", ["dog"], False),
        # substrings never count, either way
        ("Shake", ["Shakespeare"], False),
        ("speare", ["Shakespeare"], False),
        ("Shakespear", ["Shakespeare"], False),  # one letter short, but a fragment
        ("chair", ["air"], False),
        ("air", ["chair"], False),
        ("William Shakespeare", ["Shakespeare"], False),
        ("York", ["New York"], False),
        ("United States", ["United States of America"], False),
        # numbers are never fuzzy
        ("World War 1", ["World War 2"], False),
        ("World War II", ["World War 2"], False),
        ("Apollo 13", ["Apollo 11"], False),
        ("10000000", ["1000000"], False),
        ("2.5", ["2.50"], False),
        ("1.1", ["1.10"], False),
        # nothing to compare
        ("", ["Shakespeare"], False),
        ("!!!", ["Shakespeare"], False),
        ("the", ["The Beatles"], False),
        ("Shakespeare", [], False),
        # other scripts
        ("北京", ["北京"], True),
        ("南京", ["北京"], False),
    ],
)
def test_matches(guess: str, accepted: list[str], expected: bool) -> None:
    assert matches(guess, accepted) is expected, f"{guess!r} vs {accepted}"


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        (["Shakespeare"], True),
        (["ARP", "Address Resolution Protocol"], True),
        ([], False),
        (["x" * MAX_TYPED_ANSWER_CHARS], True),
        (["x" * (MAX_TYPED_ANSWER_CHARS + 1)], False),
        (["Short", "x" * (MAX_TYPED_ANSWER_CHARS + 1)], False),  # a long model answer among them
        (["two\nlines"], False),
        (["?!"], False),
    ],
)
def test_typeable(accepted: list[str], expected: bool) -> None:
    assert typeable(accepted) is expected

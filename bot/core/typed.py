"""Typed answers: whether a member's text matches one of a question's accepted answers. Pure.

A typed answer is compared with each accepted answer after both are normalised the same way
(:func:`normalise`): Unicode compatibility forms folded, case folded, accents dropped,
punctuation removed, the articles *a*, *an* and *the* left out, and numbers written one way
("3.0", "three" and "3" are all ``3``; "1,000" is ``1000``).

Then, per accepted answer (:func:`matches`):

* under ``EXACT_BELOW`` (5) characters, normalised: only an exact match counts;
* longer: a ``rapidfuzz`` similarity ratio of at least ``MIN_RATIO`` (90 of 100) counts, so one
  slip in a long word passes ("Shakespere" for "Shakespeare");
* never a substring: a guess that is part of the answer, or holds the answer inside it, does not
  count however close the ratio ("Shake" for "Shakespeare", "chair" for "air"; also
  "Shakespear", one letter short: the cost of never crediting a fragment);
* numbers are never fuzzy: the numbers in the guess must be the answer's numbers, so
  "World War 1" never counts for "World War 2".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

EXACT_BELOW = 5  # normalised answers shorter than this must match exactly
MIN_RATIO = 90.0  # out of 100: how close a longer answer must be
# An accepted answer longer than this is a model answer to read, not one to type (the importers
# keep the same bound): an item is played typed only if every accepted answer is this short.
MAX_TYPED_ANSWER_CHARS = 60
MAX_TYPED_INPUT_CHARS = 100  # what the answer box takes (a little more than the longest answer)

ARTICLES = frozenset({"a", "an", "the"})

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SCALES)

# A number as written with digits ("1,000", "3.0", "0.5"), or a run of letters/digits.
_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|[^\W_]+")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A text as compared: its words joined by single spaces, and the numbers among them."""

    text: str
    numbers: tuple[str, ...]


def _number(token: str) -> str:
    """A number written with digits, one way: no thousands commas, no zero fraction ("3.0" -> "3").

    Other fractions stay as written ("2.50" stays "2.50"): "1.10" is a version as often as a
    number, and a version is not "1.1".
    """
    plain = token.replace(",", "")
    if "." in plain:
        try:
            value = Decimal(plain)
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            return plain
        if value == value.to_integral_value():
            return str(int(value))
        return plain
    return str(int(plain))


def _words_to_numbers(tokens: list[str]) -> list[str]:
    """Runs of number words as one number ("twenty one" -> "21", "hundred and five" -> "105")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in _NUMBER_WORDS:
            out.append(tokens[i])
            i += 1
            continue
        total = current = 0
        while i < len(tokens):
            word = tokens[i]
            after = tokens[i + 1] if i + 1 < len(tokens) else ""
            if word == "and" and tokens[i - 1] in _SCALES and (after in _UNITS or after in _TENS):
                i += 1  # "and" inside a number ("one hundred and five") is part of it
                continue
            if word in _UNITS:
                current += _UNITS[word]
            elif word in _TENS:
                current += _TENS[word]
            elif word == "hundred":
                current = max(current, 1) * 100
            elif word in _SCALES:
                total += max(current, 1) * _SCALES[word]
                current = 0
            else:
                break
            i += 1
        out.append(str(total + current))
    return out


def normalise(text: str) -> Normalised:
    """``text`` as compared: folded, without punctuation or articles, numbers one way."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    tokens = [_number(t) if t[0].isdigit() else t for t in _TOKEN.findall(folded)]
    tokens = _words_to_numbers(tokens)
    kept = [t for t in tokens if t not in ARTICLES]
    if not kept:  # the answer is an article itself ("A" as a blood type): keep it
        kept = tokens
    return Normalised(" ".join(kept), tuple(t for t in kept if t[0].isdigit()))


def _matches_one(guess: Normalised, answer: Normalised) -> bool:
    if not guess.text or not answer.text:
        return False
    if guess.text == answer.text:
        return True
    if guess.numbers != answer.numbers:
        return False
    if len(answer.text) < EXACT_BELOW:
        return False
    if guess.text in answer.text or answer.text in guess.text:
        return False  # a fragment of the answer, or the answer inside something else
    return fuzz.ratio(guess.text, answer.text, score_cutoff=MIN_RATIO) >= MIN_RATIO


def matches(guess: str, accepted: Sequence[str]) -> bool:
    """Whether ``guess`` counts as one of the ``accepted`` answers (see the module's rules)."""
    typed = normalise(guess)
    return any(_matches_one(typed, normalise(answer)) for answer in accepted)


def typeable(accepted: Sequence[str]) -> bool:
    """Whether a question with these accepted answers can be answered by typing.

    At least one answer, each on one line, at most ``MAX_TYPED_ANSWER_CHARS`` long and with
    something left to compare once normalised.
    """
    return bool(accepted) and all(
        0 < len(a) <= MAX_TYPED_ANSWER_CHARS and "\n" not in a and normalise(a).text for a in accepted
    )

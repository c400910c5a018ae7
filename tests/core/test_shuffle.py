"""The posted choice order and its letter conversions (bot/core/shuffle.py)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from bot.core.shuffle import (
    Posting,
    check_order,
    decode_order,
    encode_order,
    posted_order,
    shuffles,
)


@pytest.mark.parametrize(
    ("item_type", "shuffle", "expected"),
    [
        ("single_choice", True, True),
        ("single_choice", False, False),
        ("true_false", True, False),
        ("true_false", False, False),
    ],
)
def test_which_items_shuffle(item_type: str, shuffle: bool, expected: bool) -> None:
    assert shuffles(item_type, shuffle) is expected


@pytest.mark.parametrize(
    ("n_choices", "item_type", "shuffle"),
    [
        (2, "true_false", True),
        (4, "single_choice", False),
        (5, "single_choice", False),
    ],
)
def test_fixed_items_keep_bank_order_and_leave_the_random_stream_alone(
    n_choices: int, item_type: str, shuffle: bool
) -> None:
    rng = random.Random(7)
    before = rng.getstate()
    assert posted_order(n_choices, shuffle=shuffle, item_type=item_type, rng=rng) == tuple(range(n_choices))
    assert rng.getstate() == before


@pytest.mark.parametrize("n_choices", [2, 3, 4, 5])
def test_a_shuffled_order_is_a_permutation(n_choices: int) -> None:
    rng = random.Random(n_choices)
    for _ in range(50):
        order = posted_order(n_choices, shuffle=True, item_type="single_choice", rng=rng)
        assert sorted(order) == list(range(n_choices))


def test_the_same_seed_gives_the_same_orders() -> None:
    def draws(seed: int) -> list[tuple[int, ...]]:
        rng = random.Random(seed)
        return [posted_order(4, shuffle=True, item_type="single_choice", rng=rng) for _ in range(5)]

    assert draws(3) == draws(3)
    assert len(set(draws(3))) > 1


def test_every_order_of_four_choices_turns_up_about_equally_often() -> None:
    rng = random.Random(2026)
    draws = 24_000
    counts = Counter(posted_order(4, shuffle=True, item_type="single_choice", rng=rng) for _ in range(draws))
    assert set(counts) == set(itertools.permutations(range(4)))
    # 1,000 expected per order; a fair shuffle stays well inside +/-15% with this many draws.
    assert all(850 < count < 1150 for count in counts.values()), counts


@pytest.mark.parametrize("n_choices", [0, 6, -1])
def test_a_choice_count_outside_the_letters_is_refused(n_choices: int) -> None:
    with pytest.raises(ValueError, match="choices"):
        posted_order(n_choices, shuffle=True, item_type="single_choice", rng=random.Random(1))


# order = (2, 0, 3, 1): posted A shows bank C, posted B bank A, posted C bank D, posted D bank B.
POSTING = Posting((2, 0, 3, 1))


@pytest.mark.parametrize(
    ("posted_letter", "bank_index"),
    [("A", 2), ("B", 0), ("C", 3), ("D", 1)],
)
def test_posted_letters_and_bank_indexes_map_both_ways(posted_letter: str, bank_index: int) -> None:
    assert POSTING.bank_index_of_letter(posted_letter) == bank_index
    assert POSTING.posted_letter(bank_index) == posted_letter
    assert POSTING.bank_index(POSTING.posted_index(bank_index)) == bank_index


@pytest.mark.parametrize(
    ("bank_letter", "posted_letter"),
    [("A", "B"), ("B", "D"), ("C", "A"), ("D", "C")],
)
def test_bank_letters_translate_to_posted_letters(bank_letter: str, posted_letter: str) -> None:
    assert POSTING.bank_letter_to_posted(bank_letter) == posted_letter


@pytest.mark.parametrize(
    ("answer_index", "also_accepted", "key", "accepted"),
    [
        (1, (), "D", ()),  # bank B is posted D
        (3, (0,), "C", ("B",)),  # s000-q34 shape: key D, also A
        (0, (3, 2), "B", ("A", "C")),  # accepted letters come back in posted order
    ],
)
def test_key_and_also_accepted_in_posted_letters(
    answer_index: int, also_accepted: tuple[int, ...], key: str, accepted: tuple[str, ...]
) -> None:
    assert POSTING.key_letter(answer_index) == key
    assert POSTING.accepted_letters(also_accepted) == accepted


@pytest.mark.parametrize(
    ("posted_index", "answer_index", "also_accepted", "right"),
    [
        (1, 0, (), True),  # posted B shows bank A, the key
        (0, 0, (), False),
        (0, 0, (2,), True),  # posted A shows bank C, also accepted
        (2, 0, (2,), False),
    ],
)
def test_a_pick_scores_when_it_is_the_key_or_also_accepted(
    posted_index: int, answer_index: int, also_accepted: tuple[int, ...], right: bool
) -> None:
    assert POSTING.scores(posted_index, answer_index, also_accepted) is right


def test_identity_is_bank_order() -> None:
    posting = Posting.identity(4)
    assert posting.order == (0, 1, 2, 3)
    assert [posting.posted_letter(i) for i in range(4)] == ["A", "B", "C", "D"]
    assert posting.letters == "ABCD"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: POSTING.bank_index_of_letter("E"), "not a posted letter"),
        (lambda: POSTING.bank_index_of_letter("b"), "not a posted letter"),
        (lambda: POSTING.bank_letter_to_posted("AB"), "not a bank letter"),
        (lambda: POSTING.bank_index(4), "outside"),
        (lambda: POSTING.posted_index(-1), "outside"),
        (lambda: Posting((0, 0, 1)), "not a permutation"),
        (lambda: Posting(()), "not a permutation"),
        (lambda: Posting((1, 2, 3)), "not a permutation"),
    ],
)
def test_bad_letters_indexes_and_orders_are_refused(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("order", [(0, 1), (1, 0), (2, 0, 3, 1), (4, 3, 2, 1, 0)])
def test_an_order_survives_being_stored_as_text(order: tuple[int, ...]) -> None:
    assert decode_order(encode_order(order), len(order)) == order


@pytest.mark.parametrize(
    ("text", "n_choices", "message"),
    [
        ("2,0,x,1", 4, "comma-separated"),
        ("", 4, "comma-separated"),
        ("0,1,2", 4, "has 3 entries"),
        ("0,1,1,2", 4, "not a permutation"),
        ("0,1,2,3,4,5", None, "not a permutation"),
    ],
)
def test_stored_text_that_is_not_an_order_is_refused(text: str, n_choices: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_order(text, n_choices)


def test_check_order_returns_a_tuple() -> None:
    assert check_order([1, 0]) == (1, 0)

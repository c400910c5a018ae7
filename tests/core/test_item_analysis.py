"""Item analysis against tables computed by hand (bot/core/item_analysis.py)."""

from __future__ import annotations

import math

import pytest

from bot.core.item_analysis import (
    Flag,
    ItemTally,
    MemberTotal,
    Response,
    dead_distractors,
    is_late,
    item_stats,
    point_biserial,
    rest_score,
    tally,
    top_third,
)

A, B, C, D = range(4)


def test_point_biserial_matches_the_hand_computed_correlation() -> None:
    # x = 1 1 0 0, y = .8 .6 .4 .2: cov = .35 - .25 = .1, sd_x = .5, sd_y = sqrt(.3 - .25)
    r = point_biserial(4, 2, 2.0, 1.2, 1.4)
    assert r == pytest.approx(0.1 / (0.5 * math.sqrt(0.05)))
    assert point_biserial(1, 1, 0.5, 0.25, 0.5) is None  # one answer: undefined
    assert point_biserial(3, 3, 1.5, 0.75, 1.5) is None  # everyone right: no variance in x


def test_rest_score_leaves_the_answer_out_and_needs_five_other_answers() -> None:
    assert rest_score(MemberTotal(10, 7), correct=True) == pytest.approx(6 / 9)
    assert rest_score(MemberTotal(10, 7), correct=False) == pytest.approx(7 / 9)
    assert rest_score(MemberTotal(6, 3), correct=True) == pytest.approx(2 / 5)
    assert rest_score(MemberTotal(5, 3), correct=True) is None  # only 4 other answers


def test_top_third_ranks_members_with_enough_answers_and_rounds_up() -> None:
    totals = {
        1: MemberTotal(10, 9),
        2: MemberTotal(10, 5),
        3: MemberTotal(20, 10),  # same accuracy as 2, more answers: ranks above
        4: MemberTotal(10, 1),
        5: MemberTotal(5, 5),  # 4 other answers: not ranked
    }
    assert top_third(totals) == {1, 3}  # ceil(4 / 3) = 2


# The planted wrong key: the bank says B, but the three strongest members all pick C.
# member: (answered, correct including this item, choice)
PLANTED = {
    1: (10, 9, C),
    2: (10, 9, C),
    3: (10, 8, C),
    4: (10, 6, B),
    5: (10, 6, B),
    6: (10, 5, A),
    7: (10, 3, B),
    8: (10, 2, B),
    9: (10, 2, D),
}


def _planted() -> tuple[list[Response], dict[int, MemberTotal]]:
    responses = [Response(m, choice, choice == B) for m, (_, _, choice) in PLANTED.items()]
    totals = {m: MemberTotal(n, c) for m, (n, c, _) in PLANTED.items()}
    return responses, totals


def test_a_planted_wrong_key_is_flagged_suspect() -> None:
    responses, totals = _planted()
    t = tally(responses, 4, totals)
    assert t.choices == [1, 4, 3, 1]
    assert t.top == [0, 0, 3, 0]  # members 1, 2, 3 (accuracy .9, .9, .8) are the top third
    # By hand: rest scores (9, 9, 8, 5, 5, 5, 2, 1, 2) / 9 and x = (0, 0, 0, 1, 1, 0, 1, 1, 0):
    # n = 9, Σx = 4, Σy = 46/9, Σy² = 310/81, Σxy = 13/9
    assert (t.d_n, t.d_x) == (9, 4)
    assert t.d_y == pytest.approx(46 / 9) and t.d_yy == pytest.approx(310 / 81)
    assert t.d_xy == pytest.approx(13 / 9)
    stats = item_stats("s000-q01", t, key=B, min_answers=9)
    # r = (9·13/9 − 4·46/9) / sqrt((9·4 − 16)(9·310/81 − (46/9)²)) = −67 / sqrt(20 · 674)
    assert stats.discrimination == pytest.approx(-67 / math.sqrt(20 * 674))
    assert stats.p == pytest.approx(4 / 9) and stats.chance == 0.25
    assert stats.shares == pytest.approx((1 / 9, 4 / 9, 3 / 9, 1 / 9))
    assert stats.flags == (Flag.SUSPECT_KEY,)
    # The same answers with the key set right (C) discriminate well and raise no flag.
    fixed = [Response(r.member, r.choice, r.choice == C) for r in responses]
    fixed_totals = {m: MemberTotal(n, c - (ch == B) + (ch == C)) for m, (n, c, ch) in PLANTED.items()}
    good = item_stats("s000-q01", tally(fixed, 4, fixed_totals), key=C, min_answers=9)
    assert good.discrimination is not None and good.discrimination > 0.5
    assert good.flags == (Flag.TOO_HARD,)  # no longer suspect; p = 3/9 < .25 + .1 is still hard


def test_the_top_third_preferring_a_wrong_choice_is_suspect_even_when_r_is_positive() -> None:
    t = ItemTally(4, answers=40, correct=20, choices=[20, 10, 5, 5], top=[3, 5, 0, 0])
    t.d_n, t.d_x, t.d_y, t.d_yy, t.d_xy = 4, 2, 2.0, 1.2, 1.4  # r ≈ +0.89
    stats = item_stats("x", t, key=A)
    assert stats.discrimination is not None and stats.discrimination > 0
    assert Flag.SUSPECT_KEY in stats.flags


def test_flags_wait_for_the_minimum_number_of_answers() -> None:
    responses, totals = _planted()
    stats = item_stats("s000-q01", tally(responses, 4, totals), key=B)  # default: 30
    assert stats.flags == () and not stats.flags_shown
    assert stats.discrimination is not None  # the figures are still there


def test_too_easy_too_hard_and_dead_distractors() -> None:
    easy = item_stats("e", ItemTally(4, answers=40, correct=38, choices=[38, 1, 1, 0]), key=A)
    assert set(easy.flags) == {Flag.TOO_EASY, Flag.DEAD_DISTRACTOR}
    assert dead_distractors(easy) == (1, 2, 3)  # 2.5%, 2.5%, 0%
    hard = item_stats("h", ItemTally(4, answers=40, correct=10, choices=[10, 10, 10, 10]), key=A)
    assert hard.flags == (Flag.TOO_HARD,)  # p = .25 < .25 + .1
    borderline = item_stats("b", ItemTally(4, answers=40, correct=14, choices=[14, 10, 10, 6]), key=A)
    assert borderline.flags == ()  # p = .35 is not below .35; 6/40 = 15% is alive
    tf = item_stats("t", ItemTally(2, answers=40, correct=23, choices=[23, 17]), key=A)
    assert tf.chance == 0.5 and tf.flags == (Flag.TOO_HARD,)  # .575 < .5 + .1
    also = ItemTally(4, answers=40, correct=30, choices=[20, 10, 1, 9], top=[2, 6, 0, 1])
    accepted = item_stats("a", also, key=A, also_accepted=[B])
    assert accepted.p == 0.75 and accepted.accepted == (A, B)
    assert accepted.flags == (Flag.DEAD_DISTRACTOR,)  # C; B is right too, so its top-third lead is fine


def test_answers_in_the_last_tenth_of_the_time_and_the_mean_time() -> None:
    assert is_late(9000, 10000) and not is_late(8999, 10000) and not is_late(9999, 0)
    responses = [
        Response(1, A, True, latency_ms=9000, window_ms=10000),
        Response(2, A, True, latency_ms=3000, window_ms=10000),
        Response(3, B, False, latency_ms=9900, window_ms=10000),
    ]
    stats = item_stats("l", tally(responses, 2, {}), key=A)
    assert stats.late_share == pytest.approx(2 / 3) and stats.mean_latency_ms == pytest.approx(7300)
    assert stats.discrimination is None and stats.discriminating_answers == 0  # nobody has 5 others


def test_tallies_add_up_across_groups() -> None:
    responses, totals = _planted()
    whole = tally(responses, 4, totals)
    first = tally(responses[:4], 4, totals, top={1, 2, 3})
    first.add(tally(responses[4:], 4, totals, top={1, 2, 3}))
    assert (first.answers, first.correct, first.choices, first.top, first.d_n) == (
        whole.answers,
        whole.correct,
        whole.choices,
        whole.top,
        whole.d_n,
    )
    assert (first.d_y, first.d_yy, first.d_xy) == pytest.approx((whole.d_y, whole.d_yy, whole.d_xy))

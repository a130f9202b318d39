"""MFIS-21 and MFIS-5 scoring, hand-computed from the published rules.

MFIS (MSQLI manual; NINDS CDE): 21 items scored 0-4, no reversed items; total = sum 0-84;
physical = 4, 6, 7, 10, 13, 14, 17, 20, 21 (0-36); cognitive = 1, 2, 3, 5, 11, 12, 15, 16,
18, 19 (0-40); psychosocial = 8, 9 (0-8). A total of 38 or more is significant fatigue
(Flachenecker 2002). MFIS-5 is MFIS items 1, 9, 10, 17, 19 numbered 1-5, summed 0-20.
Project policy: every item is needed for the total; a subscale needs all of its own items.
"""

from __future__ import annotations

import re

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score

PHYSICAL = (4, 6, 7, 10, 13, 14, 17, 20, 21)
COGNITIVE = (1, 2, 3, 5, 11, 12, 15, 16, 18, 19)
PSYCHOSOCIAL = (8, 9)


def mfis21(value: int | None = 0, **overrides: int | None) -> dict[int, int | None]:
    """Every MFIS-21 item at `value`, with `item_<n>=...` overrides."""
    answers: dict[int, int | None] = dict.fromkeys(range(1, 22), value)
    for key, override in overrides.items():
        answers[int(key.removeprefix("item_"))] = override
    return answers


def test_mfis21_subscales_partition_the_21_items():
    assert sorted(PHYSICAL + COGNITIVE + PSYCHOSOCIAL) == list(range(1, 22))


def test_mfis21_all_never_is_the_minimum():
    result = score("mfis21", mfis21(0))

    assert result.total == 0
    assert result.subscales == {"physical": 0, "cognitive": 0, "psychosocial": 0}
    assert result.band == "below_cutoff"
    assert result.flags == {}
    assert result.percentage is None


def test_mfis21_all_almost_always_is_the_maximum():
    result = score("mfis21", mfis21(4))

    assert result.total == 84
    assert result.subscales == {"physical": 36, "cognitive": 40, "psychosocial": 8}
    assert result.band == "significant_fatigue"


def test_mfis21_each_subscale_sums_only_its_own_items():
    # Only the physical items at 4: 9 * 4 = 36 physical, nothing elsewhere.
    physical_only = mfis21(0, **{f"item_{n}": 4 for n in PHYSICAL})
    # Only the two psychosocial items at 3: 2 * 3 = 6.
    psychosocial_only = mfis21(0, item_8=3, item_9=3)

    physical_result = score("mfis21", physical_only)
    psychosocial_result = score("mfis21", psychosocial_only)

    assert physical_result.subscales == {"physical": 36, "cognitive": 0, "psychosocial": 0}
    assert physical_result.total == 36
    assert psychosocial_result.subscales == {"physical": 0, "cognitive": 0, "psychosocial": 6}
    assert psychosocial_result.total == 6


def test_mfis21_mixed_answers_sum_per_subscale():
    # Items 1-17 at 2, items 18-21 at 1.
    # physical: 4, 6, 7, 10, 13, 14, 17 → 7 * 2 = 14; 20, 21 → 2 * 1 = 2; = 16
    # cognitive: 1, 2, 3, 5, 11, 12, 15, 16 → 8 * 2 = 16; 18, 19 → 2 * 1 = 2; = 18
    # psychosocial: 8, 9 → 2 * 2 = 4
    # total: 17 * 2 + 4 * 1 = 38 = 16 + 18 + 4
    answers = mfis21(2, item_18=1, item_19=1, item_20=1, item_21=1)

    result = score("mfis21", answers)

    assert result.subscales == {"physical": 16, "cognitive": 18, "psychosocial": 4}
    assert result.total == 38


def test_mfis21_total_of_37_is_below_the_cutoff():
    # As above with item 17 (physical) lowered from 2 to 1: physical 15, total 37.
    answers = mfis21(2, item_17=1, item_18=1, item_19=1, item_20=1, item_21=1)

    result = score("mfis21", answers)

    assert result.total == 37
    assert result.subscales["physical"] == 15
    assert result.band == "below_cutoff"


def test_mfis21_total_of_38_is_significant_fatigue():
    answers = mfis21(2, item_18=1, item_19=1, item_20=1, item_21=1)

    result = score("mfis21", answers)

    assert result.total == 38
    assert result.band == "significant_fatigue"


def test_mfis21_top_of_the_scale_is_still_banded():
    # 84 (all 4) was checked above; 83 is the last value before it.
    result = score("mfis21", mfis21(4, item_1=3))

    assert result.total == 83
    assert result.band == "significant_fatigue"


def test_mfis21_has_no_reversed_items():
    # Raising any one item by 3 raises the total by exactly 3, whichever item it is.
    base = score("mfis21", mfis21(1)).total
    assert base == 21
    for number in range(1, 22):
        assert score("mfis21", mfis21(1, **{f"item_{number}": 4})).total == base + 3


def test_mfis21_one_blank_item_leaves_no_total_but_scores_the_complete_subscales():
    answers = mfis21(3, item_9=None)

    result = score("mfis21", answers)

    # MFIS has no published proration rule: any blank item means no total and no band.
    assert result.total is None
    assert result.band is None
    assert result.subscales == {"physical": 27, "cognitive": 30, "psychosocial": None}


def test_mfis21_an_item_left_out_of_the_answers_counts_as_blank():
    answers = mfis21(3)
    del answers[13]

    result = score("mfis21", answers)

    assert result.total is None
    assert result.subscales == {"physical": None, "cognitive": 30, "psychosocial": 6}


def test_mfis21_no_answers_at_all_scores_nothing():
    result = score("mfis21", {})

    assert result.total is None
    assert result.band is None
    assert result.subscales == {"physical": None, "cognitive": None, "psychosocial": None}


def _mentions(message: str, *words: object) -> bool:
    return all(re.search(rf"(?<![\w.]){re.escape(str(word))}(?![\w.])", message) for word in words)


@pytest.mark.parametrize(
    ("item", "value"),
    [
        (13, 5),  # one above "Almost always"
        (17, -1),
        (11, 40),
    ],
)
def test_mfis21_rejects_a_value_outside_0_to_4_naming_item_and_value(item, value):
    answers = mfis21(2, **{f"item_{item}": value})

    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis21", answers)

    assert excinfo.value.item == item
    assert excinfo.value.value == value
    assert _mentions(str(excinfo.value), item, value)


@pytest.mark.parametrize(
    "value",
    [
        True,  # a bool is an int in Python and equals 1; it must still be rejected
        False,
        2.0,  # equal to a valid option, but not an integer answer
        2.5,
        "2",
    ],
)
def test_mfis21_rejects_a_non_integer_answer_naming_the_item(value):
    answers = mfis21(2, item_12=value)

    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis21", answers)

    assert excinfo.value.item == 12
    assert excinfo.value.value == value
    assert _mentions(str(excinfo.value), 12)


@pytest.mark.parametrize("item", [0, 22, 99])
def test_mfis21_rejects_an_unknown_item_number(item):
    answers = mfis21(2)
    answers[item] = 1

    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis21", answers)

    assert excinfo.value.item == item
    assert _mentions(str(excinfo.value), item)


def test_invalid_answers_is_a_value_error():
    assert issubclass(InvalidAnswers, ValueError)


# --- MFIS-5 -------------------------------------------------------------------------------


def test_mfis5_all_never_is_the_minimum():
    result = score("mfis5", dict.fromkeys(range(1, 6), 0))

    assert result.total == 0
    assert result.subscales == {}
    assert result.band is None
    assert result.flags == {}


def test_mfis5_all_almost_always_is_the_maximum():
    result = score("mfis5", dict.fromkeys(range(1, 6), 4))

    assert result.total == 20
    assert result.band is None


def test_mfis5_sums_its_five_items():
    # 0 + 1 + 2 + 3 + 4 = 10
    assert score("mfis5", {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}).total == 10


def test_mfis5_equals_the_sum_of_mfis21_items_1_9_10_17_19():
    # MFIS-21 answers with the five MFIS-5 items at 3, 4, 2, 1, 0 and every other item at 4.
    full = mfis21(4, item_1=3, item_9=4, item_10=2, item_17=1, item_19=0)
    short = {1: 3, 2: 4, 3: 2, 4: 1, 5: 0}

    assert score("mfis5", short).total == 3 + 4 + 2 + 1 + 0 == 10
    # The same five answers inside MFIS-21 contribute the same 10; the other 16 items give 64.
    assert score("mfis21", full).total == 10 + 16 * 4


def test_mfis5_item_text_is_the_mfis21_item_it_stands_for():
    long_form = instrument_get("mfis21")
    short_form = instrument_get("mfis5")

    for short_number, long_number in zip(range(1, 6), (1, 9, 10, 17, 19), strict=True):
        assert short_form.item(short_number).text == long_form.item(long_number).text


def test_mfis5_one_blank_item_leaves_no_total():
    result = score("mfis5", {1: 2, 2: 2, 3: None, 4: 2, 5: 2})

    assert result.total is None


def test_mfis5_rejects_mfis21_numbering():
    # Item 9 of MFIS-21 is item 2 here; passing 9 must not be silently ignored.
    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis5", {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 9: 2})

    assert excinfo.value.item == 9


@pytest.mark.parametrize(("item", "value"), [(4, 5), (5, -1)])
def test_mfis5_rejects_a_value_outside_0_to_4(item, value):
    answers: dict[int, int | None] = dict.fromkeys(range(1, 6), 1)
    answers[item] = value

    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis5", answers)

    assert (excinfo.value.item, excinfo.value.value) == (item, value)


def test_mfis5_rejects_a_bool():
    with pytest.raises(InvalidAnswers) as excinfo:
        score("mfis5", {1: 1, 2: 1, 3: True, 4: 1, 5: 1})

    assert excinfo.value.item == 3

"""IERQ scoring, hand-computed from the published rules.

Hofmann, Carpenter & Curtiss 2016: 20 items scored 1 (not true for me at all) to 5 (extremely
true for me), no reversed items. Four subscales, each the sum of 5 items (5-25), keyed as in
the NDCLab scoring readme: enhancing positive affect 3, 6, 8, 13, 18; perspective taking
2, 7, 10, 14, 17; soothing 4, 9, 12, 16, 19; social modeling 1, 5, 11, 15, 20. Total = sum of
all 20 (20-100). No bands. The IER trial measures enhancing positive affect at baseline.
Project policy: a subscale needs all 5 of its items; the total needs all 20.
"""

from __future__ import annotations

import re

import pytest

from programs.scoring import InvalidAnswers, score

SUBSCALES = {
    "enhancing_positive_affect": (3, 6, 8, 13, 18),
    "perspective_taking": (2, 7, 10, 14, 17),
    "soothing": (4, 9, 12, 16, 19),
    "social_modeling": (1, 5, 11, 15, 20),
}


def ierq(value: int | None = 3, **overrides: int | None) -> dict[int, int | None]:
    """Every IERQ item at `value`, with `item_<n>=...` overrides."""
    answers: dict[int, int | None] = dict.fromkeys(range(1, 21), value)
    for key, override in overrides.items():
        answers[int(key.removeprefix("item_"))] = override
    return answers


def _mentions(message: str, *words: object) -> bool:
    return all(re.search(rf"(?<![\w.]){re.escape(str(word))}(?![\w.])", message) for word in words)


def test_ierq_subscales_partition_the_20_items():
    assert sorted(n for items in SUBSCALES.values() for n in items) == list(range(1, 21))


def test_ierq_all_not_true_is_the_minimum():
    result = score("ierq", ierq(1))

    assert result.subscales == dict.fromkeys(SUBSCALES, 5)
    assert result.total == 20
    assert result.band is None
    assert result.flags == {}


def test_ierq_all_extremely_true_is_the_maximum():
    result = score("ierq", ierq(5))

    assert result.subscales == dict.fromkeys(SUBSCALES, 25)
    assert result.total == 100


@pytest.mark.parametrize("name", SUBSCALES)
def test_ierq_each_subscale_sums_exactly_its_five_items(name):
    # That subscale's items at 5, every other item at 1: 25 there, 5 elsewhere, total 40.
    answers = ierq(1, **{f"item_{n}": 5 for n in SUBSCALES[name]})

    result = score("ierq", answers)

    assert result.subscales == {other: 25 if other == name else 5 for other in SUBSCALES}
    assert result.total == 40


def test_ierq_uneven_answers():
    # Item n answered 1 + (n mod 5): 2 3 4 5 1 | 2 3 4 5 1 | 2 3 4 5 1 | 2 3 4 5 1
    answers = {n: 1 + n % 5 for n in range(1, 21)}
    # enhancing positive affect 3, 6, 8, 13, 18: 4 + 2 + 4 + 4 + 4 = 18
    # perspective taking 2, 7, 10, 14, 17: 3 + 3 + 1 + 5 + 3 = 15
    # soothing 4, 9, 12, 16, 19: 5 + 5 + 3 + 2 + 5 = 20
    # social modeling 1, 5, 11, 15, 20: 2 + 1 + 2 + 1 + 1 = 7
    # total 18 + 15 + 20 + 7 = 60 (= 4 * (2 + 3 + 4 + 5 + 1))

    result = score("ierq", answers)

    assert result.subscales == {
        "enhancing_positive_affect": 18,
        "perspective_taking": 15,
        "soothing": 20,
        "social_modeling": 7,
    }
    assert result.total == 60


@pytest.mark.parametrize("number", range(1, 21))
def test_ierq_has_no_reversed_items(number):
    # All at 3: 15 per subscale, total 60. Any one item at 5 adds 2 to its subscale and total.
    name = next(name for name, items in SUBSCALES.items() if number in items)

    result = score("ierq", ierq(3, **{f"item_{number}": 5}))

    assert result.subscales[name] == 17
    assert result.total == 62


def test_ierq_a_blank_enhancing_positive_affect_item_leaves_only_that_subscale_unscored():
    result = score("ierq", ierq(4, item_18=None))

    assert result.total is None
    assert result.subscales == {
        "enhancing_positive_affect": None,
        "perspective_taking": 20,
        "soothing": 20,
        "social_modeling": 20,
    }


def test_ierq_enhancing_positive_affect_is_scored_when_other_subscales_are_blank():
    # Baseline EPA matters in the IER programme even if the rest of the form is incomplete.
    result = score("ierq", {3: 2, 6: 1, 8: 5, 13: 3, 18: 4})

    assert result.subscales == {
        "enhancing_positive_affect": 2 + 1 + 5 + 3 + 4,
        "perspective_taking": None,
        "soothing": None,
        "social_modeling": None,
    }
    assert result.total is None


@pytest.mark.parametrize(("item", "value"), [(13, 0), (17, 6), (19, 11)])
def test_ierq_rejects_a_value_outside_1_to_5(item, value):
    answers = ierq(3, **{f"item_{item}": value})

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ierq", answers)

    assert (excinfo.value.item, excinfo.value.value) == (item, value)
    assert _mentions(str(excinfo.value), item, value)


@pytest.mark.parametrize("value", [True, 3.0, 4.5, "5"])
def test_ierq_rejects_a_non_integer_answer(value):
    answers = ierq(3, item_16=value)

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ierq", answers)

    assert excinfo.value.item == 16
    assert _mentions(str(excinfo.value), 16)


@pytest.mark.parametrize("item", [0, 21, 100])
def test_ierq_rejects_an_unknown_item(item):
    answers = ierq(3)
    answers[item] = 3

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ierq", answers)

    assert excinfo.value.item == item
    assert _mentions(str(excinfo.value), item)

"""FFMQ-15 scoring, hand-computed from the published rules.

Baer, Carmody & Hunsinger 2012; Gu et al. 2016: 15 items scored 1 (never or very rarely true)
to 5 (very often or always true). Items 3, 4, 7, 8, 9, 13 and 14 are reversed as 6 - x.
Five facets, each the sum of 3 items (3-15): observing 1, 6, 11; describing 2, 7, 12; acting
with awareness 3, 8, 13; nonjudging 4, 9, 14; nonreactivity 5, 10, 15. Total = sum of all 15
after reversal (15-75). No bands.
Project policy: a facet needs all 3 of its items; the total needs all 15.
"""

from __future__ import annotations

import re

import pytest

from programs.scoring import InvalidAnswers, score

FACETS = {
    "observing": (1, 6, 11),
    "describing": (2, 7, 12),
    "acting_with_awareness": (3, 8, 13),
    "nonjudging": (4, 9, 14),
    "nonreactivity": (5, 10, 15),
}
REVERSED = frozenset({3, 4, 7, 8, 9, 13, 14})


def ffmq15(value: int | None = 3, **overrides: int | None) -> dict[int, int | None]:
    """Every FFMQ-15 item at `value`, with `item_<n>=...` overrides."""
    answers: dict[int, int | None] = dict.fromkeys(range(1, 16), value)
    for key, override in overrides.items():
        answers[int(key.removeprefix("item_"))] = override
    return answers


def _mentions(message: str, *words: object) -> bool:
    return all(re.search(rf"(?<![\w.]){re.escape(str(word))}(?![\w.])", message) for word in words)


def test_ffmq15_all_never_true_reverses_seven_items():
    # observing 1+1+1 = 3; describing 1 + (6-1) + 1 = 7; acting 5+5+5 = 15;
    # nonjudging 5+5+5 = 15; nonreactivity 1+1+1 = 3; total 43.
    result = score("ffmq15", ffmq15(1))

    assert result.subscales == {
        "observing": 3,
        "describing": 7,
        "acting_with_awareness": 15,
        "nonjudging": 15,
        "nonreactivity": 3,
    }
    assert result.total == 43
    assert result.band is None
    assert result.flags == {}


def test_ffmq15_all_always_true_reverses_seven_items():
    # observing 15; describing 5 + 1 + 5 = 11; acting 3; nonjudging 3; nonreactivity 15; total 47.
    result = score("ffmq15", ffmq15(5))

    assert result.subscales == {
        "observing": 15,
        "describing": 11,
        "acting_with_awareness": 3,
        "nonjudging": 3,
        "nonreactivity": 15,
    }
    assert result.total == 47


def test_ffmq15_minimum_total_is_15():
    # 1 on every plain item and 5 on every reversed one: every facet 3.
    answers = ffmq15(1, **{f"item_{n}": 5 for n in REVERSED})

    result = score("ffmq15", answers)

    assert result.subscales == dict.fromkeys(FACETS, 3)
    assert result.total == 15


def test_ffmq15_maximum_total_is_75():
    answers = ffmq15(5, **{f"item_{n}": 1 for n in REVERSED})

    result = score("ffmq15", answers)

    assert result.subscales == dict.fromkeys(FACETS, 15)
    assert result.total == 75


def test_ffmq15_uneven_answers_catch_a_wrong_facet_or_reverse_key():
    answers = {
        1: 5, 2: 4, 3: 1, 4: 2, 5: 3,
        6: 4, 7: 5, 8: 2, 9: 1, 10: 3,
        11: 3, 12: 2, 13: 4, 14: 5, 15: 1,
    }  # fmt: skip
    # observing 1, 6, 11: 5 + 4 + 3 = 12
    # describing 2, 7R, 12: 4 + (6-5) + 2 = 7
    # acting 3R, 8R, 13R: (6-1) + (6-2) + (6-4) = 5 + 4 + 2 = 11
    # nonjudging 4R, 9R, 14R: (6-2) + (6-1) + (6-5) = 4 + 5 + 1 = 10
    # nonreactivity 5, 10, 15: 3 + 3 + 1 = 7
    # total 12 + 7 + 11 + 10 + 7 = 47 (raw sum 45, reversed items 20 raw → 22 counted)

    result = score("ffmq15", answers)

    assert result.subscales == {
        "observing": 12,
        "describing": 7,
        "acting_with_awareness": 11,
        "nonjudging": 10,
        "nonreactivity": 7,
    }
    assert result.total == 47


def test_ffmq15_raising_reversed_item_7_lowers_describing_and_total_by_2():
    # All at 3: every facet 9, total 45. Item 7 (describing, reversed) at 5 counts 1: down 2.
    base = score("ffmq15", ffmq15(3))
    raised = score("ffmq15", ffmq15(3, item_7=5))

    assert (base.subscales["describing"], base.total) == (9, 45)
    assert (raised.subscales["describing"], raised.total) == (7, 43)


def test_ffmq15_raising_plain_item_2_raises_describing_and_total_by_2():
    raised = score("ffmq15", ffmq15(3, item_2=5))

    assert (raised.subscales["describing"], raised.total) == (11, 47)


@pytest.mark.parametrize("number", range(1, 16))
def test_ffmq15_each_item_moves_only_its_own_facet_in_the_keyed_direction(number):
    facet = next(name for name, items in FACETS.items() if number in items)

    result = score("ffmq15", ffmq15(3, **{f"item_{number}": 5}))

    expected = 9 - 2 if number in REVERSED else 9 + 2
    assert result.subscales[facet] == expected
    assert result.total == 45 - 9 + expected
    assert all(value == 9 for name, value in result.subscales.items() if name != facet)


def test_ffmq15_a_blank_item_leaves_its_facet_and_the_total_unscored():
    result = score("ffmq15", ffmq15(4, item_10=None))

    assert result.total is None
    assert result.subscales == {
        "observing": 12,
        "describing": 4 + 2 + 4,
        "acting_with_awareness": 6,
        "nonjudging": 6,
        "nonreactivity": None,
    }


def test_ffmq15_an_omitted_reversed_item_counts_as_blank():
    answers = ffmq15(2)
    del answers[14]

    result = score("ffmq15", answers)

    assert result.total is None
    assert result.subscales["nonjudging"] is None
    assert result.subscales["acting_with_awareness"] == 12


@pytest.mark.parametrize(
    ("item", "value"),
    [
        (11, 0),  # a 0-4 coding of the scale is not accepted
        (13, 6),
        (12, -3),
    ],
)
def test_ffmq15_rejects_a_value_outside_1_to_5(item, value):
    answers = ffmq15(3, **{f"item_{item}": value})

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ffmq15", answers)

    assert (excinfo.value.item, excinfo.value.value) == (item, value)
    assert _mentions(str(excinfo.value), item, value)


@pytest.mark.parametrize("value", [True, 4.0, 2.5, "4"])
def test_ffmq15_rejects_a_non_integer_answer(value):
    answers = ffmq15(3, item_8=value)

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ffmq15", answers)

    assert excinfo.value.item == 8
    assert _mentions(str(excinfo.value), 8)


@pytest.mark.parametrize("item", [0, 16, 39])
def test_ffmq15_rejects_an_unknown_item(item):
    # 16-39 exist only in the FFMQ-39; they must not be dropped silently here.
    answers = ffmq15(3)
    answers[item] = 3

    with pytest.raises(InvalidAnswers) as excinfo:
        score("ffmq15", answers)

    assert excinfo.value.item == item
    assert _mentions(str(excinfo.value), item)

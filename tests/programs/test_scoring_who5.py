"""WHO-5, scored by hand from the published scoring notes (Topp 2015; psykiatri-regionh.dk).

5 items 0-5, raw 0-25, percentage = raw x 4. Bands on the percentage: likely_depression <= 28,
poor_wellbeing <= 50, else not_indicated. any_item_0_or_1 whenever an item is 0 or 1.
Every item is required.
"""

from __future__ import annotations

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score


def answers(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


def test_who5_best_possible_wellbeing():
    result = score("who5", answers(5, 5, 5, 5, 5))
    assert result.total == 25
    assert result.percentage == 100
    assert result.band == "not_indicated"
    assert result.flags == {"any_item_0_or_1": False}


def test_who5_worst_possible_wellbeing():
    result = score("who5", answers(0, 0, 0, 0, 0))
    assert result.total == 0
    assert result.percentage == 0
    assert result.band == "likely_depression"
    assert result.flags == {"any_item_0_or_1": True}


@pytest.mark.parametrize(
    ("values", "raw", "percentage", "band"),
    [
        ((2, 2, 1, 1, 1), 7, 28, "likely_depression"),
        ((2, 2, 2, 1, 1), 8, 32, "poor_wellbeing"),
        ((2, 2, 2, 3, 3), 12, 48, "poor_wellbeing"),
        ((3, 3, 3, 2, 2), 13, 52, "not_indicated"),
    ],
)
def test_who5_band_boundaries_on_the_percentage(values, raw, percentage, band):
    result = score("who5", answers(*values))
    assert (result.total, result.percentage, result.band) == (raw, percentage, band)


@pytest.mark.parametrize(
    ("values", "flag"),
    [
        ((5, 5, 5, 5, 1), True),
        ((0, 5, 5, 5, 5), True),
        ((2, 2, 2, 2, 2), False),
        ((5, 5, 2, 5, 5), False),
    ],
)
def test_who5_any_item_0_or_1_whatever_the_total(values, flag):
    assert score("who5", answers(*values)).flags["any_item_0_or_1"] is flag


def test_who5_a_low_item_with_a_good_total_still_flags():
    result = score("who5", answers(5, 5, 5, 5, 1))
    assert (result.percentage, result.band) == (84, "not_indicated")
    assert result.flags["any_item_0_or_1"] is True


def test_who5_blank_item_leaves_the_score_empty():
    result = score("who5", answers(4, 4, 4, 4, None))
    assert result.total is None
    assert result.percentage is None
    assert result.band is None


def test_who5_blank_item_leaves_the_flag_open_unless_another_item_settles_it():
    assert score("who5", answers(4, 4, 4, 4, None)).flags["any_item_0_or_1"] is None
    assert score("who5", answers(4, 0, 4, 4, None)).flags["any_item_0_or_1"] is True


def test_who5_change_threshold_is_10_percentage_points():
    who5 = instrument_get("who5")
    assert who5.minimal_important_change == 10
    assert who5.mic_on == "percentage"


def test_who5_options_keep_the_published_order():
    # The paper form runs from "All of the time" (5) to "At no time" (0).
    assert [o.value for o in instrument_get("who5").response_options] == [5, 4, 3, 2, 1, 0]


@pytest.mark.parametrize(("item", "bad"), [(1, 6), (3, -1), (5, False), (2, 4.0), (4, "five")])
def test_who5_rejects_values_outside_the_item_naming_it(item, bad):
    given: dict = answers(3, 3, 3, 3, 3)
    given[item] = bad
    with pytest.raises(InvalidAnswers, match=rf"item {item}: {bad!r} "):
        score("who5", given)


def test_who5_rejects_an_unknown_item():
    with pytest.raises(InvalidAnswers, match="no item 6"):
        score("who5", answers(3, 3, 3, 3, 3, 3))

"""PSS-10, scored by hand from Cohen's published key (CMU scoring page).

10 items 0-4; items 4, 5, 7 and 8 are positively worded and count as 4 - x; the total is
0-40. Bands low 0-13, moderate 14-26, high 27-40 are a convention (descriptive only).
Every item is required.
"""

from __future__ import annotations

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score


def answers(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


def test_pss10_never_to_everything_scores_16_not_0():
    # Items 4, 5, 7 and 8 answered 0 count as 4 each.
    result = score("pss10", answers(0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert result.total == 16
    assert result.band == "moderate"


def test_pss10_very_often_to_everything_scores_24():
    # Six items at 4 = 24; the four reversed items at 4 count 0.
    assert score("pss10", answers(4, 4, 4, 4, 4, 4, 4, 4, 4, 4)).total == 24


def test_pss10_minimum_is_0_low():
    result = score("pss10", answers(0, 0, 0, 4, 4, 0, 4, 4, 0, 0))
    assert (result.total, result.band) == (0, "low")


def test_pss10_maximum_is_40_high():
    result = score("pss10", answers(4, 4, 4, 0, 0, 4, 0, 0, 4, 4))
    assert (result.total, result.band) == (40, "high")


@pytest.mark.parametrize("item", [4, 5, 7, 8])
@pytest.mark.parametrize(("raw", "counts"), [(0, 4), (1, 3), (2, 2), (3, 1), (4, 0)])
def test_pss10_positive_items_are_reversed(item, raw, counts):
    # Start from the minimum (0) and change one reversed item.
    given = answers(0, 0, 0, 4, 4, 0, 4, 4, 0, 0)
    given[item] = raw
    assert score("pss10", given).total == counts


@pytest.mark.parametrize("item", [1, 2, 3, 6, 9, 10])
def test_pss10_other_items_count_as_answered(item):
    given = answers(0, 0, 0, 4, 4, 0, 4, 4, 0, 0)
    given[item] = 3
    assert score("pss10", given).total == 3


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        # items 1, 2, 3, 6 = 4+4+4+1, reversed items at 4 count 0
        ((4, 4, 4, 4, 4, 1, 4, 4, 0, 0), 13, "low"),
        ((4, 4, 4, 4, 4, 2, 4, 4, 0, 0), 14, "moderate"),
        # six plain items at 4 = 24, item 4 answered 2 counts 2
        ((4, 4, 4, 2, 4, 4, 4, 4, 4, 4), 26, "moderate"),
        ((4, 4, 4, 1, 4, 4, 4, 4, 4, 4), 27, "high"),
    ],
)
def test_pss10_band_boundaries(values, total, band):
    result = score("pss10", answers(*values))
    assert (result.total, result.band) == (total, band)


def test_pss10_bands_are_marked_as_convention():
    bands = instrument_get("pss10").bands
    assert bands is not None
    assert bands.convention_only is True


def test_pss10_needs_every_item():
    result = score("pss10", answers(2, 2, 2, 2, 2, 2, 2, 2, 2, None))
    assert result.total is None
    assert result.band is None


@pytest.mark.parametrize(("item", "bad"), [(1, 5), (4, -1), (8, 5), (10, True), (2, 0.0)])
def test_pss10_rejects_values_outside_the_item_naming_it(item, bad):
    given: dict = answers(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    given[item] = bad
    with pytest.raises(InvalidAnswers, match=rf"item {item}: {bad!r} "):
        score("pss10", given)

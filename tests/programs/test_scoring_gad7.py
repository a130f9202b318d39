"""GAD-7, scored by hand from the published rules (Spitzer 2006) and the project's missing-item rule.

7 items 0-3 summed to 0-21, plus an unscored difficulty item 8; bands minimal 0-4, mild 5-9,
moderate 10-14, severe 15-21. One blank item is prorated (mean x 7, rounded half up); two are not.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score


def answers(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


def test_gad7_minimum_and_maximum():
    lowest = score("gad7", answers(0, 0, 0, 0, 0, 0, 0))
    highest = score("gad7", answers(3, 3, 3, 3, 3, 3, 3))
    assert (lowest.total, lowest.band) == (0, "minimal")
    assert (highest.total, highest.band) == (21, "severe")
    assert lowest.flags == {}
    assert lowest.subscales == {}


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
        ((2, 2, 2, 1, 1, 1, 0), 9, "mild"),
        ((2, 2, 2, 2, 2, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
        ((3, 2, 2, 2, 2, 2, 2), 15, "severe"),
    ],
)
def test_gad7_band_boundaries(values, total, band):
    result = score("gad7", answers(*values))
    assert (result.total, result.band) == (total, band)


def test_gad7_difficulty_item_is_not_counted():
    assert score("gad7", answers(1, 1, 1, 1, 0, 0, 0, 3)).total == 4


def test_gad7_one_blank_item_at_half_rounds_up():
    # Item 7 blank; the other six sum to 2+2+2+1+1+1 = 9; 9 x 7 / 6 = 10.5 -> 11.
    # Python's round() would give 10 (half to even).
    result = score("gad7", answers(2, 2, 2, 1, 1, 1, None))
    assert result.total_exact == Decimal("10.5")
    assert result.total == 11
    assert result.band == "moderate"


def test_gad7_one_blank_item_prorated_across_a_band_boundary():
    # Item 1 blank; the other six sum to 3+2+2+2+2+2 = 13; 13 x 7 / 6 = 15.17 -> 15, severe,
    # where the six answers alone (13) would read "moderate".
    result = score("gad7", answers(None, 3, 2, 2, 2, 2, 2))
    assert result.total == 15
    assert result.band == "severe"


def test_gad7_one_blank_item_rounds_to_the_nearest_whole_point():
    # Item 4 blank; the other six sum to 4; 4 x 7 / 6 = 4.67 -> 5, mild.
    # Item 4 blank; the other six sum to 2; 2 x 7 / 6 = 2.33 -> 2, minimal.
    assert score("gad7", answers(1, 1, 1, None, 1, 0, 0)).total == 5
    assert score("gad7", answers(1, 1, 0, None, 0, 0, 0)).total == 2


def test_gad7_two_blank_items_are_not_scored():
    result = score("gad7", answers(3, 3, 3, 3, 3, None, None))
    assert result.total is None
    assert result.band is None


def test_gad7_blank_difficulty_item_does_not_count_as_missing():
    # Item 7 and the difficulty item blank: only one scored item is missing, so it is prorated.
    assert score("gad7", answers(1, 1, 1, 1, 1, 1, None, None)).total == 7


def test_gad7_carries_its_change_threshold():
    gad7 = instrument_get("gad7")
    assert gad7.minimal_important_change == 4
    assert gad7.mic_on == "total"


@pytest.mark.parametrize(("item", "bad"), [(1, 4), (7, -1), (2, True), (5, 1.5), (6, "3"), (8, 4)])
def test_gad7_rejects_values_outside_the_item_naming_it(item, bad):
    given: dict = answers(0, 0, 0, 0, 0, 0, 0, 0)
    given[item] = bad
    with pytest.raises(InvalidAnswers, match=rf"item {item}: {bad!r} "):
        score("gad7", given)


def test_gad7_rejects_an_unknown_item():
    with pytest.raises(InvalidAnswers, match="no item 9"):
        score("gad7", {**answers(0, 0, 0, 0, 0, 0, 0), 9: 0})

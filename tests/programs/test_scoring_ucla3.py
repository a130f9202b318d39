"""UCLA 3-item loneliness scale, scored by hand from Hughes et al. 2004.

3 items coded 1-3 (never 0-2), summed to 3-9; not_lonely 3-5 and lonely 6-9 are a convention.
Every item is required.
"""

from __future__ import annotations

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score


def answers(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1), 3, "not_lonely"),
        ((2, 2, 1), 5, "not_lonely"),
        ((2, 2, 2), 6, "lonely"),
        ((3, 3, 3), 9, "lonely"),
    ],
)
def test_ucla3_minimum_maximum_and_band_boundary(values, total, band):
    result = score("ucla3", answers(*values))
    assert (result.total, result.band) == (total, band)
    assert result.flags == {}


def test_ucla3_bands_are_marked_as_convention():
    bands = instrument_get("ucla3").bands
    assert bands is not None
    assert bands.convention_only is True


def test_ucla3_needs_every_item():
    result = score("ucla3", answers(3, 3, None))
    assert (result.total, result.band) == (None, None)


@pytest.mark.parametrize(("item", "bad"), [(1, 0), (2, 4), (3, True), (1, 2.0), (2, "2")])
def test_ucla3_rejects_values_outside_1_to_3_naming_the_item(item, bad):
    # A dataset coded 0-2 must be rejected, not shifted.
    given: dict = answers(2, 2, 2)
    given[item] = bad
    with pytest.raises(InvalidAnswers, match=rf"item {item}: {bad!r} "):
        score("ucla3", given)


def test_ucla3_rejects_an_unknown_item():
    with pytest.raises(InvalidAnswers, match="no item 4"):
        score("ucla3", answers(2, 2, 2, 2))

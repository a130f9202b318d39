"""PHQ-9 and PHQ-8, scored by hand from the published rules (Kroenke 2001, 2009; NHS Data Dictionary).

PHQ-9: 9 items 0-3 summed to 0-27, plus an unscored difficulty item 10; bands minimal 0-4,
mild 5-9, moderate 10-14, moderately_severe 15-19, severe 20-27. With 1 or 2 items blank the
total is mean x 9, rounded half up. Item 9 >= 1 sets item9_positive. PHQ-8: items 1-8, 0-24,
same bands, every item required.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from programs.instrument_library import instrument_get
from programs.scoring import InvalidAnswers, score


def answers(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


# --- PHQ-9 ---------------------------------------------------------------------------------


def test_phq9_all_not_at_all_scores_zero_minimal_and_no_item9_flag():
    result = score("phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert result.total == 0
    assert result.band == "minimal"
    assert result.flags == {"item9_positive": False}
    assert result.subscales == {}
    assert result.percentage is None


def test_phq9_all_nearly_every_day_scores_27_severe_with_item9_flag():
    result = score("phq9", answers(3, 3, 3, 3, 3, 3, 3, 3, 3))
    assert result.total == 27
    assert result.band == "severe"
    assert result.flags == {"item9_positive": True}


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
        ((2, 2, 2, 2, 1, 0, 0, 0, 0), 9, "mild"),
        ((2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "moderate"),
        ((3, 3, 3, 2, 2, 2, 0, 0, 0), 15, "moderately_severe"),
        ((3, 3, 3, 3, 3, 2, 2, 0, 0), 19, "moderately_severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
    ],
)
def test_phq9_band_boundaries(values, total, band):
    result = score("phq9", answers(*values))
    assert result.total == total
    assert result.band == band


def test_phq9_difficulty_item_is_recorded_but_not_counted():
    without = score("phq9", answers(1, 1, 1, 1, 1, 0, 0, 0, 0))
    with_difficulty = score("phq9", answers(1, 1, 1, 1, 1, 0, 0, 0, 0, 3))
    assert without.total == with_difficulty.total == 5


def test_phq9_difficulty_item_is_checked_against_its_own_options():
    with pytest.raises(InvalidAnswers, match="item 10"):
        score("phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 0, 4))


def test_phq9_one_blank_item_is_prorated_and_rounded_up_into_the_next_band():
    # Item 3 blank; the other eight sum to 3+3+2+2+1+1+1+0 = 13; 13 x 9 / 8 = 14.625.
    # Banded unrounded that would be "moderate"; rounded half up it is 15.
    result = score("phq9", {1: 3, 2: 3, 3: None, 4: 2, 5: 2, 6: 1, 7: 1, 8: 1, 9: 0})
    assert result.total_exact == Decimal("14.625")
    assert result.total == 15
    assert result.band == "moderately_severe"


def test_phq9_prorated_half_rounds_up_not_to_even():
    # Item 5 blank; the other eight sum to 4; 4 x 9 / 8 = 4.5 -> 5 (round() would give 4).
    result = score("phq9", {1: 1, 2: 1, 3: 1, 4: 1, 5: None, 6: 0, 7: 0, 8: 0, 9: 0})
    assert result.total_exact == Decimal("4.5")
    assert result.total == 5
    assert result.band == "mild"


def test_phq9_two_blank_items_are_prorated():
    # Items 3 and 6 blank; the other seven sum to 2+2+2+2+1+1+0 = 10; 10 x 9 / 7 = 12.857...
    result = score("phq9", {1: 2, 2: 2, 4: 2, 5: 2, 7: 1, 8: 1, 9: 0})
    assert result.total == 13
    assert result.band == "moderate"


def test_phq9_three_blank_items_are_not_scored():
    result = score("phq9", {1: 3, 2: 3, 3: None, 4: None, 5: None, 6: 3, 7: 3, 8: 3, 9: 0})
    assert result.total is None
    assert result.total_exact is None
    assert result.band is None
    assert result.flags == {"item9_positive": False}


def test_phq9_items_left_out_of_the_answers_count_as_blank():
    explicit = score("phq9", {1: 2, 2: 2, 3: None, 4: 2, 5: 2, 6: None, 7: 1, 8: 1, 9: 0})
    omitted = score("phq9", {1: 2, 2: 2, 4: 2, 5: 2, 7: 1, 8: 1, 9: 0})
    assert explicit == omitted


def test_phq9_item9_positive_whatever_the_total():
    result = score("phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.total == 1
    assert result.band == "minimal"
    assert result.flags == {"item9_positive": True}


@pytest.mark.parametrize(("item9", "flag"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_flag_follows_the_answer(item9, flag):
    assert score("phq9", answers(1, 1, 1, 1, 1, 1, 1, 1, item9)).flags["item9_positive"] is flag


def test_phq9_blank_item9_leaves_the_flag_unknown_and_the_total_prorated():
    # Eight answered items sum to 8; 8 x 9 / 8 = 9.
    result = score("phq9", answers(1, 1, 1, 1, 1, 1, 1, 1, None))
    assert result.flags == {"item9_positive": None}
    assert result.total == 9

    assert score("phq9", answers(1, 1, 1, 1, 1, 1, 1, 1)).flags == {"item9_positive": None}


def test_phq9_nothing_answered_scores_nothing():
    result = score("phq9", {})
    assert result.total is None
    assert result.band is None
    assert result.flags == {"item9_positive": None}


def test_phq9_carries_its_change_threshold():
    phq9 = instrument_get("phq9")
    assert phq9.minimal_important_change == 5
    assert phq9.mic_on == "total"


# --- invalid answers (rejected whole, never clamped) ----------------------------------------


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (4, "4"),
        (-1, "-1"),
        (True, "True"),
        (False, "False"),
        (2.0, "2.0"),
        (2.5, "2.5"),
        ("2", "'2'"),
        (Decimal(2), "Decimal('2')"),
    ],
)
def test_phq9_rejects_a_value_the_item_does_not_offer_naming_item_and_value(bad, shown):
    given: dict = answers(0, 0, 0, 0, 0, 0, 0, 0, 0)
    given[3] = bad
    with pytest.raises(InvalidAnswers) as excinfo:
        score("phq9", given)
    assert "item 3" in str(excinfo.value)
    assert shown in str(excinfo.value)
    assert excinfo.value.item == 3
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("key", [0, 11, -1, "1", None])
def test_phq9_rejects_an_unknown_item(key):
    given: dict = answers(0, 0, 0, 0, 0, 0, 0, 0, 0)
    given[key] = 0
    with pytest.raises(InvalidAnswers, match=f"no item {key!r}"):
        score("phq9", given)


# --- PHQ-8 ---------------------------------------------------------------------------------


def test_phq8_minimum_and_maximum():
    lowest = score("phq8", answers(0, 0, 0, 0, 0, 0, 0, 0))
    highest = score("phq8", answers(3, 3, 3, 3, 3, 3, 3, 3))
    assert (lowest.total, lowest.band) == (0, "minimal")
    assert (highest.total, highest.band) == (24, "severe")
    assert lowest.flags == highest.flags == {}


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0), 5, "mild"),
        ((2, 2, 2, 2, 1, 0, 0, 0), 9, "mild"),
        ((2, 2, 2, 2, 2, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2, 0), 14, "moderate"),
        ((3, 3, 3, 2, 2, 2, 0, 0), 15, "moderately_severe"),
        ((3, 3, 3, 3, 3, 2, 2, 0), 19, "moderately_severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0), 20, "severe"),
    ],
)
def test_phq8_band_boundaries_match_phq9(values, total, band):
    result = score("phq8", answers(*values))
    assert (result.total, result.band) == (total, band)


def test_phq8_one_blank_item_is_not_scored():
    # PHQ-9 would prorate this; PHQ-8 needs all eight items (project policy).
    result = score("phq8", answers(2, 2, 2, 2, 2, 2, 2, None))
    assert result.total is None
    assert result.band is None


def test_phq8_has_no_item_9():
    with pytest.raises(InvalidAnswers, match="no item 9"):
        score("phq8", answers(0, 0, 0, 0, 0, 0, 0, 0, 0))


def test_phq8_rejects_out_of_range_naming_the_item():
    with pytest.raises(
        InvalidAnswers, match=r"item 8: 4 is not one of the allowed values 0, 1, 2, 3"
    ):
        score("phq8", answers(0, 0, 0, 0, 0, 0, 0, 4))

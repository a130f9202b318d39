"""Properties every shipped instrument must have, whatever the answers (hypothesis).

The bounds below come from the options offered, not from the scorer: a reverse-keyed item maps
its options onto themselves, so its lowest and highest contributions are still the lowest and
highest option values.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from programs.instrument_library import Instrument, instrument_list
from programs.scoring import InvalidAnswers, reverse_value, score

INSTRUMENTS = instrument_list()
IDS = [instrument.code for instrument in INSTRUMENTS]

fast = settings(
    max_examples=60,
    deadline=None,
    database=None,
    # The autouse clock and cache fixtures are the same for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

each_instrument = pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)


def complete(instrument: Instrument) -> st.SearchStrategy[dict[int, int | None]]:
    return st.fixed_dictionaries(
        {item.number: st.sampled_from(sorted(item.values)) for item in instrument.items}
    )


def bounds(instrument: Instrument, numbers) -> tuple[int, int]:
    items = [instrument.item(n) for n in numbers]
    return sum(min(i.values) for i in items), sum(max(i.values) for i in items)


def test_every_instrument_is_covered():
    assert len(INSTRUMENTS) >= 11


@each_instrument
@fast
@given(data=st.data())
def test_complete_answers_score_within_range(instrument, data):
    answers = data.draw(complete(instrument))
    result = score(instrument.code, answers)

    if instrument.total.method == "sum":
        assert instrument.total.range is not None
        low, high = instrument.total.range
        assert (low, high) == bounds(instrument, [i.number for i in instrument.scored_items])
        assert isinstance(result.total, int)
        assert low <= result.total <= high
        if instrument.bands is not None:
            assert result.band is not None
    else:
        assert result.total is None

    if instrument.percentage_multiplier is not None:
        assert result.percentage == result.total * instrument.percentage_multiplier
        assert 0 <= result.percentage <= 100
    else:
        assert result.percentage is None

    assert set(result.subscales) == {s.name for s in instrument.subscales}
    for subscale in instrument.subscales:
        value = result.subscales[subscale.name]
        low, high = bounds(instrument, subscale.items)
        assert value is not None
        if subscale.method == "mean":
            n = len(subscale.items)
            assert Decimal(low) / n <= value <= Decimal(high) / n
        else:
            assert low <= value <= high

    assert set(result.flags) == {flag.name for flag in instrument.flags}
    assert all(isinstance(v, bool) for v in result.flags.values())


@each_instrument
@fast
@given(data=st.data())
def test_reversing_twice_gives_the_answer_back(instrument, data):
    item = data.draw(st.sampled_from(instrument.items))
    value = data.draw(st.sampled_from(sorted(item.values)))
    once = reverse_value(instrument, item.number, value)
    assert once in item.values
    assert reverse_value(instrument, item.number, once) == value
    if item.number not in instrument.reverse_items:
        assert once == value


@each_instrument
@fast
@given(data=st.data())
def test_one_step_on_one_answer_moves_the_total_by_at_most_one_step(instrument, data):
    answers = data.draw(complete(instrument))
    item = data.draw(st.sampled_from(instrument.items))
    values = sorted(item.values)
    index = values.index(answers[item.number])
    neighbours = [values[j] for j in (index - 1, index + 1) if 0 <= j < len(values)]
    new_value = data.draw(st.sampled_from(neighbours))
    step = abs(new_value - answers[item.number])

    before = score(instrument.code, answers)
    after = score(instrument.code, {**answers, item.number: new_value})

    if instrument.total.method == "sum":
        assert before.total is not None
        assert after.total is not None
        # Reversal keeps the size of a step, so a scored item moves the total by exactly one.
        assert abs(after.total - before.total) == (step if item.scored else 0)
    for subscale in instrument.subscales:
        moved = abs(after.subscales[subscale.name] - before.subscales[subscale.name])
        expected = step if item.number in subscale.items else 0
        if subscale.method == "mean":
            # Two 28-digit quotients differ from expected/n only past the 20th decimal.
            assert abs(moved - Decimal(expected) / len(subscale.items)) < Decimal("1e-20")
        else:
            assert moved == expected


@each_instrument
@fast
@given(data=st.data())
def test_blank_items_beyond_the_allowance_leave_the_total_empty(instrument, data):
    answers = data.draw(complete(instrument))
    scored = [item.number for item in instrument.scored_items]
    blank = data.draw(st.sets(st.sampled_from(scored), max_size=len(scored)))
    result = score(instrument.code, {**answers, **dict.fromkeys(blank)})

    if instrument.total.method == "sum" and len(blank) <= instrument.total.max_missing:
        assert instrument.total.range is not None
        assert result.total is not None
        assert instrument.total.range[0] <= result.total <= instrument.total.range[1]
    else:
        assert result.total is None
    for subscale in instrument.subscales:
        assert (result.subscales[subscale.name] is None) == bool(blank & set(subscale.items))


@each_instrument
@fast
@given(data=st.data())
def test_any_value_the_item_does_not_offer_is_rejected(instrument, data):
    answers = data.draw(complete(instrument))
    item = data.draw(st.sampled_from(instrument.items))
    bad = data.draw(
        st.one_of(
            st.integers(min_value=-1000, max_value=1000).filter(lambda v: v not in item.values),
            st.booleans(),
            st.floats(allow_nan=False),
            st.text(max_size=3),
        )
    )
    with pytest.raises(InvalidAnswers, match=rf"item {item.number}\b") as excinfo:
        score(instrument.code, {**answers, item.number: bad})
    assert excinfo.value.item == item.number
    assert excinfo.value.value is bad


@each_instrument
@fast
@given(number=st.integers(min_value=-1000, max_value=1000))
def test_an_item_the_instrument_does_not_have_is_rejected(instrument, number):
    assume(number not in instrument.item_numbers)
    with pytest.raises(InvalidAnswers, match=rf"no item {number}\b"):
        score(instrument.code, {number: 1})

"""MAIA-2 scoring, hand-computed from the published rules.

Mehling et al. 2018; Eggart et al. 2021: 37 items scored 0 (never) to 5 (always). Items 5-12
and 15 are reversed as 5 - x. Each of the 8 subscales is the arithmetic MEAN of its items
after reversal (0-5); there is no total. Means keep full precision: the engine returns a
Decimal, compared here exactly, never approximately.
Project policy: a subscale is scored only when all of its items are answered.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from programs.scoring import InvalidAnswers, score

SUBSCALES = {
    "noticing": range(1, 5),
    "not_distracting": range(5, 11),
    "not_worrying": range(11, 16),
    "attention_regulation": range(16, 23),
    "emotional_awareness": range(23, 28),
    "self_regulation": range(28, 32),
    "body_listening": range(32, 35),
    "trusting": range(35, 38),
}
REVERSED = frozenset({5, 6, 7, 8, 9, 10, 11, 12, 15})


def maia2(value: int | None = 0, **overrides: int | None) -> dict[int, int | None]:
    """Every MAIA-2 item at `value`, with `item_<n>=...` overrides."""
    answers: dict[int, int | None] = dict.fromkeys(range(1, 38), value)
    for key, override in overrides.items():
        answers[int(key.removeprefix("item_"))] = override
    return answers


def _mentions(message: str, *words: object) -> bool:
    return all(re.search(rf"(?<![\w.]){re.escape(str(word))}(?![\w.])", message) for word in words)


def test_maia2_all_never_reverses_only_the_reversed_items():
    # Not-Distracting (5-10) are all reversed: 5 - 0 = 5 each, mean 5.
    # Not-Worrying: 11, 12, 15 reversed → 5, 5, 5; 13, 14 → 0, 0; mean 15 / 5 = 3.
    result = score("maia2", maia2(0))

    assert result.subscales == {
        "noticing": 0,
        "not_distracting": 5,
        "not_worrying": 3,
        "attention_regulation": 0,
        "emotional_awareness": 0,
        "self_regulation": 0,
        "body_listening": 0,
        "trusting": 0,
    }


def test_maia2_all_always_reverses_only_the_reversed_items():
    # Not-Distracting: 5 - 5 = 0 each. Not-Worrying: 0, 0, 5, 5, 0 → 10 / 5 = 2.
    result = score("maia2", maia2(5))

    assert result.subscales == {
        "noticing": 5,
        "not_distracting": 0,
        "not_worrying": 2,
        "attention_regulation": 5,
        "emotional_awareness": 5,
        "self_regulation": 5,
        "body_listening": 5,
        "trusting": 5,
    }


def test_maia2_highest_possible_score_on_every_subscale():
    # 5 on every plain item and 0 on every reversed one: every subscale at its maximum 5.
    answers = maia2(5, **{f"item_{n}": 0 for n in REVERSED})

    result = score("maia2", answers)

    assert result.subscales == dict.fromkeys(SUBSCALES, 5)


def test_maia2_lowest_possible_score_on_every_subscale():
    answers = maia2(0, **{f"item_{n}": 5 for n in REVERSED})

    result = score("maia2", answers)

    assert result.subscales == dict.fromkeys(SUBSCALES, 0)


def test_maia2_has_no_total_band_or_flags():
    result = score("maia2", maia2(3))

    assert result.total is None
    assert result.band is None
    assert result.flags == {}
    assert result.percentage is None


def test_maia2_noticing_is_the_exact_mean_of_its_four_items():
    # (1 + 2 + 2 + 2) / 4 = 7 / 4 = 1.75
    result = score("maia2", maia2(3, item_1=1, item_2=2, item_3=2, item_4=2))

    assert result.subscales["noticing"] == Decimal("1.75")
    assert isinstance(result.subscales["noticing"], Decimal)


def test_maia2_thirds_are_kept_at_full_precision_not_rounded():
    # Body Listening (32-34): (1 + 2 + 2) / 3 = 5/3. Trusting (35-37): (0 + 0 + 1) / 3 = 1/3.
    result = score(
        "maia2", maia2(3, item_32=1, item_33=2, item_34=2, item_35=0, item_36=0, item_37=1)
    )

    body_listening = result.subscales["body_listening"]
    trusting = result.subscales["trusting"]
    assert body_listening == Decimal(5) / Decimal(3)
    assert trusting == Decimal(1) / Decimal(3)
    # Not cut to the 2 or 4 places a display or a DecimalField would use.
    assert body_listening not in (Decimal("1.67"), Decimal("1.6667"))
    assert -body_listening.as_tuple().exponent > 4
    # Above 1.6666 and below 1.6667: the exact 5/3, neither truncated nor rounded.
    assert Decimal("1.6666") < body_listening < Decimal("1.6667")


def test_maia2_a_full_mixed_response():
    by_subscale = (
        (3, 4, 2, 5),  # noticing: 14 / 4 = 3.5
        (1, 2, 0, 3, 1, 2),  # not distracting, all reversed: 4 3 5 2 4 3 → 21 / 6 = 3.5
        (2, 4, 3, 1, 0),  # not worrying: 3 (rev) 1 (rev) 3 1 5 (rev) → 13 / 5 = 2.6
        (3, 3, 2, 4, 5, 1, 2),  # attention regulation: 20 / 7
        (4, 4, 3, 5, 4),  # emotional awareness: 20 / 5 = 4
        (2, 3, 4, 3),  # self regulation: 12 / 4 = 3
        (1, 1, 2),  # body listening: 4 / 3
        (5, 4, 4),  # trusting: 13 / 3
    )
    values = [value for group in by_subscale for value in group]
    answers = dict(zip(range(1, 38), values, strict=True))

    result = score("maia2", answers)

    assert result.subscales == {
        "noticing": Decimal("3.5"),
        "not_distracting": Decimal("3.5"),
        "not_worrying": Decimal("2.6"),
        "attention_regulation": Decimal(20) / Decimal(7),
        "emotional_awareness": Decimal(4),
        "self_regulation": Decimal(3),
        "body_listening": Decimal(4) / Decimal(3),
        "trusting": Decimal(13) / Decimal(3),
    }


def test_maia2_raising_a_reversed_not_distracting_item_lowers_the_subscale():
    # Items 5-10 all at 2 count as 3 each: mean 3.
    # Item 8 at 5 counts as 0: (5 * 3 + 0) / 6 = 2.5, i.e. 0.5 lower.
    base = score("maia2", maia2(2)).subscales["not_distracting"]
    raised = score("maia2", maia2(2, item_8=5)).subscales["not_distracting"]

    assert base == Decimal(3)
    assert raised == Decimal("2.5")
    assert base - raised == Decimal("0.5")


def test_maia2_not_worrying_mixes_reversed_and_plain_items():
    # Items 11-15 all at 3: 11, 12, 15 reversed to 2 → (2 + 2 + 3 + 3 + 2) / 5 = 2.4.
    base = score("maia2", maia2(3)).subscales["not_worrying"]
    # Plain item 13 from 3 to 5: 14 / 5 = 2.8, up 0.4.
    plain_up = score("maia2", maia2(3, item_13=5)).subscales["not_worrying"]
    # Reversed item 12 from 3 to 5 (counts 0): 10 / 5 = 2.0, down 0.4.
    reversed_up = score("maia2", maia2(3, item_12=5)).subscales["not_worrying"]
    # Reversed item 15 from 3 to 0 (counts 5): 15 / 5 = 3, up 0.6.
    reversed_down = score("maia2", maia2(3, item_15=0)).subscales["not_worrying"]

    assert base == Decimal("2.4")
    assert plain_up == Decimal("2.8")
    assert reversed_up == Decimal(2)
    assert reversed_down == Decimal(3)


def _subscale_of(number: int) -> tuple[str, range]:
    return next((name, items) for name, items in SUBSCALES.items() if number in items)


def _counted_at_2(items: range) -> int:
    """Sum of a subscale when every item is answered 2: plain items count 2, reversed 3."""
    return sum(3 if n in REVERSED else 2 for n in items)


@pytest.mark.parametrize("number", sorted(set(range(1, 38)) - REVERSED))
def test_maia2_plain_items_are_not_reversed(number):
    name, items = _subscale_of(number)

    raised = score("maia2", maia2(2, **{f"item_{number}": 5})).subscales[name]

    # 2 → 5 on a plain item adds 3 to the subscale's sum.
    assert raised == Decimal(_counted_at_2(items) + 3) / Decimal(len(items))


@pytest.mark.parametrize("number", sorted(REVERSED))
def test_maia2_every_reversed_item_counts_as_5_minus_the_answer(number):
    name, items = _subscale_of(number)

    raised = score("maia2", maia2(2, **{f"item_{number}": 5})).subscales[name]

    # 2 counted as 3, 5 counted as 0: the subscale's sum falls by 3.
    assert raised == Decimal(_counted_at_2(items) - 3) / Decimal(len(items))


def test_maia2_a_blank_item_leaves_only_its_subscale_unscored():
    result = score("maia2", maia2(4, item_3=None))

    assert result.subscales["noticing"] is None
    # Every other subscale is still scored (4 plain, 1 reversed).
    assert result.subscales["not_distracting"] == Decimal(1)
    # 11, 12, 15 reversed to 1; 13, 14 at 4 → 11 / 5
    assert result.subscales["not_worrying"] == Decimal("2.2")
    for name in SUBSCALES.keys() - {"noticing", "not_distracting", "not_worrying"}:
        assert result.subscales[name] == Decimal(4)


def test_maia2_a_blank_reversed_item_leaves_its_subscale_unscored():
    answers = maia2(1)
    del answers[15]

    result = score("maia2", answers)

    assert result.subscales["not_worrying"] is None
    assert result.subscales["not_distracting"] == Decimal(4)
    assert result.subscales["noticing"] == Decimal(1)


def test_maia2_with_only_one_subscale_answered_scores_that_one():
    result = score("maia2", {35: 5, 36: 4, 37: 3})

    assert result.subscales["trusting"] == Decimal(4)
    assert [name for name, value in result.subscales.items() if value is not None] == ["trusting"]


@pytest.mark.parametrize(("item", "value"), [(20, 6), (11, -1), (30, 50)])
def test_maia2_rejects_a_value_outside_0_to_5(item, value):
    answers = maia2(3, **{f"item_{item}": value})

    with pytest.raises(InvalidAnswers) as excinfo:
        score("maia2", answers)

    assert (excinfo.value.item, excinfo.value.value) == (item, value)
    assert _mentions(str(excinfo.value), item, value)


@pytest.mark.parametrize("value", [True, False, 1.0, 3.5, "3", Decimal(3)])
def test_maia2_rejects_a_non_integer_answer(value):
    answers = maia2(3, item_9=value)

    with pytest.raises(InvalidAnswers) as excinfo:
        score("maia2", answers)

    assert excinfo.value.item == 9
    assert _mentions(str(excinfo.value), 9)


@pytest.mark.parametrize("item", [0, 38, 40])
def test_maia2_rejects_an_unknown_item(item):
    # 38-40 do not exist: the 32-item MAIA (2012) is not MAIA-2, but neither has more than 37.
    answers = maia2(3)
    answers[item] = 3

    with pytest.raises(InvalidAnswers) as excinfo:
        score("maia2", answers)

    assert excinfo.value.item == item
    assert _mentions(str(excinfo.value), item)

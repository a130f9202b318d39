"""Scoring of questionnaire answers: one pure function over the instrument data files.

    result = score("phq9", {1: 2, 2: 1, 3: None, ...})

Answers map item number to the value chosen, or None for an item left blank; an item absent
from the mapping is blank too. The rules (BRIEF §5, shared/reference/instruments.md §0.1):

- Any answer outside its item's values, a non-integer or a bool rejects the whole response
  (InvalidAnswers); values are never clamped.
- Reverse-keyed items count as `reverse_from - value`; unscored items are checked but never
  counted.
- The total needs every scored item, except that up to `total.max_missing` blanks (PHQ-9 2,
  GAD-7 1) are prorated: mean of the answered items x number of items, rounded half up with
  Decimal (Python's round() would turn 10.5 into 10). The band comes from the rounded total.
- A subscale is scored only when all its items are answered; mean subscales keep full
  precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from programs.instrument_library import Flag, Instrument, instrument_get

__all__ = ["InvalidAnswers", "ScoreResult", "reverse_value", "score", "score_instrument"]


class InvalidAnswers(ValueError):
    """The answers cannot be scored as given: an unknown item or a value the item does not offer."""

    def __init__(self, message: str, *, item: object, value: object) -> None:
        super().__init__(message)
        self.item = item
        self.value = value


@dataclass(frozen=True)
class ScoreResult:
    # Rounded total (int), or None when the instrument has none or too many items are blank.
    total: int | None
    # Subscale name -> int (sum) or Decimal (mean), None when any of its items is blank.
    subscales: dict[str, int | Decimal | None] = field(default_factory=dict)
    band: str | None = None
    # Flag name -> True / False, or None when the answers leave it unknown.
    flags: dict[str, bool | None] = field(default_factory=dict)
    # WHO-5 only: raw total x 4.
    percentage: int | None = None
    # The total before rounding (differs from `total` only when blanks were prorated); the
    # reference asks that it be stored next to the rounded total.
    total_exact: Decimal | None = None


def reverse_value(instrument: Instrument, item_number: int, value: int) -> int:
    """The value an answer counts for: `reverse_from - value` on reverse-keyed items."""
    return instrument.reverse(item_number, value)


def _validated(instrument: Instrument, answers: Mapping[int, int | None]) -> dict[int, int]:
    """The answered items; raises InvalidAnswers on the first answer that cannot be scored."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswers(
            f"{instrument.short_name}: answers must map item numbers to values, "
            f"not {type(answers).__name__}",
            item=None,
            value=answers,
        )
    known = instrument.item_numbers
    for key in answers:
        if isinstance(key, bool) or not isinstance(key, int) or key not in known:
            raise InvalidAnswers(
                f"{instrument.short_name}: there is no item {key!r} "
                f"(items are numbered 1 to {len(instrument.items)})",
                item=key,
                value=answers[key],
            )
    answered: dict[int, int] = {}
    for item in instrument.items:
        value = answers.get(item.number)
        if value is None:
            continue
        # bool is a subclass of int, so True would otherwise be accepted as 1.
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswers(
                f"{instrument.short_name} item {item.number}: {value!r} is not a whole-number answer",
                item=item.number,
                value=value,
            )
        if value not in item.values:
            allowed = ", ".join(str(v) for v in sorted(item.values))
            raise InvalidAnswers(
                f"{instrument.short_name} item {item.number}: {value!r} is not one of "
                f"the allowed values {allowed}",
                item=item.number,
                value=value,
            )
        answered[item.number] = value
    return answered


def _total(instrument: Instrument, counted: dict[int, int]) -> Decimal | None:
    if instrument.total.method != "sum":
        return None
    n_items = len(instrument.scored_items)
    missing = n_items - len(counted)
    if missing == 0:
        return Decimal(sum(counted.values()))
    if missing > instrument.total.max_missing:
        return None
    # mean x n, computed as sum x n / answered so that halves (e.g. 36/8 = 4.5) are exact.
    return Decimal(sum(counted.values()) * n_items) / Decimal(len(counted))


def _flag(instrument: Instrument, answered: dict[int, int], flag: Flag) -> bool | None:
    # Flags read the answer as given, not reversed: "item 9 answered 1 or more", "any item
    # answered 0 or 1". (No shipped instrument has both flags and reverse-keyed items.)
    if flag.kind == "item_at_least":
        if flag.item is None or flag.item not in answered:
            return None
        return answered[flag.item] >= flag.value
    # any_item_at_most: one low answer settles it; otherwise a blank leaves it open.
    scored = [item.number for item in instrument.scored_items]
    if any(answered[n] <= flag.value for n in scored if n in answered):
        return True
    if all(n in answered for n in scored):
        return False
    return None


def score_instrument(instrument: Instrument, answers: Mapping[int, int | None]) -> ScoreResult:
    """Score answers against an already loaded instrument (see score())."""
    answered = _validated(instrument, answers)
    counted = {
        item.number: instrument.reverse(item.number, answered[item.number])
        for item in instrument.scored_items
        if item.number in answered
    }

    total_exact = _total(instrument, counted)
    total = (
        int(total_exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        if total_exact is not None
        else None
    )

    subscales: dict[str, int | Decimal | None] = {}
    for subscale in instrument.subscales:
        if not all(n in counted for n in subscale.items):
            subscales[subscale.name] = None
            continue
        subtotal = sum(counted[n] for n in subscale.items)
        subscales[subscale.name] = (
            Decimal(subtotal) / Decimal(len(subscale.items))
            if subscale.method == "mean"
            else subtotal
        )

    percentage = (
        total * instrument.percentage_multiplier
        if total is not None and instrument.percentage_multiplier is not None
        else None
    )

    band = None
    if instrument.bands is not None:
        banded_on = percentage if instrument.bands.on == "percentage" else total
        if banded_on is not None:
            band = instrument.bands.name_for(banded_on)

    flags = {flag.name: _flag(instrument, answered, flag) for flag in instrument.flags}
    return ScoreResult(
        total=total,
        subscales=subscales,
        band=band,
        flags=flags,
        percentage=percentage,
        total_exact=total_exact,
    )


def score(code: str, answers: Mapping[int, int | None]) -> ScoreResult:
    """Score one response to the shipped instrument `code`; InvalidAnswers if it cannot be."""
    return score_instrument(instrument_get(code), answers)

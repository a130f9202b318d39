"""Questionnaire definitions shipped as data: programs/instruments/<code>.json.

Each file is checked against programs/instruments/schema.json and then against the rules a
JSON Schema cannot state (items that exist, bands that cover the score range, ...). A broken
file raises InstrumentError naming the file; the programs system check (programs/checks.py)
runs the same loader so `manage.py check`, `migrate` and `runserver` refuse to start with one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from programs.data_files import read_checked, schema_validator

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
SCHEMA_FILE = "schema.json"


class InstrumentError(Exception):
    """An instrument data file is missing, malformed or inconsistent."""


class InstrumentNotFound(InstrumentError, LookupError):
    """No instrument is shipped under the requested code."""


@dataclass(frozen=True)
class ResponseOption:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    scored: bool
    # Already resolved: the item's own options, or the instrument's default ones.
    response_options: tuple[ResponseOption, ...]

    @cached_property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.response_options)


@dataclass(frozen=True)
class Loinc:
    panel: str
    # None when LOINC publishes a panel but no total-score code for it (UCLA-3).
    total: str | None = None
    # The pages that state the codes, so each one can be checked again.
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Total:
    method: Literal["sum", "none"]
    max_missing: int
    range: tuple[int, int] | None


@dataclass(frozen=True)
class Subscale:
    name: str
    items: tuple[int, ...]
    method: Literal["sum", "mean"]


@dataclass(frozen=True)
class Band:
    name: str
    min: int
    max: int


@dataclass(frozen=True)
class Bands:
    on: Literal["total", "percentage"]
    convention_only: bool
    ranges: tuple[Band, ...]

    def name_for(self, value: int | Decimal) -> str | None:
        for band in self.ranges:
            if band.min <= value <= band.max:
                return band.name
        return None


@dataclass(frozen=True)
class Flag:
    name: str
    kind: Literal["item_at_least", "any_item_at_most"]
    value: int
    item: int | None  # only for item_at_least


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: str
    short_name: str
    # What participants see (never the code), and an honest estimate of the minutes it takes.
    plain_name: str
    minutes: int
    construct: str
    instructions: str
    citation: str
    licence: str
    loinc: Loinc | None
    response_options: tuple[ResponseOption, ...]
    items: tuple[Item, ...]
    reverse_items: frozenset[int]
    reverse_from: int | None
    total: Total
    subscales: tuple[Subscale, ...]
    percentage_multiplier: int | None
    bands: Bands | None
    flags: tuple[Flag, ...]
    minimal_important_change: int | Decimal | None
    mic_on: Literal["total", "percentage"] | None

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    @cached_property
    def item_numbers(self) -> frozenset[int]:
        return frozenset(item.number for item in self.items)

    @cached_property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def reverse(self, number: int, value: int) -> int:
        """The value an answer counts for: reversed for reverse-keyed items, else unchanged."""
        if number in self.reverse_items and self.reverse_from is not None:
            return self.reverse_from - value
        return value


# JSON Schema counts 1.0 as an integer; an option value or item number of 1.0 would then
# slip through and compare oddly later, so integers here are Python ints only.
def _options(raw: Iterable[dict[str, Any]]) -> tuple[ResponseOption, ...]:
    return tuple(ResponseOption(value=o["value"], label=o["label"]) for o in raw)


def _build(data: dict[str, Any]) -> Instrument:
    default_options = _options(data["response_options"])
    total = data["total"]
    bands = data["bands"]
    mic = data["minimal_important_change"]
    return Instrument(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        short_name=data["short_name"],
        plain_name=data["plain_name"],
        minutes=data["minutes"],
        construct=data["construct"],
        instructions=data["instructions"],
        citation=data["citation"],
        licence=data["licence"],
        loinc=(
            Loinc(
                panel=data["loinc"]["panel"],
                total=data["loinc"].get("total"),
                sources=tuple(data["loinc"].get("sources", ())),
            )
            if data["loinc"]
            else None
        ),
        response_options=default_options,
        items=tuple(
            Item(
                number=item["number"],
                text=item["text"],
                scored=item.get("scored", True),
                response_options=(
                    _options(item["response_options"])
                    if "response_options" in item
                    else default_options
                ),
            )
            for item in data["items"]
        ),
        reverse_items=frozenset(data["reverse_items"]),
        reverse_from=data["reverse_from"],
        total=Total(
            method=total["method"],
            max_missing=total["max_missing"],
            range=(total["range"][0], total["range"][1]) if total["range"] is not None else None,
        ),
        subscales=tuple(
            Subscale(name=s["name"], items=tuple(s["items"]), method=s["method"])
            for s in data["subscales"]
        ),
        percentage_multiplier=data["percentage_multiplier"],
        bands=(
            Bands(
                on=bands["on"],
                convention_only=bands["convention_only"],
                ranges=tuple(
                    Band(name=r["name"], min=r["min"], max=r["max"]) for r in bands["ranges"]
                ),
            )
            if bands is not None
            else None
        ),
        flags=tuple(
            Flag(name=f["name"], kind=f["kind"], value=f["value"], item=f.get("item"))
            for f in data["flags"]
        ),
        # Floats from JSON become Decimals so a 0.5-point MIC compares exactly.
        minimal_important_change=(Decimal(str(mic)) if isinstance(mic, float) else mic),
        mic_on=data["mic_on"],
    )


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dupes: list[Any] = []
    for value in values:
        if value in seen and value not in dupes:
            dupes.append(value)
        seen.add(value)
    return dupes


def _problems(instrument: Instrument, stem: str) -> list[str]:
    """Rules the schema cannot express; each problem is one readable sentence."""
    problems: list[str] = []
    if instrument.code != stem:
        problems.append(f'code "{instrument.code}" does not match the file name "{stem}.json"')

    numbers = [item.number for item in instrument.items]
    if dupes := _duplicates(numbers):
        problems.append(f"item numbers repeat: {dupes}")
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(f"item numbers must run 1..{len(numbers)} without gaps; got {numbers}")
    if numbers != sorted(numbers):
        problems.append(f"items must be listed in number order; got {numbers}")
    existing = set(numbers)
    scored = {item.number for item in instrument.items if item.scored}
    if not scored:
        problems.append("no item is scored")

    for item in instrument.items:
        if dupes := _duplicates(o.value for o in item.response_options):
            problems.append(f"item {item.number}: response option values repeat: {dupes}")
    if dupes := _duplicates(o.value for o in instrument.response_options):
        problems.append(f"response_options: values repeat: {dupes}")

    for number in sorted(instrument.reverse_items):
        if number not in existing:
            problems.append(f"reverse_items: item {number} does not exist")
        elif number not in scored:
            problems.append(f"reverse_items: item {number} is not scored")
        elif instrument.reverse_from is not None:
            values = instrument.item(number).values
            reversed_values = {instrument.reverse_from - v for v in values}
            if reversed_values != values:
                problems.append(
                    f"reverse_items: item {number}: reverse_from {instrument.reverse_from} maps "
                    f"its values {sorted(values)} to {sorted(reversed_values)}, not onto themselves"
                )

    if dupes := _duplicates(s.name for s in instrument.subscales):
        problems.append(f"subscale names repeat: {dupes}")
    for subscale in instrument.subscales:
        for number in subscale.items:
            if number not in existing:
                problems.append(f'subscale "{subscale.name}": item {number} does not exist')
            elif number not in scored:
                problems.append(f'subscale "{subscale.name}": item {number} is not scored')

    total = instrument.total
    if total.method == "none" and not instrument.subscales:
        problems.append('total method is "none" and there are no subscales: nothing is scored')
    if total.max_missing >= max(len(scored), 1):
        problems.append(
            f"total.max_missing {total.max_missing} must be below the {len(scored)} scored items"
        )
    score_range: tuple[int, int] | None = None
    if total.method == "sum" and total.range is not None and scored:
        # The declared range must be what the options actually allow, after reversal.
        low = sum(min(instrument.reverse(n, v) for v in instrument.item(n).values) for n in scored)
        high = sum(max(instrument.reverse(n, v) for v in instrument.item(n).values) for n in scored)
        if list(total.range) != [low, high]:
            problems.append(
                f"total.range {list(total.range)} does not match the scored items' options, "
                f"which give {low} to {high}"
            )
        score_range = total.range

    if instrument.percentage_multiplier is not None and total.method != "sum":
        problems.append("percentage_multiplier needs a summed total")

    bands = instrument.bands
    if bands is not None:
        if dupes := _duplicates(b.name for b in bands.ranges):
            problems.append(f"band names repeat: {dupes}")
        if total.method != "sum":
            problems.append("bands need a summed total")
        if bands.on == "percentage" and instrument.percentage_multiplier is None:
            problems.append('bands are "on": "percentage" but percentage_multiplier is null')
        for band in bands.ranges:
            if band.min > band.max:
                problems.append(f'band "{band.name}": min {band.min} is above max {band.max}')
        for before, after in zip(bands.ranges, bands.ranges[1:], strict=False):
            if after.min != before.max + 1:
                problems.append(
                    f'bands "{before.name}" (to {before.max}) and "{after.name}" '
                    f"(from {after.min}) are not contiguous"
                )
        if score_range is not None and bands.ranges:
            low, high = score_range
            if bands.on == "percentage" and instrument.percentage_multiplier is not None:
                low, high = (
                    low * instrument.percentage_multiplier,
                    high * instrument.percentage_multiplier,
                )
            if bands.ranges[0].min != low or bands.ranges[-1].max != high:
                problems.append(
                    f"bands run {bands.ranges[0].min} to {bands.ranges[-1].max} but the "
                    f"{bands.on} runs {low} to {high}"
                )

    if dupes := _duplicates(f.name for f in instrument.flags):
        problems.append(f"flag names repeat: {dupes}")
    for flag in instrument.flags:
        if flag.kind == "item_at_least" and flag.item not in existing:
            problems.append(f'flag "{flag.name}": item {flag.item} does not exist')

    if instrument.mic_on == "percentage" and instrument.percentage_multiplier is None:
        problems.append('mic_on is "percentage" but percentage_multiplier is null')
    if instrument.mic_on == "total" and total.method != "sum":
        problems.append('mic_on is "total" but the instrument has no total')
    return problems


def load_instrument(path: Path, validator: Any) -> Instrument:
    data = read_checked(path, validator, InstrumentError, count=True)
    instrument = _build(data)
    if problems := _problems(instrument, path.stem):
        raise InstrumentError(f"{path}: " + "; ".join(problems))
    return instrument


def load_instruments(folder: Path | None = None) -> dict[str, Instrument]:
    """Load and check every instrument file in `folder` (default: programs/instruments)."""
    folder = INSTRUMENTS_DIR if folder is None else folder
    validator = schema_validator(folder / SCHEMA_FILE, InstrumentError)
    instruments: dict[str, Instrument] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == SCHEMA_FILE:
            continue
        instrument = load_instrument(path, validator)
        instruments[instrument.code] = instrument
    return instruments


@functools.cache
def _shipped() -> dict[str, Instrument]:
    return load_instruments()


def instrument_get(code: str) -> Instrument:
    """The shipped instrument with this code; InstrumentNotFound if there is none."""
    try:
        return _shipped()[code]
    except KeyError:
        known = ", ".join(sorted(_shipped()))
        raise InstrumentNotFound(f'no instrument "{code}"; shipped: {known}') from None


def instrument_list() -> list[Instrument]:
    """Every shipped instrument, ordered by code."""
    return [instrument for _code, instrument in sorted(_shipped().items())]

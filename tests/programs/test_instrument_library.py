"""Questionnaire files load only when they follow the schema and make sense; a broken one is named."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from jsonschema import Draft202012Validator

from programs import instrument_library
from programs.checks import check_instrument_files
from programs.instrument_library import (
    INSTRUMENTS_DIR,
    InstrumentError,
    InstrumentNotFound,
    instrument_get,
    instrument_list,
    load_instruments,
)
from programs.scoring import score

# BRIEF §5: every instrument the product ships.
SHIPPED = {
    "phq9",
    "phq8",
    "gad7",
    "pss10",
    "who5",
    "ucla3",
    "mfis21",
    "mfis5",
    "maia2",
    "ffmq15",
    "ierq",
}


def _shipped_files() -> list[Path]:
    return sorted(p for p in INSTRUMENTS_DIR.glob("*.json") if p.name != "schema.json")


def test_every_instrument_in_the_brief_is_shipped_and_loads():
    loaded = load_instruments()
    assert set(loaded) == SHIPPED
    assert {p.stem for p in _shipped_files()} == SHIPPED
    assert [i.code for i in instrument_list()] == sorted(SHIPPED)


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_shipped_file_validates_against_the_schema(path):
    schema = json.loads((INSTRUMENTS_DIR / "schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(path.read_text())))
    assert errors == []


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_shipped_file_carries_a_citation_and_licence_note(path):
    instrument = instrument_get(path.stem)
    assert instrument.citation.strip()
    assert instrument.licence.strip()


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_every_item_a_participant_sees_is_a_whole_question(path):
    # Placeholders ("[...]") or numbers alone must never reach a participant's screen.
    instrument = instrument_get(path.stem)
    for item in instrument.items:
        assert not item.text.lstrip().startswith("["), (path.stem, item.number)
        assert any(ch.isalpha() for ch in item.text), (path.stem, item.number)


def test_ierq_items_sit_in_their_published_subscales():
    texts = {item.number: item.text for item in instrument_get("ierq").items}
    assert texts[3] == "I like being around others when I'm excited to share my joy."
    assert "aren't as bad as they seem" in texts[2]  # perspective taking
    assert "consolation" in texts[19]  # soothing
    assert "what other people would do" in texts[20]  # social modeling


def test_only_instruments_with_published_loinc_codes_carry_them():
    codes = {i.code: i.loinc for i in instrument_list() if i.loinc is not None}
    assert {code: (loinc.panel, loinc.total) for code, loinc in codes.items()} == {
        "phq9": ("44249-1", "44261-6"),
        "gad7": ("69737-5", "70274-6"),
        "pss10": ("106875-8", "106860-0"),
        # LOINC lists the Three-Item Loneliness Scale panel but no total-score code.
        "ucla3": ("106418-7", None),
    }
    assert codes["ucla3"].sources == ("https://loinc.org/66867-3",)


def test_instruments_are_frozen_and_loaded_once():
    phq9 = instrument_get("phq9")
    assert instrument_get("phq9") is phq9
    with pytest.raises(dataclasses.FrozenInstanceError):
        phq9.code = "gad7"  # type: ignore[misc]


def test_unknown_code_is_named_in_the_error():
    with pytest.raises(InstrumentNotFound, match='"phq10"'):
        instrument_get("phq10")
    with pytest.raises(LookupError):
        score("phq10", {})


def test_default_options_apply_to_items_without_their_own():
    phq9 = instrument_get("phq9")
    assert [o.label for o in phq9.item(1).response_options] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    difficulty = phq9.item(10)
    assert difficulty.scored is False
    assert difficulty.response_options[0].label == "Not difficult at all"


# --- broken files ---------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    """A private copy of the shipped files that a test may break."""
    for path in INSTRUMENTS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(folder: Path, code: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / f"{code}.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


BROKEN = [
    # (file, change, words the message must contain)
    ("phq9", lambda d: _set(d, "response_options.1.value", "1"), "is not of type 'integer'"),
    ("phq9", lambda d: _set(d, "items.2.number", 3.0), "is not of type 'integer'"),
    ("phq9", lambda d: d.pop("licence"), "'licence' is a required property"),
    ("phq9", lambda d: _set(d, "total.method", "average"), "total.method"),
    ("phq9", lambda d: _set(d, "items.3.number", 3), "item numbers repeat: [3]"),
    ("phq9", lambda d: _set(d, "items.9.number", 11), "item numbers must run 1..10"),
    (
        "phq9",
        lambda d: d["subscales"].append({"name": "x", "items": [12], "method": "sum"}),
        'subscale "x": item 12 does not exist',
    ),
    (
        "phq9",
        lambda d: _set(d, "flags.0.item", 11),
        'flag "item9_positive": item 11 does not exist',
    ),
    (
        "phq9",
        lambda d: _set(d, "bands.ranges.1.min", 6),
        'bands "minimal" (to 4) and "mild" (from 6) are not contiguous',
    ),
    (
        "phq9",
        lambda d: _set(d, "bands.ranges.4.max", 26),
        "bands run 0 to 26 but the total runs 0 to 27",
    ),
    ("phq9", lambda d: _set(d, "total.range", [0, 30]), "total.range [0, 30] does not match"),
    (
        "phq9",
        lambda d: _set(d, "total.max_missing", 9),
        "total.max_missing 9 must be below the 9 scored items",
    ),
    ("phq9", lambda d: _set(d, "mic_on", "percentage"), "percentage_multiplier is null"),
    ("phq9", lambda d: _set(d, "minimal_important_change", None), "mic_on"),
    (
        "pss10",
        lambda d: _set(d, "reverse_items", [4, 5, 7, 11]),
        "reverse_items: item 11 does not exist",
    ),
    ("pss10", lambda d: _set(d, "reverse_from", 5), "reverse_from 5 maps its values"),
    ("pss10", lambda d: _set(d, "reverse_from", None), "reverse_from"),
    ("who5", lambda d: _set(d, "percentage_multiplier", None), "percentage_multiplier is null"),
    (
        "who5",
        lambda d: _set(d, "bands.ranges.2.max", 96),
        "bands run 0 to 96 but the percentage runs 0 to 100",
    ),
    (
        "ucla3",
        lambda d: _set(d, "code", "phq8"),
        'code "phq8" does not match the file name "ucla3.json"',
    ),
]


@pytest.mark.parametrize(("code", "change", "expected"), BROKEN)
def test_broken_file_fails_with_a_message_naming_the_file_and_problem(
    folder, code, change, expected
):
    _edit(folder, code, change)
    with pytest.raises(InstrumentError) as excinfo:
        load_instruments(folder)
    message = str(excinfo.value)
    assert f"{code}.json" in message
    assert expected in message


def test_file_that_is_not_json_is_named(folder):
    (folder / "gad7.json").write_text('{"code": "gad7",}')
    with pytest.raises(InstrumentError, match=r"gad7\.json: not valid JSON: .* line 1"):
        load_instruments(folder)


def test_missing_schema_is_named(folder):
    (folder / "schema.json").unlink()
    with pytest.raises(InstrumentError, match=r"schema\.json: cannot be read"):
        load_instruments(folder)


def test_system_check_passes_for_the_shipped_files():
    assert check_instrument_files() == []


def test_system_check_reports_a_broken_file(folder, monkeypatch):
    _edit(folder, "gad7", lambda d: _set(d, "bands.ranges.3.max", 20))
    monkeypatch.setattr(instrument_library, "INSTRUMENTS_DIR", folder)

    [error] = check_instrument_files()
    assert error.id == "programs.E001"
    assert "gad7.json" in error.msg
    assert "bands run 0 to 20 but the total runs 0 to 21" in error.msg

    with pytest.raises(SystemCheckError, match=r"gad7\.json"):
        call_command("check")

"""How Stillwater's instruments and measurement points are named in a REDCap project.

One REDCap form (instrument) per shipped questionnaire, named by its code ("phq9"); one field
per item, "<form>_<item number>" ("phq9_9"); one event per measurement point code, in one arm.
REDCap makes an event's unique name itself from the event's name (lower case, spaces as "_",
other characters dropped, cut to 18 characters, then "_arm_<n>": "Deadline to opt out of study"
becomes "deadline_to_opt_ou_arm_2"), so the event name written to events.csv is chosen to give
back exactly the unique name records.csv uses.
"""

from __future__ import annotations

import re

from programs.instrument_library import Instrument, Item

# REDCap's data dictionary columns, in its order and spelling (a dictionary upload checks them).
DICTIONARY_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
EVENT_COLUMNS = ("event_name", "arm_num", "unique_event_name", "custom_event_label")
ARM_COLUMNS = ("arm_num", "name")
MAPPING_COLUMNS = ("arm_num", "unique_event_name", "form")

RECORD_ID = "record_id"
EVENT_COLUMN = "redcap_event_name"
ARM = 1
ARM_NAME = "Arm 1"
# REDCap keeps this much of an event's name in its unique name.
EVENT_NAME_KEPT = 18
# Form status: what REDCap's "<form>_complete" holds.
INCOMPLETE, COMPLETE = "0", "2"


def form_name(instrument: Instrument) -> str:
    return instrument.code


def field_name(instrument: Instrument, item: Item) -> str:
    return f"{form_name(instrument)}_{item.number}"


def complete_field(form: str) -> str:
    """The form status column REDCap adds to every form; it is not in the data dictionary."""
    return f"{form}_complete"


def event_name(point_code: str) -> str:
    """The event's name: the point's code with "-" as "_", which REDCap keeps as it is."""
    return point_code.replace("-", "_").lower()


def unique_event_name(name: str, arm: int = ARM) -> str:
    """The unique name REDCap gives an event called `name` in arm `arm`."""
    kept = re.sub(r"[^a-z0-9_]", "", name.lower().replace(" ", "_"))[:EVENT_NAME_KEPT]
    return f"{kept}_arm_{arm}"


def choices(item: Item) -> str:
    """A radio field's choices as REDCap writes them: "0, Not at all | 1, Several days"."""
    return " | ".join(f"{option.value}, {option.label}" for option in item.response_options)


class ExchangeError(ValueError):
    """An export or import that cannot be made as asked; the message says why, plainly."""

"""FHIR R4 resources for the shipped questionnaires and the responses sent to them.

Built and validated with the R4B models of fhir.resources (`fhir.resources.R4B`). R4B (4.3) is
the release that keeps R4's (4.0.1) Questionnaire and QuestionnaireResponse shapes unchanged,
so what these functions return is a valid R4 resource; the models only check it on the way out.

Answers are codings in a Stillwater code system per instrument (`{SITE_URL}/fhir/CodeSystem/
<code>`; an item with answers of its own, such as PHQ-9's item 10, gets `.../<code>-item-<n>`),
whose code is the value stored with the response, as text. Reverse keying stays with the scoring:
the coding says what the person chose, never what it counts for.

Scores travel as extensions on the QuestionnaireResponse, not as linked Observations. A score
is derived from the answers in the same resource, so keeping it there means a receiver never
holds a score without the answers it came from, and a bundle has exactly one resource per
response. An Observation needs a LOINC code to mean anything to a receiver, and only a few
totals (PHQ-9, GAD-7, PSS-10) have one; subscales and the WHO-5 percentage have none. Each score
is one complex extension (`{SITE_URL}/fhir/StructureDefinition/score`) holding `name` (valueString:
"total", "percentage" or the subscale's name) and `value` (valueDecimal), because an extension
may carry a value or nested extensions but not both. A receiver that ignores the extension loses
nothing: the scores can be recomputed from the answers with programs.scoring.score.

The subject is the enrollment's pseudonymous participant code as a Patient identifier, never a
name or e-mail address. Callers passing many responses should select_related
("assessment__enrollment") so each one costs no query.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from programs.instrument_library import Instrument, Item, instrument_get
from programs.scoring import ScoreResult, score_instrument
from sessions.questionnaires.models import Response

__all__ = [
    "LOINC_SYSTEM",
    "answer_system",
    "participant_code_system",
    "questionnaire_resource",
    "questionnaire_response_resource",
    "questionnaire_response_url",
    "questionnaire_url",
    "score_extension_url",
]

LOINC_SYSTEM = "http://loinc.org"
SCORE_PLACES = Decimal("0.0001")


def _base() -> str:
    return f"{settings.SITE_URL}/fhir"


def questionnaire_url(code: str) -> str:
    """The Questionnaire's canonical URL: stable for as long as the site's address is."""
    return f"{_base()}/Questionnaire/{code}"


def questionnaire_response_url(pk: int) -> str:
    """Where a response would be read: the fullUrl of its entry in a Bundle."""
    return f"{_base()}/QuestionnaireResponse/{pk}"


def answer_system(instrument: Instrument, item: Item) -> str:
    """The code system of one item's answers (shared by every item with the default answers)."""
    if item.response_options == instrument.response_options:
        return f"{_base()}/CodeSystem/{instrument.code}"
    return f"{_base()}/CodeSystem/{instrument.code}-item-{item.number}"


def participant_code_system() -> str:
    return f"{_base()}/participant-code"


def score_extension_url() -> str:
    return f"{_base()}/StructureDefinition/score"


def _computable_name(instrument: Instrument) -> str:
    # FHIR's name must start with a capital and hold letters, digits and "_" only.
    name = re.sub(r"[^A-Za-z0-9_]", "", instrument.short_name)
    return name if name[:1].isupper() else f"Q{name}"


def _as_dict(resource: Questionnaire | QuestionnaireResponse) -> dict[str, Any]:
    # Through JSON so the result holds only JSON types (Decimal and datetime become text/number).
    result: dict[str, Any] = json.loads(resource.model_dump_json())
    return result


def questionnaire_resource(instrument: Instrument) -> dict[str, Any]:
    """A FHIR Questionnaire for one instrument, as JSON-ready data (validated by fhir.resources)."""
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.code,
        "url": questionnaire_url(instrument.code),
        "version": instrument.version,
        "name": _computable_name(instrument),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.instructions,
        "copyright": instrument.licence,
        "item": [
            {
                "linkId": str(item.number),
                "prefix": str(item.number),
                "text": item.text,
                "type": "choice",
                "answerOption": [
                    {
                        "valueCoding": {
                            "system": answer_system(instrument, item),
                            "code": str(option.value),
                            "display": option.label,
                        }
                    }
                    for option in item.response_options
                ],
            }
            for item in instrument.items
        ],
    }
    if instrument.loinc is not None:
        resource["code"] = [
            {"system": LOINC_SYSTEM, "code": instrument.loinc.panel, "display": instrument.name}
        ]
    return _as_dict(Questionnaire.model_validate(resource))


def _scores(result: ScoreResult) -> list[tuple[str, int | Decimal]]:
    found: list[tuple[str, int | Decimal | None]] = [
        ("total", result.total),
        ("percentage", result.percentage),
        *result.subscales.items(),
    ]
    return [(name, value) for name, value in found if value is not None]


def _score_extension(name: str, value: int | Decimal) -> dict[str, Any]:
    # JSON carries decimals as binary floats, so an exact mean (MAIA-2's 7/3) would arrive as
    # 2.3333333333333335; 4 places, as in the CSV and XLSX exports, survive the trip intact.
    number = (
        value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
        if isinstance(value, Decimal)
        else Decimal(value)
    )
    return {
        "url": score_extension_url(),
        "extension": [
            {"url": "name", "valueString": name},
            {"url": "value", "valueDecimal": number},
        ],
    }


def questionnaire_response_resource(response: Response) -> dict[str, Any]:
    """A FHIR QuestionnaireResponse for one submitted response, with its scores as extensions.

    ValueError for a draft: only what the person sent is shared.
    """
    if response.submitted_at is None:
        raise ValueError(f"Response {response.pk} has not been sent, so it cannot be shared")
    instrument = instrument_get(response.instrument)
    answers = response.answer_map()
    participant_code = response.assessment.enrollment.participant_code
    items = []
    for item in instrument.items:
        value = answers.get(item.number)
        if value is None:
            continue
        label = next(o.label for o in item.response_options if o.value == value)
        items.append(
            {
                "linkId": str(item.number),
                "text": item.text,
                "answer": [
                    {
                        "valueCoding": {
                            "system": answer_system(instrument, item),
                            "code": str(value),
                            "display": label,
                        }
                    }
                ],
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": questionnaire_url(instrument.code),
        # A staff correction is a later version of the same response.
        "status": "amended" if response.version > 1 else "completed",
        "subject": {
            "type": "Patient",
            "identifier": {"system": participant_code_system(), "value": participant_code},
            "display": participant_code,
        },
        "authored": response.submitted_at.isoformat(),
        "item": items,
        "extension": [
            _score_extension(name, value)
            for name, value in _scores(score_instrument(instrument, answers))
        ],
    }
    if not resource["extension"]:
        del resource["extension"]
    return _as_dict(QuestionnaireResponse.model_validate(resource))

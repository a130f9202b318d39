"""`manage.py export fhir`: one FHIR R4 Bundle (type "collection") of the Questionnaires of the
instruments the scope's programs ask and a QuestionnaireResponse per submitted response.

"Submitted response" means the latest sent version of each one, as in the responses export: a
corrected response travels once, as its newest version (status "amended"). The resources come
from sessions.questionnaires.fhir, so they are the ones the API serves; the Bundle around them
is written one entry at a time, so memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from django.utils import timezone

from accounts.models import Organization, User
from programs.instrument_library import instrument_get
from programs.models import MeasurementPoint
from sessions.questionnaires.fhir import (
    questionnaire_resource,
    questionnaire_response_resource,
    questionnaire_response_url,
    questionnaire_url,
)
from sessions.reports.exchange.recording import exchange_recorded
from sessions.reports.exports.responses import latest_submitted_responses
from sessions.reports.exports.scope import ExportScope, Progress

KIND = "fhir"
FORMAT = "json"


def instruments_in_scope(scope: ExportScope, answered: set[str]) -> list[str]:
    """Codes asked by the scope's programs (optional ones too) and any with an answer, sorted."""
    codes = set(answered)
    points = MeasurementPoint.objects.filter(program__cohorts__in=scope.cohorts).distinct()
    for instruments, optional in points.values_list("instruments", "optional_instruments"):
        codes.update(instruments)
        codes.update(optional)
    return sorted(codes)


def fhir_bundle_chunks(scope: ExportScope, progress: Progress) -> Iterator[bytes]:
    """The Bundle as bytes, one entry at a time: memory stays flat however many responses.

    Every resource is built and validated by its fhir.resources model as it is written; the
    envelope around them is the Bundle's few fixed fields. `progress` counts the responses.
    """
    responses = (
        latest_submitted_responses(scope)
        .select_related("assessment__enrollment")
        .order_by("assessment__enrollment__participant_code", "assessment__opens_at", "instrument")
    )
    answered = set(responses.order_by().values_list("instrument", flat=True).distinct())
    head = {"resourceType": "Bundle", "type": "collection", "timestamp": timezone.now().isoformat()}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [\n').encode()
    separator = ""
    for code in instruments_in_scope(scope, answered):
        entry = {
            "fullUrl": questionnaire_url(code),
            "resource": questionnaire_resource(instrument_get(code)),
        }
        yield (separator + json.dumps(entry, ensure_ascii=False)).encode()
        separator = ",\n"
    for response in responses.iterator(chunk_size=500):
        entry = {
            "fullUrl": questionnaire_response_url(response.pk),
            "resource": questionnaire_response_resource(response),
        }
        yield (separator + json.dumps(entry, ensure_ascii=False)).encode()
        separator = ",\n"
        progress.rows += 1
    yield b"\n]}\n"


def fhir_export(
    *,
    scope: ExportScope,
    output: Path,
    user: User | None,
    organization: Organization | None,
    filters: dict[str, object],
) -> int:
    """Write the Bundle to `output`, recorded and audited; the number of responses written."""
    progress = Progress()
    with (
        exchange_recorded(
            user=user, organization=organization, kind=KIND, fmt=FORMAT, filters=filters
        ) as run,
        output.open("wb") as target,
    ):
        for chunk in fhir_bundle_chunks(scope, progress):
            target.write(run.add(chunk))
        run.rows = progress.rows
    return progress.rows

"""manage.py export fhir: a FHIR R4 Bundle of Questionnaires and QuestionnaireResponses."""

from __future__ import annotations

import hashlib
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from fhir.resources.R4B.bundle import Bundle

from accounts.models import AuditAction, AuditEvent
from programs.scoring import score
from sessions.questionnaires.fhir import score_extension_url
from sessions.reports.models import ExportRecord
from tests.factories import EnrollmentFactory
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

MBSR_INSTRUMENTS = {"pss10", "gad7", "phq9", "mfis21", "ucla3", "who5", "maia2", "ffmq15"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def answered(organization, other_organization):
    """Three participants: PHQ-9, WHO-5 and MAIA-2 sent, one correction, one draft; and a
    participant of another organization who must never appear."""
    cohort = mbsr_cohort(organization, [])
    sent = 0
    for n in range(3):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"RV-{n}")
        baseline = assessment(enrollment, "baseline")
        respond(baseline, "phq9", phq9(10 + n, 0))
        respond(baseline, "who5", {1: 3, 2: n, 3: 3, 4: 2, 5: 5})
        maia = dict.fromkeys(range(1, 38), 2)
        maia[35] = n  # trusting becomes a mean of thirds: 4 places must survive the trip
        respond(baseline, "maia2", maia)
        respond(
            assessment(enrollment, "post"), "gad7", dict.fromkeys(range(1, 9), n), submitted=False
        )
        sent += 3
    first = respond(
        assessment(EnrollmentFactory(cohort=cohort, participant_code="RV-9"), "baseline"),
        "phq9",
        phq9(4, 0),
    )
    respond(first.assessment, "phq9", phq9(7, 0), version=2, supersedes=first, reason="Misread")
    sent += 1  # the correction replaces the first version: one response, amended
    elsewhere = EnrollmentFactory(
        cohort=mbsr_cohort(other_organization, []), participant_code="HV-1"
    )
    respond(assessment(elsewhere, "baseline"), "phq9", phq9(9, 0))
    return sent


def export(tmp_path, *args):
    target = tmp_path / "bundle.json"
    err = io.StringIO()
    call_command("export", "fhir", "--output", str(target), *args, stderr=err)
    return target, err.getvalue()


def responses(bundle):
    return [
        e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "QuestionnaireResponse"
    ]


def test_the_bundle_parses_and_holds_one_response_per_sent_response(tmp_path, answered):
    target, said = export(tmp_path, "--organization", "riverside")
    bundle = Bundle.model_validate_json(target.read_bytes())

    assert bundle.type == "collection"
    questionnaires = {
        e.resource.id for e in bundle.entry if e.resource.get_resource_type() == "Questionnaire"
    }
    assert questionnaires == MBSR_INSTRUMENTS
    found = responses(bundle)
    assert len(found) == answered == 10
    assert f"with {answered} responses" in said
    subjects = {r.subject.identifier.value for r in found}
    assert subjects == {"RV-0", "RV-1", "RV-2", "RV-9"}
    # The correction travels once, as its newest version; drafts never travel.
    corrected = [r for r in found if r.subject.identifier.value == "RV-9"]
    assert [r.status for r in corrected] == ["amended"]
    assert not any(r.questionnaire.endswith("/gad7") for r in found)
    assert "HV-1" not in target.read_text()


def _extension_scores(resource):
    scores = {}
    for extension in resource.extension or []:
        assert extension.url == score_extension_url()
        parts = {part.url: part for part in extension.extension}
        scores[parts["name"].valueString] = Decimal(str(parts["value"].valueDecimal))
    return scores


def test_every_score_is_recomputed_from_the_answer_codes_alone(tmp_path, answered):
    target, _ = export(tmp_path, "--organization", "riverside")
    bundle = Bundle.model_validate_json(target.read_bytes())
    checked = 0
    for resource in responses(bundle):
        code = resource.questionnaire.rsplit("/", 1)[1]
        answers = {int(item.linkId): int(item.answer[0].valueCoding.code) for item in resource.item}
        result = score(code, answers)
        expected = {"total": result.total, "percentage": result.percentage, **result.subscales}
        expected = {
            name: Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            for name, value in expected.items()
            if value is not None
        }
        assert _extension_scores(resource) == expected
        checked += 1
    assert checked == answered
    # The corrected PHQ-9 carries the corrected answers' total (7), not the first one's (4).
    amended = next(r for r in responses(bundle) if r.subject.identifier.value == "RV-9")
    assert _extension_scores(amended)["total"] == 7


def test_the_export_is_recorded_and_audited_with_its_checksum(tmp_path, answered, organization):
    target, _ = export(tmp_path, "--organization", "riverside")
    record = ExportRecord.objects.get()
    assert (record.kind, record.format, record.source) == ("fhir", "json", "command")
    assert record.organization == organization
    assert record.row_count == answered
    assert record.checksum == hashlib.sha256(target.read_bytes()).hexdigest()
    assert record.is_finished
    assert not record.identifiable
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.details["kind"] == "fhir"
    assert event.details["completed"] is True
    assert event.details["row_count"] == answered


def test_a_cohort_filter_limits_the_bundle(tmp_path, answered, other_organization):
    other = other_organization.cohorts.get()
    target, _ = export(tmp_path, "--cohort", str(other.pk))
    bundle = Bundle.model_validate_json(target.read_bytes())
    assert [r.subject.identifier.value for r in responses(bundle)] == ["HV-1"]


def test_without_an_output_file_nothing_is_written_or_recorded():
    with pytest.raises(CommandError, match="needs --output FILE"):
        call_command("export", "fhir")
    with pytest.raises(CommandError, match="leave out --format"):
        call_command("export", "fhir", "--format", "xlsx", "--output", "x.json")
    with pytest.raises(CommandError, match="is not a file in an existing folder"):
        call_command("export", "fhir", "--output", "/nonexistent-folder/bundle.json")
    assert not ExportRecord.objects.exists()


def test_the_bundle_is_plain_json_a_receiver_can_read(tmp_path, answered):
    target, _ = export(tmp_path, "--organization", "riverside")
    data = json.loads(target.read_text())
    assert data["resourceType"] == "Bundle"
    assert all(entry["fullUrl"].startswith("http") for entry in data["entry"])

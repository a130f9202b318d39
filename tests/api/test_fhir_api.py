"""FHIR over the API: Questionnaires of the instruments the organization's programs use, and
submitted responses as a searchset Bundle, as application/fhir+json, parsed by fhir.resources."""

from __future__ import annotations

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire

from accounts.models import AuditAction, AuditEvent
from programs.scoring import score
from tests.api.test_endpoints import build_world

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/fhir/QuestionnaireResponse"


@pytest.fixture
def world():
    return build_world()


def test_a_questionnaire_the_organization_uses_is_served_as_fhir(world):
    response = world.ours.client().get("/api/v1/fhir/Questionnaire/phq9")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    parsed = Questionnaire.model_validate(response.json())
    assert "PHQ-9" in parsed.title
    assert len(parsed.item) == 10


def test_an_instrument_no_program_of_the_organization_uses_is_404(world):
    used = world.ours.client().get("/api/v1/fhir/Questionnaire/phq9")
    unknown = world.ours.client().get("/api/v1/fhir/Questionnaire/nosuch")
    # MBSR-8 for MS and IER-6 ask neither of these; another organization's use does not count.
    unused = [
        code
        for code in ("maia2", "ffmq15", "who5", "scs_sf", "ders16")
        if world.ours.client().get(f"/api/v1/fhir/Questionnaire/{code}").status_code == 404
    ]

    assert used.status_code == 200
    assert unknown.status_code == 404
    outcome = OperationOutcome.model_validate(unknown.json())
    assert outcome.issue[0].code == "not-found"
    assert unused, "every instrument reads as used: the 404 rule is not being tested"
    assert Client().get("/api/v1/fhir/Questionnaire/phq9").status_code == 401


def test_responses_come_as_a_searchset_bundle_of_the_cohort(world):
    response = world.ours.client().get(SEARCH, {"cohort": world.ours.cohort.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate(response.json())
    assert bundle.type == "searchset"
    subjects = {e.resource.subject.identifier.value for e in bundle.entry}
    assert subjects == {"RV-0001", "RV-0002"}
    # The score extension is the one programs.scoring gives for the answers sent.
    for entry in bundle.entry:
        answers = {int(i.linkId): int(i.answer[0].valueCoding.code) for i in entry.resource.item}
        total = next(
            ext.extension[1].valueDecimal
            for ext in entry.resource.extension
            if ext.extension[0].valueString == "total"
        )
        assert total == score("phq9", answers).total


def test_bundle_pages_link_to_the_next(world):
    client = world.ours.client()
    first = client.get(SEARCH, {"page_size": 1}).json()
    links = {link["relation"]: link["url"] for link in first["link"]}

    assert len(first["entry"]) == 1
    second = client.get(links["next"]).json()
    assert second["entry"][0]["fullUrl"] != first["entry"][0]["fullUrl"]


def test_another_organization_sees_none_of_these_responses(world):
    bundle = world.theirs.client().get(SEARCH).json()
    subjects = {e["resource"]["subject"]["identifier"]["value"] for e in bundle.get("entry", [])}

    assert subjects
    assert not (subjects & world.ours.codes)
    nothing = world.theirs.client().get(SEARCH, {"cohort": world.ours.cohort.pk}).json()
    assert "entry" not in nothing
    Bundle.model_validate(nothing)


def test_a_bad_parameter_is_an_operation_outcome(world):
    response = world.ours.client().get(SEARCH, {"cohort": "riverside"})

    assert response.status_code == 400
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code == "invalid"
    assert "cohort" in outcome.issue[0].diagnostics


def test_the_audit_event_names_the_participants_in_the_bundle(world):
    world.ours.client().get(SEARCH, {"cohort": world.ours.cohort.pk})

    event = AuditEvent.objects.filter(action=AuditAction.API_CALL).latest("pk")
    assert event.details["rows"] == 2
    assert "RV-0001" in event.participant_codes
    assert "RV-0002" in event.participant_codes

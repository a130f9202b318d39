"""FHIR Questionnaires for every shipped instrument and QuestionnaireResponses for sent answers."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from programs.instrument_library import instrument_get, instrument_list
from programs.scoring import score
from sessions.questionnaires.fhir import (
    LOINC_SYSTEM,
    questionnaire_resource,
    questionnaire_response_resource,
    questionnaire_url,
    score_extension_url,
)
from tests.factories import EnrollmentFactory, UserFactory
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, phq9, respond

INSTRUMENTS = [instrument.code for instrument in instrument_list()]


@pytest.mark.parametrize("code", INSTRUMENTS)
def test_every_instrument_is_a_questionnaire_with_every_item_and_answer(code, settings):
    settings.SITE_URL = "https://stillwater.example"
    instrument = instrument_get(code)
    data = questionnaire_resource(instrument)

    parsed = Questionnaire.model_validate(data)
    assert parsed.status == "active"
    assert parsed.url == f"https://stillwater.example/fhir/Questionnaire/{code}"
    assert parsed.title == instrument.name
    assert [item.linkId for item in parsed.item] == [str(i.number) for i in instrument.items]
    for item, fhir_item in zip(instrument.items, parsed.item, strict=True):
        assert fhir_item.type == "choice"
        assert fhir_item.text == item.text
        assert [(o.valueCoding.code, o.valueCoding.display) for o in fhir_item.answerOption] == [
            (str(option.value), option.label) for option in item.response_options
        ]
        assert all(
            o.valueCoding.system.startswith("https://stillwater.example/fhir/CodeSystem/")
            for o in fhir_item.answerOption
        )


def _loinc_codes(code):
    data = questionnaire_resource(instrument_get(code))
    return [c["code"] for c in data.get("code", []) if c["system"] == LOINC_SYSTEM]


def test_loinc_panel_codes_are_exactly_the_published_ones():
    assert {code: _loinc_codes(code) for code in INSTRUMENTS if _loinc_codes(code)} == {
        "phq9": ["44249-1"],
        "gad7": ["69737-5"],
        "pss10": ["106875-8"],
        "ucla3": ["106418-7"],
    }


def test_an_item_with_answers_of_its_own_gets_its_own_code_system():
    data = questionnaire_resource(instrument_get("phq9"))
    systems = {
        item["linkId"]: item["answerOption"][0]["valueCoding"]["system"] for item in data["item"]
    }
    assert systems["1"] == systems["9"]
    assert systems["10"] != systems["1"]


# --- responses ------------------------------------------------------------------------------


@pytest.fixture
def enrollment(organization, facilitator_user):
    person = UserFactory(full_name="Rosalind Quenby", email="rosalind.quenby@example.org")
    return EnrollmentFactory(
        cohort=mbsr_cohort(organization, [facilitator_user]),
        user=person,
        participant_code="MBX-0042",
        invited_name="Rosalind Quenby",
    )


def _recomputed(data):
    """Scores recomputed from the response's answer codings alone."""
    code = data["questionnaire"].rsplit("/", 1)[1]
    answers = {
        int(item["linkId"]): int(item["answer"][0]["valueCoding"]["code"]) for item in data["item"]
    }
    return score(code, answers)


def _extension_scores(data):
    found = {}
    for extension in data.get("extension", []):
        assert extension["url"] == score_extension_url()
        parts = {part["url"]: part for part in extension["extension"]}
        found[parts["name"]["valueString"]] = Decimal(str(parts["value"]["valueDecimal"]))
    return found


@pytest.mark.django_db
def test_a_sent_response_carries_the_code_never_the_name_and_its_scores_round_trip(enrollment):
    response = respond(assessment(enrollment, "baseline"), "phq9", phq9(12, 1))
    data = questionnaire_response_resource(response)

    parsed = QuestionnaireResponse.model_validate(data)
    assert parsed.status == "completed"
    assert parsed.questionnaire == questionnaire_url("phq9")
    assert parsed.authored == response.submitted_at
    assert parsed.subject.identifier.value == "MBX-0042"
    assert parsed.subject.display == "MBX-0042"
    text = json.dumps(data)
    for secret in ("Rosalind", "Quenby", "rosalind.quenby@example.org", "example.org"):
        assert secret not in text

    answers = {int(i["linkId"]): i["answer"][0]["valueCoding"] for i in data["item"]}
    assert answers[9]["code"] == "1"
    assert answers[9]["display"] == "Several days"
    recomputed = _recomputed(data)
    assert recomputed == score("phq9", response.answer_map())
    assert _extension_scores(data) == {"total": Decimal(recomputed.total)} == {"total": 13}


@pytest.mark.django_db
def test_percentage_and_subscale_scores_travel_and_recompute(enrollment):
    point = assessment(enrollment, "baseline")
    who5 = respond(point, "who5", {1: 3, 2: 3, 3: 3, 4: 2, 5: 2})
    mfis = respond(point, "mfis21", dict.fromkeys(range(1, 22), 2))

    who5_data = questionnaire_response_resource(who5)
    assert _extension_scores(who5_data) == {"total": 13, "percentage": 52}
    assert _recomputed(who5_data).percentage == 52

    mfis_data = questionnaire_response_resource(mfis)
    recomputed = _recomputed(mfis_data)
    assert _extension_scores(mfis_data) == {
        "total": recomputed.total,
        **{name: Decimal(value) for name, value in recomputed.subscales.items()},
    }
    assert recomputed.total == 42


@pytest.mark.django_db
def test_mean_subscales_arrive_to_four_places_and_match_a_recomputation(enrollment):
    answers = dict.fromkeys(range(1, 38), 2)
    answers[1] = 3  # noticing: (3 + 2 + 2 + 2) / 4 = 2.25
    answers[35] = 3  # trusting: (3 + 2 + 2) / 3 = 7/3, a JSON float would not keep
    data = questionnaire_response_resource(
        respond(assessment(enrollment, "baseline"), "maia2", answers)
    )
    sent = _extension_scores(data)
    recomputed = _recomputed(data)
    assert "total" not in sent
    assert sent["trusting"] == Decimal("2.3333")
    assert sent == {
        name: value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        for name, value in recomputed.subscales.items()
    }


@pytest.mark.django_db
def test_blank_items_are_left_out_and_the_prorated_total_is_the_one_scoring_gives(enrollment):
    answers = phq9(8, 0)
    answers[3] = None
    response = respond(assessment(enrollment, "baseline"), "phq9", answers)
    data = questionnaire_response_resource(response)
    assert "3" not in {item["linkId"] for item in data["item"]}
    assert _extension_scores(data)["total"] == score("phq9", answers).total


@pytest.mark.django_db
def test_a_correction_is_amended(enrollment):
    point = assessment(enrollment, "baseline")
    first = respond(point, "phq9", phq9(5, 0))
    second = respond(point, "phq9", phq9(6, 0), version=2, supersedes=first, reason="Misread")
    assert questionnaire_response_resource(second)["status"] == "amended"


@pytest.mark.django_db
def test_a_draft_is_never_shared(enrollment):
    draft = respond(assessment(enrollment, "baseline"), "phq9", phq9(5, 0), submitted=False)
    with pytest.raises(ValueError, match="has not been sent"):
        questionnaire_response_resource(draft)

"""Staff entering a participant's answers (phone, in person) and correcting sent answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.models import Response, ResponseMode, SafetyEvent
from sessions.services.corrections import response_correct
from sessions.services.responses import ResponseError
from tests.factories import EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.sessions.test_questionnaire_staff import assessment, mbsr_cohort, now, phq9, respond

pytestmark = pytest.mark.django_db

__all__ = ["now"]  # the time fixture: post questionnaires open, baseline closed

# Session, user, the assessment with its participant, its responses, the messages: fixed.
QUERIES = 5
WHO5 = {1: 3, 2: 3, 3: 4, 4: 2, 5: 3}


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    mbsr_cohort(organization, [other_facilitator])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-7K3Q9")
    post = assessment(enrollment, "post")
    sent = respond(post, "who5", WHO5)
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "post": post,
        "sent": sent,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "other_participant": UserFactory(email="someone@example.org"),
    }


def _urls(cast) -> dict[str, str]:
    pk = cast["post"].pk
    return {
        "overview": reverse("program_sessions:questionnaire_entry", args=[pk]),
        "entry": reverse("program_sessions:questionnaire_entry_instrument", args=[pk, "phq9"]),
        "correct": reverse("program_sessions:response_correct", args=[pk, "who5"]),
    }


def _phq9_post(answers: dict[int, int | None], **extra: str) -> dict[str, str]:
    data = {f"q{k}": str(v) for k, v in answers.items() if v is not None}
    return {"mode": "phone", "action": "send", **data, **extra}


def _checked(html: str, name: str) -> str:
    """The one checked radio of a question, as rendered."""
    (tag,) = [t for t in html.split("<input")[1:] if f'name="{name}"' in t and "checked" in t]
    return tag.split(">", 1)[0]


PAGES = ["overview", "entry", "correct"]
OUTSIDERS = ["other_facilitator", "other_coordinator", "participant", "other_participant"]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
@pytest.mark.parametrize("page", PAGES)
def test_cohort_staff_open_every_entry_page(client, cast, who, page):
    client.force_login(cast[who])
    response = client.get(_urls(cast)[page])
    assert response.status_code == 200
    assert "P-7K3Q9" in response.text


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("page", PAGES)
def test_anyone_else_gets_404_on_entry_pages(client, cast, who, page):
    client.force_login(cast[who])
    assert client.get(_urls(cast)[page]).status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_cannot_enter_or_correct_answers(client, cast, who):
    client.force_login(cast[who])
    urls = _urls(cast)
    assert client.post(urls["entry"], _phq9_post(phq9(6, 0))).status_code == 404
    correction = {f"q{k}": "1" for k in WHO5} | {"reason": "Misheard"}
    assert client.post(urls["correct"], correction).status_code == 404
    assert not Response.objects.filter(instrument="phq9").exists()
    assert Response.objects.filter(instrument="who5").count() == 1


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_entry_pages(client, cast, page):
    response = client.get(_urls(cast)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_status_page_links_open_assessments_to_phone_entry(client, cast):
    client.force_login(cast["facilitator"])
    page = client.get(reverse("program_sessions:questionnaire_status", args=[cast["cohort"].pk]))
    assert _urls(cast)["overview"] in page.text
    assert "Enter answers by phone" in page.text


# --- phone administration -------------------------------------------------------------------


def test_phone_entry_stores_mode_and_who_entered_and_sends(client, cast):
    client.force_login(cast["facilitator"])
    data = _phq9_post(phq9(6, 0), mode="in_person")
    page = client.post(_urls(cast)["entry"], data, follow=True)
    assert "PHQ-9 answers are saved and sent" in page.text
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert response.mode == ResponseMode.IN_PERSON
    assert response.entered_by == cast["facilitator"]
    assert response.is_submitted
    assert response.answer_map()[1] == 3
    assert not SafetyEvent.objects.exists()


def test_staff_entry_takes_over_a_response_the_participant_began(client, cast):
    respond(cast["post"], "phq9", {1: 1}, submitted=False)
    client.force_login(cast["coordinator"])
    client.post(_urls(cast)["entry"], _phq9_post(phq9(6, 0)))
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert (response.mode, response.entered_by) == (ResponseMode.PHONE, cast["coordinator"])
    assert response.is_submitted


def test_positive_item_9_entered_by_staff_raises_a_safety_event_and_says_so(client, cast):
    client.force_login(cast["facilitator"])
    page = client.post(_urls(cast)["entry"], _phq9_post(phq9(6, 2)), follow=True)
    event = SafetyEvent.objects.get()
    assert event.enrollment == cast["enrollment"]
    assert event.flag_value is True
    assert "A safety flag was raised" in page.text
    assert reverse("program_sessions:safety_event_detail", args=[event.pk]) in page.text


def test_missing_answers_are_refused_and_those_given_are_saved_not_sent(client, cast):
    client.force_login(cast["facilitator"])
    answers = phq9(6, 0)
    del answers[4]
    page = client.post(_urls(cast)["entry"], _phq9_post(answers))
    assert page.status_code == 200
    assert "Error:" in page.text
    assert "Question 4: Choose one answer to carry on." in page.text
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert not response.is_submitted
    assert response.answer_map()[1] == 3
    assert "4" not in response.answers


def test_without_a_mode_nothing_is_saved_and_the_choices_stay_on_screen(client, cast):
    client.force_login(cast["facilitator"])
    data = _phq9_post(phq9(6, 0))
    del data["mode"]
    page = client.post(_urls(cast)["entry"], data)
    assert "Choose how the answers were given" in page.text
    assert 'value="3"' in _checked(page.text, "q1")
    assert not Response.objects.filter(instrument="phq9").exists()


def test_staff_cannot_enter_answers_once_the_window_has_closed(client, cast):
    baseline = assessment(cast["enrollment"], "baseline")
    client.force_login(cast["facilitator"])
    url = reverse("program_sessions:questionnaire_entry_instrument", args=[baseline.pk, "phq9"])
    response = client.post(url, _phq9_post(phq9(6, 0)))
    assert response.status_code == 302
    assert not Response.objects.filter(assessment=baseline).exists()


def test_entry_page_query_count_does_not_grow_with_the_cohort(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast["facilitator"])
    url = _urls(cast)["entry"]
    for _ in range(5):
        assessment(EnrollmentFactory(cohort=cast["cohort"]), "post")
    with django_assert_max_num_queries(QUERIES):
        assert client.get(url).status_code == 200
    for _ in range(55):
        assessment(EnrollmentFactory(cohort=cast["cohort"]), "post")
    with django_assert_max_num_queries(QUERIES):
        assert client.get(url).status_code == 200


# --- corrections ----------------------------------------------------------------------------


def test_correction_makes_version_2_with_the_reason_and_keeps_version_1(client, cast):
    client.force_login(cast["facilitator"])
    data = {f"q{k}": str(v) for k, v in WHO5.items()} | {"q1": "5", "reason": "Misheard item 1"}
    page = client.post(_urls(cast)["correct"], data, follow=True)
    assert "corrected (version 2)" in page.text
    v1, v2 = Response.objects.filter(instrument="who5").order_by("version")
    assert v1.answer_map() == WHO5
    assert v1.correction_reason == ""
    assert (v2.version, v2.supersedes, v2.correction_reason) == (2, v1, "Misheard item 1")
    assert v2.answer_map()[1] == 5
    assert v2.entered_by == cast["facilitator"]
    assert v2.is_submitted
    assert v2.instrument_version == v1.instrument_version
    assert "Misheard item 1" in page.text  # the history list


def test_correction_without_a_reason_is_refused_and_the_changes_stay_typed(client, cast):
    client.force_login(cast["facilitator"])
    data = {f"q{k}": str(v) for k, v in WHO5.items()} | {"q1": "5", "reason": "  "}
    page = client.post(_urls(cast)["correct"], data)
    assert page.status_code == 200
    assert "Write why the answers are being corrected." in page.text
    assert Response.objects.filter(instrument="who5").count() == 1
    assert 'value="5"' in _checked(page.text, "q1")


def test_correcting_item_9_to_positive_raises_a_safety_event(cast):
    first = respond(cast["post"], "phq9", phq9(6, 0))
    corrected = response_correct(
        response=first, answers=phq9(6, 1), reason="Answer was 1", by=cast["facilitator"]
    )
    assert SafetyEvent.objects.get().response == corrected


def test_a_correction_is_refused_for_unsent_superseded_or_reasonless_responses(cast):
    staff = cast["facilitator"]
    draft = respond(cast["post"], "phq9", {1: 1}, submitted=False)
    with pytest.raises(ResponseError, match="not sent yet"):
        response_correct(response=draft, answers=phq9(6, 0), reason="Typo", by=staff)
    with pytest.raises(ResponseError, match="Write why"):
        response_correct(response=cast["sent"], answers=WHO5, reason=" ", by=staff)
    response_correct(response=cast["sent"], answers=WHO5 | {1: 5}, reason="Typo", by=staff)
    with pytest.raises(ResponseError, match="already corrected"):
        response_correct(response=cast["sent"], answers=WHO5, reason="Again", by=staff)
    assert Response.objects.filter(instrument="who5").count() == 2

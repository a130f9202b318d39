"""A whole questionnaire on one page keeps every answer chosen, with or without JavaScript.

Before: the one-page form saved nothing until "Save and check your answers" was pressed, so
five chosen answers vanished when the participant visited another page and came back.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sessions.questionnaires.models import Response
from tests.factories import UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    answer_all,
    make_assessment,
)

pytestmark = pytest.mark.django_db


def all_url(assessment, code="gad7"):
    return reverse("questionnaires:questionnaire_all", args=[assessment.pk, code])


def save_url(assessment, code="gad7"):
    return reverse("questionnaires:questionnaire_answer_save", args=[assessment.pk, code])


def _chosen(page: str, number: int, value: int) -> bool:
    """Whether the radio for answer `value` of question `number` is checked on the page."""
    return f'name="q{number}" value="{value}" id="id_q{number}_{value}" checked' in page.replace(
        " required", ""
    )


@pytest.fixture
def assessment():
    return make_assessment(instruments=("gad7",))


# --- saving one answer as it is chosen -------------------------------------------------------


def test_the_owner_saves_one_answer_and_it_is_chosen_when_they_come_back(client, assessment):
    client.force_login(assessment.enrollment.user)
    response = client.post(save_url(assessment), {"item": "3", "answer": "2"})
    assert response.status_code == 200
    assert response.json() == {"saved": True, "item": 3}
    assert Response.objects.get().answers == {"3": 2}
    assert _chosen(client.get(all_url(assessment)).text, 3, 2)


def test_choosing_again_replaces_the_saved_answer(client, assessment):
    client.force_login(assessment.enrollment.user)
    client.post(save_url(assessment), {"item": "1", "answer": "0"})
    client.post(save_url(assessment), {"item": "1", "answer": "3"})
    assert Response.objects.get().answers == {"1": 3}


@pytest.mark.parametrize("who", ["other_participant", "facilitator", "coordinator"])
def test_nobody_else_can_save_an_answer_in_someone_elses_questionnaire(client, assessment, who):
    cohort = assessment.enrollment.cohort
    if who == "other_participant":
        other = make_assessment(instruments=("gad7",)).enrollment.user
    elif who == "facilitator":
        other = facilitator(cohort.organization)
        cohort.facilitators.add(other)
    else:
        other = coordinator(cohort.organization)
    client.force_login(other)
    assert client.post(save_url(assessment), {"item": "1", "answer": "1"}).status_code == 404
    assert not Response.objects.filter(assessment=assessment).exists()


def test_an_instrument_outside_the_set_is_not_found(client, assessment):
    client.force_login(assessment.enrollment.user)
    response = client.post(save_url(assessment, "phq9"), {"item": "1", "answer": "1"})
    assert response.status_code == 404


def test_an_answer_that_is_not_offered_is_refused_clearly_and_nothing_else_is_lost(
    client, assessment
):
    answer_all(assessment, "gad7", [1, 2])
    client.force_login(assessment.enrollment.user)
    response = client.post(save_url(assessment), {"item": "3", "answer": "7"})
    assert response.status_code == 400
    assert response.json()["saved"] is False
    assert response.json()["error"] == (
        "Choose one of the answers offered: “Not at all”, “Several days”, "
        "“More than half the days”, “Nearly every day”."
    )
    response = client.post(save_url(assessment), {"item": "3", "answer": "lots"})
    assert response.status_code == 400
    assert response.json()["error"] == "Choose one of the answers shown."
    response = client.post(save_url(assessment), {"item": "42", "answer": "1"})
    assert response.status_code == 400
    assert response.json()["error"] == "“Worry and anxiety” has no question 42."
    assert Response.objects.get().answers == {"1": 1, "2": 2}


def test_an_answer_to_a_sent_questionnaire_is_refused(client, assessment):
    answer_all(assessment, "gad7", [0] * 8)
    Response.objects.update(submitted_at=assessment.opens_at)
    client.force_login(assessment.enrollment.user)
    response = client.post(save_url(assessment), {"item": "1", "answer": "3"})
    assert response.status_code == 400
    assert "already sent" in response.json()["error"]
    assert Response.objects.get().answers["1"] == 0


def test_saving_an_answer_needs_the_forms_csrf_token(assessment):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(assessment.enrollment.user)
    refused = browser.post(save_url(assessment), {"item": "1", "answer": "1"})
    assert refused.status_code == 403
    assert not Response.objects.exists()
    browser.get(all_url(assessment))
    token = browser.cookies["csrftoken"].value
    saved = browser.post(save_url(assessment), {"item": "1", "answer": "1"}, HTTP_X_CSRFTOKEN=token)
    assert saved.status_code == 200
    assert Response.objects.get().answers == {"1": 1}


def test_a_get_to_the_save_address_is_not_allowed(client, assessment):
    client.force_login(assessment.enrollment.user)
    assert client.get(save_url(assessment)).status_code == 405


def test_the_one_page_form_loads_its_saving_script_and_a_polite_status_line(client, assessment):
    client.force_login(assessment.enrollment.user)
    page = client.get(all_url(assessment)).text
    assert f'data-autosave-url="{save_url(assessment)}"' in page
    assert '<p class="autosave-status" role="status" data-autosave-status></p>' in page
    assert "/static/js/questionnaire-autosave.js" in page
    assert "<script>" not in page  # the Content-Security-Policy allows no inline script


# --- without JavaScript: "Save and come back later" -------------------------------------------


def test_save_and_come_back_later_keeps_the_chosen_answers_without_asking_for_the_rest(
    client, assessment
):
    client.force_login(assessment.enrollment.user)
    chosen = {"q1": "1", "q2": "3", "q4": "0", "q5": "2", "q7": "1"}
    response = client.post(all_url(assessment), {**chosen, "action": "later"})
    start = reverse("questionnaires:questionnaire_start", args=[assessment.pk])
    assert response.status_code == 302
    assert response.url == start
    assert Response.objects.get().answers == {"1": 1, "2": 3, "4": 0, "5": 2, "7": 1}
    assert "Everything you have answered is saved." in client.get(start).text
    # Coming back (after visiting any other page): the five are chosen again, the rest empty.
    client.get(reverse("reports:participant_home"))
    page = client.get(all_url(assessment)).text
    assert "There is a problem" not in page
    for name, value in chosen.items():
        assert _chosen(page, int(name[1:]), int(value)), name
    assert not any(_chosen(page, 3, value) for value in range(4))


def test_save_and_come_back_later_still_refuses_an_answer_not_offered(client, assessment):
    client.force_login(assessment.enrollment.user)
    response = client.post(all_url(assessment), {"q1": "1", "q2": "9", "action": "later"})
    assert response.status_code == 200
    assert '<a href="#id_q2_0">Question 2: Choose one of the answers shown.</a>' in response.text
    # Only the answer that was wrong is named; missing ones are not errors for this button.
    assert "Question 3:" not in response.text
    assert Response.objects.get().answers == {"1": 1}


def test_save_and_check_still_asks_for_every_missing_answer(client, assessment):
    client.force_login(assessment.enrollment.user)
    response = client.post(all_url(assessment), {"q1": "1", "q2": "3"})
    assert response.status_code == 200
    for number in range(3, 8):
        assert f'<a href="#id_q{number}_0">Question {number}: Choose one answer' in response.text
    assert Response.objects.get().answers == {"1": 1, "2": 3}


def test_a_stranger_cannot_use_save_and_come_back_later(client, assessment):
    client.force_login(UserFactory())
    response = client.post(all_url(assessment), {"q1": "1", "action": "later"})
    assert response.status_code == 404
    assert not Response.objects.exists()

"""“How to show questionnaires”: a setting of its own, reached from My details and from the
questionnaires, no longer hidden among the reminder settings."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import QuestionnaireLayout
from tests.factories import UserFactory
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    make_assessment,
)

pytestmark = pytest.mark.django_db

SETTING = reverse("questionnaire_layout")


def _checked(page: str) -> list[str]:
    return re.findall(
        r'<input type="radio" name="questionnaire_layout" value="(\w+)"[^>]*checked', page
    )


def test_my_details_links_to_the_setting_for_participants(client, participant):
    client.force_login(participant)
    page = client.get(reverse("profile")).text
    assert f'<a href="{SETTING}">How to show questionnaires</a>' in page


def test_the_setting_is_its_own_page_with_the_question_as_its_heading(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(SETTING).text
    assert re.search(r"<legend[^>]*><h1>How to show questionnaires</h1></legend>", page)
    assert "One question on each page" in page
    assert "A whole questionnaire on one page" in page
    assert _checked(page) == ["one_question"]


def test_saving_changes_how_the_next_questionnaire_starts(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    user = assessment.enrollment.user
    client.force_login(user)
    start = reverse("questionnaires:questionnaire_start", args=[assessment.pk])
    one = reverse("questionnaires:questionnaire_question", args=[assessment.pk, "phq9", 1])
    whole = reverse("questionnaires:questionnaire_all", args=[assessment.pk, "phq9"])
    assert f'href="{one}">Start</a>' in client.get(start).text

    response = client.post(SETTING, {"questionnaire_layout": "whole"}, follow=True)
    assert response.redirect_chain[-1][0] == SETTING
    assert "Saved: questionnaires will show all their questions on one page." in response.text
    assert _checked(response.text) == ["whole"]
    user.refresh_from_db()
    assert user.questionnaire_layout == QuestionnaireLayout.WHOLE
    assert f'href="{whole}">Start</a>' in client.get(start).text

    client.post(SETTING, {"questionnaire_layout": "one_question"})
    assert f'href="{one}">Start</a>' in client.get(start).text


def test_coming_from_the_questionnaires_it_goes_back_there(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    start = reverse("questionnaires:questionnaire_start", args=[assessment.pk])
    page = client.get(SETTING, {"next": start}).text
    assert f'<input type="hidden" name="next" value="{start}">' in page
    assert f'<a href="{start}">Back</a>' in page
    response = client.post(SETTING, {"questionnaire_layout": "whole", "next": start})
    assert response.url == start


def test_a_next_address_off_the_site_is_ignored(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        SETTING, {"questionnaire_layout": "whole", "next": "https://evil.example/"}
    )
    assert response.url == SETTING


def test_a_choice_not_offered_is_explained_and_nothing_changes(client):
    user = UserFactory(questionnaire_layout=QuestionnaireLayout.WHOLE)
    client.force_login(user)
    response = client.post(SETTING, {"questionnaire_layout": "sideways"})
    assert response.status_code == 200
    page = response.text
    assert "<title>Error: How to show questionnaires" in page
    assert '<a href="#id_questionnaire_layout_0">Choose how to show questionnaires.</a>' in page
    assert 'aria-describedby="layout-hint layout-error"' in page
    user.refresh_from_db()
    assert user.questionnaire_layout == QuestionnaireLayout.WHOLE


def test_reminder_settings_no_longer_ask_it(client, participant):
    client.force_login(participant)
    page = client.get(reverse("notifications:preferences")).text
    assert 'name="questionnaire_layout"' not in page
    assert f'<a href="{SETTING}">How to show questionnaires</a>' in page

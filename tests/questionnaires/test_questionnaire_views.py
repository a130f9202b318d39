"""The participant's questionnaire pages: access, one question per page, errors, check, support."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from programs.instrument_library import instrument_get
from sessions.questionnaires.models import Response, SafetyEvent
from tests.factories import UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    answer_all,
    make_assessment,
)

pytestmark = pytest.mark.django_db

MBSR_BASELINE = ["pss10", "gad7", "phq9", "mfis21", "ucla3", "who5", "maia2", "ffmq15"]


def question_url(assessment, code, number, change=False):
    url = reverse("questionnaires:questionnaire_question", args=[assessment.pk, code, number])
    return url + "?change=1" if change else url


def check_url(assessment, code):
    return reverse("questionnaires:questionnaire_check", args=[assessment.pk, code])


def start_url(assessment):
    return reverse("questionnaires:questionnaire_start", args=[assessment.pk])


def page_urls(assessment):
    args = [assessment.pk, "phq9"]
    return [
        start_url(assessment),
        question_url(assessment, "phq9", 1),
        reverse("questionnaires:questionnaire_all", args=args),
        check_url(assessment, "phq9"),
        reverse("questionnaires:questionnaire_support", args=args),
        reverse("questionnaires:questionnaire_done", args=[assessment.pk]),
    ]


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_participant", "facilitator", "coordinator"])
def test_only_the_participant_reaches_their_questionnaire_pages(client, who):
    assessment = make_assessment(instruments=("phq9",))
    cohort = assessment.enrollment.cohort
    if who == "other_participant":
        other = make_assessment(instruments=("phq9",)).enrollment.user
    elif who == "facilitator":
        other = facilitator(cohort.organization)
        cohort.facilitators.add(other)
    else:
        other = coordinator(cohort.organization)
    client.force_login(other)
    for url in page_urls(assessment):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"answer": "0"}).status_code == 404, url
    assert not Response.objects.exists()


def test_owner_reaches_every_questionnaire_page(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [0])
    client.force_login(assessment.enrollment.user)
    for url in page_urls(assessment):
        # The thank-you page sends someone who has not finished back to the start page.
        assert client.get(url).status_code in (200, 302), url
    assert client.get(start_url(assessment)).status_code == 200


def test_an_unknown_instrument_or_item_is_not_found(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    assert client.get(question_url(assessment, "gad7", 1)).status_code == 404
    assert client.get(question_url(assessment, "phq9", 11)).status_code == 404


# --- start page -------------------------------------------------------------------------------


def test_start_page_says_how_long_it_takes_and_that_answers_are_saved(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    assert "<strong>2 questionnaires</strong>" in page
    # PHQ-9 about 3 minutes, GAD-7 about 2.
    assert "About 5 minutes in all." in page
    assert "every answer is saved as you give it" in page
    assert "You can do them in any order" in page
    assert f'href="{question_url(assessment, "phq9", 1)}">Start<' in page


def test_carry_on_goes_to_the_first_unanswered_question_of_the_first_unfinished_instrument(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    answer_all(assessment, "phq9", [0, 1, 2])
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    assert f'href="{question_url(assessment, "phq9", 4)}">Carry on<' in page


def test_start_page_of_a_closed_window_offers_nothing_to_answer(client):
    assessment = make_assessment(instruments=("phq9",))
    assessment.closes_at = assessment.opens_at.replace(day=2)
    assessment.save()
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    assert "These questionnaires closed on" in page
    assert ">Start<" not in page
    # And the question page itself sends them back rather than taking an answer.
    response = client.post(question_url(assessment, "phq9", 1), {"answer": "0"})
    assert response.url == start_url(assessment)
    assert not Response.objects.exists()


# --- one question per page --------------------------------------------------------------------


def test_question_is_the_heading_inside_the_legend_with_progress_and_nothing_chosen(client):
    assessment = make_assessment(instruments=("gad7", "phq9"))
    client.force_login(assessment.enrollment.user)
    page = client.get(question_url(assessment, "phq9", 4)).text
    assert re.search(r"<legend[^>]*><h1>Feeling tired or having little energy</h1></legend>", page)
    assert "Mood: question 4 of 10" in page
    assert "Questionnaires: 0 of 2 done, about 5 minutes left" in page
    assert page.count('type="radio"') == 4
    assert "checked" not in page
    assert "Over the last 2 weeks" in page
    assert page.count("<h1") == 1


def test_an_answer_is_saved_and_leads_to_the_next_question(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    response = client.post(question_url(assessment, "phq9", 1), {"answer": "2"})
    assert response.status_code == 302
    assert response.url == question_url(assessment, "phq9", 2)
    assert Response.objects.get().answers == {"1": 2}


def test_an_earlier_answer_is_shown_chosen_when_coming_back(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [2])
    client.force_login(assessment.enrollment.user)
    page = client.get(question_url(assessment, "phq9", 1)).text
    assert re.search(r'<input type="radio" name="answer" value="2"[^>]*checked', page)
    assert page.count("checked") == 1


def test_no_choice_shows_an_error_summary_that_takes_focus_and_error_in_the_title(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    response = client.post(question_url(assessment, "phq9", 1), {})
    assert response.status_code == 200
    page = response.text
    assert re.search(r"<title>Error: Little interest or pleasure in doing things", page)
    assert re.search(r'class="error-summary" role="alert" tabindex="-1" autofocus', page)
    assert '<a href="#id_answer_0">Choose one answer to carry on.</a>' in page
    assert 'id="id_answer_0"' in page
    assert 'aria-describedby="answer-hint answer-error"' in page
    assert 'id="answer-error"' in page
    assert not Response.objects.exists()


def test_the_last_question_leads_to_check_your_answers(client):
    assessment = make_assessment(instruments=("gad7",))
    answer_all(assessment, "gad7", [0] * 7)
    client.force_login(assessment.enrollment.user)
    response = client.post(question_url(assessment, "gad7", 8), {"answer": "1"})
    assert response.url == check_url(assessment, "gad7")


def test_skip_leaves_an_item_out_only_where_the_instrument_allows(client):
    assessment = make_assessment(instruments=("phq9", "pss10"))
    client.force_login(assessment.enrollment.user)
    assert "Skip this question" in client.get(question_url(assessment, "phq9", 3)).text
    response = client.post(question_url(assessment, "phq9", 3), {"skip": "1"})
    assert response.url == question_url(assessment, "phq9", 4)
    assert Response.objects.get(instrument="phq9").answers == {"3": None}
    assert "Skip this question" not in client.get(question_url(assessment, "pss10", 1)).text


def test_whole_instrument_on_one_page_keeps_the_answers_given_when_some_are_missing(client):
    assessment = make_assessment(instruments=("gad7",))
    client.force_login(assessment.enrollment.user)
    url = reverse("questionnaires:questionnaire_all", args=[assessment.pk, "gad7"])
    assert "Show all questions on one page" in client.get(question_url(assessment, "gad7", 1)).text
    response = client.post(url, {"q1": "1", "q2": "3"})
    assert response.status_code == 200
    assert "<title>Error:" in response.text
    assert '<a href="#id_q3_0">Question 3: Choose one answer to carry on.</a>' in response.text
    assert Response.objects.get().answers == {"1": 1, "2": 3}
    response = client.post(url, {f"q{n}": "0" for n in range(1, 8)})
    assert response.url == check_url(assessment, "gad7")


# --- check your answers, submit, support -------------------------------------------------------


def test_check_page_lists_answers_with_change_links_that_return_to_it(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [0, 1, 2, 3, 0, 0, 0, 0, 0, 0])
    client.force_login(assessment.enrollment.user)
    page = client.get(check_url(assessment, "phq9")).text
    assert "<h1>Check your answers</h1>" in page
    assert "Nearly every day" in page
    change = question_url(assessment, "phq9", 4, change=True)
    assert (
        f'<a href="{change}">Change<span class="visually-hidden"> answer to question 4</span></a>'
        in page
    )
    response = client.post(change, {"answer": "1"})
    assert response.url == check_url(assessment, "phq9")
    assert Response.objects.get().answers["4"] == 1


def test_sending_with_questions_unanswered_shows_the_error_and_sends_nothing(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [0, 0, 0])
    client.force_login(assessment.enrollment.user)
    response = client.post(check_url(assessment, "phq9"))
    assert response.status_code == 200
    assert "<title>Error: Check your answers" in response.text
    assert "Please answer questions 4, 5, 6, 7, 8 and 9 before sending." in response.text
    assert not Response.objects.get().is_submitted


def test_sending_goes_back_to_the_list_saying_how_many_are_done_then_to_thank_you(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    answer_all(assessment, "phq9", [0] * 10)
    client.force_login(assessment.enrollment.user)
    response = client.post(check_url(assessment, "phq9"))
    assert response.url == start_url(assessment)
    page = client.get(response.url).text
    assert "Your answers to “Mood” are sent. 1 of 2 done." in page
    assert "<strong>1 of 2 done</strong>" in page
    assert "About 5 minutes in all; about 2 minutes left." in page
    answer_all(assessment, "gad7", [0] * 8)
    response = client.post(check_url(assessment, "gad7"))
    assert response.url == reverse("questionnaires:questionnaire_done", args=[assessment.pk])
    assert "<h1>Thank you</h1>" in client.get(response.url).text
    assessment.refresh_from_db()
    assert assessment.completed_at is not None


def test_a_sent_questionnaire_cannot_be_reopened_from_its_pages(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    answer_all(assessment, "phq9", [0] * 10)
    client.force_login(assessment.enrollment.user)
    client.post(check_url(assessment, "phq9"))
    response = client.post(question_url(assessment, "phq9", 1), {"answer": "3"})
    assert response.url == start_url(assessment)
    assert Response.objects.get(instrument="phq9").answers["1"] == 0


def test_item9_positive_takes_the_participant_at_once_to_the_support_page(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    organization = assessment.enrollment.cohort.organization
    organization.crisis_contacts = "Samaritans: 116 123 (24 hours)\nShout: text 85258"
    organization.save()
    answer_all(assessment, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    client.force_login(assessment.enrollment.user)
    response = client.post(check_url(assessment, "phq9"))
    support = reverse("questionnaires:questionnaire_support", args=[assessment.pk, "phq9"])
    assert response.url == support
    assert SafetyEvent.objects.get().is_open
    page = client.get(support).text
    assert "will be in touch" in page
    # Each number is a link that calls (or texts) it; the words stay as the organization typed.
    assert '<li>Samaritans: <a href="tel:116123">116 123</a> (24 hours)' in page
    assert '<li>Shout: text <a href="sms:85258">85258</a>' in page
    assert "call your local emergency number" in page
    # The way on is the next questionnaire.
    assert f'href="{question_url(assessment, "gad7", 1)}"' in page
    for word in ("depress", "suicid", "severe", "PHQ", "risk", "diagnos"):
        assert word.lower() not in page.lower()


def test_item9_zero_goes_on_without_the_support_page(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    answer_all(assessment, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    client.force_login(assessment.enrollment.user)
    response = client.post(check_url(assessment, "phq9"))
    assert response.url == start_url(assessment)
    assert not SafetyEvent.objects.exists()


# --- home page --------------------------------------------------------------------------------


def test_home_leads_to_the_questionnaires_and_says_when_they_close(client):
    # The home page's task list is tested with the home (tests/reports); here, only that it
    # leads to this set of questionnaires, in the person's own time.
    user = UserFactory(timezone="Europe/London")
    assessment = make_assessment(user=user, instruments=("phq9",))
    client.force_login(user)
    page = client.get(reverse("reports:participant_home")).text
    assert f'href="{start_url(assessment)}"' in page
    # 17:00 UTC on 15 September is 18:00 in London (summer time).
    assert "15 September 2026, 18:00" in page


# --- query counts -----------------------------------------------------------------------------


def _question_page_queries(client, django_assert_max_num_queries, instruments, answered):
    assessment = make_assessment(instruments=instruments)
    for code in instruments[:answered]:
        lowest = [item.response_options[0].value for item in instrument_get(code).items]
        response = answer_all(assessment, code, lowest)
        Response.objects.filter(pk=response.pk).update(submitted_at=assessment.opens_at)
    client.force_login(assessment.enrollment.user)
    code = instruments[-1]
    with django_assert_max_num_queries(8) as captured:
        assert client.get(question_url(assessment, code, 2)).status_code == 200
    return len(captured.captured_queries)


def test_question_page_queries_do_not_grow_with_answers_or_questionnaires(
    client, django_assert_max_num_queries
):
    few = _question_page_queries(client, django_assert_max_num_queries, ["phq9", "gad7"], 1)
    client.logout()
    many = _question_page_queries(client, django_assert_max_num_queries, MBSR_BASELINE, 7)
    assert few == many


def test_participants_reach_their_own_results_from_every_page(client, participant):
    client.force_login(participant)
    page = client.get(reverse("reports:participant_home"))
    assert f'href="{reverse("questionnaires:results_mine")}"' in page.text

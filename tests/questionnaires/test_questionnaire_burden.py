"""What a set of questionnaires asks of a person with MS: plain names, honest time, progress across
the set, their own order, "Save and come back later" everywhere, and answers checked in words."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import QuestionnaireLayout
from programs.instrument_library import instrument_get
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.questionnaires.models import Response
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    answer_all,
    make_assessment,
)
from tests.questionnaires.test_questionnaire_views import (
    MBSR_BASELINE,
    check_url,
    question_url,
    start_url,
)

pytestmark = pytest.mark.django_db

CODES = re.compile(r"PSS-10|GAD-7|PHQ-9|MFIS|UCLA-3|WHO-5|MAIA-2|FFMQ-15|IERQ")


def _main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _send(assessment, code):
    """Answer every item of `code` with its lowest answer and mark it sent."""
    lowest = [item.response_options[0].value for item in instrument_get(code).items]
    response = answer_all(assessment, code, lowest)
    Response.objects.filter(pk=response.pk).update(submitted_at=assessment.opens_at)


# --- plain names ------------------------------------------------------------------------------


def test_no_participant_page_names_a_questionnaire_by_its_code(client):
    assessment = make_assessment(instruments=MBSR_BASELINE)
    user = assessment.enrollment.user
    answer_all(assessment, "pss10", [0, 1])
    client.force_login(user)
    urls = [start_url(assessment), check_url(assessment, "pss10")]
    for code in MBSR_BASELINE:
        urls.append(question_url(assessment, code, 1))
        urls.append(reverse("questionnaires:questionnaire_all", args=[assessment.pk, code]))
    for url in urls:
        page = client.get(url).text
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert not CODES.search(title), (url, title)
        assert not CODES.search(_main(page)), url
    start = client.get(start_url(assessment)).text
    for name in ("Stress", "Tiredness from MS", "Noticing your body", "Paying attention"):
        assert name in start


def test_messages_and_errors_name_the_questionnaire_plainly(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    # GAD-7 may leave out one scored question; a second skip is refused by name.
    answer_all(assessment, "gad7", [0, None])
    client.force_login(assessment.enrollment.user)
    page = client.post(question_url(assessment, "gad7", 3), {"skip": "1"}).text
    assert (
        "You can leave out at most 1 question of “Worry and anxiety”. "
        "Choose one answer to carry on." in page
    )
    assert not CODES.search(_main(page))


def test_the_participants_own_results_use_plain_names(client):
    assessment = make_assessment(instruments=("who5", "phq9"))
    answer_all(assessment, "who5", [2, 2, 2, 2, 2])
    client.force_login(assessment.enrollment.user)
    client.post(check_url(assessment, "who5"))
    page = _main(client.get(reverse("questionnaires:results_mine")).text)
    assert ">Wellbeing</h" in page
    assert "Your wellbeing score was 40 out of 100." in page
    assert not CODES.search(page)


# --- time and progress ------------------------------------------------------------------------


def test_start_page_gives_each_questionnaire_its_time_and_the_total_left(client):
    assessment = make_assessment(instruments=MBSR_BASELINE)
    _send(assessment, "pss10")
    _send(assessment, "gad7")
    # MFIS: 21 questions in about 5 minutes; 11 answered leaves 10, about 3 minutes.
    answer_all(assessment, "mfis21", [0] * 11)
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    # 3+2+3+5+1+2+8+4 minutes in all; left: 3 (mood) + 3 + 1 + 2 + 8 + 4.
    assert "<strong>2 of 8 done</strong>" in page
    assert "About 28 minutes in all; about 21 minutes left." in page
    assert "10 questions, about 3 minutes" in page  # Mood, not started
    assert "11 of 21 questions done, about 3 minutes left" in page  # Tiredness, started


def test_each_question_page_says_where_it_is_and_how_far_through_the_set(client):
    assessment = make_assessment(instruments=MBSR_BASELINE)
    for code in MBSR_BASELINE[:3]:
        _send(assessment, code)
    client.force_login(assessment.enrollment.user)
    page = client.get(question_url(assessment, "ucla3", 2)).text
    assert "Feeling alone: question 2 of 3" in page
    assert "Questionnaires: 3 of 8 done, about 20 minutes left" in page


# --- the person's own order: a task list ------------------------------------------------------


def test_the_list_links_each_questionnaire_by_its_state_and_the_button_goes_to_the_first_unfinished(
    client,
):
    assessment = make_assessment(instruments=("phq9", "gad7", "who5", "ucla3"))
    _send(assessment, "phq9")
    answer_all(assessment, "gad7", [0, 1])
    answer_all(assessment, "who5", [1, 1, 1, 1, 1])
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    rows = re.findall(r'<li class="questionnaire-tasks__item">(.*?)</li>', page, re.S)
    assert len(rows) == 4
    mood, worry, wellbeing, alone = rows
    assert "Mood" in mood
    assert ">Sent<" in mood
    assert "<a " not in mood
    assert ">Started<" in worry
    assert f'href="{question_url(assessment, "gad7", 3)}">Carry on' in worry
    assert ">Ready to send<" in wellbeing
    assert f'href="{check_url(assessment, "who5")}">Check and send' in wellbeing
    assert ">Not started<" in alone
    assert f'href="{question_url(assessment, "ucla3", 1)}">Start' in alone
    # The big button still carries on with the first one not finished.
    assert re.search(
        rf'class="button button--large" href="{question_url(assessment, "gad7", 3)}">Carry on<',
        page,
    )


def test_any_questionnaire_can_be_started_first(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    client.force_login(assessment.enrollment.user)
    response = client.post(question_url(assessment, "gad7", 1), {"answer": "1"})
    assert response.url == question_url(assessment, "gad7", 2)
    assert Response.objects.get().instrument == "gad7"


def test_people_who_chose_one_page_go_to_each_whole_questionnaire(client):
    assessment = make_assessment(instruments=("phq9", "gad7"))
    user = assessment.enrollment.user
    user.questionnaire_layout = QuestionnaireLayout.WHOLE
    user.save()
    client.force_login(user)
    page = client.get(start_url(assessment)).text
    whole = reverse("questionnaires:questionnaire_all", args=[assessment.pk, "gad7"])
    assert f'href="{whole}">Start' in page


def test_the_list_offers_to_change_how_questions_are_shown_and_comes_back(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    setting = reverse("questionnaire_layout")
    link = re.search(rf'<a href="({setting}[^"]*)">Change how questions are shown</a>', page)
    assert link is not None
    response = client.post(
        link.group(1).replace("&amp;", "&"),
        {"questionnaire_layout": "whole", "next": start_url(assessment)},
    )
    assert response.url == start_url(assessment)


def test_start_page_queries_do_not_grow_with_questionnaires(client, django_assert_max_num_queries):
    few = make_assessment(instruments=("phq9",))
    client.force_login(few.enrollment.user)
    with django_assert_max_num_queries(8) as one:
        client.get(start_url(few))
    many = make_assessment(instruments=MBSR_BASELINE)
    for code in MBSR_BASELINE[:4]:
        _send(many, code)
    client.force_login(many.enrollment.user)
    with django_assert_max_num_queries(8) as eight:
        client.get(start_url(many))
    assert len(one) == len(eight)


# --- save and come back later, skip -----------------------------------------------------------


def test_save_and_come_back_later_keeps_the_answer_chosen_and_says_until_when(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    page = client.get(question_url(assessment, "phq9", 1)).text
    assert re.search(
        r'<button type="submit" name="action" value="later"[^>]*>Save and come back later<', page
    )
    response = client.post(question_url(assessment, "phq9", 1), {"answer": "2", "action": "later"})
    assert response.url == start_url(assessment)
    assert Response.objects.get().answers == {"1": 2}
    page = client.get(response.url).text
    # The window closes at 17:00 UTC on 15 September: 18:00 in London, where they live.
    assert (
        "Everything you have answered is saved. You can come back and carry on until "
        "Tuesday 15 September 2026, 18:00 (Europe/London time)." in page
    )
    assert f'href="{question_url(assessment, "phq9", 2)}">Carry on<' in page


def test_save_and_come_back_later_with_nothing_chosen_is_no_error(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [1])
    client.force_login(assessment.enrollment.user)
    response = client.post(question_url(assessment, "phq9", 2), {"action": "later"})
    assert response.url == start_url(assessment)
    assert Response.objects.get().answers == {"1": 1}


def test_skip_is_a_link_on_its_own_line_apart_from_continue(client):
    assessment = make_assessment(instruments=("phq9",))
    client.force_login(assessment.enrollment.user)
    page = client.get(question_url(assessment, "phq9", 3)).text
    continue_block = re.search(r'<div class="actions">(.*?)</div>', page, re.S).group(1)
    assert "Continue" in continue_block
    assert "Skip" not in continue_block
    assert re.search(
        r'<p class="skip-question"><button type="submit" name="skip" value="1" '
        r'class="button-link">Skip this question</button></p>',
        page,
    )
    # Continue comes first, so Enter in the answers continues rather than skipping.
    assert page.index(">Continue<") < page.index(">Skip this question<")


# --- check your answers -----------------------------------------------------------------------


def test_check_page_shows_each_answer_in_words_and_not_answered_for_the_rest(client):
    assessment = make_assessment(instruments=("phq9",))
    answer_all(assessment, "phq9", [2, None, 0])
    client.force_login(assessment.enrollment.user)
    page = client.get(check_url(assessment, "phq9")).text
    answers = re.findall(r"<dd>([^<]*)</dd>", page)
    assert answers[:4] == [
        "More than half the days",
        "Not answered",
        "Not at all",
        "Not answered",
    ]
    assert not any(answer.strip().isdigit() for answer in answers)
    assert "Mood" in page


# --- the e-mail that says they are open -------------------------------------------------------


def test_the_open_reminder_says_how_long_the_set_takes_without_naming_any(settings):
    settings.SITE_URL = "https://stillwater.example"
    assessment = make_assessment(instruments=("phq9", "gad7"))
    row = Notification.objects.create(
        kind=NotificationKind.QUESTIONNAIRE_OPEN,
        dedupe_key="test:open",
        recipient=assessment.enrollment.user,
        enrollment=assessment.enrollment,
        assessment=assessment,
        about_time=assessment.opens_at,
        send_at=assessment.opens_at,
    )
    message = notification_email(row)
    expected = "It takes about 5 minutes in all, and you can do it in several sittings."
    assert expected in message.body
    assert expected in str(message.alternatives[0][0])
    assert not CODES.search(message.body)
    assert "Mood" not in message.body


def test_carry_on_goes_back_to_a_questionnaire_begun_out_of_order(client):
    assessment = make_assessment(instruments=("phq9", "gad7", "who5"))
    answer_all(assessment, "who5", [1, 2])
    client.force_login(assessment.enrollment.user)
    page = client.get(start_url(assessment)).text
    assert re.search(
        rf'class="button button--large" href="{question_url(assessment, "who5", 3)}">Carry on<',
        page,
    )

"""Every participant form of the sessions app reports all its mistakes at once.

Before: the practice log said a date was in the future only after the missing practice and
minutes had been fixed, one more round for someone for whom every round costs energy. Each
test posts several mistakes together and finds every message in the same response, in the
error summary at the top (each linking to its field) and beside the field, with what was
typed kept.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from sessions.models import PracticeLog, SessionCompletion
from sessions.notifications.models import Preferences
from sessions.questionnaires.models import Response
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.form_errors import assert_all_reported
from tests.questionnaires.test_questionnaire_services import NOW as QUESTIONNAIRE_NOW
from tests.questionnaires.test_questionnaire_services import make_assessment
from tests.sessions.test_participant_practice import (
    CREATE,
    NOW,
    TODAY_IN_NEW_YORK,
    entry,
    update_url,
)
from tests.sessions.test_participant_week import AFTER_WEEK_1, complete_url, enrolled

pytestmark = pytest.mark.django_db

MINUTES = "Enter a number of minutes from 1 to 600."
MOOD = "Choose a number from 0 (very low) to 10 (very good)."
FUTURE = "That date hasn't come yet. Choose today or an earlier day."
TOO_OLD = (
    "Entries older than 7 days can't be added. Choose a day from Tuesday 8 September to today."
)


@pytest.fixture
def mbsr():
    """A participant in New York on the MBSR course (as in test_participant_practice)."""
    cohort = CohortFactory(program=shipped_program("mbsr-8-ms"))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(timezone="America/New_York"))


@pytest.fixture
def ier():
    cohort = CohortFactory(program=shipped_program("ier-6"))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(timezone="America/New_York"))


# --- practice log ----------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_practice_log_reports_a_future_date_together_with_the_missing_fields(client, mbsr):
    client.force_login(mbsr.user)
    tomorrow = TODAY_IN_NEW_YORK + dt.timedelta(days=1)
    response = client.post(
        CREATE, {"date": tomorrow.isoformat(), "practice": "", "minutes": "0", "note": "x" * 2001}
    )
    page = assert_all_reported(
        response,
        {
            "id_date": FUTURE,
            "id_practice": "Choose the practice you did.",
            "id_minutes": MINUTES,
            "id_note": "Keep it to 2,000 characters or fewer (you have 2,001).",
        },
    )
    assert f'value="{tomorrow.isoformat()}"' in page
    assert 'name="minutes" value="0"' in page
    assert "x" * 2001 in page
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
def test_practice_log_reports_a_future_date_with_a_missing_practice_the_original_steps(
    client, mbsr
):
    # The first-use report exactly: tomorrow's date, and practice and minutes left empty.
    client.force_login(mbsr.user)
    tomorrow = (TODAY_IN_NEW_YORK + dt.timedelta(days=1)).isoformat()
    response = client.post(CREATE, {"date": tomorrow, "practice": "", "minutes": ""})
    assert_all_reported(
        response,
        {
            "id_date": FUTURE,
            "id_practice": "Choose the practice you did.",
            "id_minutes": "Enter how many minutes you practised.",
        },
    )


@time_machine.travel(NOW)
def test_strategy_log_reports_every_mistake_at_once(client, ier):
    client.force_login(ier.user)
    response = client.post(
        CREATE,
        {
            "date": "2026-09-01",
            "strategy": "",
            "situation": "",
            "mood_before": "11",
            "mood_after": "lots",
            "note": "Felt heavy all day",
        },
    )
    page = assert_all_reported(
        response,
        {
            "id_date": TOO_OLD,
            "id_strategy": "Choose the strategy you used.",
            "id_situation": "Write a few words about the situation.",
            "id_mood_before": MOOD,
            "id_mood_after": MOOD,
        },
    )
    assert 'value="2026-09-01"' in page
    assert 'value="11"' in page
    assert 'value="lots"' in page
    assert "Felt heavy all day" in page
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
def test_changing_an_entry_reports_a_future_date_with_the_other_mistakes(client, mbsr):
    log = entry(mbsr, TODAY_IN_NEW_YORK - dt.timedelta(days=2), note="first note")
    client.force_login(mbsr.user)
    tomorrow = (TODAY_IN_NEW_YORK + dt.timedelta(days=1)).isoformat()
    response = client.post(
        update_url(log),
        {"date": tomorrow, "practice": "marathon", "minutes": "601", "note": "changed note"},
    )
    page = assert_all_reported(
        response,
        {
            "id_date": FUTURE,
            "id_practice": "Select a valid choice. marathon is not one of the available choices.",
            "id_minutes": MINUTES,
        },
    )
    assert "changed note" in page
    log.refresh_from_db()
    assert (log.minutes, log.note) == (20, "first note")


# --- week reflection -------------------------------------------------------------------------


def test_week_reflection_too_long_is_reported_and_kept(client):
    # One field only: its one message, in the summary and beside it, with the text kept.
    enrollment = enrolled()
    client.force_login(enrollment.user)
    text = "A long week. " * 1000
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(complete_url(1), {"reflection": text, "action": "save"})
    page = assert_all_reported(
        response, {"id_reflection": "characters or fewer (you have 12,999)."}
    )
    assert text.strip() in page
    assert not SessionCompletion.objects.exists()


# --- questionnaires on one page --------------------------------------------------------------


def test_one_page_questionnaire_reports_every_missing_and_wrong_answer_at_once(client):
    with time_machine.travel(QUESTIONNAIRE_NOW, tick=False):
        assessment = make_assessment(instruments=("gad7",))
        client.force_login(assessment.enrollment.user)
        url = reverse("questionnaires:questionnaire_all", args=[assessment.pk, "gad7"])
        response = client.post(url, {"q1": "2", "q2": "9", "q5": "1"})
    # Each question's summary line starts "Question N: "; beside it, the message alone.
    expected: dict[str, str | tuple[str, str]] = {
        "id_q2_0": (
            "Question 2: Choose one of the answers shown.",
            "Choose one of the answers shown.",
        )
    }
    for number in (3, 4, 6, 7):
        expected[f"id_q{number}_0"] = (
            f"Question {number}: Choose one answer to carry on.",
            "Choose one answer to carry on.",
        )
    page = assert_all_reported(response, expected)
    assert 'name="q1" value="2" id="id_q1_2" required checked' in page
    assert 'name="q5" value="1" id="id_q5_1" required checked' in page
    assert Response.objects.get().answers == {"1": 2, "5": 1}


# --- reminder settings -----------------------------------------------------------------------


def test_reminder_settings_report_every_mistake_at_once(client, mbsr):
    client.force_login(mbsr.user)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "session_reminders": "on",
            "practice_nudges": "on",
            "practice_nudge_time": "25:99",
            "daily_cap": "0",
            "quiet_hours_start": "soon",
            "quiet_hours_end": "later",
        },
    )
    page = assert_all_reported(
        response,
        {
            "id_practice_nudge_time": "Enter a time like 19:00.",
            "id_daily_cap": (
                "Choose at least 1 reminder a day, or turn off the reminders you do not want."
            ),
            "id_quiet_hours_start": "Enter a time like 21:00.",
            "id_quiet_hours_end": "Enter a time like 08:00.",
        },
    )
    for typed in ('value="25:99"', 'value="0"', 'value="soon"', 'value="later"'):
        assert typed in page
    assert not Preferences.objects.filter(user=mbsr.user).exists()


# --- leaving a course, asking for erasure ----------------------------------------------------


def test_leaving_a_course_reports_a_missing_choice_and_a_long_reason_together(client, mbsr):
    EnrollmentFactory(cohort=CohortFactory(program=shipped_program("ier-6")), user=mbsr.user)
    client.force_login(mbsr.user)
    reason = "Too tired at the moment. " * 12
    response = client.post(reverse("rights:withdraw"), {"reason": reason})
    page = assert_all_reported(
        response,
        {
            "id_enrollment": "Choose the course you want to leave.",
            "id_reason": "Keep the reason to 250 characters.",
        },
    )
    assert reason.strip() in page
    mbsr.refresh_from_db()
    assert mbsr.status == "active"


def test_asking_for_erasure_reports_a_long_message_and_the_unticked_box_together(client, mbsr):
    client.force_login(mbsr.user)
    message = "Please remove everything. " * 80
    response = client.post(reverse("rights:erasure_request"), {"reason": message})
    page = assert_all_reported(
        response,
        {
            "id_reason": "Keep this to 1000 characters.",
            "id_confirm": "Tick the box to confirm, or go back if you have changed your mind.",
        },
    )
    assert message.strip() in page
    assert not mbsr.user.erasure_requests.exists()

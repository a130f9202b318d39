"""A participant leaves a course themselves: the withdrawal is recorded and every reminder stops.

The group meets on Tuesdays at 18:00 London time (17:00 UTC) from 1 September 2026. Pat
(P-PAT) leaves on Monday 7 September; Quinn (P-QUINN) stays. The day-before reminder for the
8 September session falls due at 17:00 UTC on the 7th.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from programs.models import EnrollmentStatus
from sessions.notifications.models import Notification, NotificationStatus, Preferences
from sessions.notifications.services.delivery import notifications_tick
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program
from tests.sessions.staff_cast import BEFORE, enroll, group_cohort

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LEAVE = "/me/leave/"
MONDAY_MORNING = dt.datetime(2026, 9, 7, 9, tzinfo=UTC)
REMINDER_DUE = dt.datetime(2026, 9, 7, 17, 5, tzinfo=UTC)
MONDAY_EVENING = dt.datetime(2026, 9, 7, 19, tzinfo=UTC)
TUESDAY_MORNING = dt.datetime(2026, 9, 8, 7, 5, tzinfo=UTC)


@pytest.fixture
def course(organization, facilitator_user, participant):
    with time_machine.travel(BEFORE, tick=False):
        cohort = group_cohort(organization, [facilitator_user])
        pat = enroll(cohort, user=participant, participant_code="P-PAT")
        quinn = enroll(cohort, participant_code="P-QUINN")
    return {"cohort": cohort, "pat": pat, "quinn": quinn}


def _leave(client, enrollment, reason=""):
    return client.post(LEAVE, {"enrollment": enrollment.pk, "reason": reason})


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """One beat tick at a moment, with the after-commit hand-out and eager delivery run."""

    def run(now: dt.datetime) -> None:
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            notifications_tick(now=now)

    return run


def _sent_to(mailoutbox, user):
    return [m for m in mailoutbox if user.email in m.to]


def test_leave_page_says_what_happens_in_plain_words(client, course):
    client.force_login(course["pat"].user)
    text = client.get(LEAVE).text
    assert "Your sessions and reminders for the course stop straight away." in text
    assert "your answers may be kept for research without your name" in text
    assert f"{course['cohort'].program.name}: {course['cohort'].name}" in text
    # One course: nothing to choose, so no radio buttons.
    assert 'type="radio"' not in text
    assert f'type="hidden" name="enrollment" value="{course["pat"].pk}"' in text
    assert text.count("<h1") == 1
    assert " style=" not in text


def test_with_two_courses_the_participant_chooses_one_in_a_fieldset(client, course, organization):
    pat = course["pat"]
    with time_machine.travel(BEFORE, tick=False):
        EnrollmentFactory(
            cohort=CohortFactory(organization=organization, program=shipped_program("ier-6")),
            user=pat.user,
        )
    client.force_login(pat.user)
    text = client.get(LEAVE).text
    assert "<legend>Which course do you want to leave?</legend>" in text
    assert text.count('type="radio" name="enrollment"') == 2


def test_leaving_records_the_withdrawal_today_with_the_reason(client, course):
    pat = course["pat"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        response = _leave(client, pat, "Too tired at the moment")
        # The next page, a moment later (months later the idle logoff would have ended the
        # session, and the message waiting in it with it).
        page = client.get(response.url).text
    assert response.status_code == 302
    assert response.url == reverse("profile")
    pat.refresh_from_db()
    assert pat.status == EnrollmentStatus.WITHDRAWN
    assert pat.withdrawn_at == dt.date(2026, 9, 7)
    assert pat.withdrawal_reason == "Left online: Too tired at the moment"
    assert "Sessions and reminders for it have stopped." in page
    event = AuditEvent.objects.get(action="withdrawal")
    assert (event.actor, event.participant_codes) == (pat.user, "P-PAT")


def test_leaving_without_a_reason_says_so_for_the_team(client, course):
    pat = course["pat"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        _leave(client, pat)
    pat.refresh_from_db()
    assert pat.withdrawal_reason == "Left online (no reason given)."


def test_staff_see_the_withdrawal_on_the_cohort_page(client, course, facilitator_user):
    client.force_login(course["pat"].user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        _leave(client, course["pat"])
    client.force_login(facilitator_user)
    with time_machine.travel(MONDAY_EVENING, tick=False):
        text = client.get(reverse("reports:cohort_progress", args=[course["cohort"].pk])).text
    assert 'P-PAT <span class="small">(withdrawn)</span>' in text
    assert 'P-QUINN <span class="small">(withdrawn)</span>' not in text


def test_a_reminder_due_after_leaving_is_not_sent(client, course, mailoutbox, tick):
    pat, quinn = course["pat"], course["quinn"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        _leave(client, pat)
    tick(REMINDER_DUE)
    assert len(_sent_to(mailoutbox, quinn.user)) == 1  # the reminders do go out
    assert _sent_to(mailoutbox, pat.user) == []
    assert not Notification.objects.filter(enrollment=pat).exists()


def test_a_waiting_reminder_is_cancelled_at_once_and_never_sent(client, course, mailoutbox, tick):
    pat, quinn = course["pat"], course["quinn"]
    # Pat's quiet hours start at 17:30 London time, so the day-before reminder due at 18:00
    # local waits in the outbox until 08:00 the next morning.
    Preferences.objects.create(
        user=pat.user, quiet_hours_start=dt.time(17, 30), quiet_hours_end=dt.time(8, 0)
    )
    tick(REMINDER_DUE)
    waiting = Notification.objects.get(enrollment=pat)
    assert waiting.status == NotificationStatus.PENDING
    assert waiting.send_at == dt.datetime(2026, 9, 8, 7, tzinfo=UTC)

    client.force_login(pat.user)
    with time_machine.travel(MONDAY_EVENING, tick=False):
        _leave(client, pat)
    waiting.refresh_from_db()
    assert waiting.status == NotificationStatus.CANCELLED
    assert waiting.last_error == "The participant withdrew."

    tick(TUESDAY_MORNING)
    assert _sent_to(mailoutbox, pat.user) == []
    assert len(_sent_to(mailoutbox, quinn.user)) == 1


def test_another_participants_course_cannot_be_left(client, course):
    pat, quinn = course["pat"], course["quinn"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        response = _leave(client, quinn)
    assert response.status_code == 200
    assert "Choose one of your courses from the list." in response.text
    quinn.refresh_from_db()
    assert quinn.status == EnrollmentStatus.ACTIVE


def test_too_long_a_reason_is_refused_and_nothing_changes(client, course):
    pat = course["pat"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        response = _leave(client, pat, "x" * 251)
    assert "Keep the reason to 250 characters." in response.text
    assert 'class="error-summary"' in response.text
    pat.refresh_from_db()
    assert pat.status == EnrollmentStatus.ACTIVE


def test_after_leaving_there_is_nothing_left_to_leave(client, course):
    pat = course["pat"]
    client.force_login(pat.user)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        _leave(client, pat)
        text = client.get(LEAVE).text
        again = _leave(client, pat)
    assert "You are not taking part in a course at the moment" in text
    assert again.status_code == 200
    pat.refresh_from_db()
    assert pat.withdrawal_reason == "Left online (no reason given)."


@pytest.mark.parametrize("who", ["facilitator_user", "coordinator_user"])
def test_staff_have_no_leave_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LEAVE).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(LEAVE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))

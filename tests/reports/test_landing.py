"""The coordinator's landing page: the organization's open safety flags, messages that did not
arrive, and tasks (requests to erase, invitations waiting, follow-ups open, attendance not
recorded a day after a session), each linking to where it is handled.

The group cohorts meet on Tuesdays at 18:00 London time from 1 September 2026: at NOW, a
Tuesday morning, sessions 1 and 2 were held and session 3 is tonight.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Organization, User
from accounts.rights import erasure_request_create
from accounts.services import invitation_create
from programs.models import Cohort
from sessions.models import Attendance, AttendanceStatus, FollowUp
from sessions.notifications.models import Notification, NotificationStatus
from sessions.questionnaires.models import SafetyEvent
from tests.factories import coordinator
from tests.reports.test_worklist import NOW, flag, sessions_of, text
from tests.sessions.staff_cast import enroll, group_cohort

pytestmark = pytest.mark.django_db

LANDING = "reports:landing"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def landing(client, user: User) -> str:
    client.force_login(user)
    response = client.get(reverse(LANDING))
    assert response.status_code == 200
    return response.text


def problem(cohort: Cohort, recipient: User, key: str) -> Notification:
    return Notification.objects.create(
        kind="session_24h",
        recipient=recipient,
        dedupe_key=key,
        status=NotificationStatus.FAILED,
        send_at=NOW - dt.timedelta(hours=2),
        cohort=cohort,
        last_error="mailbox unavailable",
    )


def busy_cohort(organization: Organization, name: str, code: str) -> Cohort:
    """A cohort with an overdue safety flag, an open follow-up, a session without attendance,
    a message that failed and a request to erase."""
    cohort = group_cohort(organization, [], name=name)
    enrollment = enroll(cohort, participant_code=code)
    first, second = sessions_of(cohort)[:2]
    Attendance.objects.create(
        scheduled_session=first, enrollment=enrollment, status=AttendanceStatus.ABSENT
    )
    FollowUp.objects.create(scheduled_session=first, enrollment=enrollment)
    flag(enrollment, raised_at=dt.datetime(2026, 9, 11, 10, tzinfo=dt.UTC))
    problem(cohort, enrollment.user, f"landing-{code}")
    erasure_request_create(user=enrollment.user)
    assert second.starts_at < NOW - dt.timedelta(days=1)
    return cohort


def test_the_organizations_flags_problems_and_tasks_link_to_where_they_are_handled(
    client, organization, other_organization, coordinator_user
):
    cohort = busy_cohort(organization, "Tuesday group", "RS-1")
    busy_cohort(other_organization, "Far group", "FA-1")
    invitation_create(
        organization=organization, email="new@example.org", role="", invited_by=coordinator_user
    )
    page = landing(client, coordinator_user)
    words = text(page)

    assert "Far group" not in page
    assert "FA-1" not in page
    assert reverse("coordinator_home") in page  # the Organization page stays one link away

    safety = page[page.index('id="safety-heading"') : page.index('id="problems-heading"')]
    assert re.search(r"Overdue</strong>\s*<strong>RS-1</strong>", safety)
    assert reverse("questionnaires:safety_event_detail", args=[cohort_flag(cohort)]) in safety

    assert "1 message did not arrive or may not have arrived" in words
    assert reverse("notifications:delivery_problems") in page
    assert "1 request to erase a participant's details waiting for a coordinator" in words
    assert reverse("rights:erasure_request_list") in page
    assert "1 invitation waiting for an answer" in words
    assert "1 open follow-up" in words
    assert reverse("reports:cohort_follow_ups", args=[cohort.pk]) in page

    # Session 1 has its attendance; session 2 has none a day later; session 3 is tonight.
    first, second, third = sessions_of(cohort)[:3]
    attendance = page[page.index('id="attendance-heading"') :]
    session_url = "program_sessions:session_detail"
    assert reverse(session_url, args=[second.pk]) in attendance
    assert reverse(session_url, args=[first.pk]) not in attendance
    assert reverse(session_url, args=[third.pk]) not in attendance
    assert "1 session without attendance a day later" in words


def cohort_flag(cohort: Cohort) -> int:
    return SafetyEvent.objects.get(enrollment__cohort=cohort).pk


def test_a_quiet_day_says_so(client, coordinator_user):
    words = text(landing(client, coordinator_user))
    assert "No open safety flags." in words
    assert "No message has failed to arrive." in words
    assert "Nothing to do." in words
    # No task line counts nothing ("0 sessions without attendance") and no empty list follows.
    assert not re.search(r"\b0 (open follow-ups|sessions|invitations|requests)", words)
    assert "Follow-ups open" not in words
    assert "Attendance not recorded a day after the session" not in words


def test_only_the_tasks_there_are_get_a_line(client, organization, coordinator_user):
    invitation_create(
        organization=organization,
        email="new.person@example.org",
        role="",
        invited_by=coordinator_user,
    )
    words = text(landing(client, coordinator_user))
    assert "1 invitation waiting for an answer" in words
    assert "Nothing to do" not in words
    assert "open follow-up" not in words
    assert "without attendance" not in words
    assert "to erase a participant's details" not in words


def test_follow_ups_are_listed_oldest_session_first(client, organization, coordinator_user):
    cohort = group_cohort(organization, [], name="Tuesday group")
    later, earlier = (
        enroll(cohort, participant_code="LATER"),
        enroll(cohort, participant_code="EARLY"),
    )
    sessions = sessions_of(cohort)
    FollowUp.objects.create(scheduled_session=sessions[1], enrollment=later)
    FollowUp.objects.create(scheduled_session=sessions[0], enrollment=earlier)
    page = landing(client, coordinator_user)
    follow_ups = page[page.index('id="follow-ups"') : page.index('id="attendance-heading"')]
    assert follow_ups.index("EARLY") < follow_ups.index("LATER")


# --- who may see it ---------------------------------------------------------------------------


def test_another_organizations_coordinator_sees_none_of_it(client, organization, other_coordinator):
    busy_cohort(organization, "Tuesday group", "RS-1")
    page = landing(client, other_coordinator)
    assert "Tuesday group" not in page
    assert "RS-1" not in page
    assert "No message has failed to arrive." in text(page)


def test_facilitators_and_participants_get_404(client, organization, facilitator_user, participant):
    enroll(group_cohort(organization, [facilitator_user]), user=participant)
    for person in (facilitator_user, participant):
        client.force_login(person)
        assert client.get(reverse(LANDING)).status_code == 404


def test_home_sends_a_coordinator_to_the_landing_page(client, coordinator_user):
    client.force_login(coordinator_user)
    assert client.get(reverse("home")).url == reverse(LANDING)


# --- a fixed number of queries ----------------------------------------------------------------


def test_the_landing_page_makes_the_same_queries_for_3_and_30_cohorts(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    def load() -> int:
        with django_assert_max_num_queries(18) as captured:
            assert client.get(reverse(LANDING)).status_code == 200
        return len(captured)

    client.force_login(coordinator_user)
    for n in range(3):
        busy_cohort(organization, f"Group {n}", f"G-{n}")
    small = load()
    for n in range(3, 30):
        busy_cohort(organization, f"Group {n}", f"G-{n}")
    coordinator(organization, user__email="second.coordinator@example.org")
    words = text(client.get(reverse(LANDING)).text)
    assert "30 messages did not arrive" in words
    assert "30 open follow-ups" in words
    assert load() == small

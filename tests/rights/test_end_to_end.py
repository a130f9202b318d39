"""Participant rights from start to finish, through the pages a participant and a coordinator use:
the consent gate, the data download, leaving the course (reminders stop) and erasure (identity
goes, the pseudonymous rows stay and exports still count the enrollment by its code).

The MBSR group meets on Tuesdays at 18:00 London time (17:00 UTC) from 1 September 2026.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from accounts.models import ErasureRequest, ErasureStatus, User
from programs.models import Cohort, EnrollmentStatus
from sessions.models import Attendance, AttendanceStatus, PracticeLog
from sessions.notifications.services.delivery import notifications_tick
from sessions.questionnaires.models import Response
from sessions.reports.exports import ExportScope
from sessions.reports.exports import tables as export_tables
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, respond
from tests.sessions.staff_cast import BEFORE, sessions_of

pytestmark = pytest.mark.django_db

UTC = dt.UTC
WEDNESDAY = dt.datetime(2026, 9, 2, 10, tzinfo=UTC)
MONDAY = dt.datetime(2026, 9, 7, 9, tzinfo=UTC)
REMINDER_DUE = dt.datetime(2026, 9, 7, 17, 5, tzinfo=UTC)
TUESDAY = dt.datetime(2026, 9, 8, 10, tzinfo=UTC)


def test_consent_download_withdrawal_and_erasure(
    client,
    organization,
    facilitator_user,
    coordinator_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(BEFORE, tick=False):
        cohort = mbsr_cohort(organization, [facilitator_user])
        schedule_sync_for_cohort(cohort=cohort)
        pat_user = UserFactory(email="pat@example.org", full_name="Pat Participant")
        pat = EnrollmentFactory(
            cohort=cohort, user=pat_user, participant_code="P-PAT", consent=False
        )
        quinn = EnrollmentFactory(cohort=cohort, participant_code="P-QUINN")
    first_session = sessions_of(cohort)[0]

    # 1. The consent gate: signing in leads to the consent page, and nowhere else until accepted.
    with time_machine.travel(WEDNESDAY, tick=False):
        signed_in = client.post(
            "/accounts/login/", {"login": "pat@example.org", "password": PASSWORD}
        )
        gate = client.get(signed_in.url)
        assert gate.url.startswith("/consent/")
        assert client.get("/me/practice/").url.startswith("/consent/")
        accepted = client.post(
            "/consent/", {"keep_research_data": "keep", "agree": "on", "next": "/me/practice/"}
        )
        assert accepted.url == "/me/practice/"
        assert client.get("/me/").status_code == 200
        logged = client.post(
            reverse("program_sessions:practice_create"),
            {
                "date": "2026-09-02",
                "practice": "body_scan",
                "minutes": "20",
                "note": "Felt calmer after",
            },
        )
        assert logged.status_code == 302
    Attendance.objects.create(
        scheduled_session=first_session,
        enrollment=pat,
        status=AttendanceStatus.ATTENDED,
        recorded_by=facilitator_user,
    )
    respond(assessment(pat, "baseline"), "who5", dict.fromkeys(range(1, 6), 3))
    respond(assessment(quinn, "baseline"), "who5", dict.fromkeys(range(1, 6), 1))

    # 2. Download my data: their own rows, nobody else's.
    with time_machine.travel(WEDNESDAY, tick=False):
        data = json.loads(client.get("/me/data/json/").content)
    assert data["consent_records"][0]["keep_answers_for_research_after_erasure"] is True
    assert data["practice_logs"][0]["note"] == "Felt calmer after"
    assert data["attendance"][0]["attendance"] == "Attended"
    assert [s["value"] for s in data["scores"] if s["score"] == "percentage"] == [60]
    assert "P-QUINN" not in json.dumps(data)

    # 3. Leaving the course: the reminder for the next session goes to Quinn only. (Days have
    # passed, so Pat signs in again: the idle logoff ended the old session.)
    with time_machine.travel(MONDAY, tick=False):
        client.force_login(pat_user)
        left = client.post("/me/leave/", {"enrollment": pat.pk, "reason": ""})
        assert left.url == reverse("profile")
    with (
        time_machine.travel(REMINDER_DUE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications_tick(now=REMINDER_DUE)
    recipients = [address for message in mailoutbox for address in message.to]
    assert quinn.user.email in recipients
    assert "pat@example.org" not in recipients

    # 4. Erasure: asked by Pat, completed by the coordinator after re-entering the password.
    with time_machine.travel(TUESDAY, tick=False):
        client.force_login(pat_user)
        client.post("/me/erasure/", {"reason": "", "confirm": "on"})
        request = ErasureRequest.objects.get(user=pat_user)
        client.force_login(coordinator_user)
        url = reverse("rights:erasure_request_detail", args=[request.pk])
        sent_away = client.post(url)
        assert sent_away.url.startswith(reverse("account_reauthenticate"))
        client.post(sent_away.url, {"password": PASSWORD})
    request.refresh_from_db()
    assert request.status == ErasureStatus.COMPLETED

    pat_user = User.objects.get(pk=pat_user.pk)
    assert pat_user.full_name == ""
    assert pat_user.email.endswith("@erased.invalid")
    assert not pat_user.is_active
    assert not client.login(email="pat@example.org", password=PASSWORD)
    log = PracticeLog.objects.get(enrollment=pat)
    assert (log.note, log.minutes) == ("", 20)
    assert Attendance.objects.filter(enrollment=pat).count() == 1
    assert Response.objects.filter(assessment__enrollment=pat).count() == 1

    scope = ExportScope(
        cohorts=Cohort.objects.filter(pk=cohort.pk), identifiable=True, pooled=False
    )
    rows = {row[0]: row for row in export_tables.participant_rows(scope)}
    assert set(rows) == {"P-PAT", "P-QUINN"}
    assert "Pat Participant" not in rows["P-PAT"]
    assert EnrollmentStatus.WITHDRAWN in rows["P-PAT"]
    (completion,) = list(export_tables.completion_rows(scope))
    assert completion[3] == 2  # enrolled: Pat still counts, by code

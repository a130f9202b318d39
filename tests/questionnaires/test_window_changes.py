"""Staff extend an open questionnaire window or reopen a missed one, with a reason (audited)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from programs.models import EnrollmentStatus
from sessions.notifications.services.planning.participants import plan_questionnaire_reminders
from sessions.questionnaires.models import Assessment, AssessmentStatus, WindowChange
from sessions.questionnaires.selectors import assessment_list_due_for_enrollment
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.questionnaires.services.windows import WindowError, assessment_window_change
from tests.factories import EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import NOW, assessment, mbsr_cohort

pytestmark = pytest.mark.django_db

# At NOW (25 October 2026) the baseline closed on 1 September (missed) and the post window is
# open until 10 November.


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant):
    facilitator_user.full_name = "Sam Lee"
    facilitator_user.save()
    cohort = mbsr_cohort(organization, [facilitator_user])
    other = facilitator(organization, user__email="finn@example.org")
    mbsr_cohort(organization, [other])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-HANA")
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "baseline": assessment(enrollment, "baseline"),
        "post": assessment(enrollment, "post"),
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "stranger": UserFactory(email="someone@example.org"),
    }


def _url(on: Assessment) -> str:
    return reverse("questionnaires:assessment_window", args=[on.pk])


def _status_page(client, cast) -> str:
    return client.get(reverse("questionnaires:questionnaire_status", args=[cast["cohort"].pk])).text


def test_facilitator_reopens_a_missed_baseline_and_everyone_sees_it(client, cast, now):
    client.force_login(cast["facilitator"])
    page = _status_page(client, cast)
    assert _url(cast["baseline"]) in page  # "Reopen" beside the missed baseline
    form = client.get(_url(cast["baseline"])).text
    assert "Reopen P-HANA\u2019s questionnaires" in form
    response = client.post(
        _url(cast["baseline"]),
        {"closes_on": "2026-11-01", "reason": "Phoned, prefers paper later"},
    )
    assert response.status_code == 302
    assert response.url == reverse("questionnaires:questionnaire_status", args=[cast["cohort"].pk])
    baseline = Assessment.objects.get(pk=cast["baseline"].pk)
    assert baseline.status(now=NOW) == AssessmentStatus.OPEN
    assert baseline.opens_at == NOW
    page = client.get(response.url).text
    assert "open again until" in page  # the success message
    assert "Reopened by Sam Lee on 25 Oct: Phoned, prefers paper later — closes 1 Nov" in page
    staff_page = client.get(
        reverse("reports:participant_detail", args=[cast["enrollment"].pk])
    ).text
    assert "Reopened by Sam Lee on 25 Oct: Phoned, prefers paper later" in staff_page


def test_the_change_is_audited_with_its_reason(client, cast, now):
    client.force_login(cast["facilitator"])
    client.post(_url(cast["baseline"]), {"closes_on": "2026-11-01", "reason": "Was in hospital"})
    event = AuditEvent.objects.get(object_type="questionnaires.assessment")
    assert event.actor == cast["facilitator"]
    assert event.participant_codes == "P-HANA"
    assert event.details["change"] == "questionnaire window reopened"
    assert event.details["reason"] == "Was in hospital"
    assert event.organization == cast["cohort"].organization


def test_a_reopened_baseline_is_due_on_the_participants_home_and_gets_a_reminder(cast, now):
    assessment_window_change(
        assessment=cast["baseline"],
        by=cast["facilitator"],
        closes_on=dt.date(2026, 11, 5),
        reason="Phoned",
    )
    due = assessment_list_due_for_enrollment(enrollment=cast["enrollment"], now=NOW)
    assert cast["baseline"].pk in {a.pk for a in due}
    planned = list(plan_questionnaire_reminders(now=NOW + dt.timedelta(minutes=1)))
    assert any(
        n.assessment_id == cast["baseline"].pk and n.kind == "questionnaire_open" for n in planned
    )


def test_coordinator_extends_an_open_window(client, cast, now):
    client.force_login(cast["coordinator"])
    assert "Extend P-HANA\u2019s questionnaires" in client.get(_url(cast["post"])).text
    response = client.post(_url(cast["post"]), {"closes_on": "2026-11-20", "reason": "Away"})
    assert response.status_code == 302
    post = Assessment.objects.get(pk=cast["post"].pk)
    assert post.opens_at == cast["post"].opens_at
    assert post.closes_at.astimezone(cast["cohort"].zoneinfo).date() == dt.date(2026, 11, 20)
    assert WindowChange.objects.get().kind == "extended"


def test_an_extended_window_gets_its_closing_soon_reminder_for_the_new_date(cast, now):
    """The post window opened weeks ago; two days before its new closing date the participant
    is still reminded, whatever long ago it first opened."""
    assessment_window_change(
        assessment=cast["post"],
        by=cast["coordinator"],
        closes_on=dt.date(2026, 11, 20),
        reason="Away",
    )
    post = Assessment.objects.get(pk=cast["post"].pk)
    assert post.opens_at < post.closes_at - dt.timedelta(days=20)

    planned = list(plan_questionnaire_reminders(now=post.closes_at - dt.timedelta(days=1)))

    closing = [
        n for n in planned if n.assessment_id == post.pk and n.kind == "questionnaire_closing"
    ]
    assert len(closing) == 1
    assert closing[0].about_time == post.closes_at


def test_a_staff_window_survives_a_reschedule(cast, now):
    assessment_window_change(
        assessment=cast["baseline"],
        by=cast["facilitator"],
        closes_on=dt.date(2026, 11, 5),
        reason="Phoned",
    )
    assessment_windows_sync(enrollment=cast["enrollment"])
    baseline = Assessment.objects.get(pk=cast["baseline"].pk)
    assert baseline.closes_at.astimezone(cast["cohort"].zoneinfo).date() == dt.date(2026, 11, 5)


@pytest.mark.parametrize(
    ("which", "data", "message"),
    [
        (
            "baseline",
            {"closes_on": "2026-10-24", "reason": "Phoned"},
            "The closing date is in the past.",
        ),
        (
            "baseline",
            {"closes_on": "2026-11-01", "reason": "  "},
            "Enter the reason for the change.",
        ),
        ("baseline", {"closes_on": "", "reason": "Phoned"}, "Enter the new closing date."),
        ("baseline", {"closes_on": "soon", "reason": "Phoned"}, "Enter a date such as 2026-12-10."),
        (
            "post",
            {"closes_on": "2026-11-02", "reason": "Away"},
            "To extend the window, choose a later date.",
        ),
    ],
)
def test_refusals_say_why_and_change_nothing(client, cast, now, which, data, message):
    client.force_login(cast["facilitator"])
    before = Assessment.objects.get(pk=cast[which].pk)
    response = client.post(_url(cast[which]), data)
    assert response.status_code == 200
    assert message in response.text
    assert "error-summary" in response.text
    after = Assessment.objects.get(pk=cast[which].pk)
    assert (after.opens_at, after.closes_at) == (before.opens_at, before.closes_at)
    assert not WindowChange.objects.exists()
    assert data["reason"].strip() in response.text  # what was typed comes back


def test_a_completed_assessment_cannot_be_reopened(client, cast, now):
    Assessment.objects.filter(pk=cast["baseline"].pk).update(
        completed_at=NOW - dt.timedelta(days=60)
    )
    client.force_login(cast["facilitator"])
    assert "already completed" in client.get(_url(cast["baseline"])).text
    response = client.post(_url(cast["baseline"]), {"closes_on": "2026-11-01", "reason": "x"})
    assert "already completed their questionnaires (before the course)" in response.text
    assert not WindowChange.objects.exists()


def test_a_withdrawn_participants_window_is_not_reopened(cast, now):
    cast["enrollment"].status = EnrollmentStatus.WITHDRAWN
    cast["enrollment"].save()
    with pytest.raises(WindowError, match="has left the course"):
        assessment_window_change(
            assessment=Assessment.objects.get(pk=cast["baseline"].pk),
            by=cast["facilitator"],
            closes_on=dt.date(2026, 11, 5),
            reason="Phoned",
        )


@pytest.mark.parametrize(
    "who", ["other_facilitator", "other_coordinator", "participant", "stranger"]
)
def test_anyone_but_the_cohorts_staff_gets_404_and_nothing_changes(client, cast, now, who):
    client.force_login(cast[who])
    assert client.get(_url(cast["baseline"])).status_code == 404
    response = client.post(_url(cast["baseline"]), {"closes_on": "2026-11-01", "reason": "x"})
    assert response.status_code == 404
    assert not WindowChange.objects.exists()

"""A self-guided cohort end to end with no facilitator: a coordinator sets it up and invites
people, weeks of the shipped course open one after another, questionnaires are planned at the
start and the end, reminders go out, and the coordinators see progress and safety flags."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from programs.models import Cohort, EnrollmentStatus
from sessions.models import ScheduledSession
from sessions.notifications.models import Notification, NotificationKind, Preferences
from sessions.notifications.services.planning.participants import (
    plan_practice_nudges,
    plan_questionnaire_reminders,
)
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.questionnaires.services.responses import answer_save, response_submit
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    coordinator,
    facilitator,
    shipped_program,
)

pytestmark = pytest.mark.django_db

CREATE = reverse("programs:cohort_create")
# conftest: it is Monday 3 August 2026, 09:00 UTC. The course starts on Thursday 3 September.
START = dt.date(2026, 9, 3)
IN_WEEK_1 = dt.datetime(2026, 9, 4, 12, tzinfo=dt.UTC)
PHQ9_ITEM9_ONE = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]


def week_url(number):
    return reverse("program_sessions:week_detail", args=[number])


def complete_url(number):
    return reverse("program_sessions:week_complete", args=[number])


def progress_url(cohort):
    return reverse("reports:cohort_progress", args=[cohort.pk])


@pytest.fixture
def self_guided(db):
    return shipped_program("mbsr-self-8-ms")


@pytest.fixture
def sg_cohort(organization, self_guided):
    """A self-guided cohort nobody facilitates."""
    return CohortFactory(
        organization=organization,
        program=self_guided,
        name="On your own, autumn",
        start_date=START,
        meeting_weekday=START.weekday(),
        meeting_time=dt.time(0, 0),
        place="",
    )


def _created(**overrides):
    data = {
        "name": "On your own, autumn",
        "start_date": START.isoformat(),
        "meeting_weekday": "",
        "meeting_time": "",
        "timezone": "Europe/London",
        "default_modality": "in_person",
        "place": "",
        "video_link": "",
        "phone_instructions": "",
        "skip_dates": "",
    }
    data.update(overrides)
    return data


# --- setting it up ---------------------------------------------------------------------------


def test_coordinator_creates_a_self_guided_cohort_with_no_facilitator_and_no_meeting_time(
    client, coordinator_user, organization, self_guided
):
    client.force_login(coordinator_user)
    form = client.get(CREATE).text
    assert "Self-guided MBSR for MS (8 weeks)" in form
    assert "A self-guided course needs none" in form

    response = client.post(CREATE, _created(program=self_guided.pk), follow=True)

    cohort = Cohort.objects.get(name="On your own, autumn")
    assert response.redirect_chain[-1][0] == reverse("reports:cohort_detail", args=[cohort.pk])
    assert "Week 1 opens for its participants on the start date." in response.text
    assert cohort.program == self_guided
    assert list(cohort.facilitators.all()) == []
    assert not ScheduledSession.objects.filter(cohort=cohort).exists()
    assert cohort.meeting_pattern.startswith("Self-guided")
    assert "Self-guided: no meetings" in client.get(reverse("programs:cohort_list")).text


def test_a_group_course_still_needs_a_facilitator_and_a_meeting_time(
    client, coordinator_user, organization
):
    mbsr = shipped_program("mbsr-8-ms")
    client.force_login(coordinator_user)
    page = client.post(CREATE, _created(program=mbsr.pk, place="Room 2"))
    assert page.status_code == 200
    assert "Choose at least one facilitator." in page.text
    assert not Cohort.objects.filter(name="On your own, autumn").exists()
    # What was typed stays.
    assert 'value="On your own, autumn"' in page.text


def test_changing_a_self_guided_cohort_shows_no_meeting_fields_and_needs_no_facilitator(
    client, coordinator_user, sg_cohort
):
    client.force_login(coordinator_user)
    url = reverse("programs:cohort_update", args=[sg_cohort.pk])
    page = client.get(url).text
    assert "This course is self-guided: there are no meetings." in page
    assert 'name="meeting_time"' not in page
    assert 'name="place"' not in page
    # A group program is not offered: the participants' weeks belong to a self-guided course.
    assert "Self-guided MBSR for MS (8 weeks)" in page
    assert "MBSR-8 for MS" not in page

    response = client.post(
        url,
        {
            "name": "On your own, winter",
            "program": sg_cohort.program_id,
            "start_date": "2026-09-10",
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 302
    sg_cohort.refresh_from_db()
    assert (sg_cohort.name, sg_cohort.start_date) == ("On your own, winter", dt.date(2026, 9, 10))


def test_coordinator_invites_a_participant_and_questionnaires_are_planned_at_start_and_end(
    client, coordinator_user, sg_cohort
):
    client.force_login(coordinator_user)
    add = reverse("programs:enrollment_create", args=[sg_cohort.pk])
    page = client.get(add).text
    assert "Their first session" not in page  # a self-guided participant follows the cohort
    response = client.post(
        add,
        {
            "full_name": "Robin Reed",
            "email": "robin@example.org",
            "timezone": "Europe/London",
            "arm": "intervention",
        },
    )
    assert response.status_code == 302
    enrollment = sg_cohort.enrollments.get(user__email="robin@example.org")
    windows = {
        a.measurement_point.code: a for a in Assessment.objects.filter(enrollment=enrollment)
    }
    assert set(windows) == {"baseline", "post", "follow_up_3m", "follow_up_6m"}
    week_1_opens = dt.datetime(2026, 9, 2, 23, tzinfo=dt.UTC)  # 3 September, 00:00 London
    assert windows["baseline"].opens_at < week_1_opens
    assert windows["post"].opens_at == week_1_opens + dt.timedelta(weeks=8)
    assert "phq9" in windows["baseline"].instruments


# --- weeks ------------------------------------------------------------------------------------


def test_the_shipped_weeks_open_one_after_another_as_each_is_completed(client, sg_cohort):
    enrollment = EnrollmentFactory(cohort=sg_cohort, user=UserFactory())
    with time_machine.travel(dt.datetime(2026, 9, 2, 12, tzinfo=dt.UTC)):
        client.force_login(enrollment.user)
        assert client.get(week_url(1)).status_code == 404  # not before the start date
    with time_machine.travel(IN_WEEK_1):
        client.force_login(enrollment.user)
        week_1 = client.get(week_url(1))
        assert week_1.status_code == 200
        assert "Stepping off automatic pilot" in week_1.text
        assert "When your mind wanders" in week_1.text  # the Markdown heading
        assert "Making this week work for you" in week_1.text
        assert client.get(week_url(2)).status_code == 404
        for number in range(1, 8):
            response = client.post(
                complete_url(number),
                {"reflection": f"Week {number} done.", "action": "complete"},
                follow=True,
            )
            assert f"Week {number + 1} is now open." in response.text
            assert client.get(week_url(number + 1)).status_code == 200
            if number + 2 <= 8:
                assert client.get(week_url(number + 2)).status_code == 404
        home = client.get(reverse("reports:participant_home")).text
    assert "You have completed 7 of 8 weeks." in home


# --- reminders --------------------------------------------------------------------------------


def _planned(now):
    with time_machine.travel(now, tick=False):
        rows = [*plan_questionnaire_reminders(now=now), *plan_practice_nudges(now=now)]
    return {(r.kind, r.recipient_id) for r in rows}


def test_questionnaire_and_practice_reminders_are_planned_without_any_session(sg_cohort):
    enrollment = EnrollmentFactory(cohort=sg_cohort, user=UserFactory())
    from sessions.questionnaires.services.assessments import assessment_windows_sync

    assessment_windows_sync(enrollment=enrollment)
    Preferences.objects.update_or_create(
        user=enrollment.user,
        defaults={"practice_nudges": True, "practice_nudge_time": dt.time(9, 0)},
    )
    # The baseline window opened on 20 August; on the 21st the practice has not begun yet.
    before = _planned(dt.datetime(2026, 8, 21, 12, tzinfo=dt.UTC))
    assert (NotificationKind.QUESTIONNAIRE_OPEN, enrollment.user_id) in before
    assert (NotificationKind.PRACTICE_NUDGE, enrollment.user_id) not in before
    # In week 1 the daily practice reminder comes, and in week 8 still.
    assert (NotificationKind.PRACTICE_NUDGE, enrollment.user_id) in _planned(IN_WEEK_1)
    in_week_8 = dt.datetime(2026, 10, 23, 12, tzinfo=dt.UTC)
    assert (NotificationKind.PRACTICE_NUDGE, enrollment.user_id) in _planned(in_week_8)
    # Long after the course's eight weeks, it stops.
    late = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    assert (NotificationKind.PRACTICE_NUDGE, enrollment.user_id) not in _planned(late)


# --- safety and progress ----------------------------------------------------------------------


def test_a_phq9_item_9_answer_in_a_self_guided_cohort_alerts_its_coordinators(
    organization, sg_cohort
):
    boss = coordinator(organization)
    other_boss = coordinator(organization)
    bystander = facilitator(organization)  # works in the organization, not on this cohort
    outsider = coordinator()  # another organization's coordinator
    enrollment = EnrollmentFactory(cohort=sg_cohort, user=UserFactory())
    now = dt.datetime(2026, 8, 25, 2, tzinfo=dt.UTC)
    assessment = Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=sg_cohort.program.measurement_points.get(code="baseline"),
        instruments=["phq9"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
    )
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        for number, value in enumerate(PHQ9_ITEM9_ONE, start=1):
            response = answer_save(
                assessment=assessment,
                instrument="phq9",
                item=number,
                value=value,
                entered_by=enrollment.user,
            )
        submission = response_submit(response=response)

    assert submission.safety_event is not None
    assert SafetyEvent.objects.filter(enrollment=enrollment, acknowledged_at=None).exists()
    alerted = set(
        Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT).values_list(
            "recipient__email", flat=True
        )
    )
    assert alerted == {boss.email, other_boss.email}
    assert bystander.email not in alerted
    assert outsider.email not in alerted
    assert sorted(m.to[0] for m in mail.outbox) == sorted([boss.email, other_boss.email])


def test_the_coordinator_sees_the_participant_and_their_weeks_on_the_progress_page(
    client, organization, sg_cohort, django_assert_max_num_queries
):
    boss = coordinator(organization)
    enrollment = EnrollmentFactory(cohort=sg_cohort, user=UserFactory(), participant_code="SG01")
    with time_machine.travel(IN_WEEK_1):
        client.force_login(enrollment.user)
        client.post(complete_url(1), {"reflection": "Calmer.", "action": "complete"})
        client.force_login(boss)
        page = client.get(progress_url(sg_cohort))
    assert page.status_code == 200
    assert "SG01" in page.text
    assert "a week counts once they mark it as completed" in page.text
    assert "1 of 8 weeks" in page.text


def test_the_progress_page_makes_the_same_few_queries_for_2_or_12_participants(
    client, organization, sg_cohort, django_assert_max_num_queries
):
    boss = coordinator(organization)
    for _ in range(2):
        EnrollmentFactory(cohort=sg_cohort, user=UserFactory())
    with time_machine.travel(IN_WEEK_1):
        client.force_login(boss)
        client.get(progress_url(sg_cohort))  # warm caches (consent, session)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(progress_url(sg_cohort))
        for _ in range(10):
            EnrollmentFactory(cohort=sg_cohort, user=UserFactory())
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(progress_url(sg_cohort))


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("facilitator", 404), ("participant", 404), ("outsider", 404)],
)
def test_who_reaches_a_self_guided_cohorts_progress_page(
    client, organization, sg_cohort, who, status
):
    people = {
        "coordinator": lambda: coordinator(organization),
        "facilitator": lambda: facilitator(organization),  # staff, but not on this cohort
        "participant": lambda: EnrollmentFactory(cohort=sg_cohort, user=UserFactory()).user,
        "outsider": lambda: coordinator(),
    }
    client.force_login(people[who]())
    assert client.get(progress_url(sg_cohort)).status_code == status


def test_an_invited_participant_who_never_accepted_gets_no_week(client, sg_cohort):
    enrollment = EnrollmentFactory(
        cohort=sg_cohort, user=UserFactory(), status=EnrollmentStatus.INVITED
    )
    with time_machine.travel(IN_WEEK_1):
        client.force_login(enrollment.user)
        assert client.get(week_url(1)).status_code == 404

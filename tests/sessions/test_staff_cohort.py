"""The facilitator's cohort page: summary, schedule, roster, attendance, practice and follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm
from sessions.models import SessionCompletion
from sessions.services.attendance import AttendanceEntry, attendance_record
from sessions.services.schedule import session_add_makeup, session_cancel, session_reschedule
from tests.factories import UserFactory, facilitator
from tests.reports.cohort_parts import cohort_parts_get
from tests.sessions.staff_cast import (
    BEFORE,
    NOW,
    enroll,
    group_cohort,
    ier_cohort,
    log_practice,
    sessions_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def _page(client, cohort):
    response = cohort_parts_get(client, cohort.pk)
    assert response.status_code == 200
    return response


def test_summary_names_the_program_the_meeting_pattern_in_the_cohorts_zone_and_the_facilitators(
    client, organization, facilitator_user, now
):
    cohort = group_cohort(
        organization,
        [facilitator_user, facilitator(organization, user__full_name="Sam Second")],
        video_link="https://meet.example.org/riverside",
    )
    client.force_login(facilitator_user)
    page = _page(client, cohort).text
    assert f"<h1>{cohort.name}</h1>" in page
    assert cohort.program.name in page
    assert "Tuesdays at 18:00 (Europe/London time)" in page
    assert "Room 2, Riverside Centre" in page
    assert 'href="https://meet.example.org/riverside"' in page
    assert "Fay Facilitator, Sam Second" in page
    assert reverse("program_sessions:attendance_grid", args=[cohort.pk]) in page


def test_schedule_shows_each_session_in_the_viewers_zone_with_its_marks_and_page(
    client, organization, facilitator_user, now
):
    facilitator_user.timezone = "America/New_York"
    facilitator_user.save()
    cohort = group_cohort(organization, [facilitator_user])
    first, second, third, fourth = sessions_of(cohort)
    session_cancel(session=second, reason="Heatwave")
    session_reschedule(session=fourth, new_date=dt.date(2026, 9, 24), new_time=dt.time(18))
    makeup = session_add_makeup(
        cohort=cohort,
        program_session=second.program_session,
        on_date=dt.date(2026, 9, 19),
        at=dt.time(10),
        modality="video",
        video_link="https://meet.example.org/makeup",
    )
    client.force_login(facilitator_user)
    page = _page(client, cohort).text
    for session in (first, second, third, fourth, makeup):
        assert reverse("program_sessions:session_detail", args=[session.pk]) in page
    assert "Session 1: Week 1" in page
    assert "Tuesday 1 September 2026, 13:00 (America/New York time)" in page
    assert "Thursday 24 September 2026, 13:00 (America/New York time)" in page
    assert "Cancelled: Heatwave" in page
    assert "Moved" in page
    assert "Make-up" in page
    assert "In person: Room 2, Riverside Centre" in page
    assert 'href="https://meet.example.org/makeup"' in page


def test_one_on_one_schedule_is_grouped_per_participant(
    client, organization, facilitator_user, now
):
    cohort = ier_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    enroll(cohort, participant_code="P-BEN", start_date=dt.date(2026, 9, 3))
    enroll(cohort, participant_code="P-CTRL", arm=Arm.CONTROL)
    client.force_login(facilitator_user)
    page = _page(client, cohort).text
    assert "<caption>Sessions of P-ANN</caption>" in page
    assert "<caption>Sessions of P-BEN</caption>" in page
    assert "Sessions of P-CTRL" not in page
    # Instructions written to participants are quoted as such, not addressed to staff.
    assert "By phone; participants are told: “We ring you on the number you gave us.”" in page
    assert "In person: Lab 1" in page
    for session in sessions_of(cohort, ann):
        assert reverse("program_sessions:session_detail", args=[session.pk]) in page
    assert "Thursday 3 September 2026, 10:00 (Europe/London time)" in page


def test_roster_shows_who_is_enrolled_and_sessions_attended_of_those_held(
    client, organization, facilitator_user, now
):
    cohort = group_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN", user=UserFactory(full_name="Ann Archer"))
    ben = enroll(cohort, participant_code="P-BEN")
    enroll(cohort, participant_code="P-CTRL", arm=Arm.CONTROL)
    first, second, third, _fourth = sessions_of(cohort)
    session_cancel(session=third, reason="Snow")
    attendance_record(
        entries=[
            AttendanceEntry(first, ann, "attended"),
            AttendanceEntry(second, ann, "made_up"),
            AttendanceEntry(first, ben, "absent"),
            AttendanceEntry(second, ben, "excused"),
        ],
        recorded_by=facilitator_user,
    )
    client.force_login(facilitator_user)
    response = _page(client, cohort)
    rows = {r.enrollment.participant_code: r for r in response.context["rows"]}
    # Session 3 was cancelled and session 4 has not started: two sessions were held.
    assert (rows["P-ANN"].attended, rows["P-ANN"].held) == (2, 2)
    assert (rows["P-BEN"].attended, rows["P-BEN"].held) == (0, 2)
    page = response.text
    assert "Ann Archer" in page
    assert ann.user.email in page
    assert "2 of 2 held" in page
    assert "0 of 2 held" in page
    assert "No sessions (control arm)" in page
    assert "Control" in page
    assert "Active" in page


def test_practice_is_counted_in_days_and_minutes_per_week_of_the_course(
    client, organization, facilitator_user, now
):
    cohort = group_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    log_practice(ann, dt.date(2026, 8, 31), 45)  # the day before the course: not counted
    log_practice(ann, dt.date(2026, 9, 1), 20)  # week 1 starts on the first session's day
    log_practice(ann, dt.date(2026, 9, 1), 10)
    log_practice(ann, dt.date(2026, 9, 7), 30)
    log_practice(ann, dt.date(2026, 9, 8), 15)  # week 2
    client.force_login(facilitator_user)
    response = _page(client, cohort)
    weeks = response.context["rows"][0].weeks
    assert [(w.days, w.minutes) for w in weeks] == [(2, 60), (1, 15), (0, 0), (0, 0)]
    page = response.text
    assert "2 days, 60 min" in page
    assert "1 day, 15 min" in page
    assert "None logged" in page  # week 3 has begun with nothing logged
    assert "Not yet" in page  # week 4 lies ahead
    assert "from 1 Sep" in page


def test_confirming_a_completion_is_offered_only_where_it_was_missed(
    client, organization, facilitator_user, now
):
    cohort = group_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    first = sessions_of(cohort)[0]
    attendance_record(
        entries=[AttendanceEntry(first, ann, "attended")], recorded_by=facilitator_user
    )
    SessionCompletion.objects.create(
        enrollment=ann, program_session=first.program_session, completed_at=NOW
    )
    client.force_login(facilitator_user)
    url = reverse("program_sessions:session_detail", args=[first.pk])
    assert "Confirm as made up" not in client.get(url).text


# Queries each page makes, whatever the cohort's size: sign-in and navigation (3), then its rows
# (the cohort page includes one for its open safety flags, and three for its figures:
# questionnaire windows, which were started, and the program's required sessions).
# session_detail: one more for its audit event (staff notes were viewed).
COHORT_PARTS = [
    "cohort_detail",
    "cohort_schedule",
    "cohort_follow_ups",
    "cohort_people",
    "cohort_progress",
    "cohort_charts",
    "cohort_definitions",
]
NAMESPACE = {
    **dict.fromkeys(COHORT_PARTS, "reports"),
    "attendance_grid": "program_sessions",
    "session_detail": "program_sessions",
}
# Each part of the cohort page makes the same queries: one more than the old one-page cohort
# page, to count the open safety flags its overview shows.
PINNED = {**dict.fromkeys(COHORT_PARTS, 16), "attendance_grid": 8, "session_detail": 12}


def _load(client, url, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _busy_group(cohort, facilitator_user, count, start):
    """`count` more participants, each with attendance at every held session and practice logs."""
    held = [s for s in sessions_of(cohort) if s.starts_at < NOW]
    for n in range(start, start + count):
        enrollment = enroll(cohort, participant_code=f"P-{n:04d}")
        attendance_record(
            entries=[
                AttendanceEntry(s, enrollment, "absent" if n % 3 == 0 else "attended") for s in held
            ],
            recorded_by=facilitator_user,
        )
        log_practice(enrollment, dt.date(2026, 9, 2))
        log_practice(enrollment, dt.date(2026, 9, 9), 30)
        if n % 4 == 0:
            SessionCompletion.objects.create(
                enrollment=enrollment, program_session=held[0].program_session, completed_at=NOW
            )


@pytest.mark.parametrize("page", [*COHORT_PARTS, "attendance_grid", "session_detail"])
def test_group_pages_make_the_same_queries_for_5_and_60_participants(
    client, organization, facilitator_user, now, django_assert_max_num_queries, page
):
    cohort = group_cohort(organization, [facilitator_user])
    first = sessions_of(cohort)[0]
    session_add_makeup(
        cohort=cohort,
        program_session=first.program_session,
        on_date=dt.date(2026, 9, 12),
        at=dt.time(10),
        modality="in_person",
        now=BEFORE,
    )
    url = reverse(
        f"{NAMESPACE[page]}:{page}", args=[first.pk if page == "session_detail" else cohort.pk]
    )
    _busy_group(cohort, facilitator_user, 5, 0)
    client.force_login(facilitator_user)
    small = _load(client, url, django_assert_max_num_queries, PINNED[page])
    _busy_group(cohort, facilitator_user, 55, 5)
    assert _load(client, url, django_assert_max_num_queries, PINNED[page]) == small


@pytest.mark.parametrize("page", [*COHORT_PARTS, "attendance_grid"])
def test_one_on_one_pages_make_the_same_queries_for_5_and_60_participants(
    client, organization, facilitator_user, now, django_assert_max_num_queries, page
):
    cohort = ier_cohort(organization, [facilitator_user])
    url = reverse(f"{NAMESPACE[page]}:{page}", args=[cohort.pk])

    def add(count, start):
        for n in range(start, start + count):
            enrollment = enroll(cohort, participant_code=f"P-{n:04d}")
            held = [s for s in sessions_of(cohort, enrollment) if s.starts_at < NOW]
            attendance_record(
                entries=[
                    AttendanceEntry(s, enrollment, "attended", call_outcome="reached")
                    if s.is_phone
                    else AttendanceEntry(s, enrollment, "attended")
                    for s in held
                ],
                recorded_by=facilitator_user,
            )
            log_practice(enrollment, dt.date(2026, 9, 2), None)

    add(5, 0)
    client.force_login(facilitator_user)
    small = _load(client, url, django_assert_max_num_queries, PINNED[page])
    add(55, 5)
    assert _load(client, url, django_assert_max_num_queries, PINNED[page]) == small

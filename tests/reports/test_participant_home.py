"""The participant's home page: next session in their own zone, this week, progress, catching up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm, Delivery, Modality
from sessions.models import Attendance, AttendanceStatus, PracticeLog, ScheduledSession
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    shipped_program,
)

pytestmark = pytest.mark.django_db

HOME = reverse("reports:participant_home")
# The factory cohort meets on Tuesdays at 18:00 London time from 2026-09-01.
BEFORE_COURSE = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
AFTER_WEEK_1 = dt.datetime(2026, 9, 3, 12, tzinfo=dt.UTC)
AFTER_WEEK_3 = dt.datetime(2026, 9, 16, 12, tzinfo=dt.UTC)


def scheduled_cohort(**kwargs):
    cohort = CohortFactory(**kwargs)
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def session_of_week(cohort, number):
    return ScheduledSession.objects.get(cohort=cohort, program_session__number=number)


def mark(enrollment, number, status):
    Attendance.objects.create(
        scheduled_session=session_of_week(enrollment.cohort, number),
        enrollment=enrollment,
        status=status,
    )


def test_next_session_is_shown_in_the_participants_own_zone_with_the_zone_named(client):
    cohort = scheduled_cohort(timezone="Europe/London", meeting_time=dt.time(18))
    user = UserFactory(timezone="America/New_York")
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    # 18:00 in London is 13:00 in New York; the next session is week 2 on 8 September.
    assert "Tuesday 8 September 2026, 13:00 (America/New York time)" in page
    assert "18:00" not in page
    assert "Times are shown in <strong>America/New York</strong>." in page
    assert "In person" in page
    assert "Room 2, Riverside Centre" in page
    assert reverse("program_sessions:calendar_settings") in page
    assert "Add sessions to your calendar" in page


def test_video_session_shows_the_link_to_join(client):
    cohort = scheduled_cohort(
        default_modality=Modality.VIDEO, video_link="https://meet.example.org/ms"
    )
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "Video call" in page
    assert 'href="https://meet.example.org/ms"' in page


def test_one_on_one_phone_session_says_the_facilitator_will_phone(client):
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 9, 1))
    user = UserFactory()
    enrollment = EnrollmentFactory(
        cohort=cohort, user=user, start_date=dt.date(2026, 9, 1), session_time=dt.time(11)
    )
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_enrollment(enrollment=enrollment)
    client.force_login(user)
    # After session 1 (in person) the next one, session 2, is by phone.
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "By phone" in page
    assert "Your facilitator will call you on the number you gave us." in page
    assert "Tuesday 8 September 2026, 11:00 (Europe/London time)" in page


def test_home_shows_this_weeks_session_its_home_practice_and_a_link_to_the_week(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "Week 1: Week 1" in page
    assert "Material for week 1." in page
    assert "Body scan daily." in page
    assert reverse("program_sessions:week_detail", args=[1]) in page


def test_log_practice_link_opens_the_form_with_todays_local_date(client):
    cohort = scheduled_cohort()
    user = UserFactory(timezone="America/New_York")
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    # 02:00 UTC on the 4th is still the evening of the 3rd in New York.
    with time_machine.travel(dt.datetime(2026, 9, 4, 2, tzinfo=dt.UTC)):
        page = client.get(HOME).text
        assert ">Log practice</a>" in page
        form_page = client.get(reverse("program_sessions:practice_create") + "?practice=body_scan")
    assert form_page.status_code == 200
    assert 'value="2026-09-03"' in form_page.text
    assert 'value="body_scan" required id="id_practice_0" checked' in form_page.text


def test_progress_counts_sessions_attended_so_far_and_lists_missed_ones_to_catch_up(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    enrollment = EnrollmentFactory(cohort=cohort, user=user)
    mark(enrollment, 1, AttendanceStatus.ATTENDED)
    mark(enrollment, 2, AttendanceStatus.ABSENT)
    mark(enrollment, 3, AttendanceStatus.ATTENDED)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_3):
        page = client.get(HOME).text
    assert "You have attended 2 of 3 sessions so far." in page
    assert "Catch up on week 2" in page
    assert reverse("program_sessions:week_detail", args=[2]) in page
    assert "Catch up on week 1" not in page
    # Weeks 1 to 3 have been held and week 4 is next: all four can be revisited or prepared.
    for number in (1, 2, 3, 4):
        assert f"Week {number}: Week {number}</a>" in page


def test_made_up_session_counts_as_attended_and_needs_no_catch_up(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    enrollment = EnrollmentFactory(cohort=cohort, user=user)
    mark(enrollment, 1, AttendanceStatus.MADE_UP)
    mark(enrollment, 2, AttendanceStatus.EXCUSED)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_3):
        page = client.get(HOME).text
    assert "You have attended 1 of 3 sessions so far." in page
    assert "Catch up on week 2" in page
    assert "Catch up on week 1" not in page


def test_practice_days_are_counted_in_the_participants_local_week(client):
    cohort = scheduled_cohort()
    user = UserFactory(timezone="America/New_York")
    enrollment = EnrollmentFactory(cohort=cohort, user=user)
    for day in (dt.date(2026, 9, 6), dt.date(2026, 9, 12), dt.date(2026, 9, 13)):
        PracticeLog.objects.create(
            enrollment=enrollment, date=day, practice="body_scan", minutes=10
        )
    PracticeLog.objects.create(
        enrollment=enrollment, date=dt.date(2026, 9, 13), practice="breathing_space", minutes=3
    )
    client.force_login(user)
    # Monday 02:00 in UTC is still Sunday evening in New York: their week is 7 to 13 September,
    # so Saturday and Sunday count (twice on Sunday is still one day) and the 6th does not.
    with time_machine.travel(dt.datetime(2026, 9, 14, 2, tzinfo=dt.UTC)):
        page = client.get(HOME).text
    assert "You practised on 2 days this week (since Monday 7 September 2026)." in page


def test_questionnaires_section_says_honestly_that_none_are_open_yet(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    page = client.get(HOME).text
    assert "What to do" in page
    assert "There are no questionnaires for you to fill in at the moment." in page
    assert "When one opens, it will appear here." in page


def test_control_arm_sees_no_sessions_and_a_kind_note_about_questionnaires(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user, arm=Arm.CONTROL)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "comparison group" in page
    assert "What to do" in page
    assert "Your next session" not in page
    assert "Room 2, Riverside Centre" not in page
    assert "Log practice" not in page


def test_participant_without_a_course_gets_a_friendly_message(client, participant):
    client.force_login(participant)
    response = client.get(HOME)
    assert response.status_code == 200
    assert "Hello, Pat Participant" in response.text
    assert "You are not taking part in a course right now." in response.text
    assert "What to do" not in response.text


def test_facilitator_opening_me_sees_their_own_empty_state_not_a_participants(
    client, facilitator_user
):
    cohort = scheduled_cohort(facilitators=[facilitator_user], place="Room 9, Lakeside")
    EnrollmentFactory(cohort=cohort, user=UserFactory(full_name="Someone Else"))
    client.force_login(facilitator_user)
    with time_machine.travel(AFTER_WEEK_1):
        response = client.get(HOME)
    assert response.status_code == 200
    assert "You are not taking part in a course right now." in response.text
    assert "Room 9, Lakeside" not in response.text
    assert "Someone Else" not in response.text


def test_participant_sees_only_their_own_cohorts_sessions(client):
    mine = scheduled_cohort(place="Room 1, Mine")
    theirs = scheduled_cohort(place="Room 7, Theirs", meeting_time=dt.time(10))
    user = UserFactory()
    EnrollmentFactory(cohort=mine, user=user)
    EnrollmentFactory(cohort=theirs)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "Room 1, Mine" in page
    assert "Room 7, Theirs" not in page


def test_withdrawn_participant_sees_no_course(client):
    cohort = scheduled_cohort()
    user = UserFactory()
    EnrollmentFactory(
        cohort=cohort, user=user, status="withdrawn", withdrawn_at=dt.date(2026, 9, 2)
    )
    client.force_login(user)
    page = client.get(HOME).text
    assert "You are not taking part in a course right now." in page


def test_self_guided_home_counts_completed_weeks(client):
    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=4)
    cohort = CohortFactory(program=program, start_date=dt.date(2026, 9, 1))
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(HOME).text
    assert "You have completed 0 of 4 weeks." in page
    assert "Your course is self-guided" in page
    assert reverse("program_sessions:week_detail", args=[1]) in page


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_home_makes_the_same_queries_for_5_or_60_entries_and_a_big_cohort(
    client, django_assert_max_num_queries
):
    cohort = scheduled_cohort()
    user = UserFactory()
    enrollment = EnrollmentFactory(cohort=cohort, user=user)
    client.force_login(user)

    def add_entries(count):
        PracticeLog.objects.bulk_create(
            PracticeLog(
                enrollment=enrollment,
                date=dt.date(2026, 9, 16) - dt.timedelta(days=n % 14),
                practice="body_scan",
                minutes=10,
            )
            for n in range(count)
        )

    def load() -> int:
        with (
            time_machine.travel(AFTER_WEEK_3),
            django_assert_max_num_queries(14) as captured,
        ):
            assert client.get(HOME).status_code == 200
        return len(captured)

    add_entries(5)
    mark(enrollment, 1, AttendanceStatus.ABSENT)
    small = load()
    add_entries(55)
    for other in EnrollmentFactory.create_batch(60, cohort=cohort):
        mark(other, 1, AttendanceStatus.ATTENDED)
    mark(enrollment, 2, AttendanceStatus.ABSENT)
    assert load() == small

"""Weekly sessions keep their local wall-clock time across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sessions.models import ScheduledSession
from sessions.scheduling import local_to_utc, meeting_dates, plan
from sessions.services.schedule import (
    ScheduleError,
    schedule_sync_for_cohort,
    schedule_sync_for_enrollment,
    session_cancel,
    session_reschedule,
)
from tests.factories import CohortFactory, EnrollmentFactory, ProgramFactory, shipped_program

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _local_times(starts, zone):
    return [s.astimezone(zone) for s in starts]


@pytest.mark.parametrize(
    ("zone", "first", "change"),
    [
        (NEW_YORK, dt.date(2026, 10, 20), dt.date(2026, 11, 1)),  # clocks go back
        (LONDON, dt.date(2026, 10, 13), dt.date(2026, 10, 25)),  # clocks go back
        (LONDON, dt.date(2026, 3, 17), dt.date(2026, 3, 29)),  # clocks go forward
    ],
)
def test_weekly_1800_session_stays_at_1800_local_across_the_clock_change(zone, first, change):
    planned = plan(
        numbers=[1, 2, 3, 4],
        optional_after={},
        start=first,
        weekday=first.weekday(),
        at=dt.time(18),
        zone=zone,
    )
    local = _local_times([p.starts_at for p in planned], zone)
    assert [t.time() for t in local] == [dt.time(18)] * 4
    assert local[0].date() < change < local[-1].date()
    # The UTC instant moves by an hour across the change: it is the local time that is kept.
    utc_hours = {p.starts_at.astimezone(dt.UTC).hour for p in planned}
    assert len(utc_hours) == 2


def test_skip_dates_push_the_remaining_sessions_a_week_on():
    dates = meeting_dates(
        start=dt.date(2026, 12, 15), weekday=1, count=3, skip_dates=[dt.date(2026, 12, 22)]
    )
    assert dates == [dt.date(2026, 12, 15), dt.date(2026, 12, 29), dt.date(2027, 1, 5)]


def test_first_session_is_on_the_first_meeting_day_from_the_start_date():
    # 2026-09-01 is a Tuesday; a Thursday group meets first on the 3rd.
    assert meeting_dates(start=dt.date(2026, 9, 1), weekday=3, count=1) == [dt.date(2026, 9, 3)]


def test_time_skipped_by_the_clock_change_lands_on_the_wall_clock_time_after_it():
    start = local_to_utc(dt.date(2026, 3, 29), dt.time(1, 30), LONDON)
    assert start.astimezone(LONDON).time() == dt.time(2, 30)


@pytest.mark.django_db
def test_mbsr_cohort_gets_eight_weekly_sessions_and_the_optional_day_of_practice():
    cohort = CohortFactory(
        program=shipped_program("mbsr-8-ms"),
        start_date=dt.date(2026, 10, 6),
        timezone="Europe/London",
    )
    with time_machine.travel(dt.datetime(2026, 9, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort).select_related("program_session")
    )
    assert [s.program_session.number for s in sessions] == [1, 2, 3, 4, 5, 6, 9, 7, 8]
    weekly = [s for s in sessions if not s.program_session.optional]
    assert {s.starts_at.astimezone(LONDON).time() for s in weekly} == {dt.time(18)}
    day = next(s for s in sessions if s.program_session.optional)
    assert day.starts_at.astimezone(LONDON).strftime("%A %H:%M") == "Saturday 10:00"


@pytest.mark.django_db
def test_a_saturday_morning_group_has_its_day_of_practice_on_the_sunday():
    # 2026-10-03 is a Saturday: the Saturday after week 6 is week 7's meeting day.
    cohort = CohortFactory(
        program=shipped_program("mbsr-8-ms"),
        start_date=dt.date(2026, 10, 3),
        meeting_weekday=5,
        meeting_time=dt.time(10),
        timezone="Europe/London",
    )
    with time_machine.travel(dt.datetime(2026, 9, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort).select_related("program_session")
    )
    assert [s.program_session.number for s in sessions] == [1, 2, 3, 4, 5, 6, 7, 9, 8]
    day = next(s for s in sessions if s.program_session.optional)
    week7 = next(s for s in sessions if s.program_session.number == 7)
    assert day.starts_at.astimezone(LONDON).strftime("%A %d %B %H:%M") == "Sunday 15 November 10:00"
    assert (
        week7.starts_at.astimezone(LONDON).strftime("%A %d %B %H:%M")
        == "Saturday 14 November 10:00"
    )


@pytest.mark.django_db
def test_ier_enrollment_gets_its_own_schedule_in_person_first_and_last_by_phone_between():
    cohort = CohortFactory(
        program=shipped_program("ier-6"),
        timezone="America/New_York",
        start_date=dt.date(2026, 10, 1),
    )
    enrollment = EnrollmentFactory(
        cohort=cohort, start_date=dt.date(2026, 10, 22), session_time=dt.time(18)
    )
    with time_machine.travel(dt.datetime(2026, 9, 1, tzinfo=dt.UTC)):
        schedule_sync_for_enrollment(enrollment=enrollment)
    sessions = list(enrollment.scheduled_sessions.order_by("starts_at"))
    assert [s.modality for s in sessions] == [
        "in_person",
        "phone",
        "phone",
        "phone",
        "phone",
        "in_person",
    ]
    assert {s.starts_at.astimezone(NEW_YORK).time() for s in sessions} == {dt.time(18)}
    assert sessions[0].starts_at.astimezone(NEW_YORK).date() == dt.date(2026, 10, 22)


@pytest.mark.django_db
def test_changing_the_pattern_moves_only_future_sessions():
    cohort = CohortFactory(program=ProgramFactory(sessions=4), start_date=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
    with time_machine.travel(dt.datetime(2026, 9, 10, tzinfo=dt.UTC)):
        cohort.meeting_time = dt.time(10)
        schedule_sync_for_cohort(cohort=cohort)
    times = [
        s.starts_at.astimezone(LONDON).time()
        for s in ScheduledSession.objects.filter(cohort=cohort)
    ]
    assert times == [dt.time(18), dt.time(18), dt.time(10), dt.time(10)]


@pytest.mark.django_db
def test_moving_the_start_a_week_later_shifts_every_future_session_without_collisions():
    cohort = CohortFactory(program=ProgramFactory(sessions=4), start_date=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
        cohort.start_date = dt.date(2026, 9, 8)
        schedule_sync_for_cohort(cohort=cohort)
    dates = [s.starts_at.date() for s in ScheduledSession.objects.filter(cohort=cohort)]
    assert dates == [
        dt.date(2026, 9, 8),
        dt.date(2026, 9, 15),
        dt.date(2026, 9, 22),
        dt.date(2026, 9, 29),
    ]


@pytest.mark.django_db
def test_reschedule_with_shift_keeps_each_later_session_at_its_local_time_across_dst():
    cohort = CohortFactory(
        program=ProgramFactory(sessions=4),
        start_date=dt.date(2026, 10, 13),
        timezone="Europe/London",
    )
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
        first = ScheduledSession.objects.filter(cohort=cohort).first()
        session_reschedule(
            session=first, new_date=dt.date(2026, 10, 14), new_time=dt.time(18), shift_later=True
        )
    local = [s.starts_at.astimezone(LONDON) for s in ScheduledSession.objects.filter(cohort=cohort)]
    assert [t.date() for t in local] == [
        dt.date(2026, 10, 14),
        dt.date(2026, 10, 21),
        dt.date(2026, 10, 28),
        dt.date(2026, 11, 4),
    ]
    assert {t.time() for t in local} == {dt.time(18)}


@pytest.mark.django_db
def test_moving_a_session_onto_another_sessions_time_is_refused_and_nothing_moves():
    cohort = CohortFactory(program=ProgramFactory(sessions=3), start_date=dt.date(2026, 10, 13))
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
        first, second, _ = ScheduledSession.objects.filter(cohort=cohort)
        before = first.starts_at
        target = second.starts_at.astimezone(LONDON)
        with pytest.raises(ScheduleError, match="already at that time"):
            session_reschedule(session=first, new_date=target.date(), new_time=target.time())
    first.refresh_from_db()
    assert first.starts_at == before


@pytest.mark.django_db
def test_moving_a_session_into_the_past_is_refused():
    cohort = CohortFactory(program=ProgramFactory(sessions=2), start_date=dt.date(2026, 10, 13))
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
        session = ScheduledSession.objects.filter(cohort=cohort).first()
        with pytest.raises(ScheduleError, match="already passed"):
            session_reschedule(session=session, new_date=dt.date(2026, 9, 1), new_time=dt.time(18))


@pytest.mark.django_db
def test_cancelled_session_stays_cancelled_when_the_pattern_changes():
    cohort = CohortFactory(program=ProgramFactory(sessions=2), start_date=dt.date(2026, 10, 13))
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        schedule_sync_for_cohort(cohort=cohort)
        session = ScheduledSession.objects.filter(cohort=cohort).first()
        session_cancel(session=session, reason="Room flooded")
        cohort.meeting_time = dt.time(9)
        schedule_sync_for_cohort(cohort=cohort)
    session.refresh_from_db()
    assert session.is_cancelled
    assert session.starts_at.astimezone(LONDON).time() == dt.time(18)


@pytest.mark.django_db
def test_withdrawing_a_one_on_one_participant_cancels_only_their_future_sessions():
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 10, 1))
    enrollment = EnrollmentFactory(
        cohort=cohort, start_date=dt.date(2026, 10, 6), session_time=dt.time(11)
    )
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        schedule_sync_for_enrollment(enrollment=enrollment)
    with time_machine.travel(dt.datetime(2026, 10, 21, tzinfo=dt.UTC)):
        enrollment.status = "withdrawn"
        enrollment.withdrawn_at = dt.date(2026, 10, 21)
        enrollment.save()
        schedule_sync_for_enrollment(enrollment=enrollment)
    statuses = list(
        enrollment.scheduled_sessions.order_by("starts_at").values_list("status", flat=True)
    )
    assert statuses == ["scheduled"] * 3 + ["cancelled"] * 3

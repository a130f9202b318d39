"""Coordinators set up cohorts; the schedule follows every change to the meeting pattern."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from programs.models import Cohort
from programs.services import CohortError, cohort_create, cohort_update
from programs.signals import ScheduleRejected, cohort_schedule_changed
from tests.factories import CohortFactory, ProgramFactory, facilitator

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _fields(**overrides):
    fields = {
        "name": "Autumn evenings",
        "start_date": dt.date(2026, 9, 15),
        "meeting_time": dt.time(18, 0),
        "timezone": "Europe/London",
        "place": "Room 2, Riverside Centre",
    }
    fields.update(overrides)
    return fields


def _create(organization, program, staff, **overrides):
    return cohort_create(
        organization=organization, program=program, facilitators=[staff], **_fields(**overrides)
    )


def test_new_mbsr_cohort_gets_its_nine_sessions_at_its_local_time_across_the_clock_change(
    organization, facilitator_user, mbsr
):
    cohort = _create(organization, mbsr, facilitator_user)

    sessions = list(cohort.scheduled_sessions.select_related("program_session"))
    assert len(sessions) == 9 == mbsr.sessions.count()
    weekly = [s for s in sessions if not s.program_session.optional]
    local = [s.starts_at.astimezone(LONDON) for s in weekly]
    assert [t.time() for t in local] == [dt.time(18, 0)] * 8
    assert {t.strftime("%A") for t in local} == {"Tuesday"}
    # The course runs across 25 October 2026, when the UK clocks go back.
    assert local[0].date() == dt.date(2026, 9, 15)
    assert local[-1].date() == dt.date(2026, 11, 3)
    assert {s.place for s in sessions} == {"Room 2, Riverside Centre"}
    # The optional day of practice is a Saturday morning between weeks 6 and 7.
    (day,) = [s for s in sessions if s.program_session.optional]
    assert day.starts_at.astimezone(LONDON) == dt.datetime(2026, 10, 24, 10, 0, tzinfo=LONDON)


def test_meeting_day_defaults_to_the_start_dates_weekday(organization, facilitator_user, mbsr):
    cohort = _create(organization, mbsr, facilitator_user, start_date=dt.date(2026, 9, 17))
    assert cohort.meeting_weekday == 3  # Thursday


def test_start_date_in_the_past_is_refused_and_nothing_is_created(
    organization, facilitator_user, mbsr
):
    with pytest.raises(CohortError, match="start date has already passed") as caught:
        _create(organization, mbsr, facilitator_user, start_date=dt.date(2026, 8, 2))
    assert caught.value.field == "start_date"
    assert not Cohort.objects.exists()


def test_duplicate_name_in_the_organization_is_refused(organization, facilitator_user, mbsr):
    CohortFactory(organization=organization, name="Autumn evenings")
    with pytest.raises(CohortError, match="already a cohort called “Autumn evenings”") as caught:
        _create(organization, mbsr, facilitator_user, name="autumn evenings")
    assert caught.value.field == "name"


def test_same_name_in_another_organization_is_fine(
    organization, other_organization, facilitator_user, mbsr
):
    CohortFactory(organization=other_organization, name="Autumn evenings")
    assert _create(organization, mbsr, facilitator_user).name == "Autumn evenings"


def test_facilitator_from_another_organization_is_refused(other_organization, organization, mbsr):
    outsider = facilitator(other_organization)
    with pytest.raises(CohortError, match="staff of your organization"):
        _create(organization, mbsr, outsider)


def test_at_least_one_facilitator_is_needed(organization, mbsr):
    with pytest.raises(CohortError, match="at least one facilitator"):
        cohort_create(organization=organization, program=mbsr, facilitators=[], **_fields())


def test_coordinator_may_facilitate_their_own_cohort(organization, coordinator_user, mbsr):
    cohort = _create(organization, mbsr, coordinator_user)
    assert list(cohort.facilitators.all()) == [coordinator_user]


def test_video_group_needs_a_link(organization, facilitator_user, mbsr):
    with pytest.raises(CohortError, match="link for the video call"):
        _create(organization, mbsr, facilitator_user, default_modality="video", place="")


def test_skip_dates_move_the_session_a_week_on(organization, facilitator_user, mbsr):
    cohort = _create(organization, mbsr, facilitator_user, skip_dates=[dt.date(2026, 9, 22)])
    second = cohort.scheduled_sessions.get(program_session__number=2)
    assert second.starts_at.astimezone(LONDON).date() == dt.date(2026, 9, 29)
    assert cohort.skip_dates == ["2026-09-22"]


def test_schedule_refused_by_the_sessions_app_rolls_the_cohort_back(
    organization, facilitator_user, mbsr
):
    def refuse(sender, **kwargs):
        raise ScheduleRejected("That pattern clashes with a session moved by hand.")

    cohort_schedule_changed.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(CohortError, match="clashes with a session moved by hand"):
            _create(organization, mbsr, facilitator_user)
    finally:
        cohort_schedule_changed.disconnect(dispatch_uid="test-refuse")
    assert not Cohort.objects.exists()


def test_new_meeting_time_moves_future_sessions_to_it(organization, facilitator_user, mbsr):
    cohort = _create(organization, mbsr, facilitator_user)
    cohort_update(
        cohort=cohort,
        program=mbsr,
        facilitators=[facilitator_user],
        **_fields(meeting_time=dt.time(19, 30), meeting_weekday=1),
    )
    local = {
        s.starts_at.astimezone(LONDON).time()
        for s in cohort.scheduled_sessions.filter(program_session__optional=False)
    }
    assert local == {dt.time(19, 30)}


def test_renaming_a_cohort_leaves_its_schedule_alone(organization, facilitator_user, mbsr):
    cohort = _create(organization, mbsr, facilitator_user)
    calls = []

    def spy(sender, **kwargs):
        calls.append(kwargs["cohort"])

    cohort_schedule_changed.connect(spy, dispatch_uid="test-spy")
    try:
        cohort_update(
            cohort=cohort,
            program=mbsr,
            facilitators=[facilitator_user],
            **_fields(name="Tuesday evenings", meeting_weekday=1),
        )
    finally:
        cohort_schedule_changed.disconnect(dispatch_uid="test-spy")
    assert calls == []
    cohort.refresh_from_db()
    assert cohort.name == "Tuesday evenings"


def test_program_cannot_change_once_sessions_exist(organization, facilitator_user, mbsr):
    cohort = _create(organization, mbsr, facilitator_user)
    with pytest.raises(CohortError, match="program cannot change") as caught:
        cohort_update(
            cohort=cohort,
            program=ProgramFactory(),
            facilitators=[facilitator_user],
            **_fields(meeting_weekday=1),
        )
    assert caught.value.field == "program"
    cohort.refresh_from_db()
    assert cohort.program == mbsr


def test_cohort_that_already_started_can_still_be_edited(organization, facilitator_user, mbsr):
    cohort = CohortFactory(organization=organization, program=mbsr, start_date=dt.date(2026, 7, 7))
    cohort_update(
        cohort=cohort,
        program=mbsr,
        facilitators=[facilitator_user],
        **_fields(start_date=dt.date(2026, 7, 7), name="Summer", meeting_weekday=1),
    )
    cohort.refresh_from_db()
    assert cohort.name == "Summer"

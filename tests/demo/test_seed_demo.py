"""seed_demo: demo people who can sign in, and courses part-way through for every page to show."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD, demo_people_ensure
from accounts.models import Membership, Role, User
from programs.models import Cohort, Enrollment
from programs.scoring import score
from sessions.demo.courses import demo_courses_ensure
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CallOutcome,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    ScheduledSession,
)
from sessions.questionnaires.models import Assessment, AssessmentStatus, Response, SafetyEvent
from sessions.selectors import scheduled_session_list_for_participant

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_people_who_can_sign_in(settings, client, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert DEMO_PASSWORD in capsys.readouterr().out
    assert Membership.objects.get(user__email="coordinator@demo.test").role == Role.COORDINATOR
    assert Membership.objects.filter(role=Role.FACILITATOR).count() == 2
    assert User.objects.filter(email__startswith="participant").count() == 12
    response = client.post(
        "/accounts/login/", {"login": "participant12@demo.test", "password": DEMO_PASSWORD}
    )
    assert response.url == "/"


def test_seed_demo_twice_changes_nothing_and_scales(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    # The trial's people (trial01@demo.test …) are counted in test_demo_trial.py, the
    # self-guided course's (selfguided@demo.test …) in test_demo_self_guided.py.
    others = User.objects.exclude(email__startswith="trial").exclude(email__startswith="selfguided")
    assert others.count() == 15
    call_command("seed_demo", participants=40)
    assert User.objects.filter(email__startswith="participant").count() == 40


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


# --- demo courses -------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")
# A Wednesday: the Tuesday group met yesterday for the third time.
NOW = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    return NOW


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Cohort,
            Enrollment,
            ScheduledSession,
            Attendance,
            FollowUp,
            FacilitatorNote,
            PracticeLog,
            Assessment,
            Response,
            SafetyEvent,
        )
    }


def test_mbsr_group_is_three_weeks_in_with_attendance_notes_and_practice(seeded):
    cohort = Cohort.objects.get(name="MBSR Tuesday evenings")
    assert cohort.program.slug == "mbsr-8-ms"
    assert [f.email for f in cohort.facilitators.all()] == ["facilitator@demo.test"]
    assert cohort.place
    enrollments = list(cohort.enrollments.all())
    assert 3 <= len(enrollments) <= 12
    assert {e.status for e in enrollments} == {"active"}
    assert all(e.participant_code.startswith("MB-DEMO") for e in enrollments)

    held = list(ScheduledSession.objects.filter(cohort=cohort).held(now=seeded))
    assert len(held) == 3
    assert held[0].starts_at.astimezone(LONDON) == dt.datetime(2026, 11, 3, 18, tzinfo=LONDON)
    for session in held:
        assert session.attendances.count() == len(enrollments)
    statuses = list(
        Attendance.objects.filter(enrollment__cohort=cohort).values_list("status", flat=True)
    )
    assert statuses.count(AttendanceStatus.ATTENDED) > len(statuses) * 0.8
    assert AttendanceStatus.EXCUSED in statuses
    absent = Attendance.objects.filter(
        enrollment__cohort=cohort, status=AttendanceStatus.ABSENT, scheduled_session=held[-1]
    ).get()
    assert FollowUp.objects.get(scheduled_session=held[-1], enrollment=absent.enrollment).is_open

    notes = FacilitatorNote.objects.filter(scheduled_session__cohort=cohort)
    assert notes.filter(enrollment__isnull=True).exists()
    assert notes.filter(enrollment__isnull=False).exists()

    logs = PracticeLog.objects.filter(enrollment__cohort=cohort)
    assert {log.enrollment_id for log in logs} == {e.pk for e in enrollments}
    durations = {p["code"]: p["durations"] for p in cohort.program.practices}
    assert all(log.minutes in durations[log.practice] for log in logs)
    days = {log.date for log in logs}
    assert min(days) == dt.date(2026, 11, 3)
    assert max(days) == dt.date(2026, 11, 17)
    # Not every day, and not the same practice every day.
    per_person = logs.filter(enrollment=enrollments[0])
    assert 5 < per_person.count() < 15
    assert len({log.practice for log in logs}) > 2


def test_participant1_is_in_the_first_group_and_has_a_next_session(seeded):
    participant1 = Enrollment.objects.get(user__email="participant1@demo.test")
    assert participant1.cohort.name == "MBSR Tuesday evenings"
    upcoming = (
        scheduled_session_list_for_participant(user=participant1.user).upcoming(now=seeded).first()
    )
    assert upcoming is not None
    assert upcoming.starts_at.astimezone(LONDON) == dt.datetime(2026, 11, 24, 18, tzinfo=LONDON)


def test_ier_participants_have_their_own_schedules_with_phone_calls_and_strategy_use(seeded):
    cohort = Cohort.objects.get(name="IER one-to-one")
    assert [f.email for f in cohort.facilitators.all()] == ["facilitator2@demo.test"]
    enrollments = list(cohort.enrollments.order_by("pk"))
    assert len(enrollments) >= 1
    assert len({(e.start_date, e.session_time) for e in enrollments}) == len(enrollments)
    for enrollment in enrollments:
        sessions = list(enrollment.scheduled_sessions.order_by("starts_at"))
        assert [s.modality for s in sessions] == ["in_person"] + ["phone"] * 4 + ["in_person"]
        assert sessions[0].starts_at.astimezone(LONDON).date() == enrollment.start_date

    firsts = [e.scheduled_sessions.order_by("starts_at").first().starts_at for e in enrollments]
    assert any(first < seeded - dt.timedelta(weeks=2) for first in firsts)
    assert any(seeded < first < seeded + dt.timedelta(days=8) for first in firsts)

    calls = Attendance.objects.filter(
        enrollment__cohort=cohort, scheduled_session__modality="phone"
    )
    assert calls.filter(call_outcome=CallOutcome.REACHED, call_minutes__gt=0).exists()
    no_answer = calls.get(call_outcome=CallOutcome.NO_ANSWER)
    assert no_answer.status == AttendanceStatus.ABSENT
    assert FollowUp.objects.filter(
        scheduled_session=no_answer.scheduled_session, enrollment=no_answer.enrollment
    ).exists()
    # Attendance only for sessions that have happened.
    assert not Attendance.objects.filter(
        enrollment__cohort=cohort, scheduled_session__starts_at__gte=seeded
    ).exists()

    strategy_codes = {s["code"] for s in cohort.program.strategies}
    logs = list(PracticeLog.objects.filter(enrollment__cohort=cohort))
    assert logs
    for log in logs:
        assert log.practice in strategy_codes
        assert log.situation
        assert 0 <= log.mood_before <= 10
        assert 0 <= log.mood_after <= 10
        assert log.date < seeded.date()


def test_seed_demo_prints_the_cohorts(settings, capsys):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    out = capsys.readouterr().out
    assert "MBSR Tuesday evenings (MBSR-8 for MS): 9 participants, 3 of 9 sessions held" in out
    assert "IER one-to-one (IER-6): 3 participants" in out


def test_running_again_creates_nothing_new_even_days_later(seeded, settings):
    before = _counts()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    assert _counts() == before
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        call_command("seed_demo")
    assert _counts() == before


def test_forty_participants_fill_several_groups_of_at_most_twelve(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", participants=40)
    groups = Cohort.objects.filter(program__slug="mbsr-8-ms")
    sizes = [g.enrollments.count() for g in groups]
    assert len(sizes) >= 3
    assert max(sizes) <= 12
    assert len({g.name for g in groups}) == len(sizes)
    courses = Enrollment.objects.filter(user__email__startswith="participant")  # not the trial
    ier = courses.filter(cohort__program__slug="ier-6").count()
    assert 8 <= ier <= 12
    assert courses.count() == 40
    assert Enrollment.objects.get(user__email="participant1@demo.test").cohort.name == (
        "MBSR Tuesday evenings"
    )


def test_more_participants_later_places_only_the_new_people(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
        courses = Enrollment.objects.filter(user__email__startswith="participant")
        placed = dict(courses.values_list("user__email", "cohort__name"))
        call_command("seed_demo", participants=40)
    after = dict(courses.values_list("user__email", "cohort__name"))
    assert {email: after[email] for email in placed} == placed
    assert len(after) == 40
    assert all(g.enrollments.count() <= 12 for g in Cohort.objects.all() if "MBSR" in g.name)


def test_two_participants_still_put_someone_in_one_to_one(db):
    people = demo_people_ensure(participants=2)
    demo_courses_ensure(people=people, today=dt.date(2026, 11, 18))
    assert Enrollment.objects.get(user__email="participant1@demo.test").cohort.program.slug == (
        "mbsr-8-ms"
    )
    assert Enrollment.objects.get(user__email="participant2@demo.test").cohort.program.slug == (
        "ier-6"
    )


def test_seed_demo_with_twelve_participants_stays_within_its_query_budget(
    settings, django_assert_max_num_queries
):
    # `make run` seeds on every start, so it must stay quick; a clock in a test fails on a busy
    # machine, so the budget is counted in queries (about 250 for the courses, written in bulk,
    # and 2,100 for the trial's first seed, most of them randomizing 44 people through the real
    # service). Seeding speed at scale is a benchmark (bench/seed.py), not a test.
    settings.DEBUG = True
    with django_assert_max_num_queries(3500):
        call_command("seed_demo")


# --- demo questionnaires ------------------------------------------------------------------


def test_most_participants_completed_a_baseline_that_scores(seeded):
    # The courses' participants; the trial's questionnaires are tested in test_demo_trial.py.
    courses = Enrollment.objects.filter(user__email__startswith="participant")
    baselines = list(
        Assessment.objects.filter(
            measurement_point__kind="baseline", enrollment__in=courses
        ).select_related("enrollment")
    )
    assert len(baselines) == courses.count() == 12
    completed = [a for a in baselines if a.completed_at is not None]
    assert len(completed) > len(baselines) / 2
    for assessment in completed:
        assert assessment.opens_at <= assessment.completed_at < assessment.closes_at
        responses = list(assessment.responses.all())
        assert sorted(r.instrument for r in responses) == sorted(assessment.instruments)
        for response in responses:
            assert response.is_submitted
            assert response.submitted_at <= assessment.completed_at
            assert response.entered_by == assessment.enrollment.user
            # Raw answers to every item, as a participant would give them, and a usable score.
            result = score(response.instrument, response.answer_map())
            assert None not in response.answers.values()
            assert result.total is not None or result.subscales
    # Not everyone answers alike.
    phq9_totals = {
        score("phq9", r.answer_map()).total
        for r in Response.objects.filter(instrument="phq9", submitted_at__isnull=False)
    }
    assert len(phq9_totals) > 2


def test_some_baselines_are_missed_or_still_in_progress(seeded):
    statuses = [
        a.status(now=seeded, started=a.responses.exists())
        for a in Assessment.objects.filter(measurement_point__kind="baseline")
    ]
    assert AssessmentStatus.MISSED in statuses
    assert AssessmentStatus.IN_PROGRESS in statuses
    # Only windows already open have answers: every post is still in the future (the courses';
    # the trial's intakes finished months ago).
    assert not Response.objects.filter(assessment__opens_at__gt=seeded).exists()
    assert not Response.objects.filter(
        assessment__measurement_point__kind="post",
        assessment__enrollment__user__email__startswith="participant",
    ).exists()


def test_exactly_one_open_safety_event_in_the_mbsr_tuesday_group(seeded):
    event = SafetyEvent.objects.get()
    assert event.is_open
    assert event.flag == "item9_positive"
    assert event.flag_value is True
    assert event.enrollment.cohort.name == "MBSR Tuesday evenings"
    assert event.response.answers["9"] == 1
    assert event.raised_at == event.response.submitted_at
    others = Response.objects.filter(instrument="phq9").exclude(pk=event.response_id)
    assert others.exists()
    assert {r.answers["9"] for r in others} == {0}


def test_forty_participants_still_have_a_single_safety_event(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", participants=40)
        call_command("seed_demo", participants=40)
    assert SafetyEvent.objects.count() == 1


# --- something to try straight away -------------------------------------------------------


def _participant1_baseline() -> Assessment:
    return Assessment.objects.get(
        enrollment__user__email="participant1@demo.test", measurement_point__kind="baseline"
    )


def test_participant1_has_an_open_questionnaire_nobody_started(seeded, client):
    assessment = _participant1_baseline()
    assert assessment.status(now=seeded) == AssessmentStatus.OPEN
    assert not assessment.responses.exists()
    # Open for a week from the day of seeding, though the group began three weeks ago.
    assert assessment.closes_at.astimezone(LONDON) == dt.datetime(2026, 11, 25, 12, tzinfo=LONDON)

    start = f"/me/questionnaires/{assessment.pk}/"
    with time_machine.travel(seeded, tick=False):
        client.force_login(assessment.enrollment.user)
        home = client.get("/", follow=True)
        page = client.get(start)
    assert start in home.content.decode()
    assert page.status_code == 200


def test_facilitator_sees_an_open_window_in_their_group(seeded, client):
    cohort = Cohort.objects.get(facilitators__email="facilitator@demo.test")
    open_now = Assessment.objects.filter(enrollment__cohort=cohort).open_at(seeded)
    assert list(open_now) == [_participant1_baseline()]

    with time_machine.travel(seeded, tick=False):
        client.force_login(User.objects.get(email="facilitator@demo.test"))
        page = client.get(f"/cohorts/{cohort.pk}/questionnaires/")
    assert page.status_code == 200
    # Open, so the facilitator can enter answers read out on the phone.
    assert f"/staff/questionnaires/{open_now[0].pk}/" in page.content.decode()


def test_the_open_questionnaire_stays_open_when_seeded_again(seeded):
    first = _participant1_baseline().closes_at
    with time_machine.travel(seeded, tick=False):
        call_command("seed_demo")
    assert _participant1_baseline().closes_at == first

    later = seeded + dt.timedelta(days=9)
    with time_machine.travel(later, tick=False):
        call_command("seed_demo")
    assessment = _participant1_baseline()
    assert assessment.status(now=later) == AssessmentStatus.OPEN
    assert assessment.closes_at == first + dt.timedelta(days=9)


def test_a_finished_questionnaire_is_not_opened_again(seeded):
    assessment = _participant1_baseline()
    assessment.completed_at = seeded
    assessment.save(update_fields=["completed_at"])
    with time_machine.travel(seeded + dt.timedelta(days=9), tick=False):
        call_command("seed_demo")
    assessment.refresh_from_db()
    assert assessment.closes_at == dt.datetime(2026, 11, 25, 12, tzinfo=LONDON)

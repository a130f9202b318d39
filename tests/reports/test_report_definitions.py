"""The report definitions (sessions.reports.definitions) against small cohorts counted by hand.

The group cohort of staff_cast meets on 1, 8, 15 and 22 September 2026; at NOW (16 September)
three sessions were held. Its program asks for 3 of 4 sessions to complete the course.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus, MeasurementPoint
from sessions.models import Attendance
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.reports.definitions import (
    DEFINITIONS,
    AttendanceRow,
    CohortSummary,
    EnrollmentFacts,
    SessionRow,
    cohort_summaries,
    enrollment_facts,
    rate,
    session_attendance_build,
)
from sessions.services.schedule import session_add_makeup, session_cancel
from tests.factories import EnrollmentFactory, UserFactory
from tests.questionnaires.test_questionnaire_staff import phq9, respond
from tests.sessions.staff_cast import (
    BEFORE,
    NOW,
    enroll,
    group_cohort,
    ier_cohort,
    log_practice,
    sessions_of,
    withdraw,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def mark(session, enrollment, status):
    return Attendance.objects.create(
        scheduled_session=session, enrollment=enrollment, status=status
    )


def questionnaire(enrollment, kind, *, done=True):
    """The enrollment's assessment at a measurement point (made if missing), sent or not."""
    point, _ = MeasurementPoint.objects.get_or_create(
        program=enrollment.cohort.program,
        kind=kind,
        defaults={"label": kind.title(), "instruments": ["phq9"]},
    )
    opens = dt.datetime(2026, 8, 18, tzinfo=UTC) if kind == "baseline" else NOW
    assessment, _ = Assessment.objects.update_or_create(
        enrollment=enrollment,
        measurement_point=point,
        defaults={
            "instruments": ["phq9"],
            "opens_at": opens,
            "closes_at": opens + dt.timedelta(days=14),
            "completed_at": opens + dt.timedelta(days=1) if done else None,
        },
    )
    return assessment


def flag(enrollment, *, acknowledged=False):
    response = respond(questionnaire(enrollment, "baseline"), "phq9", phq9(6, 1))
    return SafetyEvent.objects.create(
        enrollment=enrollment,
        response=response,
        flag="item9_positive",
        flag_value=True,
        acknowledged_at=NOW if acknowledged else None,
    )


def facts_by_code(enrollments) -> dict[str, EnrollmentFacts]:
    return {
        f.enrollment.participant_code: f for f in enrollment_facts(enrollments=enrollments, now=NOW)
    }


def summary_rows(cohorts) -> dict[tuple[str, str], CohortSummary]:
    return {(s.cohort.name, s.arm): s for s in cohort_summaries(cohorts=cohorts, now=NOW)}


def group_scenario(organization, facilitator_user):
    """Ann attends every held session (one made up); Ben misses session 2 and attends its make-up;
    Cat withdraws after session 1; Dan is only invited; Eve is in the control arm."""
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    first, second, third, _fourth = sessions_of(cohort)
    people = {
        code: enroll(cohort, participant_code=code) for code in ("P-ANN", "P-BEN", "P-CAT", "P-DAN")
    }
    people["P-EVE"] = enroll(cohort, participant_code="P-EVE", arm=Arm.CONTROL)
    ann, ben, cat, dan, eve = people.values()
    dan.status = EnrollmentStatus.INVITED
    dan.save()
    makeup = session_add_makeup(
        cohort=cohort,
        program_session=second.program_session,
        on_date=dt.date(2026, 9, 12),
        at=dt.time(10),
        modality="in_person",
        enrollment=ben,
        now=BEFORE,
    )
    mark(first, ann, "attended")
    mark(second, ann, "made_up")
    mark(third, ann, "attended")
    mark(first, ben, "attended")
    mark(second, ben, "absent")
    mark(makeup, ben, "attended")
    mark(third, ben, "attended")
    mark(first, cat, "attended")
    withdraw(cat)  # on 10 September
    log_practice(ann, dt.date(2026, 8, 31), 45)  # before the course: not a day in the program
    log_practice(ann, dt.date(2026, 9, 1), 20)
    log_practice(ann, dt.date(2026, 9, 1), 10)  # same day: one day, 30 minutes
    log_practice(ann, dt.date(2026, 9, 7), 30)
    log_practice(ann, dt.date(2026, 9, 16), 15)  # today counts
    log_practice(cat, dt.date(2026, 9, 2), 10)
    log_practice(cat, dt.date(2026, 9, 12), 10)  # after withdrawing: not in the program
    questionnaire(ann, "baseline")
    questionnaire(ann, "post")
    questionnaire(ben, "baseline")
    questionnaire(ben, "post", done=False)
    questionnaire(cat, "post")
    questionnaire(dan, "baseline")
    questionnaire(eve, "baseline")
    flag(ann)
    flag(ben, acknowledged=True)
    flag(eve)
    return cohort, people


@pytest.fixture
def group(organization, facilitator_user):
    return group_scenario(organization, facilitator_user)


def test_facts_of_each_participant_in_a_group_cohort(group):
    cohort, _people = group
    facts = facts_by_code(cohort.enrollments.all())
    ann, ben, cat, dan, eve = (facts[c] for c in ("P-ANN", "P-BEN", "P-CAT", "P-DAN", "P-EVE"))
    # Three sessions held; a made-up session and a make-up session count as attended.
    assert (ann.sessions_held, ann.sessions_attended, ann.completed_course) == (3, 3, True)
    assert (ben.sessions_held, ben.sessions_attended, ben.completed_course) == (3, 3, True)
    # Intention to treat: Cat keeps being expected after withdrawing.
    assert (cat.sessions_held, cat.sessions_attended, cat.completed_course) == (3, 1, False)
    assert (eve.sessions_held, eve.sessions_attended, eve.completed_course) == (0, 0, False)
    assert [f.counted for f in (ann, ben, cat, dan, eve)] == [True, True, True, False, True]
    # Days from 1 September (the first session) to today, 16 September: 16.
    assert (ann.practice_days, ann.practice_minutes, ann.days_in_program) == (3, 75, 16)
    assert ann.practice_adherence == Decimal(3) / Decimal(16)
    assert (ben.practice_days, ben.days_in_program, ben.practice_adherence) == (0, 16, 0)
    # Cat withdrew on 10 September: 10 days in the program, the practice after it is not counted.
    assert (cat.practice_days, cat.practice_minutes, cat.days_in_program) == (1, 10, 10)
    assert (eve.days_in_program, eve.practice_adherence) == (0, None)
    assert (ann.baseline_completed, ann.post_completed, ann.paired_completed) == (True, True, True)
    assert (ben.baseline_completed, ben.post_completed, ben.paired_completed) == (
        True,
        False,
        False,
    )
    assert (cat.baseline_completed, cat.post_completed, cat.paired_completed) == (
        False,
        True,
        False,
    )


def test_cohort_summary_per_arm_of_a_group_cohort(group):
    cohort, _people = group
    rows = summary_rows([cohort])
    assert list(rows) == [("Tuesday group", "intervention"), ("Tuesday group", "control")]
    treated = rows[("Tuesday group", "intervention")]
    # Dan is only invited: not enrolled. Cat withdrew: still enrolled.
    assert (treated.enrolled, treated.active, treated.withdrawn, treated.invited) == (3, 2, 1, 1)
    assert treated.completed == 2
    assert treated.completion_rate == Decimal(2) / Decimal(3)
    assert treated.sessions_held == 3
    assert (treated.participant_sessions_attended, treated.participant_sessions_held) == (7, 9)
    assert treated.attendance_rate == Decimal(7) / Decimal(9)
    assert (treated.baseline_completed, treated.post_completed, treated.paired_completed) == (
        2,
        2,
        1,
    )
    assert (treated.practice_days, treated.days_in_program) == (4, 42)
    assert treated.practice_adherence == Decimal(4) / Decimal(42)
    assert treated.open_safety_flags == 1  # Ben's was acknowledged
    assert (treated.required_sessions, treated.completion_threshold) == (4, 3)

    control = rows[("Tuesday group", "control")]
    assert (control.enrolled, control.completed, control.sessions_held) == (1, 0, 0)
    # Not offered sessions: no completion or attendance rate, no practice adherence.
    assert (control.completion_rate, control.attendance_rate, control.practice_adherence) == (
        None,
        None,
        None,
    )
    assert (control.baseline_completed, control.open_safety_flags) == (1, 1)


def test_a_cancelled_session_is_not_held_until_a_group_make_up_takes_its_place(
    organization, facilitator_user
):
    cohort = group_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    first, second, third, _fourth = sessions_of(cohort)
    with time_machine.travel(BEFORE, tick=False):
        session_cancel(session=second, reason="Snow")
    mark(first, ann, "attended")
    mark(third, ann, "attended")
    [row] = cohort_summaries(cohorts=[cohort], now=NOW)
    assert (row.sessions_held, row.attendance_rate) == (2, 1)
    makeup = session_add_makeup(
        cohort=cohort,
        program_session=second.program_session,
        on_date=dt.date(2026, 9, 12),
        at=dt.time(10),
        modality="in_person",
        now=BEFORE,
    )
    [row] = cohort_summaries(cohorts=[cohort], now=NOW)
    assert (row.sessions_held, row.participant_sessions_attended, row.attendance_rate) == (
        3,
        2,
        Decimal(2) / Decimal(3),
    )
    mark(makeup, ann, "attended")
    [row] = cohort_summaries(cohorts=[cohort], now=NOW)
    assert (row.completed, row.completion_rate) == (1, 1)


def test_one_on_one_sessions_held_add_up_over_participants(organization, facilitator_user):
    cohort = ier_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")  # from Tuesday 1 Sep: 1, 8, 15 Sep held
    ben = enroll(cohort, participant_code="P-BEN", start_date=dt.date(2026, 9, 3))  # 3, 10 Sep
    enroll(cohort, participant_code="P-CTRL", arm=Arm.CONTROL)
    for session in sessions_of(cohort, ann)[:3]:
        mark(session, ann, "attended")
    ben_first, ben_second = sessions_of(cohort, ben)[:2]
    mark(ben_first, ben, "attended")
    mark(ben_second, ben, "absent")
    facts = facts_by_code(cohort.enrollments.all())
    assert (facts["P-ANN"].sessions_held, facts["P-ANN"].sessions_attended) == (3, 3)
    assert (facts["P-BEN"].sessions_held, facts["P-BEN"].sessions_attended) == (2, 1)
    # Each one-on-one participant's days count from their own first session.
    assert facts["P-ANN"].days_in_program == 16
    assert facts["P-BEN"].days_in_program == 14
    rows = summary_rows([cohort])
    treated = rows[(cohort.name, "intervention")]
    assert (treated.sessions_held, treated.attendance_rate) == (5, Decimal(4) / Decimal(5))
    # IER-6 asks for 4 of 6: no one has completed yet.
    assert (treated.completed, treated.completion_rate, treated.required_sessions) == (0, 0, 6)
    control = rows[(cohort.name, "control")]
    assert (control.enrolled, control.sessions_held, control.completion_rate) == (1, 0, None)


def test_before_any_session_is_held_rates_are_empty_not_zero(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    enroll(cohort, participant_code="P-ANN")
    empty = group_cohort(organization, [facilitator_user], name="Nobody yet")
    rows = {s.cohort.pk: s for s in cohort_summaries(cohorts=[cohort, empty], now=BEFORE)}
    row = rows[cohort.pk]
    assert (row.enrolled, row.sessions_held) == (1, 0)
    assert (row.attendance_rate, row.practice_adherence) == (None, None)
    assert row.completion_rate == 0  # one enrolled, none completed
    nobody = rows[empty.pk]
    assert (nobody.arm, nobody.enrolled, nobody.completion_rate) == ("intervention", 0, None)


def test_rates_are_exact_and_empty_without_a_denominator():
    assert rate(21, 23) == Decimal(21) / Decimal(23)
    assert rate(21, 23).quantize(Decimal("0.0001")) == Decimal("0.9130")
    assert rate(0, 0) is None
    assert rate(0, 5) == 0


def test_facts_come_back_in_the_order_given_with_their_cohorts_loaded(
    organization, facilitator_user, django_assert_num_queries
):
    cohort = group_cohort(organization, [facilitator_user])
    first = enroll(cohort, participant_code="P-ZED")
    second = enroll(cohort, participant_code="P-AMY")
    fresh = [type(first).objects.get(pk=second.pk), type(first).objects.get(pk=first.pk)]
    facts = enrollment_facts(enrollments=fresh, now=NOW)
    assert [f.enrollment.participant_code for f in facts] == ["P-AMY", "P-ZED"]
    with django_assert_num_queries(0):
        assert facts[0].enrollment.cohort.program.completion_threshold == 3


def test_every_reported_number_has_a_definition_in_words():
    names = {name for name, _words in DEFINITIONS}
    for needed in (
        "enrolled",
        "active",
        "withdrawn",
        "completed course",
        "completion rate",
        "attendance rate",
        "sessions held (per participant)",
        "sessions held (per cohort and arm)",
        "sessions attended",
        "baseline completed",
        "post completed",
        "paired completed",
        "practice days",
        "practice minutes",
        "days in the program",
        "practice adherence",
        "open safety flags",
    ):
        assert needed in names
    assert all(words.endswith(".") and len(words) > 20 for _name, words in DEFINITIONS)


# --- a fixed number of queries ---------------------------------------------------------------


def _busy_cohort(organization, facilitator_user, name, participants):
    cohort = group_cohort(organization, [facilitator_user], name=name)
    held = [s for s in sessions_of(cohort) if s.starts_at < NOW]
    for n in range(participants):
        enrollment = EnrollmentFactory(
            cohort=cohort, user=UserFactory(), participant_code=f"{name}-{n}"
        )
        for session in held:
            mark(session, enrollment, "attended" if n % 2 else "absent")
        log_practice(enrollment, dt.date(2026, 9, 2))
        questionnaire(enrollment, "baseline")
        if n % 3 == 0:
            flag(enrollment)
    return cohort


def _count(django_assert_max_num_queries, run):
    with django_assert_max_num_queries(20) as captured:
        run()
    return len(captured)


def test_summaries_and_facts_make_the_same_queries_for_2_small_and_6_big_cohorts(
    organization, facilitator_user, django_assert_max_num_queries
):
    small = [_busy_cohort(organization, facilitator_user, f"S{n}", 2) for n in range(2)]

    def run_small():
        cohort_summaries(cohorts=Cohort.objects.filter(pk__in=[c.pk for c in small]), now=NOW)
        enrollment_facts(enrollments=Enrollment.objects.filter(cohort__in=small), now=NOW)

    few = _count(django_assert_max_num_queries, run_small)
    big = small + [_busy_cohort(organization, facilitator_user, f"B{n}", 12) for n in range(4)]

    def run_big():
        rows = cohort_summaries(cohorts=Cohort.objects.filter(pk__in=[c.pk for c in big]), now=NOW)
        assert sum(r.enrolled for r in rows) == 2 * 2 + 4 * 12
        assert sum(r.open_safety_flags for r in rows) == 2 * 1 + 4 * 4
        facts = enrollment_facts(enrollments=Enrollment.objects.filter(cohort__in=big), now=NOW)
        assert sum(f.baseline_completed for f in facts) == 52

    assert _count(django_assert_max_num_queries, run_big) == few


def test_attendance_by_session_adds_up_to_the_attendance_rate(group):
    cohort, _people = group
    enrollments = list(cohort.enrollments.select_related("cohort__program"))
    by_session = session_attendance_build(
        enrollments=enrollments,
        sessions=[SessionRow.of(s) for s in sessions_of(cohort)]
        + [
            SessionRow.of(s)
            for s in cohort.scheduled_sessions.filter(is_makeup=True).select_related(
                "program_session"
            )
        ],
        attendances=[AttendanceRow.of(a) for a in Attendance.objects.all()],
        now=NOW,
    )
    # Session 2: Ann made it up, Ben came to his make-up, Cat missed it; session 4 is not held.
    assert [(s.number, s.attended, s.expected) for s in by_session] == [
        (1, 3, 3),
        (2, 2, 3),
        (3, 2, 3),
    ]
    assert by_session[1].rate == Decimal(2) / Decimal(3)
    [treated, _control] = cohort_summaries(cohorts=[cohort], now=NOW)
    assert sum(s.attended for s in by_session) == treated.participant_sessions_attended
    assert sum(s.expected for s in by_session) == treated.participant_sessions_held


def test_self_guided_weeks_count_once_begun_or_completed(organization):
    from programs.models import Delivery
    from sessions.models import SessionCompletion
    from tests.factories import CohortFactory, ProgramFactory

    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=4, completion_threshold=2)
    cohort = CohortFactory(organization=organization, program=program)  # from 1 September
    ann = EnrollmentFactory(cohort=cohort, participant_code="P-ANN")
    ben = EnrollmentFactory(cohort=cohort, participant_code="P-BEN")
    weeks = list(program.sessions.order_by("number"))
    for week in weeks[:2]:
        SessionCompletion.objects.create(enrollment=ann, program_session=week, completed_at=NOW)
    for week in weeks:  # Ben went ahead of the calendar
        SessionCompletion.objects.create(enrollment=ben, program_session=week, completed_at=NOW)
    log_practice(ann, dt.date(2026, 9, 5))
    facts = facts_by_code(cohort.enrollments.all())
    # 16 September is in week 3 of the course.
    assert (facts["P-ANN"].sessions_held, facts["P-ANN"].sessions_attended) == (3, 2)
    assert (facts["P-BEN"].sessions_held, facts["P-BEN"].sessions_attended) == (4, 4)
    assert facts["P-ANN"].completed_course
    assert (facts["P-ANN"].practice_days, facts["P-ANN"].days_in_program) == (1, 16)
    [row] = cohort_summaries(cohorts=[cohort], now=NOW)
    assert (row.sessions_held, row.attendance_rate, row.completion_rate) == (
        7,
        Decimal(6) / Decimal(7),
        1,
    )

"""The participant's home leads with a task list (issue 14, points 1, 3 and 5): what is due, soonest
deadline first, each with its status and deadline; nothing suggests practice before the first
session; a person in two courses sees one list with each task's course."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from programs.instrument_library import instrument_get
from programs.models import Arm, Delivery, MeasurementKind
from sessions.models import PracticeLog
from sessions.questionnaires.models import Assessment, Response
from sessions.questionnaires.services.assessments import assessment_windows_sync
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
UTC = dt.UTC
SETUP = dt.datetime(2026, 8, 1, tzinfo=UTC)
# MBSR "Tuesday evenings" meets on Tuesdays at 18:00 London time from 1 September 2026: its
# baseline opens on 18 August at 18:00 and closes when the first session starts.
BASELINE_OPEN = dt.datetime(2026, 8, 25, 12, tzinfo=UTC)
# Thursday 10 September, in week 2: the first session has taken place.
MID_COURSE = dt.datetime(2026, 9, 10, 12, tzinfo=UTC)
MBSR_BASELINE = ["pss10", "gad7", "phq9", "mfis21", "ucla3", "who5", "maia2", "ffmq15"]


def _mbsr(name: str = "Tuesday evenings", **kwargs):
    cohort = CohortFactory(program=shipped_program("mbsr-8-ms"), name=name, **kwargs)
    with time_machine.travel(SETUP):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _enrol(cohort, user, **kwargs):
    enrollment = EnrollmentFactory(cohort=cohort, user=user, **kwargs)
    with time_machine.travel(SETUP):
        if cohort.program.is_individual:
            schedule_sync_for_enrollment(enrollment=enrollment)
        assessment_windows_sync(enrollment=enrollment)
    return enrollment


def _assessment(enrollment, kind=MeasurementKind.BASELINE) -> Assessment:
    return Assessment.objects.get(enrollment=enrollment, measurement_point__kind=kind)


def _sent(assessment: Assessment, *codes: str, draft: str = "") -> None:
    for code in codes:
        Response.objects.create(
            assessment=assessment,
            instrument=code,
            instrument_version="1",
            answers={"1": 1},
            submitted_at=assessment.opens_at,
        )
    if draft:
        Response.objects.create(
            assessment=assessment, instrument=draft, instrument_version="1", answers={"1": 0}
        )


def _tasks(page: str) -> list[str]:
    """The task list's rows as text, in order, whitespace squeezed."""
    block = page.split('<ul class="task-list">', 1)[1].split("</ul>", 1)[0]
    rows = block.split('<li class="task-list__item')[1:]
    return [" ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1]).split()) for row in rows]


def _home(client, user, when) -> str:
    client.force_login(user)
    with time_machine.travel(when, tick=False):
        return client.get(HOME).text


# --- one course ------------------------------------------------------------------------------


def test_an_open_baseline_is_a_task_with_its_plain_size_honest_time_and_closing_time(client):
    user = UserFactory()
    _enrol(_mbsr(), user)
    page = _home(client, user, BASELINE_OPEN)
    minutes = sum(instrument_get(code).minutes for code in MBSR_BASELINE)
    (task,) = _tasks(page)
    assert task == (
        f"Questionnaires before the course 8 questionnaires, about {minutes} minutes "
        "Closes Tuesday 1 September 2026, 18:00 Not started"
    )
    # Participants never see instrument codes.
    for code in ("PSS-10", "MAIA-2", "MFIS-21", "PHQ-9", "GAD-7"):
        assert code not in page


def test_a_baseline_half_done_says_how_many_are_done_and_what_is_left(client):
    user = UserFactory()
    baseline = _assessment(_enrol(_mbsr(), user))
    _sent(baseline, "pss10", "gad7", "phq9", draft="mfis21")
    page = _home(client, user, BASELINE_OPEN)
    left = sum(instrument_get(code).minutes for code in MBSR_BASELINE[3:])
    (task,) = _tasks(page)
    assert f"3 of 8 done, about {left} minutes left" in task
    assert task.endswith("In progress")
    assert reverse("questionnaires:questionnaire_start", args=[baseline.pk]) in page


def test_a_sent_baseline_shows_as_completed_until_its_window_closes(client):
    user = UserFactory()
    baseline = _assessment(_enrol(_mbsr(), user))
    _sent(baseline, *MBSR_BASELINE)
    Assessment.objects.filter(pk=baseline.pk).update(completed_at=BASELINE_OPEN)
    (task,) = _tasks(_home(client, user, BASELINE_OPEN))
    assert task.startswith("Questionnaires before the course")
    assert task.endswith("Completed")


def test_a_baseline_opening_within_a_week_cannot_be_started_yet_and_is_no_link(client):
    user = UserFactory()
    baseline = _assessment(_enrol(_mbsr(), user))
    page = _home(client, user, dt.datetime(2026, 8, 13, 9, tzinfo=UTC))
    (task,) = _tasks(page)
    assert task.endswith("Cannot start yet (opens on Tuesday 18 August 2026, 18:00)")
    assert reverse("questionnaires:questionnaire_start", args=[baseline.pk]) not in page


def test_nothing_before_the_first_session_suggests_practice_is_due(client):
    user = UserFactory()
    _enrol(_mbsr(), user)
    page = _home(client, user, BASELINE_OPEN)
    assert [t.split(" 8 questionnaires")[0] for t in _tasks(page)] == [
        "Questionnaires before the course"
    ]
    assert "Log practice" not in page
    assert "Nothing logged yet" not in page
    assert reverse("program_sessions:practice_create") not in page
    assert "Before your first session" in page
    assert "Home practice starts after your first session." in page
    assert "Body scan" not in page  # week 1's home practice waits for the session


def test_after_the_first_session_practice_is_due_by_the_end_of_the_persons_sunday(client):
    user = UserFactory(timezone="America/New_York")
    _enrol(_mbsr(), user)
    PracticeLog.objects.create(
        enrollment=user.enrollments.get(),
        date=dt.date(2026, 9, 8),
        practice="body_scan",
        minutes=20,
    )
    (task,) = _tasks(_home(client, user, MID_COURSE))
    assert task == (
        "Log practice Logged practice on 1 day this week "
        "This week, until Sunday 13 September 2026 In progress"
    )


def test_a_questionnaire_closing_before_sunday_comes_before_practice_and_one_after_does_not(
    client,
):
    user = UserFactory()
    enrollment = _enrol(_mbsr(), user)
    post = _assessment(enrollment, MeasurementKind.POST)
    # Thursday 10 September: a questionnaire closing on Saturday comes first...
    Assessment.objects.filter(pk=post.pk).update(
        opens_at=MID_COURSE - dt.timedelta(days=1), closes_at=MID_COURSE + dt.timedelta(days=2)
    )
    first = _tasks(_home(client, user, MID_COURSE))
    assert [t.split(" ")[0:2] for t in first] == [["Questionnaires", "after"], ["Log", "practice"]]
    assert "Closes Saturday 12 September 2026, 13:00" in first[0]
    assert first[1].endswith("Not started")
    # ...one closing on Tuesday comes after the practice due on Sunday.
    Assessment.objects.filter(pk=post.pk).update(closes_at=MID_COURSE + dt.timedelta(days=5))
    later = _tasks(_home(client, user, MID_COURSE))
    assert [t.split(" ")[0:2] for t in later] == [["Log", "practice"], ["Questionnaires", "after"]]


def test_self_guided_course_asks_for_nothing_before_week_1_opens_then_for_the_week_and_practice(
    client,
):
    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=4)
    cohort = CohortFactory(program=program, start_date=dt.date(2026, 9, 1))
    user = UserFactory()
    EnrollmentFactory(cohort=cohort, user=user)
    before = _home(client, user, dt.datetime(2026, 8, 28, 12, tzinfo=UTC))
    assert "Log practice" not in before
    assert "Nothing logged yet" not in before
    assert "Week 1 opens that day." in before
    after = _tasks(_home(client, user, dt.datetime(2026, 9, 2, 12, tzinfo=UTC)))
    assert after[0].startswith("Log practice")
    assert after[0].endswith("Not started")
    assert after[1].startswith("Week 1: Week 1 At your own pace")


def test_control_arm_sees_questionnaire_tasks_above_the_comparison_group_note(client):
    user = UserFactory()
    _enrol(_mbsr(), user, arm=Arm.CONTROL)
    page = _home(client, user, BASELINE_OPEN)
    (task,) = _tasks(page)
    assert task.startswith("Questionnaires before the course")
    assert page.index("What to do") < page.index("comparison group")
    assert "Log practice" not in page
    assert "Your next session" not in page


# --- words that fit the course -----------------------------------------------------------------


def test_strategy_course_asks_for_strategies_never_for_practice_or_minutes(client):
    user = UserFactory()
    cohort = CohortFactory(program=shipped_program("ier-6"), name="With Hana")
    _enrol(cohort, user, start_date=dt.date(2026, 9, 1), session_time=dt.time(11))
    page = _home(client, user, MID_COURSE)
    (task,) = _tasks(page)
    assert task.startswith("Log the strategies you use")
    assert "Each time you use one of your strategies, note it" in task
    assert "Log a strategy you used" in page
    assert "Between sessions" in page
    for word in ("Log practice", "practised", "few minutes", "Any practice counts"):
        assert word not in page


# --- two courses -------------------------------------------------------------------------------


def _two_courses(user):
    """MBSR group "Tuesday evenings" and IER one-to-one "With Hana", both begun by MID_COURSE."""
    mbsr = _enrol(_mbsr(), user)
    ier = _enrol(
        CohortFactory(
            program=shipped_program("ier-6"),
            name="With Hana",
            organization=mbsr.cohort.organization,
        ),
        user,
        start_date=dt.date(2026, 9, 2),
        session_time=dt.time(11),
    )
    return mbsr, ier


def test_two_courses_make_one_task_list_each_task_naming_its_course_sorted_by_deadline(client):
    user = UserFactory()
    mbsr, ier = _two_courses(user)
    # The IER post questionnaires close on Friday, before either course's practice (Sunday).
    Assessment.objects.filter(pk=_assessment(ier, MeasurementKind.POST).pk).update(
        opens_at=MID_COURSE - dt.timedelta(days=1), closes_at=MID_COURSE + dt.timedelta(days=1)
    )
    page = _home(client, user, MID_COURSE)
    tasks = _tasks(page)
    assert [t.split(" (")[0] for t in tasks] == [
        "Questionnaires after the course IER-6",
        "Log practice MBSR-8 for MS",
        "Log the strategies you use IER-6",
    ]
    assert "IER-6 (With Hana)" in tasks[0]
    assert "MBSR-8 for MS (Tuesday evenings)" in tasks[1]
    assert "You are taking part in 2 courses:" in page
    # The next session of each course, under its own heading.
    assert "Tuesday 15 September 2026, 18:00" in page
    assert "Wednesday 16 September 2026, 11:00" in page
    assert f"/me/practice/new/?course={mbsr.pk}" in page
    assert f"/me/practice/new/?course={ier.pk}" in page


def test_home_makes_the_same_queries_with_one_course_or_two_and_many_questionnaires(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    mbsr = _enrol(_mbsr(), user)
    client.force_login(user)

    def load() -> int:
        with (
            time_machine.travel(BASELINE_OPEN, tick=False),
            django_assert_max_num_queries(12) as captured,
        ):
            assert client.get(HOME).status_code == 200
        return len(captured)

    one = load()
    _sent(_assessment(mbsr), "pss10", "gad7", draft="phq9")
    ier = _enrol(
        CohortFactory(program=shipped_program("ier-6"), organization=mbsr.cohort.organization),
        user,
        start_date=dt.date(2026, 9, 2),
        session_time=dt.time(11),
    )
    _sent(_assessment(ier), "phq9")
    for n in range(3):
        extra = _enrol(_mbsr(f"Extra {n}"), user)
        _sent(_assessment(extra), "pss10")
    assert load() == one

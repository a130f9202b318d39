"""Follow-ups 3 and 6 months after the course (issue 15, point 3): every arm gets every point on
the same calendar; the participant's task list, the staff pages, the reminders and the responses
export name each point."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus
from sessions.notifications.models import NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.notifications.services.planning.participants import plan_questionnaire_reminders
from sessions.questionnaires import results
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.notifications.test_messages import HEALTH_WORDS
from tests.questionnaires.test_questionnaire_staff import phq9, respond
from tests.reports.test_exports import build, dicts_of, only

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SETUP = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
# MBSR meets on Tuesdays at 18:00 London time from 6 October 2026: eight weekly sessions.
# Windows are whole days (24 hours) from the session, so a window opening in summer opens an
# hour later by the clock than the session began in winter: the arithmetic is in UTC.
FIRST = dt.datetime(2026, 10, 6, 18, tzinfo=LONDON).astimezone(dt.UTC)
LAST = dt.datetime(2026, 11, 24, 18, tzinfo=LONDON).astimezone(dt.UTC)
MBSR_WINDOWS = {
    "baseline": (FIRST - dt.timedelta(days=14), FIRST),
    "post": (LAST, LAST + dt.timedelta(days=21)),
    "follow_up_3m": (LAST + dt.timedelta(days=91), LAST + dt.timedelta(days=119)),
    "follow_up_6m": (LAST + dt.timedelta(days=182), LAST + dt.timedelta(days=210)),
}
LABELS = [
    "Before the course",
    "After the course",
    "Three months after the course",
    "Six months after the course",
]
# A week into the three-month follow-up.
IN_FOLLOW_UP = LAST + dt.timedelta(days=98)


def _mbsr(**kwargs) -> Cohort:
    cohort = CohortFactory(
        program=shipped_program("mbsr-8-ms"), start_date=dt.date(2026, 10, 6), **kwargs
    )
    with time_machine.travel(SETUP):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _windows(enrollment: Enrollment) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    with time_machine.travel(SETUP):
        found = assessment_windows_sync(enrollment=enrollment)
    return {a.measurement_point.code: (a.opens_at, a.closes_at) for a in found}


def _assessment(enrollment: Enrollment, code: str) -> Assessment:
    return Assessment.objects.select_related("measurement_point").get(
        enrollment=enrollment, measurement_point__code=code
    )


# --- windows: every arm, the same calendar --------------------------------------------------


def test_group_intervention_control_and_pending_get_every_point_on_the_same_calendar():
    cohort = _mbsr()
    arms = [Arm.INTERVENTION, Arm.CONTROL, Arm.PENDING]
    windows = [_windows(EnrollmentFactory(cohort=cohort, arm=arm)) for arm in arms]
    assert windows[0] == MBSR_WINDOWS
    assert windows[1] == MBSR_WINDOWS
    assert windows[2] == MBSR_WINDOWS


def test_one_on_one_control_and_pending_follow_the_plan_from_their_own_start():
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 10, 1))
    start = {"start_date": dt.date(2026, 10, 7), "session_time": dt.time(10)}
    people = [EnrollmentFactory(cohort=cohort, arm=arm, **start) for arm in Arm.values]
    with time_machine.travel(SETUP):
        for enrollment in people:
            schedule_sync_for_enrollment(enrollment=enrollment)
    treated = people[0]
    assert [e.scheduled_sessions.count() for e in people] == [6, 0, 0]
    last = treated.scheduled_sessions.order_by("starts_at").last().starts_at
    windows = [_windows(e) for e in people]
    assert windows[0]["follow_up_3m"] == (
        last + dt.timedelta(days=91),
        last + dt.timedelta(days=119),
    )
    assert windows[1] == windows[0]
    assert windows[2] == windows[0]


def test_a_follow_up_moves_with_the_last_session():
    cohort = _mbsr()
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.CONTROL)
    _windows(enrollment)
    cohort.meeting_time = dt.time(10)
    cohort.save()
    with time_machine.travel(SETUP):
        schedule_sync_for_cohort(cohort=cohort)
    moved = _windows(enrollment)
    new_last = dt.datetime(2026, 11, 24, 10, tzinfo=LONDON).astimezone(dt.UTC)
    assert moved["follow_up_6m"] == (
        new_last + dt.timedelta(days=182),
        new_last + dt.timedelta(days=210),
    )


# --- what people see ------------------------------------------------------------------------


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _page(client, user, url: str, at: dt.datetime) -> str:
    """The page as `user` sees it at `at` (signed in then: a sign-in months earlier lapsed)."""
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        response = client.get(url)
    assert response.status_code == 200
    return response.text


HOME = reverse("reports:participant_home")


def test_the_task_list_names_the_follow_up_in_plain_words(client):
    cohort = _mbsr()
    person = UserFactory()
    enrollment = EnrollmentFactory(cohort=cohort, user=person, arm=Arm.CONTROL)
    _windows(enrollment)
    opens = MBSR_WINDOWS["follow_up_3m"][0]
    soon = _text(_page(client, person, HOME, opens - dt.timedelta(days=3)))
    assert "Questionnaires three months after the course" in soon
    assert "Cannot start yet" in soon
    page = _page(client, person, HOME, IN_FOLLOW_UP)
    assert re.search(r"Questionnaires three months after the course [^.]* Not started", _text(page))
    start = reverse(
        "questionnaires:questionnaire_start", args=[_assessment(enrollment, "follow_up_3m").pk]
    )
    assert start in page
    # The six-month follow-up is months away: not on the list yet.
    assert "six months after the course" not in _text(page)


def test_a_course_marked_completed_still_brings_its_follow_up_to_the_task_list_and_inbox(client):
    cohort = _mbsr()
    person = UserFactory()
    enrollment = EnrollmentFactory(cohort=cohort, user=person)
    _windows(enrollment)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    page = _page(client, person, HOME, IN_FOLLOW_UP)
    assert re.search(r"Questionnaires three months after the course [^.]* Not started", _text(page))
    at_open = MBSR_WINDOWS["follow_up_3m"][0] + dt.timedelta(hours=1)
    with time_machine.travel(at_open, tick=False):
        planned = [
            n.assessment.measurement_point.code
            for n in plan_questionnaire_reminders(now=at_open)
            if n.enrollment_id == enrollment.pk
        ]
    assert planned == ["follow_up_3m"]


def test_staff_see_every_point_on_the_participant_and_cohort_progress_pages(
    client, organization, facilitator_user
):
    cohort = _mbsr(organization=organization, facilitators=[facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.CONTROL)
    _windows(enrollment)
    respond(_assessment(enrollment, "follow_up_3m"), "phq9", phq9(6, 0))
    participant = _page(
        client,
        facilitator_user,
        reverse("reports:participant_detail", args=[enrollment.pk]),
        IN_FOLLOW_UP,
    )
    progress = _page(
        client, facilitator_user, reverse("reports:cohort_progress", args=[cohort.pk]), IN_FOLLOW_UP
    )
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td data-label="Status">\s*<strong[^>]*>([^<]+)<',
        participant,
    )
    assert rows == [
        ("Before the course", "Missed"),
        ("After the course", "Missed"),
        ("Three months after the course", "Started"),
        ("Six months after the course", "Not open yet"),
    ]
    headers = re.findall(r'<th scope="col">([^<]+) questionnaires</th>', progress)
    assert headers == LABELS


def test_the_staff_pages_make_the_same_queries_with_two_or_four_points(
    client, organization, facilitator_user, django_assert_max_num_queries
):
    cohort = _mbsr(organization=organization, facilitators=[facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort)
    _windows(enrollment)
    pages = [
        reverse("reports:cohort_progress", args=[cohort.pk]),
        reverse("reports:participant_detail", args=[enrollment.pk]),
    ]

    def load() -> list[int]:
        counts = []
        with time_machine.travel(IN_FOLLOW_UP, tick=False):
            client.force_login(facilitator_user)
            for url in pages:
                # 22 as pinned for the participant page; the cohort's progress makes fewer.
                with django_assert_max_num_queries(22) as captured:
                    assert client.get(url).status_code == 200
                counts.append(len(captured))
        return counts

    four = load()
    Assessment.objects.filter(measurement_point__kind="follow_up").delete()
    assert load() == four


# --- reminders ------------------------------------------------------------------------------


def test_follow_up_reminders_are_planned_for_every_arm_and_name_the_point_without_health_words():
    cohort = _mbsr()
    people = [EnrollmentFactory(cohort=cohort, arm=arm) for arm in Arm.values]
    for enrollment in people:
        _windows(enrollment)
    opens, closes = MBSR_WINDOWS["follow_up_3m"]
    at_open = opens + dt.timedelta(hours=1)
    with time_machine.travel(at_open, tick=False):
        planned = [
            n
            for n in plan_questionnaire_reminders(now=at_open)
            if n.assessment.measurement_point.code == "follow_up_3m"
        ]
    assert sorted(n.enrollment_id for n in planned) == sorted(e.pk for e in people)
    assert {n.kind for n in planned} == {NotificationKind.QUESTIONNAIRE_OPEN}
    near_close = closes - dt.timedelta(days=1)
    with time_machine.travel(near_close, tick=False):
        closing = [
            n
            for n in plan_questionnaire_reminders(now=near_close)
            if n.assessment.measurement_point.code == "follow_up_3m"
        ]
    assert {n.kind for n in closing} == {NotificationKind.QUESTIONNAIRE_CLOSING}

    for row in (planned[0], closing[0]):
        row.save()
        with time_machine.travel(row.send_at, tick=False):
            message = notification_email(row)
        assert "three months after the course" in message.body
        subject = message.subject
        assert subject in ("Your check-in is ready", "Your check-in closes soon")
        assert not [w for w in HEALTH_WORDS if re.search(w, subject, re.IGNORECASE)]


def test_baseline_reminders_keep_their_words():
    cohort = _mbsr()
    enrollment = EnrollmentFactory(cohort=cohort)
    _windows(enrollment)
    opens = MBSR_WINDOWS["baseline"][0] + dt.timedelta(hours=1)
    with time_machine.travel(opens, tick=False):
        (row,) = [
            n for n in plan_questionnaire_reminders(now=opens) if n.enrollment_id == enrollment.pk
        ]
        row.save()
        message = notification_email(row)
    assert "Your check-in is ready." in message.body


# --- results and the responses export -------------------------------------------------------


def test_three_and_six_month_answers_are_kept_apart_in_results():
    cohort = _mbsr()
    enrollment = EnrollmentFactory(cohort=cohort)
    _windows(enrollment)
    for code, total in (("baseline", 15), ("post", 9), ("follow_up_3m", 7), ("follow_up_6m", 5)):
        respond(_assessment(enrollment, code), "phq9", phq9(total, 0))
    responses = [
        r
        for a in enrollment.assessments.select_related("measurement_point")
        for r in a.responses.all()
    ]
    (outcome,) = results.outcomes(results.answered_from_response(r) for r in responses)
    assert [(m.point_label, m.value) for m in outcome.measurements] == list(
        zip(LABELS, [15, 9, 7, 5], strict=True)
    )
    assert outcome.change == -6  # the within-arm change stays baseline to post


def test_the_responses_export_names_each_point_by_its_code(organization):
    cohort = _mbsr(organization=organization)
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.CONTROL, participant_code="F-1")
    _windows(enrollment)
    for code in ("baseline", "post", "follow_up_3m", "follow_up_6m"):
        respond(_assessment(enrollment, code), "phq9", phq9(6, 0))
    data, _ = build(
        "responses", only(cohort), file="responses", now=IN_FOLLOW_UP + dt.timedelta(days=200)
    )
    answers = dicts_of(data)
    points = list(dict.fromkeys(a["measurement_point"] for a in answers))
    assert points == ["baseline", "post", "follow_up_3m", "follow_up_6m"]
    assert {a["arm"] for a in answers} == {"control"}
    scores, _ = build("responses", only(cohort), file="scores")
    assert [s["measurement_point"] for s in dicts_of(scores)] == points


def test_the_sync_command_gives_people_already_enrolled_a_point_added_later():
    cohort = _mbsr()
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.PENDING)
    _windows(enrollment)
    # As on a database migrated before the follow-ups shipped: only baseline and post.
    Assessment.objects.filter(measurement_point__kind="follow_up").delete()
    out = io.StringIO()
    with time_machine.travel(SETUP):
        call_command("questionnaire_windows_sync", stdout=out)
    assert "Questionnaire windows follow the plan in 1 cohort." in out.getvalue()
    found = {
        a.measurement_point.code: (a.opens_at, a.closes_at)
        for a in enrollment.assessments.select_related("measurement_point")
    }
    assert found == MBSR_WINDOWS


def test_the_staff_scores_table_shows_follow_up_scores_beside_baseline_and_post(
    client, organization, facilitator_user
):
    cohort = _mbsr(organization=organization, facilitators=[facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort)
    _windows(enrollment)
    for code, total in (("baseline", 15), ("post", 9), ("follow_up_3m", 7)):
        respond(_assessment(enrollment, code), "phq9", phq9(total, 0))
    page = _text(
        _page(
            client,
            facilitator_user,
            reverse("reports:participant_detail", args=[enrollment.pk]),
            IN_FOLLOW_UP,
        )
    )
    scores = page[page.index("Scores of ") :]
    assert "Follow-ups" in scores
    assert re.search(r"Three months after the course: 7\b", scores)
    assert "Six months after the course" not in scores  # not answered: not shown as a score


def test_with_nothing_to_answer_the_home_page_says_when_the_next_questionnaires_open(client):
    cohort = _mbsr()
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.CONTROL)
    _windows(enrollment)
    for code in ("baseline", "post"):
        Assessment.objects.filter(enrollment=enrollment, measurement_point__code=code).update(
            completed_at=FIRST
        )
    # Two weeks after the post window closed: the 3-month follow-up opens 91 days after the
    # last session, on 23 February 2027 (London).
    page = _text(_page(client, enrollment.user, HOME, LAST + dt.timedelta(days=35)))
    assert (
        "There are no questionnaires for you to fill in at the moment. The next ones "
        "(three months after the course) open on"
    ) in page
    assert "February 2027" in page
    # While a questionnaire is open, the task list shows it instead.
    page = _text(_page(client, enrollment.user, HOME, IN_FOLLOW_UP))
    assert "The next ones" not in page

"""Staff questionnaire pages: access for every view, the status table, and fixed query counts.

The helpers at the top build assessments, responses and safety events straight with the ORM
(the participant's form and its services are tested on their own); test_safety.py and
test_results.py use them too.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from programs.models import Cohort, Enrollment, EnrollmentStatus
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    coordinator,
    facilitator,
    shipped_program,
)
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# MBSR-8 from 1 September 2026: baseline window 18 Aug - 1 Sep, post window 20 Oct - 10 Nov.
BASELINE_OPENS = dt.datetime(2026, 8, 18, 17, tzinfo=UTC)
BASELINE_CLOSES = dt.datetime(2026, 9, 1, 17, tzinfo=UTC)
POST_OPENS = dt.datetime(2026, 10, 20, 17, tzinfo=UTC)
POST_CLOSES = dt.datetime(2026, 11, 10, 17, tzinfo=UTC)
NOW = dt.datetime(2026, 10, 25, 12, tzinfo=UTC)  # baseline closed, post open


# --- shared helpers -------------------------------------------------------------------------


def mbsr_cohort(organization, facilitators: list[User]) -> Cohort:
    return CohortFactory(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=facilitators,
        start_date=dt.date(2026, 9, 1),
    )


def assessment(
    enrollment: Enrollment, kind: str, *, completed_at: dt.datetime | None = None
) -> Assessment:
    point = enrollment.cohort.program.measurement_points.get(kind=kind)
    opens, closes = (
        (BASELINE_OPENS, BASELINE_CLOSES) if kind == "baseline" else (POST_OPENS, POST_CLOSES)
    )
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=list(point.instruments),
        opens_at=opens,
        closes_at=closes,
        completed_at=completed_at,
    )


def respond(
    on: Assessment,
    code: str,
    answers: dict[int, int | None],
    *,
    submitted: bool = True,
    version: int = 1,
    supersedes: Response | None = None,
    reason: str = "",
) -> Response:
    return Response.objects.create(
        assessment=on,
        instrument=code,
        instrument_version="1",
        answers={str(k): v for k, v in answers.items()},
        version=version,
        supersedes=supersedes,
        correction_reason=reason,
        submitted_at=(on.opens_at + dt.timedelta(days=1)) if submitted else None,
    )


def phq9(total_before_item9: int, item9: int | None) -> dict[int, int | None]:
    """PHQ-9 answers: items 1-8 adding up to `total_before_item9`, then item 9."""
    answers: dict[int, int | None] = {}
    left = total_before_item9
    for item in range(1, 9):
        answers[item] = min(3, left)
        left -= answers[item]
    assert left == 0
    answers[9] = item9
    return answers


def safety_event(enrollment: Enrollment, item9: int | None = 1) -> SafetyEvent:
    on = assessment(enrollment, "baseline", completed_at=BASELINE_OPENS + dt.timedelta(days=1))
    response = respond(on, "phq9", phq9(6, item9))
    return SafetyEvent.objects.create(
        enrollment=enrollment,
        response=response,
        flag="item9_positive",
        flag_value=True if item9 else None,
    )


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant):
    cohort = mbsr_cohort(organization, [facilitator_user])
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    mbsr_cohort(organization, [other_facilitator])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-7K3Q9")
    event = safety_event(enrollment)
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "event": event,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "other_participant": UserFactory(email="someone@example.org"),
    }


# --- access ---------------------------------------------------------------------------------


def _pages(cast):
    cohort = cast["cohort"]
    return {
        "questionnaire_status": reverse("questionnaires:questionnaire_status", args=[cohort.pk]),
        "results_cohort": reverse("questionnaires:results_cohort", args=[cohort.pk]),
        "safety_event_detail": reverse(
            "questionnaires:safety_event_detail", args=[cast["event"].pk]
        ),
    }


PAGES = ["questionnaire_status", "results_cohort", "safety_event_detail"]
OUTSIDERS = ["other_facilitator", "other_coordinator", "participant", "other_participant"]


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
@pytest.mark.parametrize("page", PAGES)
def test_cohort_staff_open_every_questionnaire_page(client, cast, now, who, page):
    client.force_login(cast[who])
    response = client.get(_pages(cast)[page])
    assert response.status_code == 200
    assert "P-7K3Q9" in response.text


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("page", PAGES)
def test_anyone_else_gets_404_on_questionnaire_staff_pages(client, cast, now, who, page):
    client.force_login(cast[who])
    assert client.get(_pages(cast)[page]).status_code == 404


@pytest.mark.parametrize("page", [*PAGES, "results_mine"])
def test_anonymous_visitor_is_sent_to_sign_in_from_questionnaire_pages(client, cast, now, page):
    url = reverse("questionnaires:results_mine") if page == "results_mine" else _pages(cast)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_gets_404_acknowledging_and_the_flag_stays_open(client, cast, now, who):
    client.force_login(cast[who])
    url = reverse("questionnaires:safety_acknowledge", args=[cast["event"].pk])
    assert client.post(url, {"action_taken": "Rang them"}).status_code == 404
    cast["event"].refresh_from_db()
    assert cast["event"].is_open


def test_anonymous_visitor_cannot_acknowledge(client, cast, now):
    url = reverse("questionnaires:safety_acknowledge", args=[cast["event"].pk])
    response = client.post(url, {"action_taken": "Rang them"})
    assert response.url.startswith(reverse("account_login"))
    cast["event"].refresh_from_db()
    assert cast["event"].is_open


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
def test_cohort_staff_can_acknowledge(client, cast, now, who):
    client.force_login(cast[who])
    record_reauthentication(client, cast[who])
    url = reverse("questionnaires:safety_acknowledge", args=[cast["event"].pk])
    response = client.post(url, {"action_taken": "Rang them"})
    assert response.status_code == 302
    cast["event"].refresh_from_db()
    assert cast["event"].acknowledged_by == cast[who]


def test_acknowledging_needs_a_post(client, cast, now):
    client.force_login(cast["facilitator"])
    url = reverse("questionnaires:safety_acknowledge", args=[cast["event"].pk])
    assert client.get(url).status_code == 405


def test_cohort_page_links_to_the_questionnaire_status(client, cast, now):
    client.force_login(cast["facilitator"])
    page = client.get(reverse("reports:cohort_detail", args=[cast["cohort"].pk]))
    assert reverse("questionnaires:questionnaire_status", args=[cast["cohort"].pk]) in page.text


# --- status table ---------------------------------------------------------------------------


def _cell_texts(page_text: str, code: str) -> str:
    row = page_text.split(code, 1)[1]
    return row.split("</tr>", 1)[0]


def test_status_shows_each_state_and_when_the_window_closes(
    client, organization, facilitator_user, now
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    done = EnrollmentFactory(cohort=cohort, participant_code="P-DONE")
    assessment(done, "baseline", completed_at=BASELINE_OPENS + dt.timedelta(days=2))
    started_post = assessment(done, "post")
    respond(started_post, "who5", {1: 3}, submitted=False)
    missed = EnrollmentFactory(cohort=cohort, participant_code="P-MISS")
    assessment(missed, "baseline")
    assessment(missed, "post")
    client.force_login(facilitator_user)
    text = client.get(reverse("questionnaires:questionnaire_status", args=[cohort.pk])).text

    done_row = _cell_texts(text, "P-DONE")
    assert "Completed" in done_row
    assert "Started" in done_row
    # Post closes 10 November 2026 17:00 UTC = 17:00 London (winter time).
    assert "closes Tuesday 10 November 2026, 17:00 (Europe/London time)" in done_row
    missed_row = _cell_texts(text, "P-MISS")
    assert "Missed" in missed_row
    assert ">Open<" in missed_row


def test_status_before_the_windows_open_says_not_open_yet(client, organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    early = EnrollmentFactory(cohort=cohort, participant_code="P-EARLY")
    assessment(early, "baseline")
    client.force_login(facilitator_user)
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=UTC), tick=False):
        text = client.get(reverse("questionnaires:questionnaire_status", args=[cohort.pk])).text
    row = _cell_texts(text, "P-EARLY")
    assert "Not open yet" in row
    assert "opens Tuesday 18 August 2026, 18:00 (Europe/London time)" in row


def test_empty_draft_does_not_count_as_started(client, organization, facilitator_user, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort, participant_code="P-OPEN")
    respond(assessment(enrollment, "post"), "who5", {}, submitted=False)
    client.force_login(facilitator_user)
    text = client.get(reverse("questionnaires:questionnaire_status", args=[cohort.pk])).text
    row = _cell_texts(text, "P-OPEN")
    assert ">Open<" in row
    assert "Started" not in row


def test_withdrawn_participant_is_marked(client, organization, facilitator_user, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    EnrollmentFactory(
        cohort=cohort,
        participant_code="P-GONE",
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_at=dt.date(2026, 9, 10),
    )
    client.force_login(facilitator_user)
    text = client.get(reverse("questionnaires:questionnaire_status", args=[cohort.pk])).text
    assert "withdrawn" in _cell_texts(text, "P-GONE")


# --- fixed query counts ---------------------------------------------------------------------

# Sign-in, navigation and the cohort (4), then one query per kind of row: the status page
# reads participants, measurement points, assessments and started ones; results read
# participants and responses.
# results_cohort: one more for its audit event (a participant's scores were viewed).
PINNED = {"questionnaire_status": 9, "results_cohort": 7}


def _busy(cohort: Cohort, start: int, count: int) -> None:
    """`count` more participants with a baseline and a post, some answers and drafts."""
    for n in range(start, start + count):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"P-{n:04d}")
        baseline = assessment(
            enrollment, "baseline", completed_at=BASELINE_OPENS + dt.timedelta(days=1)
        )
        respond(baseline, "phq9", phq9(10, 0))
        respond(baseline, "who5", {1: 2, 2: 2, 3: 2, 4: 2, 5: 2})
        post = assessment(enrollment, "post")
        respond(post, "phq9", phq9(5, 0))
        respond(post, "who5", {1: 3}, submitted=n % 2 == 0)


def _queries(client, url, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["questionnaire_status", "results_cohort"])
def test_pages_make_the_same_queries_for_5_and_60_participants(
    client, organization, facilitator_user, now, django_assert_max_num_queries, page
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    url = reverse(f"questionnaires:{page}", args=[cohort.pk])
    _busy(cohort, 0, 5)
    client.force_login(facilitator_user)
    small = _queries(client, url, django_assert_max_num_queries, PINNED[page])
    _busy(cohort, 5, 55)
    page_text = client.get(url).text
    assert "P-0059" in page_text
    assert _queries(client, url, django_assert_max_num_queries, PINNED[page]) == small

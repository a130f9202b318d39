"""The /api/v1/ lists: each shows the token's organization only, pseudonymous unless the token may
read names, filtered and paged, at a fixed number of queries; another organization's row is 404.

`build_world` (also used by the FHIR, schema and schemathesis tests) makes two organizations with
a little of everything: cohorts, participants, sessions and attendance, practice, questionnaires
answered, and a randomized study with an allocation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, Organization, User
from programs.models import Cohort, Enrollment
from sessions.api.models import ApiScope
from sessions.api.services import api_token_create
from sessions.models import Attendance, AttendanceStatus, PracticeLog
from sessions.services.schedule import schedule_sync_for_cohort
from sessions.trials.services.allocation import randomize
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    OrganizationFactory,
    UserFactory,
    coordinator,
    shipped_program,
)
from tests.questionnaires.test_questionnaire_staff import assessment, phq9, respond
from tests.trials.allocation_helpers import make_study, ready_enrollment

pytestmark = pytest.mark.django_db

SCHEDULED_FROM = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


@dataclass
class Side:
    """One organization's data and its tokens."""

    organization: Organization
    coordinator: User
    cohort: Cohort
    enrollments: list[Enrollment]
    read: str  # a read-only token
    full: str  # read, enroll and identifiable

    def client(self, *, full: bool = False) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.full if full else self.read}")

    @property
    def codes(self) -> set[str]:
        return {e.participant_code for e in self.enrollments}


@dataclass
class World:
    ours: Side
    theirs: Side
    study_cohort: Cohort


def _token(organization: Organization, by: User, scopes: list[str]) -> str:
    _token_row, raw = api_token_create(
        organization=organization,
        by=by,
        name="Analysis",
        scopes=scopes,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return raw


def _side(name: str, slug: str, prefix: str) -> Side:
    organization = OrganizationFactory(name=name, slug=slug)
    boss = coordinator(organization, user__email=f"coordinator@{slug}.example.org")
    cohort = CohortFactory(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        name=f"{name} autumn",
        start_date=dt.date(2026, 9, 1),
    )
    sessions = schedule_sync_for_cohort(cohort=cohort, now=SCHEDULED_FROM)
    enrollments = []
    for number in (1, 2):
        person = UserFactory(
            full_name=f"{prefix} Person {number}", email=f"person{number}@{slug}.example.org"
        )
        enrollment = EnrollmentFactory(
            cohort=cohort, user=person, participant_code=f"{prefix}-{number:04d}"
        )
        enrollments.append(enrollment)
        Attendance.objects.create(
            scheduled_session=sessions[0],
            enrollment=enrollment,
            status=AttendanceStatus.ATTENDED if number == 1 else AttendanceStatus.ABSENT,
        )
        on = assessment(enrollment, "baseline", completed_at=timezone.now())
        respond(on, "phq9", phq9(6 + number, 0))
    # Week 1 of the course: two days; week 2: one day.
    for day, minutes in (
        (dt.date(2026, 9, 1), 20),
        (dt.date(2026, 9, 3), 10),
        (dt.date(2026, 9, 9), 30),
    ):
        PracticeLog.objects.create(
            enrollment=enrollments[0], date=day, practice="body_scan", minutes=minutes
        )
    PracticeLog.objects.create(
        enrollment=enrollments[0], date=dt.date(2026, 9, 1), practice="breathing_space", minutes=5
    )
    return Side(
        organization=organization,
        coordinator=boss,
        cohort=cohort,
        enrollments=enrollments,
        read=_token(organization, boss, []),
        full=_token(organization, boss, [ApiScope.ENROLL.value, ApiScope.IDENTIFIABLE.value]),
    )


def build_world() -> World:
    ours = _side("Riverside MS Centre", "riverside", "RV")
    theirs = _side("Hillview Neurology", "hillview", "HV")
    study_cohorts = []
    for side, code in ((ours, "RV-0009"), (theirs, "HV-0009")):
        study = make_study(organization=side.organization, by=side.coordinator)
        study_cohorts.append(study.cohorts.get())
        allocated = ready_enrollment(study_cohorts[-1], participant_code=code)
        randomize(enrollment=allocated, by=side.coordinator)
        side.enrollments.append(allocated)
    return World(ours=ours, theirs=theirs, study_cohort=study_cohorts[0])


@pytest.fixture
def world() -> World:
    return build_world()


LISTS = [
    "/api/v1/cohorts/",
    "/api/v1/enrollments/",
    "/api/v1/sessions/",
    "/api/v1/attendance/",
    "/api/v1/practice/",
    "/api/v1/assessments/",
    "/api/v1/responses/",
    "/api/v1/allocations/",
]


def _get(client: Client, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def _codes(rows: list[dict[str, Any]]) -> set[str]:
    return {row["participant_code"] for row in rows if row.get("participant_code")}


# --- access: our token, their token, no token -------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_every_list_shows_the_tokens_organization_only(world, url):
    ours = _get(world.ours.client(), url)["results"]
    theirs = _get(world.theirs.client(), url)["results"]

    assert ours
    assert theirs
    assert not (_codes(ours) & world.theirs.codes)
    assert not (_codes(theirs) & world.ours.codes)
    if url != "/api/v1/cohorts/" and url != "/api/v1/sessions/":
        assert _codes(ours) <= world.ours.codes
        assert _codes(theirs) <= world.theirs.codes
    assert str(world.ours.organization.name) not in str(theirs)


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/", "/api/v1/fhir/QuestionnaireResponse"])
def test_no_list_answers_without_a_token(world, url):
    response = Client().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["cohort", "enrollment"])
def test_one_row_is_found_by_its_organization_and_404_for_another(world, kind):
    cohort_url = f"/api/v1/cohorts/{world.ours.cohort.pk}/"
    enrollment_url = f"/api/v1/enrollments/{world.ours.enrollments[0].pk}/"
    url = cohort_url if kind == "cohort" else enrollment_url

    assert world.ours.client().get(url).status_code == 200
    refused = world.theirs.client().get(url)
    assert refused.status_code == 404
    assert world.ours.organization.name not in refused.content.decode()
    assert Client().get(url).status_code == 401
    # An id that does not exist at all reads the same as another organization's.
    assert world.ours.client().get(f"/api/v1/{kind}s/99999999999/").status_code == 404


def test_cohort_detail_says_what_a_client_needs(world):
    data = _get(world.ours.client(), f"/api/v1/cohorts/{world.ours.cohort.pk}/")

    assert data["name"] == "Riverside MS Centre autumn"
    assert data["program"] == "mbsr-8-ms"
    assert data["start_date"] == "2026-09-01"
    assert data["meeting_weekday"] == "Tuesday"
    assert data["timezone"] == "Europe/London"


# --- pseudonymous unless the scope allows ----------------------------------------------------


def test_enrollments_are_pseudonymous_without_the_identifiable_scope(world):
    rows = _get(world.ours.client(), "/api/v1/enrollments/")["results"]

    assert {row["participant_code"] for row in rows} == world.ours.codes
    text = str(rows)
    assert "full_name" not in text
    assert "email" not in text
    assert "RV Person 1" not in text
    assert "person1@riverside.example.org" not in text


def test_a_token_with_the_identifiable_scope_reads_names_and_addresses(world):
    rows = _get(world.ours.client(full=True), "/api/v1/enrollments/", cohort=world.ours.cohort.pk)[
        "results"
    ]

    assert {(row["full_name"], row["email"]) for row in rows} == {
        ("RV Person 1", "person1@riverside.example.org"),
        ("RV Person 2", "person2@riverside.example.org"),
    }


# --- filters and pages --------------------------------------------------------------------------


def test_filters_by_cohort_program_and_dates(world):
    client = world.ours.client()
    by_cohort = _get(client, "/api/v1/enrollments/", cohort=world.ours.cohort.pk)["results"]
    assert _codes(by_cohort) == {"RV-0001", "RV-0002"}

    study_program = world.study_cohort.program.slug
    by_program = _get(client, "/api/v1/enrollments/", program=study_program)["results"]
    assert _codes(by_program) == {"RV-0009"}

    cohorts = _get(
        client,
        "/api/v1/cohorts/",
        program="mbsr-8-ms",
        starts_after="2026-09-01",
        starts_before="2026-09-01",
    )
    assert [c["name"] for c in cohorts["results"]] == ["Riverside MS Centre autumn"]
    assert _get(client, "/api/v1/cohorts/", starts_after="2026-09-02")["results"] == []

    sessions = _get(
        client,
        "/api/v1/sessions/",
        cohort=world.ours.cohort.pk,
        starts_after="2026-09-08",
        starts_before="2026-09-15",
    )["results"]
    assert sorted(s["session_number"] for s in sessions) == [2, 3]
    # Another organization's cohort filters to nothing, not to an error that says it exists.
    other = _get(client, "/api/v1/responses/", cohort=world.theirs.cohort.pk)
    assert other["results"] == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"cohort": "riverside"}, "cohort"),
        ({"starts_after": "1 September"}, "starts_after"),
        ({"program": "no such/slug"}, "program"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_that_names_it(world, params, named):
    response = world.ours.client().get("/api/v1/sessions/", params)

    assert response.status_code == 400
    assert named in response.json()


def test_a_cursor_we_did_not_make_names_no_page(world):
    client = world.ours.client()
    # "p=1 OR 1=1", base64: a position that is not an id never reaches the database.
    for cursor in ("not-a-cursor", "cD0xIE9SIDE9MQ=="):
        response = client.get("/api/v1/sessions/", {"cursor": cursor})
        assert response.status_code == 404
        assert "cursor" in response.json()["detail"]


def test_pages_follow_the_next_link_without_repeats(world):
    client = world.ours.client()
    seen: list[int] = []
    data = _get(client, "/api/v1/sessions/", page_size=3)
    pages = 1
    while True:
        seen += [row["id"] for row in data["results"]]
        if not data["next"]:
            break
        response = client.get(data["next"])
        assert response.status_code == 200
        data = response.json()
        pages += 1
    everything = _get(client, "/api/v1/sessions/", page_size=500)["results"]
    assert seen == [row["id"] for row in everything]
    assert len(seen) == len(set(seen)) > 3
    assert pages > 1


def test_a_page_costs_the_same_queries_however_many_rows(world, django_assert_max_num_queries):
    client = world.ours.client()
    client.get("/api/v1/")  # the token's last use is written once a minute, not per call
    for url in [*LISTS, "/api/v1/fhir/QuestionnaireResponse"]:
        counts = []
        for size in (1, 500):
            # The token, the page (practice: its day totals; allocations: their corrections),
            # the audit event, and the session middleware's look-up: fixed, whatever the size.
            with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"page_size": size}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], url


# --- what the lists say -----------------------------------------------------------------------


def test_attendance_says_who_came(world):
    rows = _get(world.ours.client(), "/api/v1/attendance/")["results"]

    assert {(r["participant_code"], r["status"], r["session_number"]) for r in rows} == {
        ("RV-0001", "attended", 1),
        ("RV-0002", "absent", 1),
    }


def test_practice_is_added_up_per_participant_and_course_week(world):
    rows = _get(world.ours.client(), "/api/v1/practice/", cohort=world.ours.cohort.pk)["results"]
    first = next(r for r in rows if r["participant_code"] == "RV-0001")
    second = next(r for r in rows if r["participant_code"] == "RV-0002")

    assert (first["days_practised"], first["minutes"], first["entries"]) == (3, 65, 4)
    assert [
        (w["week"], w["starts_on"], w["days_practised"], w["minutes"]) for w in first["weeks"]
    ] == [
        (1, "2026-09-01", 2, 35),
        (2, "2026-09-08", 1, 30),
    ]
    assert (second["days_practised"], second["weeks"]) == (0, [])

    week_two = _get(world.ours.client(), "/api/v1/practice/", practised_after="2026-09-08")[
        "results"
    ]
    assert next(r for r in week_two if r["participant_code"] == "RV-0001")["minutes"] == 30


def test_responses_carry_answers_and_scores(world):
    rows = _get(world.ours.client(), "/api/v1/responses/", instrument="phq9")["results"]
    by_code = {row["participant_code"]: row for row in rows}

    assert by_code["RV-0001"]["scores"]["total"] == 7
    assert by_code["RV-0002"]["scores"]["total"] == 8
    assert by_code["RV-0001"]["answers"]["9"] == 0
    assert by_code["RV-0001"]["measurement_point"]
    assessments = _get(world.ours.client(), "/api/v1/assessments/")["results"]
    assert {a["participant_code"] for a in assessments} >= {"RV-0001", "RV-0002"}


def test_a_corrected_response_is_listed_once_as_its_latest_version(world):
    enrollment = world.ours.enrollments[0]
    first = enrollment.assessments.get().responses.get()
    respond(first.assessment, "phq9", phq9(3, 0), version=2, supersedes=first, reason="Typo")

    rows = _get(world.ours.client(), "/api/v1/responses/", cohort=world.ours.cohort.pk)["results"]
    mine = [r for r in rows if r["participant_code"] == "RV-0001"]

    assert [(r["version"], r["scores"]["total"]) for r in mine] == [(2, 3)]


def test_allocations_name_the_arm_drawn(world):
    rows = _get(world.ours.client(), "/api/v1/allocations/")["results"]

    assert [r["participant_code"] for r in rows] == ["RV-0009"]
    assert rows[0]["arm"] in {"course-now", "waitlist"}
    assert rows[0]["corrected"] is False
    assert [
        r["participant_code"]
        for r in _get(world.theirs.client(), "/api/v1/allocations/")["results"]
    ] == ["HV-0009"]


# --- the audit log ----------------------------------------------------------------------------


def test_each_call_is_audited_with_the_participants_it_returned(world):
    world.ours.client().get("/api/v1/enrollments/", {"cohort": world.ours.cohort.pk})

    event = AuditEvent.objects.filter(action=AuditAction.API_CALL).latest("pk")
    assert event.organization_id == world.ours.organization.pk
    assert event.details["rows"] == 2
    assert event.details["path"] == "/api/v1/enrollments/"
    assert "RV-0001" in event.participant_codes
    assert "RV-0002" in event.participant_codes
    assert "HV-0001" not in event.participant_codes


def test_the_root_lists_every_endpoint_and_each_answers(world):
    client = world.ours.client()
    found = _get(client, "/api/v1/")

    assert set(found) == {*(url.split("/")[-2] for url in LISTS), "fhir_questionnaire_responses"}
    for link in found.values():
        assert client.get(link).status_code == 200, link


def test_an_address_that_is_no_endpoint_is_a_json_404(world):
    response = world.ours.client().get("/api/v1/cohorts/first/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert (
        world.ours.client()
        .get("/api/v1/nothing/here")
        .json()["detail"]
        .startswith("There is nothing at this address")
    )

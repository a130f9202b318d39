"""Download my data: everything about the participant, as JSON and as a zip of CSV files.

Pat is in an MBSR group (P-PAT) and left an earlier cohort (P-PAT-OLD). Quinn (P-QUINN) is in
the same group; nothing of Quinn's may appear in Pat's download, and nothing the team wrote
for themselves (facilitator notes, the follow-up after a flagged answer) either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from programs.models import EnrollmentStatus
from sessions.models import (
    Attendance,
    AttendanceStatus,
    FacilitatorNote,
    PracticeLog,
    SessionCompletion,
)
from sessions.notifications.models import Notification, NotificationStatus, Preferences
from sessions.questionnaires.models import ResponseMode, SafetyEvent
from sessions.rights.services import participant_data_collect
from sessions.services.calendar import calendar_feed_create
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, phq9, respond
from tests.sessions.staff_cast import BEFORE, sessions_of

pytestmark = pytest.mark.django_db

UTC = dt.UTC
JSON_URL = "/me/data/json/"
CSV_URL = "/me/data/csv/"
TABLES = [
    "profile",
    "consent_records",
    "enrollments",
    "attendance",
    "practice_logs",
    "session_completions",
    "questionnaires",
    "questionnaire_responses",
    "questionnaire_answers",
    "scores",
    "reminders",
    "preferences",
    "calendar_links",
    "erasure_requests",
]
WHO5_15 = dict.fromkeys(range(1, 6), 3)
WHO5_16 = {**WHO5_15, 5: 4}
FORMULA_NOTE = '=HYPERLINK("http://x") felt calm'
STAFF_NOTE = "Seemed very tired this week"
SAFETY_ACTION = "Rang her at home; she is fine"


@pytest.fixture
def pat(organization, facilitator_user, participant):
    participant.preferred_name = "Pat"
    participant.phone = "07700 900111"
    participant.save()
    cohort = mbsr_cohort(organization, [facilitator_user])
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-PAT")
    quinn = EnrollmentFactory(cohort=cohort, participant_code="P-QUINN")
    old = EnrollmentFactory(
        cohort=CohortFactory(organization=organization, program=shipped_program("mbsr-8-ms")),
        user=participant,
        participant_code="P-PAT-OLD",
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_at=dt.date(2026, 6, 1),
        withdrawal_reason="Moved away",
    )
    first, second, third, *_ = sessions_of(cohort)
    for session, status in ((first, AttendanceStatus.ATTENDED), (second, AttendanceStatus.ABSENT)):
        Attendance.objects.create(
            scheduled_session=session,
            enrollment=enrollment,
            status=status,
            recorded_by=facilitator_user,
        )
    Attendance.objects.create(
        scheduled_session=first, enrollment=quinn, status=AttendanceStatus.ATTENDED
    )
    PracticeLog.objects.create(
        enrollment=enrollment,
        date=dt.date(2026, 9, 2),
        practice="body_scan",
        minutes=20,
        note=FORMULA_NOTE,
    )
    PracticeLog.objects.create(
        enrollment=quinn,
        date=dt.date(2026, 9, 2),
        practice="body_scan",
        minutes=30,
        note="Quinn's own note",
    )
    SessionCompletion.objects.create(
        enrollment=enrollment,
        program_session=third.program_session,
        reflection="A quiet week at home",
        completed_at=dt.datetime(2026, 9, 16, 9, tzinfo=UTC),
    )
    FacilitatorNote.objects.create(
        scheduled_session=first, enrollment=enrollment, text=STAFF_NOTE, author=facilitator_user
    )

    baseline = assessment(enrollment, "baseline")
    original = respond(baseline, "who5", WHO5_15)
    original.entered_by = participant
    original.save()
    correction = respond(
        baseline,
        "who5",
        WHO5_16,
        version=2,
        supersedes=original,
        reason="Item 5 was read back wrongly on the phone",
    )
    correction.entered_by = facilitator_user
    correction.mode = ResponseMode.PHONE
    correction.save()
    flagged = respond(baseline, "phq9", phq9(6, 1))
    SafetyEvent.objects.create(
        enrollment=enrollment,
        response=flagged,
        flag="item9_positive",
        flag_value=True,
        action_taken=SAFETY_ACTION,
    )
    respond(assessment(quinn, "baseline"), "who5", dict.fromkeys(range(1, 6), 1))

    for kind, status, sent in (
        ("session_24h", NotificationStatus.SENT, dt.datetime(2026, 9, 7, 17, tzinfo=UTC)),
        ("practice_nudge", NotificationStatus.CANCELLED, None),
    ):
        Notification.objects.create(
            kind=kind,
            recipient=participant,
            dedupe_key=f"{kind}:pat",
            status=status,
            send_at=dt.datetime(2026, 9, 7, 17, tzinfo=UTC),
            sent_at=sent,
            enrollment=enrollment,
        )
    Notification.objects.create(
        kind="follow_up_todo",
        recipient=facilitator_user,
        dedupe_key="follow_up_todo:pat",
        send_at=dt.datetime(2026, 9, 9, 8, tzinfo=UTC),
        enrollment=enrollment,
    )
    Notification.objects.create(
        kind="session_24h",
        recipient=quinn.user,
        dedupe_key="session_24h:quinn",
        send_at=dt.datetime(2026, 9, 7, 17, tzinfo=UTC),
        enrollment=quinn,
    )
    Preferences.objects.create(user=participant, practice_nudges=True, daily_cap=2)
    participant.questionnaire_layout = "whole"
    participant.save(update_fields=["questionnaire_layout"])
    calendar_feed_create(user=participant)
    return {"user": participant, "enrollment": enrollment, "old": old, "quinn": quinn}


def _download_json(client, user):
    client.force_login(user)
    response = client.get(JSON_URL)
    assert response.status_code == 200
    return response, json.loads(response.content)


def _by(rows, **match):
    return [row for row in rows if all(row[k] == v for k, v in match.items())]


def test_json_holds_every_table_with_the_participants_own_values(client, pat):
    response, data = _download_json(client, pat["user"])
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="stillwater-my-data-')
    for table in TABLES:
        assert table in data, table
    assert "facilitator notes" in data["readme"]

    (profile,) = data["profile"]
    assert profile["email"] == "pat@example.org"
    assert profile["full_name"] == "Pat Participant"
    assert profile["preferred_name"] == "Pat"
    assert profile["phone"] == "07700 900111"
    assert profile["time_zone"] == "Europe/London"

    (consent,) = data["consent_records"]
    assert consent["version"] == "1"
    assert consent["keep_answers_for_research_after_erasure"] is True

    assert {(e["participant_code"], e["status"]) for e in data["enrollments"]} == {
        ("P-PAT", "Active"),
        ("P-PAT-OLD", "Withdrawn"),
    }
    (old,) = _by(data["enrollments"], participant_code="P-PAT-OLD")
    assert (old["left_on"], old["reason_for_leaving"]) == ("2026-06-01", "Moved away")

    attendance = data["attendance"]
    assert [(a["session_number"], a["attendance"]) for a in attendance] == [
        (1, "Attended"),
        (2, "Absent"),
    ]
    # Times are in Pat's zone, with the offset written out: 18:00 in London in September.
    assert attendance[0]["session_start"] == "2026-09-01T18:00:00+01:00"

    (log,) = data["practice_logs"]
    assert (log["participant_code"], log["date"], log["practice"], log["minutes"]) == (
        "P-PAT",
        "2026-09-02",
        "Body scan",
        20,
    )
    assert log["note"] == FORMULA_NOTE
    (completion,) = data["session_completions"]
    assert (completion["session_number"], completion["reflection"]) == (3, "A quiet week at home")

    (questionnaires,) = data["questionnaires"]
    assert questionnaires["when"] == "Before the course"

    responses = data["questionnaire_responses"]
    who5 = sorted(_by(responses, questionnaire="who5"), key=lambda r: r["version"])
    assert [(r["version"], r["is_latest"], r["entered_by"]) for r in who5] == [
        (1, False, "You"),
        (2, True, "Fay Facilitator"),
    ]
    assert who5[1]["corrects_version"] == 1
    assert who5[1]["reason_for_correction"] == "Item 5 was read back wrongly on the phone"
    assert who5[1]["how_answered"] == "Read out by staff on the phone"
    answers = _by(data["questionnaire_answers"], response_id=who5[1]["response_id"])
    assert [(a["question"], a["answer"]) for a in answers] == [
        (1, 3),
        (2, 3),
        (3, 3),
        (4, 3),
        (5, 4),
    ]

    scores = {(s["questionnaire"], s["score"]): s for s in data["scores"]}
    assert scores[("who5", "total")]["value"] == 16
    assert scores[("who5", "percentage")]["value"] == 64
    assert scores[("who5", "total")]["from_version"] == 2
    assert scores[("phq9", "total")]["value"] == 7
    assert not [s for s in data["scores"] if s["score"] in ("band", "item9_positive")]

    assert {(r["kind"], r["status"]) for r in data["reminders"]} == {
        ("session_24h", "Sent"),
        ("practice_nudge", "Cancelled"),
    }
    (preferences,) = data["preferences"]
    assert preferences["practice_nudges"] is True
    assert preferences["daily_cap"] == 2
    assert preferences["practice_nudge_time"] == "19:00:00"
    # Chosen on the reminder settings page, kept with the person: still in this table.
    assert preferences["questionnaire_layout"] == "whole"
    assert len(data["calendar_links"]) == 1
    assert data["erasure_requests"] == []


def test_nothing_of_anyone_else_and_no_staff_notes_are_in_the_download(client, pat):
    response, data = _download_json(client, pat["user"])
    body = response.content.decode()
    assert "P-QUINN" not in body
    assert "Quinn's own note" not in body
    assert pat["quinn"].user.email not in body
    assert STAFF_NOTE not in body
    assert SAFETY_ACTION not in body
    assert "follow_up_todo" not in body
    assert len(data["questionnaire_responses"]) == 3  # Pat's two WHO-5 versions and PHQ-9


def test_csv_zip_has_a_readme_and_one_file_per_table_matching_the_json(client, pat):
    _response, data = _download_json(client, pat["user"])
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(["README.txt", *[f"{t}.csv" for t in TABLES]])
    readme = archive.read("README.txt").decode()
    assert "facilitator notes" in readme
    assert "attendance:" in readme

    for table in TABLES:
        text = archive.read(f"{table}.csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(data[table]), table
        if data[table]:
            assert list(rows[0]) == list(data[table][0]), table

    logs = list(csv.DictReader(io.StringIO(archive.read("practice_logs.csv").decode("utf-8-sig"))))
    # Opened in a spreadsheet, a note starting with = must stay text, not run as a formula.
    assert logs[0]["note"] == "'" + FORMULA_NOTE
    attendance = list(
        csv.DictReader(io.StringIO(archive.read("attendance.csv").decode("utf-8-sig")))
    )
    assert [(a["session_number"], a["attendance"]) for a in attendance] == [
        ("1", "Attended"),
        ("2", "Absent"),
    ]
    consent = list(
        csv.DictReader(io.StringIO(archive.read("consent_records.csv").decode("utf-8-sig")))
    )
    assert consent[0]["keep_answers_for_research_after_erasure"] == "yes"


def test_download_is_not_cached_and_is_recorded_in_the_audit_log(client, pat, organization):
    client.force_login(pat["user"])
    response = client.get(CSV_URL)
    assert "no-store" in response["Cache-Control"]
    (event,) = AuditEvent.objects.filter(action="data_downloaded")
    assert event.actor == pat["user"]
    assert event.organization == organization
    assert event.participant_codes == "P-PAT P-PAT-OLD"
    assert event.details["format"] == "csv"


@pytest.mark.parametrize("who", ["facilitator_user", "coordinator_user"])
def test_staff_have_no_participant_download(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(JSON_URL).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(JSON_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_unknown_format_is_not_found(client, participant):
    client.force_login(participant)
    assert client.get("/me/data/xml/").status_code == 404


def test_download_makes_the_same_queries_for_few_or_many_rows(
    client, pat, django_assert_max_num_queries
):
    client.force_login(pat["user"])

    def load() -> int:
        with django_assert_max_num_queries(20) as captured:
            assert client.get(JSON_URL).status_code == 200
        return len(captured)

    few = load()
    enrollment = pat["enrollment"]
    PracticeLog.objects.bulk_create(
        PracticeLog(
            enrollment=enrollment, date=dt.date(2026, 9, 3), practice="body_scan", minutes=10
        )
        for _ in range(40)
    )
    Notification.objects.bulk_create(
        Notification(
            kind="practice_nudge",
            recipient=pat["user"],
            dedupe_key=f"practice_nudge:{n}",
            send_at=dt.datetime(2026, 9, 10, 18, tzinfo=UTC),
            enrollment=enrollment,
        )
        for n in range(40)
    )
    respond(assessment(enrollment, "post"), "who5", WHO5_15)
    assert load() == few


def test_someone_with_no_course_gets_their_profile_and_empty_tables(participant):
    tables = {t.name: t for t in participant_data_collect(user=participant)}
    assert list(tables) == TABLES
    assert tables["profile"].rows[0]["email"] == "pat@example.org"
    assert tables["enrollments"].rows == []
    assert tables["preferences"].rows[0]["saved_at"] is None


def test_another_participants_download_has_only_their_own_rows(client, pat):
    other = UserFactory(email="sam@example.org")
    EnrollmentFactory(cohort=pat["enrollment"].cohort, user=other, participant_code="P-SAM")
    _response, data = _download_json(client, other)
    assert [e["participant_code"] for e in data["enrollments"]] == ["P-SAM"]
    for table in TABLES:
        if table not in ("profile", "consent_records", "enrollments", "preferences"):
            assert data[table] == [], table

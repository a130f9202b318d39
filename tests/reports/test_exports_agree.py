"""Property: for any attendance, practice and answers, the definitions (which the pages show),
the CSV, the XLSX and the management command give the same numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.models import Cohort, EnrollmentStatus, MeasurementPoint, PersonCode
from sessions.models import Attendance, AttendanceStatus
from sessions.reports.definitions import cohort_summaries, enrollment_facts
from sessions.reports.exports import ExportScope, export_build
from sessions.reports.exports.cells import rate4
from sessions.reports.states import EXPORT_STATES, CohortState, cohort_state, with_session_span
from tests.questionnaires.test_questionnaire_staff import phq9, respond
from tests.reports.test_exports import sent
from tests.sessions.staff_cast import NOW, enroll, group_cohort, log_practice, sessions_of

pytestmark = pytest.mark.django_db

STATUSES = [None, *AttendanceStatus.values]
PEOPLE = 5
DAYS = [dt.date(2026, 9, day) for day in range(1, 17)]


@pytest.fixture
def cohort(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user], name="Property group")
    for kind in ("baseline", "post"):
        MeasurementPoint.objects.create(
            program=cohort.program, kind=kind, label=kind.title(), instruments=["phq9"]
        )
    for n in range(PEOPLE):
        status = EnrollmentStatus.INVITED if n == PEOPLE - 1 else EnrollmentStatus.ACTIVE
        enroll(cohort, participant_code=f"Q-{n}", status=status)
    return cohort


def person():
    return st.fixed_dictionaries(
        {
            "marks": st.lists(st.sampled_from(STATUSES), min_size=3, max_size=3),
            "practice": st.sets(st.sampled_from(DAYS), max_size=6),
            "baseline": st.one_of(st.none(), st.integers(0, 24)),
            "post": st.one_of(st.none(), st.integers(0, 24)),
        }
    )


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _build(kind: str, cohorts, fmt: str) -> bytes:
    output = export_build(
        kind=kind,
        fmt=fmt,
        scope=ExportScope(cohorts=cohorts, now=NOW),
        on_finish=lambda rows, checksum: None,
    )
    return b"".join(output.chunks) if output.chunks is not None else output.file.read()


def _xlsx_as_text(data: bytes, sheet: str) -> list[list[str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        ["" if v is None else str(v) for v in row]
        for row in book[sheet].iter_rows(values_only=True)
    ]


def _same_numbers(csv_rows: list[list[str]], xlsx_rows: list[list[str]]) -> None:
    assert len(csv_rows) == len(xlsx_rows)
    for a, b in zip(csv_rows, xlsx_rows, strict=True):
        for x, y in zip(a, b, strict=True):
            try:
                assert float(x) == pytest.approx(float(y), abs=1e-9)
            except ValueError:
                assert x == y


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(person(), min_size=PEOPLE, max_size=PEOPLE))
def test_definitions_csv_xlsx_and_command_agree(cohort, people):
    cohorts = Cohort.objects.filter(pk=cohort.pk)
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        held = sessions_of(cohort)[:3]
        enrollments = list(cohort.enrollments.order_by("participant_code"))
        for enrollment, plan in zip(enrollments, people, strict=True):
            for session, status in zip(held, plan["marks"], strict=True):
                if status:
                    Attendance.objects.create(
                        scheduled_session=session, enrollment=enrollment, status=status
                    )
            for day in plan["practice"]:
                log_practice(enrollment, day)
            for kind in ("baseline", "post"):
                if plan[kind] is not None:
                    on = sent(enrollment, kind)
                    respond(on, "phq9", phq9(plan[kind], 0))

        (summary,) = cohort_summaries(cohorts=cohorts, now=NOW)
        spanned = with_session_span(cohorts).get()
        state = cohort_state(spanned, NOW)
        cohort_cells = [
            EXPORT_STATES[state],
            cohort.start_date.isoformat(),
            timezone.localdate(spanned.last_session_at, cohort.zoneinfo).isoformat(),
        ]
        finished = state == CohortState.FINISHED
        expected_completion = [
            cohort.program.name,
            cohort.name,
            summary.arm,
            str(summary.enrolled),
            str(summary.completed),
            ""
            if summary.completion_rate is None or not finished
            else f"{rate4(summary.completion_rate):f}",
            str(summary.sessions_held),
            "" if summary.attendance_rate is None else f"{rate4(summary.attendance_rate):f}",
            str(summary.baseline_completed),
            str(summary.post_completed),
            str(summary.paired_completed),
            "" if summary.practice_adherence is None else f"{rate4(summary.practice_adherence):f}",
            *cohort_cells,
        ]
        facts = enrollment_facts(enrollments=enrollments, now=NOW)
        person_codes = dict(
            PersonCode.objects.filter(organization=cohort.organization).values_list(
                "user_id", "code"
            )
        )
        expected_participants = [
            [
                f.enrollment.participant_code,
                person_codes[f.enrollment.user_id],
                cohort.program.name,
                cohort.name,
                f.enrollment.arm,
                f.enrollment.status,
                str(f.sessions_held),
                str(f.sessions_attended),
                str(int(f.completed_course)),
                str(int(f.baseline_completed)),
                str(int(f.post_completed)),
                str(f.practice_days),
                str(f.practice_minutes),
                ""
                if f.enrollment.activated_at is None
                else timezone.localdate(f.enrollment.activated_at, cohort.zoneinfo).isoformat(),
                *cohort_cells,
            ]
            for f in facts
        ]

        for kind, expected in (
            ("completion", [expected_completion]),
            ("participants", expected_participants),
            ("outcomes", None),
        ):
            from_csv = _build(kind, cohorts, "csv")
            rows = _csv(from_csv)
            if expected is not None:
                assert rows[1:] == expected
            _same_numbers(rows, _xlsx_as_text(_build(kind, cohorts, "xlsx"), kind))
            out = io.StringIO()
            call_command("export", kind, "--cohort", str(cohort.pk), stdout=out)
            assert out.getvalue().encode("utf-8") == from_csv

        transaction.set_rollback(True)

"""Export files: exact columns, hand-counted values, formula escaping, XLSX sheets, flat memory.

Files are built with sessions.reports.exports.export_build (no HTTP); the pages and the
command that send them are tested in test_exports_views.py and test_export_command.py.

The small group cohort (staff_cast): sessions on 1, 8, 15 and 22 September 2026, three held
at NOW (16 September); 3 of 4 sessions complete the course.

    A: attended 3 -> completed; baseline sent; practice on 2 days
    B: attended 2;              baseline sent
    C: attended 1, withdrew on 10 September; practice on 1 day (before leaving)
    D: only invited (not enrolled)

    enrolled 3, completed 1 -> completion rate 1/3 = 0.3333
    attendance 6 of 9 -> 0.6667; baseline 2, post 0, paired 0
    days in the program: A and B 1-16 September = 16 each, C 1-10 September = 10
    practice adherence (2 + 0 + 1) / (16 + 16 + 10) = 3/42 = 0.0714
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
import time_machine

from accounts.models import User
from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus, MeasurementPoint
from sessions.models import Attendance, AttendanceStatus
from sessions.questionnaires.models import Assessment
from sessions.reports.definitions import DEFINITIONS
from sessions.reports.exports import (
    COMPLETION_COLUMNS,
    DICTIONARY_COLUMNS,
    OUTCOME_COLUMNS,
    PARTICIPANT_COLUMNS,
    RESPONSE_COLUMNS,
    SCORE_BASE_COLUMNS,
    ExportScope,
    escape_text,
    export_build,
    export_start,
    score_subscale_columns,
)
from sessions.reports.exports import tables as export_tables
from sessions.reports.models import ExportRecord
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, phq9, respond
from tests.sessions.staff_cast import (
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


# --- helpers --------------------------------------------------------------------------------


def build(kind, cohorts, fmt="csv", *, now=NOW, **scope):
    """An export's bytes and what it reported at its end (rows, checksum)."""
    finished = {}

    def on_finish(rows, checksum):
        finished.update(rows=rows, checksum=checksum)

    file = scope.pop("file", None)
    output = export_build(
        kind=kind,
        fmt=fmt,
        scope=ExportScope(cohorts=cohorts, now=now, **scope),
        on_finish=on_finish,
        file=file,
    )
    data = b"".join(output.chunks) if output.chunks is not None else output.file.read()
    return data, finished


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def dicts_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def mark(session, enrollment, status=AttendanceStatus.ATTENDED):
    Attendance.objects.create(scheduled_session=session, enrollment=enrollment, status=status)


def sent(enrollment, kind, *, at=None):
    """The enrollment's questionnaires at a point, completed."""
    point, _ = MeasurementPoint.objects.get_or_create(
        program=enrollment.cohort.program,
        kind=kind,
        defaults={"label": kind.title(), "instruments": ["phq9"]},
    )
    opens = at or dt.datetime(2026, 8, 18, tzinfo=UTC)
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=["phq9"],
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=14),
        completed_at=opens + dt.timedelta(days=1),
    )


def mbsr(organization, name):
    return CohortFactory(organization=organization, program=shipped_program("mbsr-8-ms"), name=name)


def only(cohort):
    return Cohort.objects.filter(pk=cohort.pk)


@pytest.fixture
def small(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    s1, s2, s3, _s4 = sessions_of(cohort)
    a = enroll(cohort, participant_code="P-A")
    b = enroll(cohort, participant_code="P-B")
    c = enroll(cohort, participant_code="P-C")
    enroll(cohort, participant_code="P-D", status=EnrollmentStatus.INVITED)
    for session in (s1, s2, s3):
        mark(session, a)
    mark(s1, b)
    mark(s2, b, AttendanceStatus.MADE_UP)
    mark(s3, b, AttendanceStatus.ABSENT)
    mark(s1, c)
    withdraw(c)
    log_practice(a, dt.date(2026, 9, 2))
    log_practice(a, dt.date(2026, 9, 3), minutes=25)
    log_practice(c, dt.date(2026, 9, 4), minutes=10)
    log_practice(c, dt.date(2026, 9, 12), minutes=10)  # after withdrawing: not counted
    sent(a, "baseline")
    sent(b, "baseline")
    return cohort


# --- columns --------------------------------------------------------------------------------


# Written out as the specification gives them, not imported from the code under test.
COMPLETION_HEADER = [
    "program",
    "cohort",
    "arm",
    "enrolled",
    "completed",
    "completion_rate",
    "sessions_held",
    "attendance_rate",
    "baseline_completed",
    "post_completed",
    "paired_completed",
    "practice_adherence",
    "cohort_status",
    "cohort_start_date",
    "cohort_end_date",
]


def test_completion_columns_are_exactly_the_documented_ones(small):
    data, _ = build("completion", only(small))
    assert rows_of(data)[0] == COMPLETION_HEADER
    assert tuple(rows_of(data)[0]) == COMPLETION_COLUMNS


def test_participant_columns_are_exactly_the_documented_ones(small):
    data, _ = build("participants", only(small))
    assert rows_of(data)[0] == [
        "participant_code",
        "person_code",
        "program",
        "cohort",
        "arm",
        "status",
        "sessions_held",
        "sessions_attended",
        "completed_course",
        "baseline_completed",
        "post_completed",
        "practice_days",
        "practice_minutes",
        "enrolled_on",
        "cohort_status",
        "cohort_start_date",
        "cohort_end_date",
    ]
    assert tuple(rows_of(data)[0]) == PARTICIPANT_COLUMNS


def test_responses_are_a_zip_of_responses_scores_dictionary_and_codebook(small):
    data, _ = build("responses", only(small))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [
        "responses.csv",
        "scores.csv",
        "dictionary.csv",
        "codebook.csv",
    ]
    assert rows_of(archive.read("responses.csv"))[0] == [
        "participant_code",
        "person_code",
        "program",
        "cohort",
        "arm",
        "measurement_point",
        "instrument",
        "instrument_version",
        "item",
        "value",
        "submitted_at",
        "mode",
    ]
    assert tuple(rows_of(archive.read("responses.csv"))[0]) == RESPONSE_COLUMNS
    scores_header = rows_of(archive.read("scores.csv"))[0]
    assert tuple(scores_header) == SCORE_BASE_COLUMNS + score_subscale_columns()
    assert "maia2_noticing" in scores_header
    assert "ierq_enhancing_positive_affect" in scores_header
    assert rows_of(archive.read("dictionary.csv"))[0] == [
        "instrument",
        "item",
        "text",
        "values",
        "reverse_scored",
        "subscale",
    ]
    assert tuple(rows_of(archive.read("dictionary.csv"))[0]) == DICTIONARY_COLUMNS


def test_outcome_columns(small):
    data, _ = build("outcomes", only(small))
    assert tuple(rows_of(data)[0]) == OUTCOME_COLUMNS


# --- values ---------------------------------------------------------------------------------


def test_completion_of_the_small_cohort_counted_by_hand(small):
    data, finished = build("completion", only(small))
    (row,) = dicts_of(data)
    assert row == {
        "program": small.program.name,
        "cohort": "Tuesday group",
        "arm": "intervention",
        "enrolled": "3",
        "completed": "1",
        # Its last session (22 September) is still to come: who completes is not known yet.
        "completion_rate": "",
        "sessions_held": "3",
        "attendance_rate": "0.6667",
        "baseline_completed": "2",
        "post_completed": "0",
        "paired_completed": "0",
        "practice_adherence": "0.0714",
        "cohort_status": "running",
        "cohort_start_date": "2026-09-01",
        "cohort_end_date": "2026-09-22",
    }
    assert finished["rows"] == 1


def test_completion_rate_is_given_once_the_cohort_has_finished(small):
    after = dt.datetime(2026, 9, 23, 12, tzinfo=UTC)  # the last session began the day before
    data, _ = build("completion", only(small), now=after)
    (row,) = dicts_of(data)
    assert (row["cohort_status"], row["completed"], row["completion_rate"]) == (
        "finished",
        "1",
        "0.3333",
    )
    before = dt.datetime(2026, 8, 20, tzinfo=UTC)
    data, _ = build("completion", only(small), now=before)
    (row,) = dicts_of(data)
    assert (row["cohort_status"], row["completion_rate"]) == ("not_started", "")


def test_cohort_status_in_exports_follows_the_overviews_rule(organization, facilitator_user):
    from sessions.reports.selectors.overview import cohort_state
    from sessions.reports.states import EXPORT_STATES, with_session_span

    cohort = group_cohort(organization, [facilitator_user], name="Rule group")
    enroll(cohort, participant_code="R-1")
    moments = [
        dt.datetime(2026, 8, 31, tzinfo=UTC),
        dt.datetime(2026, 9, 1, 23, tzinfo=UTC),
        dt.datetime(2026, 9, 22, 23, tzinfo=UTC),
    ]
    for moment in moments:
        expected = EXPORT_STATES[cohort_state(with_session_span(only(cohort)).get(), moment)]
        for kind in ("completion", "participants"):
            data, _ = build(kind, only(cohort), now=moment)
            assert {row["cohort_status"] for row in dicts_of(data)} == {expected}
    assert [cohort_state(with_session_span(only(cohort)).get(), m) for m in moments] == [
        "upcoming",
        "running",
        "finished",
    ]


def test_participants_carry_their_enrollment_date_and_the_cohorts_dates(small):
    Enrollment.objects.filter(participant_code="P-A").update(
        # 23:30 UTC is already the next day in London (the cohort's zone, BST).
        activated_at=dt.datetime(2026, 8, 20, 23, 30, tzinfo=UTC)
    )
    data, _ = build("participants", only(small))
    rows = {row["participant_code"]: row for row in dicts_of(data)}
    assert rows["P-A"]["enrolled_on"] == "2026-08-21"
    assert rows["P-D"]["enrolled_on"] == ""  # only invited
    for row in rows.values():
        assert (row["cohort_status"], row["cohort_start_date"], row["cohort_end_date"]) == (
            "running",
            "2026-09-01",
            "2026-09-22",
        )


def test_participant_codes_sort_naturally_in_every_file(organization):
    cohort = mbsr(organization, "Natural group")
    for code in ("DEMO11", "demo3", "DEMO2", "DEMO1"):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=code)
        respond(assessment(enrollment, "baseline"), "phq9", phq9(5, 0))
    expected = ["DEMO1", "DEMO2", "demo3", "DEMO11"]
    data, _ = build("participants", only(cohort))
    assert [row["participant_code"] for row in dicts_of(data)] == expected
    archive = zipfile.ZipFile(io.BytesIO(build("responses", only(cohort))[0]))
    for name in ("responses.csv", "scores.csv"):
        codes = [row["participant_code"] for row in dicts_of(archive.read(name))]
        assert list(dict.fromkeys(codes)) == expected, name


def test_participants_of_the_small_cohort_counted_by_hand(small):
    data, finished = build("participants", only(small))
    rows = {row["participant_code"]: row for row in dicts_of(data)}
    name = small.program.name
    expect = {
        # code: status, held, attended, completed, baseline, post, practice days, minutes
        "P-A": ("active", "3", "3", "1", "1", "0", "2", "45"),
        "P-B": ("active", "3", "2", "0", "1", "0", "0", "0"),
        "P-C": ("withdrawn", "3", "1", "0", "0", "0", "1", "10"),
        "P-D": ("invited", "3", "0", "0", "0", "0", "0", "0"),
    }
    assert set(rows) == set(expect)
    for code, values in expect.items():
        row = rows[code]
        assert (row["program"], row["cohort"], row["arm"]) == (
            name,
            "Tuesday group",
            "intervention",
        )
        assert (
            row["status"],
            row["sessions_held"],
            row["sessions_attended"],
            row["completed_course"],
            row["baseline_completed"],
            row["post_completed"],
            row["practice_days"],
            row["practice_minutes"],
        ) == values
    assert finished["rows"] == 4


def test_mbsr_study_cohort_of_23_with_21_completing_exports_0_9130(organization):
    """BRIEF §2: 23 women enrolled, 91% completed (21 of 23)."""
    cohort = mbsr_cohort(organization, [])
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=UTC), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    required = [s for s in sessions_of(cohort) if not s.program_session.optional]
    threshold = cohort.program.completion_threshold
    attendances = []
    for n in range(23):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"MS-{n:02d}")
        came = required if n < 21 else required[: threshold - 1]
        attendances += [
            Attendance(scheduled_session=s, enrollment=enrollment, status=AttendanceStatus.ATTENDED)
            for s in came
        ]
    Attendance.objects.bulk_create(attendances)
    after_course = dt.datetime(2026, 12, 1, tzinfo=UTC)
    data, _ = build("completion", only(cohort), now=after_course)
    (row,) = dicts_of(data)
    assert (row["enrolled"], row["completed"], row["completion_rate"]) == ("23", "21", "0.9130")


@pytest.fixture
def two_arm_ier(organization, facilitator_user):
    """IER-6, six one-on-one sessions from 1 September; at AFTER all six were held.

    Intervention: I1 came to all 6, I2 to 4, I3 to 2 and withdrew on 10 September.
    Control: C1, C2 (no sessions). Threshold: 4 sessions.
    Strategy logs: I1 on 3 days, I3 on 1 (5 September). Days in the program: 1 September to
    12 October (6 weeks) = 42 for I1 and I2, 10 for I3 -> adherence 4 / 94 = 0.0426.
    Questionnaires: baseline I1, I2, C1; post I1, C1.
    """
    cohort = ier_cohort(organization, [facilitator_user])
    people = {}
    for code, arm in [
        ("I1", Arm.INTERVENTION),
        ("I2", Arm.INTERVENTION),
        ("I3", Arm.INTERVENTION),
        ("C1", Arm.CONTROL),
        ("C2", Arm.CONTROL),
    ]:
        people[code] = enroll(cohort, participant_code=code, arm=arm)
    for code, count in [("I1", 6), ("I2", 4), ("I3", 2)]:
        for session in sessions_of(cohort, people[code])[:count]:
            mark(session, people[code])
    withdraw(people["I3"])
    for day in (2, 3, 9):
        log_practice(people["I1"], dt.date(2026, 9, day), minutes=None)
    log_practice(people["I3"], dt.date(2026, 9, 5), minutes=None)
    for code in ("I1", "I2", "C1"):
        sent(people[code], "baseline")
    for code in ("I1", "C1"):
        sent(people[code], "post", at=dt.datetime(2026, 10, 6, tzinfo=UTC))
    return cohort


AFTER = dt.datetime(2026, 10, 20, 12, tzinfo=UTC)
# Six weekly one-on-one sessions from 1 September: the last on 6 October.
IER_DATES = {
    "cohort_status": "finished",
    "cohort_start_date": "2026-09-01",
    "cohort_end_date": "2026-10-06",
}


def test_two_arm_ier_completion_every_column_by_hand(two_arm_ier):
    data, _ = build("completion", only(two_arm_ier), now=AFTER)
    intervention, control = dicts_of(data)
    name = two_arm_ier.name
    assert intervention == {
        "program": "IER-6",
        "cohort": name,
        "arm": "intervention",
        "enrolled": "3",
        "completed": "2",
        "completion_rate": "0.6667",
        "sessions_held": "18",
        "attendance_rate": "0.6667",  # 12 of 18
        "baseline_completed": "2",
        "post_completed": "1",
        "paired_completed": "1",
        "practice_adherence": "0.0426",
        **IER_DATES,
    }
    assert control == {
        "program": "IER-6",
        "cohort": name,
        "arm": "control",
        "enrolled": "2",
        "completed": "0",
        "completion_rate": "",  # not offered sessions: no rate
        "sessions_held": "0",
        "attendance_rate": "",
        "baseline_completed": "1",
        "post_completed": "1",
        "paired_completed": "1",
        "practice_adherence": "",
        **IER_DATES,
    }


def test_two_arm_ier_participants_every_column_by_hand(two_arm_ier):
    data, _ = build("participants", only(two_arm_ier), now=AFTER)
    found = rows_of(data)[1:]
    # Each person in the cohort has a person code of their own (checked in detail elsewhere).
    assert len({r[1] for r in found}) == len(found)
    assert all(r[1].startswith("PS-") for r in found)
    # The last three columns: the cohort's status and dates (enrolled_on is tested elsewhere).
    assert {tuple(r[-3:]) for r in found} == {tuple(IER_DATES.values())}
    rows = [(r[0], *r[2:-4]) for r in found]
    ier, name = "IER-6", two_arm_ier.name
    assert rows == [
        ("C1", ier, name, "control", "active", "0", "0", "0", "1", "1", "0", "0"),
        ("C2", ier, name, "control", "active", "0", "0", "0", "0", "0", "0", "0"),
        ("I1", ier, name, "intervention", "active", "6", "6", "1", "1", "1", "3", "0"),
        ("I2", ier, name, "intervention", "active", "6", "4", "1", "1", "0", "0", "0"),
        ("I3", ier, name, "intervention", "withdrawn", "6", "2", "0", "0", "0", "1", "0"),
    ]


def test_xlsx_rates_are_decimal_numbers_shown_with_four_places(two_arm_ier):
    data, _ = build("completion", only(two_arm_ier), fmt="xlsx", now=AFTER)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["completion"]
    header = [c.value for c in sheet[1]]
    intervention = dict(zip(header, sheet[2], strict=True))
    rates = ("completion_rate", "attendance_rate", "practice_adherence")
    for name in rates:
        found = intervention[name]
        # A number from 0 to 1 (not a percentage, not text), shown as the CSV writes it.
        assert isinstance(found.value, int | float), name
        assert 0 <= found.value <= 1, name
        assert found.number_format == "0.0000", name
    assert [round(intervention[name].value, 4) for name in rates] == [0.6667, 0.6667, 0.0426]


def test_responses_long_format_scores_and_dictionary(organization):
    cohort = mbsr(organization, "Spring")
    enrollment = EnrollmentFactory(cohort=cohort, participant_code="R-1")
    base = assessment(enrollment, "baseline")
    first = respond(base, "phq9", phq9(15, 0))
    # Corrected with item 9 left blank: prorated 12 x 9 / 8 = 13.5, rounded half up to 14.
    respond(base, "phq9", {**phq9(12, 0), 9: None}, version=2, supersedes=first, reason="typo")
    respond(base, "who5", {1: 2, 2: 2, 3: 2, 4: 2, 5: 2})
    respond(base, "gad7", {1: 1}, submitted=False)  # a draft is not exported
    data, finished = build("responses", only(cohort))
    archive = zipfile.ZipFile(io.BytesIO(data))
    answers = dicts_of(archive.read("responses.csv"))
    # Latest sent version of PHQ-9 (9 items, item 9 left blank) and WHO-5 (5 items).
    assert [(a["instrument"], a["item"], a["value"]) for a in answers][:3] == [
        ("phq9", "1", "3"),
        ("phq9", "2", "3"),
        ("phq9", "3", "3"),
    ]
    assert len(answers) == 14
    phq9_item9 = next(a for a in answers if a["instrument"] == "phq9" and a["item"] == "9")
    assert phq9_item9["value"] == ""
    assert {a["submitted_at"] for a in answers} == {"2026-08-19T17:00:00Z"}
    assert {
        (a["participant_code"], a["cohort"], a["measurement_point"], a["mode"]) for a in answers
    } == {("R-1", "Spring", "baseline", "self")}
    scores = {s["instrument"]: s for s in dicts_of(archive.read("scores.csv"))}
    assert set(scores) == {"phq9", "who5"}
    assert (scores["phq9"]["total"], scores["phq9"]["band"]) == ("14", "moderate")
    assert (scores["who5"]["total"], scores["who5"]["percentage"]) == ("10", "40")
    dictionary = dicts_of(archive.read("dictionary.csv"))
    pss_4 = next(d for d in dictionary if d["instrument"] == "pss10" and d["item"] == "4")
    assert pss_4["reverse_scored"] == "1"
    assert pss_4["values"].startswith("0 = Never; 1 = Almost never")
    mfis_4 = next(d for d in dictionary if d["instrument"] == "mfis21" and d["item"] == "4")
    assert mfis_4["subscale"] == "physical"
    assert {d["instrument"] for d in dictionary} == set(
        cohort.program.measurement_points.get(kind="baseline").instruments
    )
    assert finished["rows"] == 14 + 2 + len(dictionary)


def test_maia2_mean_subscales_have_four_places_in_scores(organization):
    cohort = mbsr_cohort(organization, [])
    enrollment = EnrollmentFactory(cohort=cohort, participant_code="M-1")
    answers = dict.fromkeys(range(1, 38), 1)
    answers.update({1: 2, 2: 2, 3: 1, 4: 2})  # noticing: (2 + 2 + 1 + 2) / 4 = 1.75
    answers.update({5: 0, 6: 1})  # not distracting, reversed 5 - x: (5+4+4+4+4+4)/6 = 4.1667
    respond(assessment(enrollment, "baseline"), "maia2", answers)
    data, _ = build("responses", only(cohort), file="scores")
    (row,) = dicts_of(data)
    assert row["total"] == ""
    assert row["maia2_noticing"] == "1.7500"
    assert row["maia2_not_distracting"] == "4.1667"


# --- formula injection ---------------------------------------------------------------------

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tX", "\rY"]


def test_escape_text_prefixes_every_formula_start_and_leaves_others():
    for value in DANGEROUS:
        assert escape_text(value) == "'" + value
    assert escape_text("P-7K3Q9") == "P-7K3Q9"
    assert escape_text("") == ""


@pytest.fixture
def dangerous(organization):
    cohort = CohortFactory(organization=organization, name='=HYPERLINK("http://x")')
    for n, code in enumerate(DANGEROUS):
        EnrollmentFactory(
            cohort=cohort, participant_code=code, user=UserFactory(full_name=f"-Name{n}")
        )
    return cohort


def test_participant_codes_and_cohort_names_are_escaped_in_csv(dangerous):
    data, _ = build("participants", only(dangerous))
    rows = rows_of(data)[1:]
    assert sorted(row[0] for row in rows) == sorted("'" + code for code in DANGEROUS)
    assert {row[3] for row in rows} == {'\'=HYPERLINK("http://x")'}
    # A carriage return inside a field is quoted, so the row is not split in two.
    assert len(rows) == len(DANGEROUS)
    # Numbers are numbers, not escaped text.
    assert {row[6] for row in rows} == {"0"}


def test_completion_export_escapes_the_cohort_name(dangerous):
    data, _ = build("completion", only(dangerous))
    (row,) = dicts_of(data)
    assert row["cohort"] == '\'=HYPERLINK("http://x")'


def test_xlsx_cells_are_escaped_text_while_numbers_stay_numbers(dangerous):
    data, _ = build("participants", only(dangerous), fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["participants"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    # XML reads a stored carriage return back as a line feed; the quote in front is what counts.
    expected = ["'" + code.replace("\r", "\n") for code in DANGEROUS]
    assert sorted(v[0] for v in values) == sorted(expected)
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s"  # text, never a formula ("f")
        assert row[3].value == '\'=HYPERLINK("http://x")'
        assert row[3].data_type == "s"
        assert row[6].data_type == "n"
        assert row[6].value == 0


def test_a_negative_change_is_a_number_in_csv_and_xlsx(organization):
    cohort = mbsr(organization, "-minus cohort")
    for n, (before, after) in enumerate([(15, 9), (12, 10), (10, 9)]):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"N-{n}")
        respond(assessment(enrollment, "baseline"), "phq9", phq9(before, 0))
        respond(assessment(enrollment, "post"), "phq9", phq9(after, 0))
    data, _ = build("outcomes", only(cohort))
    phq = next(r for r in dicts_of(data) if r["instrument"] == "phq9" and r["score"] == "total")
    assert phq["cohort"] == "'-minus cohort"
    assert phq["mean_change"] == "-3.0000"  # (-6 - 2 - 1) / 3
    assert phq["n_paired"] == "3"
    assert phq["mic_reached"] == "1"
    assert phq["mic_share"] == "0.3333"
    xlsx, _ = build("outcomes", only(cohort), fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["outcomes"]
    header = [c.value for c in sheet[1]]
    row = next(
        r
        for r in sheet.iter_rows(min_row=2)
        if r[header.index("instrument")].value == "phq9"
        and r[header.index("score")].value == "total"
    )
    change = row[header.index("mean_change")]
    assert change.data_type == "n"
    assert float(change.value) == -3.0
    assert change.number_format == "0.0000"


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_file_and_a_codebook_with_the_definitions(small):
    data, finished = build("responses", only(small), fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["responses", "scores", "dictionary", "codebook"]
    assert [c.value for c in book["responses"][1]] == list(RESPONSE_COLUMNS)
    codebook = list(book["codebook"].iter_rows(values_only=True))
    assert codebook[0] == ("section", "name", "meaning")
    definitions = {(name, words) for section, name, words in codebook if section == "definition"}
    assert definitions == set(DEFINITIONS)
    columns = {name for section, name, _ in codebook if section == "responses column"}
    assert columns == set(RESPONSE_COLUMNS)
    assert finished["rows"] == book["dictionary"].max_row - 1  # no answers yet: the dictionary


def test_completion_xlsx_matches_the_csv(small):
    csv_data, _ = build("completion", only(small))
    xlsx_data, _ = build("completion", only(small), fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_data))["completion"]
    from_xlsx = [
        ["" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v)) for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert from_xlsx == rows_of(csv_data)


# --- streaming and memory -------------------------------------------------------------------


def test_csv_is_produced_lazily_and_finished_only_at_its_end(small, coordinator_user, organization):
    output = export_start(
        user=coordinator_user,
        organization=organization,
        kind="participants",
        fmt="csv",
        scope=ExportScope(cohorts=only(small), now=NOW),
        filters={},
    )
    record = output.record
    first = next(output.chunks)
    assert first.startswith(b"participant_code,")
    record.refresh_from_db()
    assert record.finished_at is None
    rest = b"".join(output.chunks)
    record.refresh_from_db()
    assert record.row_count == 4
    assert record.checksum == hashlib.sha256(first + rest).hexdigest()


def _many(organization, cohorts: int, per_cohort: int) -> None:
    program = shipped_program("mbsr-8-ms")
    start = Cohort.objects.count()
    made = Cohort.objects.bulk_create(
        Cohort(
            organization=organization,
            program=program,
            name=f"Bulk {start + n}",
            start_date=dt.date(2026, 9, 1),
            meeting_weekday=1,
            meeting_time=dt.time(18),
            timezone="Europe/London",
        )
        for n in range(cohorts)
    )
    first_user = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk{first_user + n}@example.org", full_name=f"Bulk {n}")
        for n in range(cohorts * per_cohort)
    )
    Enrollment.objects.bulk_create(
        Enrollment(
            cohort=made[n // per_cohort],
            user=user,
            participant_code=f"B{first_user + n:06d}",
            status=EnrollmentStatus.ACTIVE,
        )
        for n, user in enumerate(users)
    )


def _peak_while_streaming(cohorts) -> tuple[int, int]:
    """Peak memory traced while a participants CSV streams, and the bytes it produced."""
    output = export_build(
        kind="participants",
        fmt="csv",
        scope=ExportScope(cohorts=cohorts, now=NOW),
        on_finish=lambda rows, checksum: None,
    )
    size = 0
    tracemalloc.start()
    try:
        for chunk in output.chunks:
            size += len(chunk)  # sent on and dropped, as a response does
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_memory_stays_flat_from_1000_to_5000_enrollments(organization, monkeypatch):
    monkeypatch.setattr(export_tables, "ENROLLMENT_BATCH", 500)
    _many(organization, 10, 100)
    small_peak, small_size = _peak_while_streaming(Cohort.objects.all())
    _many(organization, 40, 100)
    big_peak, big_size = _peak_while_streaming(Cohort.objects.all())
    assert big_size > 4.5 * small_size  # five times the rows ...
    assert big_peak < 1.5 * small_peak  # ... in about the same memory


def test_record_matches_bytes_for_zip_and_xlsx(small, coordinator_user, organization):
    for fmt in ("csv", "xlsx"):
        output = export_start(
            user=coordinator_user,
            organization=organization,
            kind="responses",
            fmt=fmt,
            scope=ExportScope(cohorts=only(small), now=NOW),
            filters={"cohort": small.pk},
        )
        data = b"".join(output.chunks) if output.chunks else output.file.read()
        record = ExportRecord.objects.get(pk=output.record.pk)
        assert record.checksum == hashlib.sha256(data).hexdigest()
        assert record.finished_at is not None
        assert (record.kind, record.format, record.filters) == (
            "responses",
            fmt,
            {"cohort": small.pk},
        )
        assert (record.actor, record.identifiable, record.source) == (
            coordinator_user.email,
            False,
            "page",
        )


def test_xlsx_sheet_goes_on_into_a_second_sheet_past_the_row_limit(small, monkeypatch):
    from sessions.reports.exports import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 3)  # header and two rows a sheet
    data, finished = build("participants", only(small), fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    # (The codebook, longer than two rows, goes on over sheets of its own too.)
    assert book.sheetnames[:3] == ["participants", "participants_2", "codebook"]
    first, second = book["participants"], book["participants_2"]
    assert [c.value for c in first[1]] == [c.value for c in second[1]] == list(PARTICIPANT_COLUMNS)
    codes = [r[0] for r in first.iter_rows(min_row=2, values_only=True)]
    codes += [r[0] for r in second.iter_rows(min_row=2, values_only=True)]
    assert codes == ["P-A", "P-B", "P-C", "P-D"]
    assert finished["rows"] == 4

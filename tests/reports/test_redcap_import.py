"""manage.py import redcap: paper and phone answers from a REDCap records file, checked like staff
entry, all or nothing, every problem by line; an export imports back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import AuditAction, AuditEvent
from programs.instrument_library import instrument_get
from programs.scoring import score
from sessions.questionnaires.models import Response, SafetyEvent
from sessions.reports.exchange.redcap_import import ImportProblems, redcap_import
from tests.factories import EnrollmentFactory, UserFactory
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)
from tests.reports.test_redcap_export import answered, export

pytestmark = pytest.mark.django_db

__all__ = ["answered"]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def latest(organization):
    """(participant, point, instrument) -> the latest sent answers, every item, and the score."""
    found = {}
    for response in Response.objects.filter(
        assessment__enrollment__cohort__organization=organization, submitted_at__isnull=False
    ).order_by("version"):
        instrument = instrument_get(response.instrument)
        answers = response.answer_map()
        full = {item.number: answers.get(item.number) for item in instrument.items}
        key = (
            response.assessment.enrollment.participant_code,
            response.assessment.measurement_point.code,
            response.instrument,
        )
        found[key] = (full, score(response.instrument, full))
    return found


def import_file(path, *args):
    out = io.StringIO()
    call_command("import", "redcap", str(path), "--organization", "riverside", *args, stdout=out)
    return out.getvalue()


def test_an_export_imports_back_with_the_same_answers_and_scores(tmp_path, answered, organization):
    staff = UserFactory(email="sam@example.org")
    export(tmp_path, "--organization", "riverside")
    before = latest(organization)
    assert len(before) == 10
    # Corrections first: a response cannot go while the one correcting it is there.
    for response in Response.objects.filter(
        assessment__enrollment__cohort__organization=organization
    ).order_by("-version"):
        response.delete()

    said = import_file(tmp_path / "records.csv", "--user", "sam@example.org")

    assert latest(organization) == before
    assert "Imported 10 responses from 7 lines" in said
    imported = Response.objects.filter(assessment__enrollment__cohort__organization=organization)
    assert {(r.mode, r.entered_by_id, r.submitted_at) for r in imported} == {
        ("in_person", staff.pk, NOW)
    }
    # The import is on the audit log: who, how many, and whose answers came in.
    event = AuditEvent.objects.get(action=AuditAction.ANSWERS_IMPORTED)
    assert (event.actor_id, event.organization_id) == (staff.pk, organization.pk)
    assert event.details["imported"] == 10
    assert event.participant_codes.split() == sorted({code for code, _p, _i in before})
    # The other organization's answers were never in the file and are untouched.
    assert (
        Response.objects.exclude(assessment__enrollment__cohort__organization=organization).count()
        == 1
    )


def test_importing_the_same_file_again_changes_nothing(tmp_path, answered, organization):
    export(tmp_path, "--organization", "riverside")
    count = Response.objects.count()
    said = import_file(tmp_path / "records.csv")
    assert "Imported 0 responses from 7 lines; 10 already sent" in said
    assert Response.objects.count() == count
    # Nothing came in, but that a file was imported is still on record.
    assert AuditEvent.objects.get(action=AuditAction.ANSWERS_IMPORTED).details["imported"] == 0


def records(*rows: dict[str, str]) -> str:
    columns = ["record_id", "redcap_event_name"]
    for row in rows:
        columns += [c for c in row if c not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def phq9_row(
    code: str, event: str, answers: dict[int, int | None], status: str = "2"
) -> dict[str, str]:
    row = {"record_id": code, "redcap_event_name": event}
    row |= {f"phq9_{n}": "" if v is None else str(v) for n, v in answers.items()}
    row["phq9_complete"] = status
    return row


@pytest.fixture
def waiting(organization):
    """A participant whose baseline window has closed with nothing sent, and whose post is open."""
    enrollment = EnrollmentFactory(cohort=mbsr_cohort(organization, []), participant_code="RV-5")
    assessment(enrollment, "baseline")
    assessment(enrollment, "post")
    return enrollment


def problems(organization, text, now=NOW):
    with pytest.raises(ImportProblems) as caught:
        redcap_import(organization=organization, text=text, by=None, now=now)
    return caught.value.problems


def test_every_problem_is_named_by_its_line_and_nothing_is_saved(
    organization, other_organization, waiting
):
    EnrollmentFactory(cohort=mbsr_cohort(other_organization, []), participant_code="HV-1")
    bad = phq9(6, 0)
    bad[3] = 7
    text = records(
        phq9_row("RV-5", "baseline_arm_1", phq9(6, 0)),  # line 2: fine on its own
        phq9_row("RV-5", "post_arm_1", bad),
        phq9_row("NOBODY", "baseline_arm_1", phq9(6, 0)),
        phq9_row("HV-1", "baseline_arm_1", phq9(6, 0)),
        phq9_row("RV-5", "week_3_arm_1", phq9(6, 0)),
        phq9_row("RV-5", "baseline_arm_1", phq9(6, 0)),
    )
    assert problems(organization, text) == [
        "Line 3: phq9_3 is “7”, not one of the answers it offers (0, 1, 2, 3).",
        "Line 4: no participant of Riverside MS Centre has the code “NOBODY”.",
        "Line 5: no participant of Riverside MS Centre has the code “HV-1”.",
        "Line 6: “week_3_arm_1” is not an event of MBSR-8 for MS; its events are "
        "baseline_arm_1, post_arm_1, follow_up_3m_arm_1, follow_up_6m_arm_1.",
        "Line 7: RV-5 at baseline_arm_1 is already on line 2.",
    ]
    assert not Response.objects.exists()


def test_answers_under_an_unfinished_status_and_incomplete_answers_are_refused(
    organization, waiting
):
    gaps = phq9(6, 0)
    gaps[1] = gaps[2] = gaps[3] = None
    text = records(
        phq9_row("RV-5", "baseline_arm_1", phq9(6, 0), status="1"),
        phq9_row("RV-5", "post_arm_1", gaps),
    )
    assert problems(organization, text) == [
        "Line 2: the PHQ-9 has answers but phq9_complete is “1”; only forms marked 2 "
        "(Complete) are imported.",
        "Line 3: at most 2 questions of the PHQ-9 may be left out; 3 are.",
    ]
    text = "record_id,redcap_event_name,pss10_1,pss10_complete,favourite_colour\nRV-5,baseline_arm_1,,2,\n"
    assert problems(organization, text) == [
        "Line 1: the column “favourite_colour” is not a Stillwater question; the columns are "
        "those of records.csv from manage.py export redcap."
    ]
    text = "record_id,redcap_event_name,pss10_1,pss10_complete\nRV-5,baseline_arm_1,,2\n"
    found = problems(organization, text)
    assert (
        found[0] == "Line 2: PSS-10 question 1 (pss10_1) has no answer, and it may not be left out."
    )
    assert len(found) == 10


def test_late_answers_come_in_but_a_window_not_open_yet_takes_none(organization, waiting):
    # As REDCap or a spreadsheet may save it: with a byte-order mark.
    text = "\ufeff" + records(phq9_row("RV-5", "baseline_arm_1", phq9(6, 0)))
    result = redcap_import(organization=organization, text=text, by=None, now=NOW)
    assert (result.imported, result.unchanged) == (1, 0)
    response = Response.objects.get()
    assert response.is_submitted
    assert response.assessment.measurement_point.code == "baseline"

    early = dt.datetime(2026, 9, 15, 12, tzinfo=dt.UTC)
    text = records(phq9_row("RV-5", "post_arm_1", phq9(6, 0)))
    assert problems(organization, text, now=early) == [
        "Line 2: the questionnaires of RV-5 at post_arm_1 are not open yet (it opens on "
        "20 October 2026), so no answers can be imported for them."
    ]
    text = records(phq9_row("RV-5", "follow_up_3m_arm_1", phq9(6, 0)))
    assert problems(organization, text)[0].startswith(
        "Line 2: the questionnaires of RV-5 at follow_up_3m_arm_1 are not open yet, "
    )


def test_answers_already_sent_differently_are_corrected_in_stillwater_not_imported(
    organization, waiting
):
    respond(waiting.assessments.get(measurement_point__code="baseline"), "phq9", phq9(6, 0))
    same = records(phq9_row("RV-5", "baseline_arm_1", phq9(6, 0)))
    assert redcap_import(organization=organization, text=same, by=None).unchanged == 1
    other = records(phq9_row("RV-5", "baseline_arm_1", phq9(9, 0)))
    assert problems(organization, other) == [
        "Line 2: the PHQ-9 answers of RV-5 at baseline_arm_1 were already sent, with other "
        "answers. Correct them in Stillwater, with a reason, instead."
    ]
    assert Response.objects.count() == 1


def test_a_participant_who_has_not_accepted_or_consented_gets_no_answers(organization):
    cohort = mbsr_cohort(organization, [])
    invited = EnrollmentFactory(cohort=cohort, participant_code="RV-6", accepted_at=None)
    unconsented = EnrollmentFactory(cohort=cohort, participant_code="RV-7", consent=False)
    for enrollment in (invited, unconsented):
        assessment(enrollment, "baseline")
    text = records(
        phq9_row("RV-6", "baseline_arm_1", phq9(6, 0)),
        phq9_row("RV-7", "baseline_arm_1", phq9(6, 0)),
    )
    assert problems(organization, text) == [
        "Line 2: RV-6: Answers cannot be entered: the invitation is not accepted yet.",
        "Line 3: RV-7: Answers cannot be entered: the consent is not agreed yet.",
    ]
    # Answers already in Stillwater are passed over, as in any re-import of an export.
    respond(unconsented.assessments.get(), "phq9", phq9(6, 0))
    text = records(phq9_row("RV-7", "baseline_arm_1", phq9(6, 0)))
    assert redcap_import(organization=organization, text=text, by=None).unchanged == 1


def test_an_answer_needing_follow_up_raises_a_safety_event_and_a_full_point_completes(
    organization, waiting
):
    baseline = waiting.assessments.get(measurement_point__code="baseline")
    row = {"record_id": "RV-5", "redcap_event_name": "baseline_arm_1"}
    for code in baseline.instruments:
        instrument = instrument_get(code)
        for item in instrument.items:
            row[f"{code}_{item.number}"] = str(item.response_options[0].value)
        row[f"{code}_complete"] = "2"
    row["phq9_9"] = "2"
    result = redcap_import(organization=organization, text=records(row), by=None, mode="phone")
    assert result.imported == len(baseline.instruments) == 8
    event = SafetyEvent.objects.get()
    assert (event.enrollment, event.flag, event.flag_value) == (waiting, "item9_positive", True)
    baseline.refresh_from_db()
    assert baseline.completed_at == NOW
    assert set(Response.objects.values_list("mode", flat=True)) == {"phone"}


def test_the_command_lists_the_problems_and_imports_nothing(tmp_path, organization, waiting):
    bad = phq9(6, 0)
    bad[1] = "x"
    path = tmp_path / "records.csv"
    path.write_text(
        records(phq9_row("RV-5", "baseline_arm_1", phq9(6, 0)), phq9_row("RV-5", "post_arm_1", bad))
    )
    with pytest.raises(CommandError) as caught:
        import_file(path)
    assert str(caught.value) == (
        f"Nothing was imported: 1 problem in {path}.\n"
        "Line 3: phq9_1 is “x”, not one of the answers it offers (0, 1, 2, 3)."
    )
    assert not Response.objects.exists()
    with pytest.raises(CommandError, match="No organization has the slug “nowhere”"):
        call_command("import", "redcap", str(path), "--organization", "nowhere")
    with pytest.raises(CommandError, match="There is no file"):
        import_file(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="Choose in_person or phone"):
        import_file(path, "--mode", "telepathy")

"""The CONSORT flow counts the rows it comes from, and the diagram shows the table's numbers.

The study (NOW: 1 March 2027; baseline and post windows closed, the 3-month follow-up closed
on 16 February except for w2, whose window is still open):

    screened, not randomized: 4 ineligible (one of them did not consent either), 2 eligible who
    declined, 2 eligible and consented (one waiting, one enrolled but not randomized)
    IER course (5):  i1 attended, PHQ-9 15 -> 9 (corrected to 10) -> 8
                     i2 attended, 12 -> 11, nothing at 3 months             (lost)
                     i3 withdrew "Moved away", baseline 10 only, never came (discontinued)
                     i4 attended, 20 -> 14 -> 12
                     i5 made up a session, no baseline, post 9; allocated to the waitlist and
                        corrected to the course; nothing at 3 months         (lost)
    Waitlist (4):    w1 14 -> 13 -> 12
                     w2 11 -> 12, 3-month window still open
                     w3 withdrew (no reason given), 16 -> 14
                     w4 baseline 9 only                                      (lost)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from programs.models import EnrollmentStatus
from sessions.models import AttendanceStatus
from sessions.reports.consort_svg import consort_svg
from sessions.reports.selectors.trial_results import comparison_rows, consort_flow
from sessions.trials.models import Allocation, Screening
from tests.factories import EnrollmentFactory, coordinator
from tests.reports.trial_builders import (
    NOW,
    OPEN_FOLLOW_UP,
    allocate,
    answer,
    attend,
    correct,
    randomized_person,
    screen,
    study_cohort,
    trial_program,
    trial_study,
    window,
    withdraw,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def trial(organization):
    by = coordinator(organization)
    study = trial_study(organization=organization, program=trial_program(), by=by)
    cohort = study_cohort(study)
    screen(study, by=by, eligible=False, reasons=[{"code": "age", "text": "Under 18"}])
    screen(
        study,
        by=by,
        eligible=False,
        reasons=[
            {"code": "age", "text": "Under 18"},
            {"code": "course", "text": "In another course"},
        ],
    )
    screen(study, by=by, eligible=False, reasons=[{"code": "course", "text": "In another course"}])
    screen(
        study,
        by=by,
        eligible=False,
        consented=False,
        reasons=[{"code": "ms", "text": "No confirmed MS diagnosis"}],
    )
    screen(study, by=by, consented=False)
    screen(study, by=by, consented=False)
    screen(study, by=by)  # waiting for a place
    screen(study, by=by, enrollment=EnrollmentFactory(cohort=cohort))  # enrolled, not randomized

    people = {}
    people["i1"] = randomized_person(
        study, cohort, "intervention", by=by, attended=True, scores={"baseline": 15, "post": 9}
    )
    answer(people["i1"], "post", 10, version=2)  # a staff correction: the latest version counts
    answer(people["i1"], "follow_up_3m", 8)
    people["i2"] = randomized_person(
        study, cohort, "intervention", by=by, attended=True, scores={"baseline": 12, "post": 11}
    )
    people["i3"] = randomized_person(study, cohort, "intervention", by=by, scores={"baseline": 10})
    withdraw(people["i3"], "Moved away")
    people["i4"] = randomized_person(
        study,
        cohort,
        "intervention",
        by=by,
        attended=True,
        scores={"baseline": 20, "post": 14, "follow_up_3m": 12},
    )
    people["i5"] = randomized_person(study, cohort, "waitlist", by=by, scores={"post": 9})
    attend(people["i5"], AttendanceStatus.MADE_UP)
    correct(people["i5"].allocation, "intervention", by=by)
    people["w1"] = randomized_person(
        study, cohort, "waitlist", by=by, scores={"baseline": 14, "post": 13, "follow_up_3m": 12}
    )
    people["w2"] = randomized_person(
        study, cohort, "waitlist", by=by, scores={"baseline": 11, "post": 12}
    )
    window(people["w2"], "follow_up_3m", OPEN_FOLLOW_UP)
    people["w3"] = randomized_person(
        study, cohort, "waitlist", by=by, scores={"baseline": 16, "post": 14}
    )
    withdraw(people["w3"], "")
    people["w4"] = randomized_person(study, cohort, "waitlist", by=by, scores={"baseline": 9})
    return study, people


def _arm(flow, code):
    return next(f for f in flow.arms if f.arm.code == code)


def test_enrollment_counts_equal_the_screening_and_allocation_rows(trial):
    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    assert flow.assessed == Screening.objects.filter(study=study).count() == 17
    assert flow.randomized == Allocation.objects.filter(study=study).count() == 9
    assert (flow.ineligible, flow.declined, flow.not_randomized) == (4, 2, 2)
    assert flow.excluded == 8 == flow.assessed - flow.randomized
    # Each rule counts the people who did not meet it; one person may fail two rules.
    assert dict(flow.ineligible_reasons) == {
        "Under 18": 2,
        "In another course": 2,
        "No confirmed MS diagnosis": 1,
    }
    assert flow.randomized_unscreened == 0


def test_allocation_counts_follow_corrections_and_attendance(trial):
    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    course, waitlist = _arm(flow, "intervention"), _arm(flow, "waitlist")
    # i5 was drawn for the waitlist and corrected to the course: counted in the course.
    assert (course.allocated, waitlist.allocated) == (5, 4)
    assert sum(f.allocated for f in flow.arms) == flow.randomized
    # Attended or made up at least one session: i1, i2, i4, i5; i3 never came.
    assert (course.received, course.not_received) == (4, 1)
    # A waitlist is offered no sessions: everyone allocated to it received it.
    assert (waitlist.received, waitlist.not_received) == (4, 0)


def test_follow_up_counts_withdrawals_and_missing_last_closed_windows(trial):
    study, people = trial
    flow = consort_flow(study=study, now=NOW)
    course, waitlist = _arm(flow, "intervention"), _arm(flow, "waitlist")
    withdrawn = {
        e.pk
        for e in (people[k] for k in people)
        if type(e).objects.get(pk=e.pk).status == EnrollmentStatus.WITHDRAWN
    }
    assert course.discontinued + waitlist.discontinued == len(withdrawn) == 2
    assert course.discontinued_reasons == [("Moved away", 1)]
    assert waitlist.discontinued_reasons == [("No reason given", 1)]
    # i2 and i5 sent nothing at 3 months; the withdrawn i3 is discontinued, not lost.
    assert course.lost == 2
    assert course.lost_reasons == [("No answers at Three months after", 2)]
    # w4 sent nothing after baseline; w2's 3-month window is still open, so w2 is not lost.
    assert waitlist.lost == 1


def test_analysed_are_the_randomized_with_baseline_and_a_later_score(trial):
    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    course, waitlist = _arm(flow, "intervention"), _arm(flow, "waitlist")
    # i1, i2, i4 (i3 has no later score, i5 no baseline); w1, w2, w3 (withdrawn, still analysed:
    # intention to treat); not w4.
    assert (course.analysed, course.excluded_from_analysis) == (3, 2)
    assert (waitlist.analysed, waitlist.excluded_from_analysis) == (3, 1)


def test_a_window_closing_later_makes_no_one_lost_before_it_closes(trial):
    study, _people = trial
    before = consort_flow(study=study, now=NOW.replace(year=2026, month=12))
    # Only post has closed by then: i2 answered it, i5 answered it, w4 did not.
    assert _arm(before, "intervention").lost == 0
    assert _arm(before, "waitlist").lost_reasons == [("No answers at After the course", 1)]


def test_comparison_counts_the_missing_per_arm_in_the_allocated_arm(trial):
    study, _people = trial
    rows = {row.point.code: row for row in comparison_rows(study=study, now=NOW)}
    assert set(rows) == {"post", "follow_up_3m"}
    post = rows["post"]
    assert (post.arm.code, post.control_arm.code) == ("intervention", "waitlist")
    assert (post.n_arm, post.missing_arm, post.n_control, post.missing_control) == (3, 2, 3, 1)
    # Changes -5 (the corrected post of 10), -1, -6 against -1, +1, -2.
    assert post.result.arm.mean == pytest.approx(-4.0)
    assert post.result.control.mean == pytest.approx(-2 / 3)
    assert post.result.difference.estimate == pytest.approx(-4.0 + 2 / 3)
    follow_up = rows["follow_up_3m"]
    assert (follow_up.n_arm, follow_up.missing_arm) == (2, 3)
    assert (follow_up.n_control, follow_up.missing_control, follow_up.not_due_control) == (1, 3, 1)
    assert follow_up.result.difference.estimate is None  # one person in the waitlist arm
    assert "at least 2" in follow_up.result.difference.note


def test_randomized_people_without_a_screening_are_said_not_hidden(organization, trial):
    study, _people = trial
    by = coordinator(organization)
    allocate(study, EnrollmentFactory(cohort=study.cohorts.get()), "waitlist", by=by)
    flow = consort_flow(study=study, now=NOW)
    assert (flow.randomized, flow.randomized_unscreened, flow.assessed) == (10, 1, 17)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  # our own markup, not untrusted input


def _svg_numbers(svg: str) -> list[int]:
    root = _parse(svg)
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    return sorted(int(n) for n in re.findall(r"\(n=(\d+)\)", words))


def test_the_diagram_shows_every_number_of_the_table_and_no_other(trial):
    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    svg = str(consort_svg(flow))
    assert _svg_numbers(svg) == sorted(row.count for row in flow.table_rows)


def test_the_diagram_has_a_title_and_a_description_that_name_it(trial):
    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    root = _parse(str(consort_svg(flow)))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == f"CONSORT flow diagram of {study.name}"
    assert "Assessed for eligibility: 17" in desc.text
    assert "Randomized: 9" in desc.text
    assert "IER course: allocated 5; received the allocated course 4" in desc.text
    assert "Waitlist: allocated 4" in desc.text
    # Every stage, in the CONSORT 2010 layout.
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for banner in ("Enrollment", "Allocation", "Follow-up", "Analysis"):
        assert banner in words


def test_names_typed_by_people_are_escaped_in_the_diagram(trial):
    study, _people = trial
    study.name = "<script>alert(1)</script>"
    flow = consort_flow(study=study, now=NOW)
    svg = str(consort_svg(flow))
    assert "<script>" not in svg
    assert _parse(svg).find(f"{SVG}title").text.endswith("<script>alert(1)</script>")


def test_the_export_rows_use_the_documented_stages(trial):
    from sessions.reports.exports.columns import CONSORT_STAGES

    study, _people = trial
    flow = consort_flow(study=study, now=NOW)
    assert {row.stage for row in flow.rows} == set(CONSORT_STAGES)
    totals = {(r.stage, r.arm.code if r.arm else ""): r.count for r in flow.rows if not r.reason}
    assert totals[("assessed", "")] == 17
    assert totals[("lost_to_follow_up", "intervention")] == 2
    assert totals[("analysed", "waitlist")] == 3

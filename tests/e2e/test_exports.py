"""Exports in a real browser: a coordinator filters the overview, downloads the completion CSV and
reads the outcome summary with its charts; the export form's error state; names only after the
password is entered again. Every page on the way is scanned by axe."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Download, Page, expect

from accounts.demo import DEMO_PASSWORD, DemoPeople, demo_people_ensure
from programs.models import Cohort, Enrollment, MeasurementKind
from sessions.demo.courses import demo_courses_ensure
from sessions.questionnaires.models import Assessment, Response
from sessions.reports.models import ExportRecord
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import ship_programs
from tests.reports.test_exports import COMPLETION_HEADER

pytestmark = pytest.mark.e2e

# The demo group three weeks into its course; here its participants also answer the post PHQ-9.
GROUP = "MBSR Tuesday evenings"


def _post_answers(baseline: dict[str, int | None]) -> dict[str, int | None]:
    """One point lower on every PHQ-9 item (floor 0), item 9 answered 0: a little better."""
    answers = {
        item: max(0, value - 1) if value is not None else None for item, value in baseline.items()
    }
    answers["9"] = 0
    return answers


def _phq9_total(answers: dict[str, int | None]) -> int:
    # Items 1 to 9; the tenth (how difficult life has been) is asked but not added up.
    return sum(answers.get(str(item)) or 0 for item in range(1, 10))


def _answer_posts(cohort: Cohort) -> dict[str, tuple[int, int]]:
    """Give everyone with a baseline PHQ-9 a post one; return each code's (baseline, post) totals."""
    point = cohort.program.measurement_points.get(kind=MeasurementKind.POST)
    now = timezone.now()
    totals: dict[str, tuple[int, int]] = {}
    for enrollment in Enrollment.objects.filter(cohort=cohort).order_by("participant_code"):
        baseline = (
            Response.objects.filter(
                assessment__enrollment=enrollment,
                assessment__measurement_point__kind=MeasurementKind.BASELINE,
                instrument="phq9",
                submitted_at__isnull=False,
            )
            .order_by("-version")
            .first()
        )
        if baseline is None:
            continue
        post, _ = Assessment.objects.get_or_create(
            enrollment=enrollment,
            measurement_point=point,
            defaults={
                "instruments": list(point.instruments),
                "opens_at": now,
                "closes_at": now,
            },
        )
        answers = _post_answers(baseline.answers)
        Response.objects.create(
            assessment=post,
            instrument="phq9",
            instrument_version=baseline.instrument_version,
            answers=answers,
            entered_by=enrollment.user,
            submitted_at=now,
        )
        totals[enrollment.participant_code] = (
            _phq9_total(baseline.answers),
            _phq9_total(answers),
        )
    return totals


@pytest.fixture
def courses(live_server) -> DemoPeople:
    ship_programs()
    people = demo_people_ensure(participants=8)
    demo_courses_ensure(people=people)
    return people


def _read_csv(download: Download) -> list[list[str]]:
    path = download.path()
    assert path is not None, download.failure()
    with Path(path).open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def _cell(row, label: str) -> str:
    return row.locator(f"td[data-label='{label}']").inner_text().split(" ")[0].strip()


def test_coordinator_filters_downloads_the_completion_csv_and_reads_the_outcomes(
    page: Page, courses
):
    cohort = Cohort.objects.get(organization=courses.organization, name=GROUP)
    totals = _answer_posts(cohort)
    assert len(totals) >= 3  # enough pairs for a chart worth the name

    sign_in(page, courses.coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    assert_accessible(page)
    page.get_by_label("Program").select_option("mbsr-8-ms")
    page.get_by_role("button", name="Show cohorts").click()
    page.wait_for_url(re.compile(r"program=mbsr-8-ms"))
    assert_accessible(page)
    expect(page.locator("tbody tr", has_text="IER-6")).to_have_count(0)
    on_screen = page.locator("tbody tr", has_text=cohort.name)
    expect(on_screen).to_have_count(1)

    with page.expect_download() as info:
        page.get_by_role("link", name="CSV file of completion per cohort and arm").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = _read_csv(download)
    assert rows[0] == COMPLETION_HEADER
    by_cohort = {row[1]: dict(zip(COMPLETION_HEADER, row, strict=True)) for row in rows[1:]}
    # The overview was filtered to MBSR, and so is the file.
    assert {row["program"] for row in by_cohort.values()} == {"MBSR-8 for MS"}
    row = by_cohort[cohort.name]
    assert row["arm"] == "intervention"
    # The file says what the page said.
    assert row["enrolled"] == _cell(on_screen, "Enrolled")
    assert row["completed"] == _cell(on_screen, "Completed the course")
    assert row["baseline_completed"] == _cell(on_screen, "Baseline questionnaires")
    assert row["sessions_held"] == "3"  # the demo group has met three times
    assert re.fullmatch(r"[01]\.\d{4}", row["attendance_rate"]), row
    # The group is still running: who completes it is not known yet, so no rate.
    assert (row["cohort_status"], row["completion_rate"]) == ("running", ""), row

    page.get_by_role("link", name="Outcome summary: before and after, per questionnaire").click()
    page.wait_for_url(re.compile(r"/reports/outcomes/\?program=mbsr-8-ms"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome summary")
    assert_accessible(page)
    title = f"PHQ-9 total: baseline and post, {GROUP}, intervention arm"
    chart = page.get_by_role("img", name=title)
    expect(chart).to_have_count(1)
    description = chart.get_attribute("aria-labelledby").split()[1]
    expect(page.locator(f"[id='{description}']")).to_contain_text(f"the mean of all {len(totals)}")
    # The same numbers as a table beside the picture: a row per participant and the mean.
    table = page.get_by_role("table", name=title)
    expect(table).to_be_visible()
    for code, (before, after) in totals.items():
        expect(table.get_by_role("row", name=re.compile(rf"^{code}\b"))).to_have_text(
            re.compile(rf"{code}\s*{before}\s*{after}\s*{after - before}")
        )
    expect(table.get_by_role("row", name=re.compile(rf"^Mean of {len(totals)}"))).to_be_visible()


def test_export_form_explains_a_wrong_choice_and_names_need_the_password_again(page: Page, courses):
    cohort = Cohort.objects.get(organization=courses.organization, name=GROUP)
    someone = Enrollment.objects.filter(cohort=cohort).select_related("user").first()
    assert someone is not None
    sign_in(page, courses.coordinator.email)
    page.goto("/reports/export/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export data")
    assert_accessible(page)

    # Names with a file that holds none: the page comes back with the problem, focused.
    page.get_by_role("radio", name="Completion per cohort and arm").check()
    page.get_by_label("Include names and e-mail addresses").check()
    page.get_by_role("button", name="Download the file").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Completion and outcome files hold no names")
    assert_accessible(page)
    # What was chosen is still chosen.
    expect(page.get_by_role("radio", name="Completion per cohort and arm")).to_be_checked()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Include names and e-mail addresses")).to_be_focused()

    # The participant file with names: the password first, then the download.
    page.get_by_role("radio", name="Completion per participant").check()
    page.get_by_role("combobox", name="Cohort").select_option(str(cohort.pk))
    page.get_by_role("button", name="Download the file").click()
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    rows = _read_csv(info.value)
    assert rows[0][:3] == ["participant_code", "name", "email"]
    assert [someone.participant_code, someone.user.full_name, someone.user.email] in [
        r[:3] for r in rows[1:]
    ]
    # Logged with who asked for names.
    assert ExportRecord.objects.filter(
        user=courses.coordinator, kind="participants", identifiable=True
    ).exists()

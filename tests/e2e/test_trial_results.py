"""A study's results and CONSORT pages in a real browser: axe finds nothing at 1280 and 320 px,
the diagram and the charts are named and described for screen readers, and the scrolling
figures can be reached by keyboard."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.reports.trial_builders import (
    randomized_person,
    screen,
    study_cohort,
    trial_program,
    trial_study,
    withdraw,
)

pytestmark = pytest.mark.e2e

# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


@pytest.fixture
def study(demo):
    by = demo.coordinator
    study = trial_study(organization=demo.organization, program=trial_program(), by=by)
    cohort = study_cohort(study, facilitators=demo.facilitators[:1])
    screen(study, by=by, eligible=False, reasons=[{"code": "age", "text": "Under 18"}])
    screen(study, by=by, consented=False)
    for n in range(12):
        scores = {"baseline": 10 + n % 7, "post": 7 + n % 5}
        if n % 3:
            scores["follow_up_3m"] = 6 + n % 6
        person = randomized_person(
            study,
            cohort,
            "intervention" if n % 2 else "waitlist",
            by=by,
            scores=scores,
            attended=n % 5 != 1,
        )
        if n == 4:
            withdraw(person, "Moved away")
    return study


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
        for index, part in enumerate(page.locator(".consort-figure, .trial-chart-block").all()[:2]):
            part.screenshot(path=os.path.join(SHOTS, f"{name}-part{index}.png"))


def _check_results(page: Page, study) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results of {study.name}")
    chart = page.get_by_role("img", name="Mean change from baseline to after the course, PHQ-9")
    expect(chart).to_be_visible()
    assert "with its 95% confidence interval" in chart.evaluate(
        "el => document.getElementById(el.getAttribute('aria-labelledby').split(' ')[1]).textContent"
    )
    expect(page.get_by_role("table").first).to_contain_text("Difference (95% CI)")
    assert_accessible(page)


def _check_consort(page: Page, study) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"CONSORT flow of {study.name}")
    diagram = page.get_by_role("img", name=f"CONSORT flow diagram of {study.name}")
    expect(diagram).to_be_visible()
    # Its text alternative names every stage with its count.
    description = diagram.evaluate(
        "el => document.getElementById(el.getAttribute('aria-labelledby').split(' ')[1]).textContent"
    )
    assert "Assessed for eligibility: 14" in description
    assert "Randomized: 12" in description
    expect(page.locator(".consort-table")).to_contain_text("Moved away")
    assert_accessible(page)


def test_coordinator_reads_results_and_consort_on_a_desktop(new_page, demo, study):
    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.goto(f"/reports/studies/{study.pk}/results/")
    _check_results(page, study)
    shot(page, "results-1280")
    page.get_by_role("link", name="See the CONSORT flow of this study").click()
    _check_consort(page, study)
    shot(page, "consort-1280")


def test_coordinator_reads_results_and_consort_on_a_phone(new_page, demo, study):
    page = new_page(viewport=PHONE)
    sign_in(page, demo.coordinator.email)
    page.goto(f"/reports/studies/{study.pk}/consort/")
    _check_consort(page, study)
    # The diagram keeps readable text and scrolls sideways in its own region, which the
    # keyboard reaches; the page itself does not scroll sideways.
    region = page.get_by_role("region", name="Flow diagram, scrolls sideways")
    region.focus()
    expect(region).to_be_focused()
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= viewport
    shot(page, "consort-320")
    page.goto(f"/reports/studies/{study.pk}/results/")
    _check_results(page, study)
    shot(page, "results-320")

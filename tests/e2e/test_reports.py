"""Report pages in a real browser: the coordinator's overview and a facilitator's cohort page with
charts, scanned by axe; the filter form by keyboard alone; nothing scrolls sideways at 320 px."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import demo_people_ensure
from programs.models import Cohort
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE, ZOOMED_200
from tests.factories import ship_programs

pytestmark = pytest.mark.e2e

SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The cohort page's parts this app renders, as paths under /cohorts/<pk>/.
PARTS = ["", "schedule/", "follow-ups/", "people/", "progress/", "charts/", "definitions/"]
# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


@pytest.fixture
def courses(live_server):
    ship_programs()
    people = demo_people_ensure(participants=8)
    demo_courses_ensure(people=people)
    return people


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
        for index, part in enumerate(page.locator(".chart:visible, table:visible").all()):
            part.screenshot(path=os.path.join(SHOTS, f"{name}-part{index}.png"))


def assert_no_sideways_scroll(page: Page) -> None:
    content, viewport = page.evaluate(SCROLL_WIDTH_JS)
    assert content <= viewport, f"{page.url} scrolls sideways: {content}px in {viewport}px"


def test_coordinator_filters_and_sorts_the_overview_by_keyboard(new_page, courses):
    page = new_page()
    sign_in(page, courses.coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview of all cohorts")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, "overview")
    table = page.get_by_role("table")
    expect(table.first).to_contain_text("Completed the course")
    group_rows = page.locator("tbody tr", has_text="MBSR")
    assert group_rows.count() >= 1

    # Keyboard only: the program list takes arrow keys, Tab leads on to the button, Enter sends.
    program = page.get_by_label("Program")
    program.focus()
    page.keyboard.press("ArrowDown")  # from "All programs" to IER-6
    expect(program).to_have_value("ier-6")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Show cohorts":
            break
    expect(page.get_by_role("button", name="Show cohorts")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "program=ier-6" in page.url
    assert_accessible(page)
    shot(page, "overview-filtered")
    expect(page.locator("tbody tr", has_text="MBSR")).to_have_count(0)
    expect(page.locator("tbody tr").first).to_contain_text("IER-6")

    # A date that does not exist comes back with a message that leads to the field.
    page.goto("/reports/?program=ier-6&start_from=2026-02-30")
    assert_accessible(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a real date")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Starts on or after")).to_be_focused()

    # Sorting is a link in the column heading; the heading says how the table is sorted.
    page.goto("/reports/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Enrolled\W+sort descending$")).click()
    assert_accessible(page)
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Enrolled")


def test_overview_and_cohort_page_fit_a_phone_and_200_percent_zoom(new_page, courses):
    page = new_page(viewport=PHONE)
    sign_in(page, courses.coordinator.email)
    page.goto("/reports/")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, "overview-phone")
    page.set_viewport_size(ZOOMED_200)
    assert_no_sideways_scroll(page)
    cohort = Cohort.objects.filter(organization=courses.organization, program__slug="mbsr-8-ms")[0]
    page.set_viewport_size(PHONE)
    for part in PARTS:
        page.goto(f"/cohorts/{cohort.pk}/{part}")
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        shot(page, f"cohort-phone-{part.strip('/') or 'overview'}")


@pytest.mark.parametrize("program", ["mbsr-8-ms", "ier-6"])
def test_facilitator_cohort_page_has_charts_with_text_alternatives(new_page, courses, program):
    cohort = Cohort.objects.filter(organization=courses.organization, program__slug=program)[0]
    facilitator = cohort.facilitators.first()
    page = new_page()
    sign_in(page, facilitator.email)
    page.goto(f"/cohorts/{cohort.pk}/")
    assert_accessible(page)
    shot(page, f"cohort-{program}")
    assert_no_sideways_scroll(page)
    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Charts").click()
    expect(page.get_by_role("link", name="Charts")).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    charts = page.get_by_role("img", name="Attendance by session")
    expect(charts).to_have_count(1)
    description = charts.get_attribute("aria-labelledby").split()[1]
    expect(page.locator(f"[id='{description}']")).not_to_be_empty()
    expect(page.get_by_role("table", name=f"Attendance by session, {cohort.name}")).to_be_visible()
    practice = page.get_by_role("img", name="per week")
    expect(practice).to_have_count(1)
    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Progress").click()
    assert_accessible(page)
    expect(page.get_by_role("table", name="Progress of each participant")).to_be_visible()


def test_each_part_of_the_biggest_cohort_is_short_and_fits_a_phone(new_page, courses):
    """The demo's biggest cohort, part by part, at 1280 px and 320 px."""
    cohort = max(
        Cohort.objects.filter(organization=courses.organization),
        key=lambda c: c.enrollments.count(),
    )
    page = new_page()
    sign_in(page, cohort.facilitators.first().email)
    heights = {}
    for width, viewport in (("1280", None), ("320", PHONE)):
        if viewport:
            page.set_viewport_size(viewport)
        for part in PARTS:
            page.goto(f"/cohorts/{cohort.pk}/{part}")
            assert_accessible(page)
            assert_no_sideways_scroll(page)
            expect(page.get_by_role("heading", level=1)).to_have_text(cohort.name)
            name = part.strip("/") or "overview"
            heights[(width, name)] = page.evaluate("() => document.documentElement.scrollHeight")
            shot(page, f"cohort-{width}-{name}")
    if SHOTS:
        print(heights)
    # The old one-page cohort page was about 8,800 px tall at 1280 px.
    assert max(h for (w, _), h in heights.items() if w == "1280") < 4000, heights

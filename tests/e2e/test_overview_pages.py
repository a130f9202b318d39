"""The paged overview in a real browser: axe finds nothing on any page of it, the pager is a
named navigation that marks the current page, it works by keyboard, and at 320 px nothing
scrolls sideways. Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of it."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import demo_people_ensure
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.factories import CohortFactory, ProgramFactory, ship_programs

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


@pytest.fixture
def many_cohorts(live_server):
    """The demo's people and courses, and 60 more cohorts of a short course: two pages."""
    ship_programs()
    people = demo_people_ensure(participants=8)
    demo_courses_ensure(people=people)
    program = ProgramFactory(sessions=4, name="Short course")
    for n in range(1, 61):
        CohortFactory(
            organization=people.organization,
            program=program,
            name=f"Evening group {n}",
            start_date=dt.date(2026, 1, 6) + dt.timedelta(days=7 * n),
        )
    return people


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_overview_pages_by_keyboard_and_passes_axe_on_each_page(new_page, many_cohorts):
    page = new_page()
    sign_in(page, many_cohorts.coordinator.email)
    page.goto("/reports/?sort=cohort&dir=asc")
    assert_accessible(page)
    caption = page.locator("#overview-caption")
    expect(caption).to_contain_text("Cohorts 1\N{EN DASH}50 of")
    total = int(caption.inner_text().split(" of ", 1)[1].split(" ", 1)[0])
    assert total > 60
    pager = page.get_by_role("navigation", name="Pages of cohorts")
    expect(pager.locator('[aria-current="page"]')).to_have_text("Page 1")
    shot(page, "overview-page1-1280")

    # To the next page by keyboard alone: focus the link, press Enter.
    pager.get_by_role("link", name="Next page of cohorts").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert_accessible(page)
    expect(caption).to_contain_text(f"Cohorts 51\N{EN DASH}{min(100, total)} of {total}")
    expect(pager.locator('[aria-current="page"]')).to_have_text("Page 2")
    # The sort chosen on page 1 holds on page 2: names go on from where page 1 stopped.
    expect(page.locator("thead th[aria-sort]")).to_contain_text("Cohort")
    shot(page, "overview-page2-1280")
    if SHOTS:
        caption.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, "overview-caption-1280.png"))
        pager.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, "overview-pager-1280.png"))

    # A page that does not exist: a real page and a plain sentence, not an error.
    page.goto("/reports/?sort=cohort&dir=asc&page=40")
    assert_accessible(page)
    expect(page.locator("#page-problem")).to_have_text(
        "There is no such page of cohorts. This is the last page, page 2 of 2."
    )


def test_the_paged_overview_fits_a_phone(new_page, many_cohorts):
    page = new_page(PHONE)
    sign_in(page, many_cohorts.coordinator.email)
    page.goto("/reports/?page=2")
    assert_accessible(page)
    content, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert content <= viewport, f"the overview scrolls sideways: {content}px in {viewport}px"
    pager = page.get_by_role("navigation", name="Pages of cohorts")
    expect(pager).to_be_visible()
    # Each page link is a target of at least 24 by 24 px (WCAG 2.2, 2.5.8).
    for link in pager.get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None
        assert box["width"] >= 24
        assert box["height"] >= 24
    shot(page, "overview-page2-320")
    if SHOTS:
        page.locator("#overview-caption").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, "overview-caption-320.png"))
        pager.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, "overview-pager-320.png"))

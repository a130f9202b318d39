"""Landing pages in a real browser: the facilitator's worklist and the coordinator's page after
signing in, scanned by axe, with nothing scrolling sideways on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.demo import demo_people_ensure
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.e2e.test_reports import assert_no_sideways_scroll, shot
from tests.factories import ship_programs

pytestmark = pytest.mark.e2e


@pytest.fixture
def courses(live_server):
    ship_programs()
    people = demo_people_ensure(participants=8)
    demo_courses_ensure(people=people)
    return people


def test_a_facilitator_lands_on_their_worklist(new_page, courses):
    page = new_page()
    sign_in(page, courses.facilitators[0].email)  # scans the page it lands on
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    expect(page.get_by_role("heading", name="Follow-ups due")).to_be_visible()
    shot(page, "worklist")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, "worklist-phone")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cohorts").click()
    page.wait_for_url("**/cohorts/")
    assert_accessible(page)


def test_a_coordinator_lands_on_the_organizations_tasks(new_page, courses):
    page = new_page()
    sign_in(page, courses.coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Today at {courses.organization.name}"
    )
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    shot(page, "landing")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, "landing-phone")
    page.get_by_role("link", name="Organization: staff and invitations").click()
    page.wait_for_url("**/coordinator/")
    assert_accessible(page)

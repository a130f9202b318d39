"""A facilitator rates a held session against its checklist, in Chromium: sign in with the
two-step code, open the session from the cohort's schedule, tick the core elements they
delivered by keyboard, save, and read the adherence on the session page and the cohort's
adherence page. Every page is scanned by axe (WCAG 2.2 AA, zero violations)."""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.models import FidelityRating
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    """The page as it is, and at 320 px wide (a phone, or 400% zoom), when pictures are asked for."""
    if not SHOTS:
        return
    page.screenshot(path=os.path.join(SHOTS, f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=os.path.join(SHOTS, f"{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_facilitator_rates_a_held_session_by_keyboard_and_sees_the_adherence(new_page, demo):
    facilitator = demo.facilitators[0]
    zone = ZoneInfo(facilitator.timezone)
    today = timezone.now().astimezone(zone).date()
    start = today - dt.timedelta(days=15)  # sessions 1 to 3 held
    cohort = CohortFactory(
        organization=demo.organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=[facilitator],
        name="Riverside group",
        start_date=start,
        meeting_weekday=start.weekday(),
        meeting_time=dt.time(10, 0),
        timezone=facilitator.timezone,
    )
    EnrollmentFactory(cohort=cohort, participant_code="P-ROB")
    with time_machine.travel(dt.datetime.combine(start, dt.time(8), tzinfo=zone), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    page = new_page()

    sign_in(page, facilitator.email)  # scans the sign-in, code and landing pages
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cohorts").click()
    assert_accessible(page)
    page.get_by_role("link", name="Riverside group", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Schedule").click()
    assert_accessible(page)
    page.get_by_role("link", name="Session 1: Stepping off automatic pilot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session 1")
    expect(page.get_by_text("Facilitator's rating: not rated yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Rate how the session went against its checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How session 1 went against its checklist"
    )
    assert_accessible(page)
    _shot(page, "fidelity-rate")

    # By keyboard only: from the first element, Space ticks, Tab moves on.
    elements = page.get_by_role("group", name="Core elements delivered").get_by_role("checkbox")
    expect(elements).to_have_count(5)
    elements.first.focus()
    page.keyboard.press("Space")  # welcomed the group
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the raisin exercise
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the body scan
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the wandering mind left unticked
    expect(elements.nth(4)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Note (optional)")).to_be_focused()
    page.keyboard.type("Ran short of time; the home practice was set by e-mail.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save rating")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    expect(
        page.get_by_text("Your rating of session 1 is saved: 3 of 5 core elements (60%) delivered.")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"Facilitator's rating: rated, 3 of 5"))).to_be_visible()
    assert_accessible(page)
    _shot(page, "fidelity-session")
    rating = FidelityRating.objects.get()
    assert (rating.rater, rating.role, rating.items_done, rating.items_total) == (
        facilitator,
        "facilitator",
        3,
        5,
    )
    assert [item["done"] for item in rating.items] == [True, True, True, False, False]

    # The cohort's adherence page, from its overview.
    page.get_by_role("link", name="Back to Riverside group").click()
    assert_accessible(page)
    page.get_by_role("link", name="Adherence to the session checklists").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Adherence to the session checklists: Riverside group"
    )
    table = page.get_by_role("table", name=re.compile("Core elements delivered at each held"))
    expect(table.get_by_role("row").filter(has_text="Session 1")).to_contain_text(
        "3 of 5 core elements (60%)"
    )
    expect(table.get_by_role("row").filter(has_text="Session 2")).to_contain_text("Not rated")
    assert_accessible(page)
    _shot(page, "fidelity-adherence")

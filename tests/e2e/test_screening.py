"""A coordinator screens two people in Chromium, filling the form with the keyboard: one is not
eligible and the page says why; the other is eligible, consents, and the page gives their
place on the waitlist. Every page is scanned by axe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DemoPeople
from sessions.trials.models import Screening
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# Set to a folder to keep screenshots of each page at 1280 and 320 px wide.
SHOTS = os.environ.get("STILLWATER_SCREENING_SHOTS", "")


def _shot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _type(page: Page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).focus()
    page.keyboard.type(text)


def _choose(page: Page, question: str, answer: str) -> None:
    """Tick a radio button the keyboard way: focus it and press the space bar."""
    page.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).focus()
    page.keyboard.press("Space")


def _screen(page: Page, *, name: str, email: str, age: str, diagnosed: str, consent: bool) -> None:
    page.goto("/screening/new/mbsr-8-ms/")
    assert_accessible(page)
    _type(page, "Name", name)
    _type(page, "E-mail address", email)
    _type(page, "How old are they?", age)
    _choose(page, "Has a neurologist confirmed their diagnosis of multiple sclerosis?", diagnosed)
    _choose(page, "Are they taking part in another course or study at the moment?", "No")
    _choose(
        page,
        "Can they come to eight weekly group sessions of about two and a half hours?",
        "Yes",
    )
    _choose(page, "Sex", "Female")
    _choose(page, "Site", "Main clinic")
    _choose(page, "EDSS band", "Not known")
    texts = page.locator("fieldset legend").all_inner_texts()
    for legend in [t for t in texts if t[:2] in {f"{n}." for n in range(1, 10)}]:
        _choose(page, legend, "Not at all")
    if consent:
        page.get_by_label("They agree to join the waitlist", exact=False).focus()
        page.keyboard.press("Space")
    _shot(page, f"form-{age}")
    page.get_by_role("button", name="Save the screening").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/screening/*/")
    assert_accessible(page)


def test_a_coordinator_screens_an_ineligible_and_an_eligible_person(page: Page, demo: DemoPeople):
    sign_in(page, demo.coordinator.email)

    _screen(
        page, name="Alex Young", email="alex@example.org", age="16", diagnosed="No", consent=False
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Young: not eligible")
    reasons = page.locator(".screening-reasons li")
    expect(reasons).to_have_text(["Under 18", "No confirmed MS diagnosis"])
    _shot(page, "verdict-ineligible")

    _screen(
        page, name="Sam Ready", email="sam@example.org", age="52", diagnosed="Yes", consent=True
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Ready: eligible")
    expect(page.get_by_text("Waiting: number 1 on the")).to_be_visible()
    _shot(page, "verdict-eligible")

    page.get_by_role("link", name="The MBSR-8 for MS waitlist").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("row", name="1 Sam Ready")).to_be_visible()
    _shot(page, "waitlist")

    page.goto("/screening/?verdict=ineligible")
    assert_accessible(page)
    expect(page.get_by_text("Alex Young")).to_be_visible()
    expect(page.get_by_text("Sam Ready")).to_have_count(0)
    _shot(page, "list")
    assert Screening.objects.count() == 2


def test_a_coordinator_records_the_follow_up_of_a_screening_safety_flag(
    page: Page, demo: DemoPeople
):
    from tests.factories import shipped_program
    from tests.trials.screening_helpers import phq9, screen

    flagged = screen(
        organization=demo.organization,
        program=shipped_program("mbsr-8-ms"),
        by=demo.coordinator,
        full_name="Robin Flagged",
        phq9=phq9(0, 0, 0, 0, 0, 0, 0, 0, 1),
    )
    sign_in(page, demo.coordinator.email)
    # The landing page lists it until someone records what was done.
    expect(
        page.get_by_role("heading", name="Safety flag from screening to follow up")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Review and record the follow-up for Robin Flagged").click()
    expect(page.get_by_role("heading", level=2, name="needs a follow-up today")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What was done").focus()
    page.keyboard.type("Rang them at 14:10; their GP will call today.")
    page.get_by_role("button", name="Record the follow-up").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Safety flag followed up")).to_be_visible()
    assert_accessible(page)
    flagged.refresh_from_db()
    assert flagged.safety_followed_up_at is not None

"""Participant rights in the browser: the consent gate, the data download, leaving a course and
asking for erasure; and the coordinator completing the request. Every page goes through the
accessibility scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ErasureRequest, User
from programs.models import EnrollmentStatus
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, UserFactory, shipped_program

pytestmark = pytest.mark.e2e

KEEP = "You may keep my answers for research, without my name"
AGREE = "I have read this and I agree to use Stillwater"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.fixture
def newcomer(demo):
    """Nell, enrolled in a demo MBSR group, has not accepted the consent yet."""
    cohort = CohortFactory(
        organization=demo.organization, program=shipped_program("mbsr-8-ms"), name="Autumn MBSR"
    )
    user = UserFactory(email="nell@example.org", full_name="Nell Newcomer")
    EnrollmentFactory(cohort=cohort, user=user, participant_code="P-NELL", consent=False)
    return user


def test_participant_accepts_the_consent_then_uses_every_right(page, new_page, newcomer):
    sign_in(page, "nell@example.org", PASSWORD)
    page.wait_for_url("**/consent/**")
    expect(heading(page)).to_have_text("How we use your information")
    expect(page.get_by_role("heading", name="Who sees it")).to_be_visible()

    # Sending without ticking the box: the error summary says what to do, and takes focus.
    page.get_by_label(KEEP).check()
    page.get_by_role("button", name="Agree and continue").click()
    page.wait_for_load_state()
    assert_accessible(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the box to say you agree")
    expect(page.get_by_label(KEEP)).to_be_checked()

    # With the keyboard alone: the link in the summary leads to the box, Space ticks it.
    summary.get_by_role("link").click()
    expect(page.get_by_label(AGREE)).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label(AGREE)).to_be_checked()
    page.get_by_role("button", name="Agree and continue").click()
    # The summary link's #fragment stays with the address through the redirect.
    page.wait_for_url(lambda address: "/me/" in address)
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My details").click()
    page.wait_for_url("**/profile/")
    assert_accessible(page)

    # Download my data: a file, not a page.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data (one JSON file)").click()
    data = json.loads(Path(download_info.value.path()).read_text())
    assert data["profile"][0]["email"] == "nell@example.org"
    assert data["enrollments"][0]["participant_code"] == "P-NELL"
    with page.expect_download() as zip_info:
        page.get_by_role("link", name="Download my data for a spreadsheet").click()
    assert zip_info.value.suggested_filename.endswith(".zip")

    # Leaving the course.
    page.get_by_role("link", name="Leave a course").click()
    page.wait_for_url("**/me/leave/")
    assert_accessible(page)
    expect(
        page.get_by_text("Your sessions and reminders for the course stop straight away.")
    ).to_be_visible()
    page.get_by_label("Why are you leaving? (optional)").fill("Too much on at work")
    page.get_by_role("button", name="Leave the course").click()
    page.wait_for_url("**/profile/")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text(
        "Sessions and reminders for it have stopped."
    )
    enrollment = User.objects.get(email="nell@example.org").enrollments.get()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN

    # Asking for erasure: a confirmation box first.
    page.get_by_role("link", name="Ask us to erase your details").click()
    page.wait_for_url("**/me/erasure/")
    assert_accessible(page)
    page.get_by_role("button", name="Ask for my details to be erased").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.locator(".error-summary")).to_contain_text("Tick the box to confirm")
    page.get_by_label("I understand that I will not be able to sign in to Stillwater again").check()
    page.get_by_role("button", name="Ask for my details to be erased").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text("We have your request.")
    expect(page.locator(".notice")).to_contain_text("A coordinator will erase your details soon.")
    assert ErasureRequest.objects.filter(user__email="nell@example.org", status="open").exists()

    # The coordinator completes it, confirming their password first.
    staff = new_page()
    sign_in(staff, "coordinator@demo.test")
    staff.goto("/coordinator/")
    assert_accessible(staff)
    staff.get_by_role("link", name="Participants' requests to erase their details").click()
    staff.wait_for_url("**/erasure-requests/")
    assert_accessible(staff)
    staff.get_by_role("link", name="Open the request of Nell Newcomer").click()
    assert_accessible(staff)
    expect(staff.get_by_text("nell@example.org")).to_be_visible()
    staff.get_by_role("button", name="Erase their details now").click()
    staff.wait_for_url("**/accounts/reauthenticate/**")
    assert_accessible(staff)
    staff.get_by_label("Password").fill("calm-water-demo")
    staff.get_by_role("button", name="Confirm").click()
    staff.wait_for_url("**/erasure-requests/")
    assert_accessible(staff)
    expect(staff.get_by_role("status")).to_contain_text(
        "now known only by their participant code (P-NELL)"
    )
    assert not User.objects.filter(email="nell@example.org").exists()

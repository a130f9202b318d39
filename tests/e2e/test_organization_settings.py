"""A coordinator changes the organization's crisis contacts and sender name by keyboard alone,
confirming their password on the way; a mistake is explained and nothing typed is lost. Every
page is scanned by axe and readable at 320 px."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import AuditAction, AuditEvent
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_reminder_pages import at_320, tab_to, tab_to_field

pytestmark = pytest.mark.e2e

# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _submit(page: Page, button: str) -> None:
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_coordinator_changes_the_organization_settings_by_keyboard(new_page, demo):
    organization = demo.organization
    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.goto(reverse("coordinator_home"))
    assert_accessible(page)

    # From the organization's page to its settings: the password is asked for first.
    tab_to(page, "Organization settings", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    tab_to_field(page, "id_password")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Settings of {organization.name}")
    assert_accessible(page)
    _shot(page, "organization-settings")

    # A crisis line without a number, and a sender name that would forge a header.
    tab_to_field(page, "id_crisis_contacts")
    page.keyboard.press("Control+A")
    page.keyboard.type("Ask at reception for the duty nurse")
    tab_to_field(page, "id_sender_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Riverside <noreply@bank.example>")
    _submit(page, "Save settings")

    assert_accessible(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("None of these lines has a phone number")
    expect(summary).to_contain_text("Keep the sender name to one line of words, without < or >")
    expect(page.get_by_label("Crisis contacts")).to_have_value(
        "Ask at reception for the duty nurse"
    )
    expect(page.get_by_label("Sender name (optional)")).to_have_value(
        "Riverside <noreply@bank.example>"
    )
    at_320(page)
    _shot(page, "organization-settings-errors")

    # The summary's link leads to the field; put it right and save.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    contacts = page.get_by_label("Crisis contacts")
    expect(contacts).to_be_focused()
    expect(contacts).to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Control+A")
    page.keyboard.type("Night line: 0800 555 0142")
    tab_to_field(page, "id_sender_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Riverside MS Centre")
    _submit(page, "Save settings")

    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text(
        f"The settings of {organization.name} are saved."
    )
    expect(page.get_by_label("Sender name (optional)")).to_have_value("Riverside MS Centre")
    organization.refresh_from_db()
    assert organization.crisis_contacts == "Night line: 0800 555 0142"
    assert AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CHANGED).count() == 1

    # Where participants see it: the help page, with the number as a link that calls it.
    page.goto(reverse("help"))
    assert_accessible(page)
    expect(page.get_by_role("link", name="0800 555 0142")).to_have_attribute(
        "href", "tel:08005550142"
    )

"""The time zone picker on "My details", in a real browser and by keyboard alone: the likely
zones come first under "Suggested", every zone is named by country and city, and typing the
start of a country's name finds it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_reminder_pages import at_320, tab_to, tab_to_field

pytestmark = pytest.mark.e2e


def test_participant_chooses_their_time_zone_by_keyboard(page, demo, settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    participant = demo.participants[1]
    assert participant.timezone == "Europe/Dublin"
    sign_in(page, participant.email)
    page.goto("/profile/")
    assert_accessible(page)

    picker = page.get_by_label("Time zone")
    # Their own zone first, then the organization's, each named as people know it.
    suggested = picker.locator("optgroup").first
    expect(suggested).to_have_attribute("label", "Suggested")
    expect(suggested.locator("option")).to_have_text(
        ["Ireland — Dublin", "United Kingdom — London"]
    )
    expect(picker.locator("optgroup").nth(1)).to_have_attribute("label", "All time zones")
    expect(picker.locator("option[value='GB-Eire']")).to_have_count(0)
    expect(picker).to_have_value("Europe/Dublin")

    # Keyboard only: Tab to the picker, type the start of the country, Tab to the button.
    tab_to_field(page, "id_timezone")
    expect(picker).to_be_focused()
    page.keyboard.type("Norway")
    expect(picker).to_have_value("Europe/Oslo")
    tab_to(page, "Save my details")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text("Your details are saved.")
    expect(picker).to_have_value("Europe/Oslo")
    expect(picker.locator("optgroup").first.locator("option").first).to_have_text("Norway — Oslo")
    at_320(page)
    assert User.objects.get(pk=participant.pk).timezone == "Europe/Oslo"

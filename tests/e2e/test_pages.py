"""The other pages people reach, each checked by the accessibility scan on the way."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_help_page_gives_crisis_advice_to_anyone(page):
    page.goto("/help/")
    assert_accessible(page)

    expect(heading(page)).to_have_text("Get help")
    expect(page.get_by_role("heading", name="If you need help now")).to_be_visible()
    expect(page.get_by_text("call your local emergency number now")).to_be_visible()


def test_help_page_lists_the_organizations_contacts_once_signed_in(page, demo):
    sign_in(page, "facilitator@demo.test")
    page.get_by_role("link", name="Get help").first.click()
    page.wait_for_url("**/help/")
    assert_accessible(page)

    expect(
        page.get_by_role("heading", name="Contacts from Demo MS Wellbeing Service")
    ).to_be_visible()
    expect(page.get_by_text("Samaritans (UK and Ireland): 116 123, any time")).to_be_visible()
    expect(page.get_by_role("link", name="support@demo.test")).to_be_visible()


def test_signup_page_says_stillwater_is_by_invitation(page):
    page.goto("/accounts/signup/")
    assert_accessible(page)

    expect(heading(page)).to_have_text("Joining Stillwater is by invitation")
    expect(page.get_by_label("Password")).to_have_count(0)
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/accounts/login/")
    assert_accessible(page)


def test_broken_invitation_link_explains_what_to_do(page):
    response = page.goto("/invitations/not-a-real-token/")
    assert_accessible(page)

    assert response is not None
    assert response.status == 404
    expect(heading(page)).to_have_text("This invitation link does not work")
    expect(page.get_by_text("ask your coordinator for a new invitation")).to_be_visible()


def test_participant_changes_their_details(page, demo):
    sign_in(page, "participant1@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My details").click()
    page.wait_for_url("**/profile/")
    assert_accessible(page)

    page.get_by_label("What should we call you?").fill("Aish")
    page.get_by_label("Time zone").select_option("Europe/Dublin")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state()
    assert_accessible(page)

    expect(page.get_by_role("status")).to_contain_text("Your details are saved.")
    page.get_by_role("link", name="My course").click()
    page.wait_for_url("**/me/")
    assert_accessible(page)
    expect(heading(page)).to_have_text("Hello, Aish")
    expect(page.get_by_text("Times are shown in Europe/Dublin")).to_be_visible()


def test_two_factor_page_is_reached_from_my_details(page, demo):
    sign_in(page, "coordinator@demo.test")
    page.goto("/profile/")
    assert_accessible(page)
    page.get_by_role("link", name="Two-factor authentication").click()
    page.wait_for_url("**/accounts/2fa/")
    assert_accessible(page)

    expect(heading(page)).to_have_text(re.compile("two-factor", re.IGNORECASE))
    # Staff sign in with the app already set up: the page offers to turn it off.
    expect(page.get_by_role("link", name="Turn off the authenticator app")).to_be_visible()


def test_invitation_from_form_to_new_account(new_page, demo, mailoutbox):
    coordinator = new_page()
    sign_in(coordinator, "coordinator@demo.test")
    coordinator.get_by_role("link", name="Invite someone").first.click()
    coordinator.wait_for_url("**/coordinator/invitations/new/")
    assert_accessible(coordinator)

    # Sent empty: the errors are announced, each leads to its field, and the field says why.
    coordinator.get_by_role("button", name="Send invitation").click()
    coordinator.wait_for_load_state()
    assert_accessible(coordinator)
    summary = coordinator.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name="E-mail address: This field is required.").click()
    email = coordinator.get_by_label("E-mail address")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("This field is required"))
    assert mailoutbox == []

    coordinator.get_by_label("Full name").fill("Noor Newcomer")
    email.fill("noor@example.org")
    coordinator.get_by_role("button", name="Send invitation").click()
    # The browser keeps the #id_email the error link added across the redirect.
    coordinator.wait_for_url(re.compile(r"/coordinator/(#.*)?$"))
    assert_accessible(coordinator)
    expect(coordinator.get_by_role("status")).to_contain_text("Invitation sent to noor@example.org")
    expect(coordinator.get_by_role("cell", name="noor@example.org", exact=True)).to_be_visible()

    # The newcomer opens the link from the e-mail in their own browser.
    assert [m.to for m in mailoutbox] == [["noor@example.org"]]
    link = re.search(r"https?://\S+/invitations/[^/\s]+/", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    invite_path = urlsplit(link.group(0)).path
    newcomer = new_page()
    newcomer.goto(invite_path)
    assert_accessible(newcomer)
    expect(heading(newcomer)).to_have_text("Join Demo MS Wellbeing Service")
    expect(newcomer.get_by_label("Your name")).to_have_value("Noor Newcomer")

    newcomer.get_by_label("Choose a password").fill("still-water-runs-deep")
    newcomer.get_by_role("button", name="Create my account").click()
    newcomer.wait_for_url("**/me/")
    assert_accessible(newcomer)
    expect(heading(newcomer)).to_have_text("Hello, Noor Newcomer")
    expect(newcomer.get_by_role("status")).to_contain_text("Welcome to Stillwater")

    # The link works once.
    newcomer.goto(invite_path)
    assert_accessible(newcomer)
    expect(heading(newcomer)).to_have_text("This invitation link does not work")
    expect(newcomer.get_by_text("It has already been used")).to_be_visible()

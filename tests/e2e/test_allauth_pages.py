"""allauth's pages in a real browser: the house frame, no axe violations, and the keyboard alone
for signing in and the two-step check. Screenshots land in /tmp/allauth_*.png for a person to
look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MFA_AUTHENTICATE_PATH, sign_in
from tests.factories import staff_totp_secret, totp_code

pytestmark = pytest.mark.e2e

SHOTS = "/tmp"  # noqa: S108 - screenshots for a person to look at, not data


def shot(page: Page, name: str) -> None:
    """Scan the page, then keep a picture of it."""
    assert_accessible(page)
    page.screenshot(path=f"{SHOTS}/allauth_{name}.png", full_page=True)


def tab_to(page: Page, element_id: str, presses: int = 12) -> None:
    """Press Tab until the element has focus, as someone without a mouse would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    pytest.fail(f"{presses} presses of Tab never reached #{element_id}")


def test_sign_in_with_the_keyboard_alone_and_a_mistake_on_the_way(page, demo):
    page.goto("/accounts/login/")
    shot(page, "sign_in")
    expect(page).to_have_title("Sign in · Stillwater")

    tab_to(page, "id_login")
    page.keyboard.type("participant1@demo.test")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shot(page, "sign_in_error")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("not correct")

    # From the summary, the keyboard goes on to the fields, the address still typed.
    page.keyboard.press("Tab")
    expect(page.locator("#id_login")).to_be_focused()
    expect(page.locator("#id_login")).to_have_value("participant1@demo.test")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/")
    assert_accessible(page)


def test_two_step_check_with_the_keyboard_alone(page, demo):
    email = "facilitator@demo.test"
    page.goto("/accounts/login/")
    assert_accessible(page)
    tab_to(page, "id_login")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{MFA_AUTHENTICATE_PATH}")
    shot(page, "two_step")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in: second step")

    tab_to(page, "id_code")
    page.keyboard.type("000000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shot(page, "two_step_error")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile("^Code"))).to_be_visible()

    page.keyboard.press("Tab")  # from the summary, on to its link
    page.keyboard.press("Enter")
    expect(page.locator("#id_code")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(totp_code(staff_totp_secret(User.objects.get(email=email))))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: MFA_AUTHENTICATE_PATH not in url)
    assert_accessible(page)


def test_password_reset_pages(page, demo, mailoutbox):
    page.goto("/accounts/password/reset/")
    shot(page, "password_reset")
    page.get_by_label("Email").fill("participant1@demo.test")
    page.get_by_role("button", name="E-mail me a link to reset my password").click()
    page.wait_for_url("**/accounts/password/reset/done/")
    shot(page, "password_reset_done")

    link = re.search(r"https?://[^/\s]+(/\S+/password/reset/key/\S+/)", mailoutbox[-1].body)
    assert link is not None, mailoutbox[-1].body
    page.goto(link[1])
    page.wait_for_url("**set-password/")
    shot(page, "password_reset_from_key")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password (again)").fill("different")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my new password").click()
    shot(page, "password_reset_from_key_error")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(2)


def test_authenticator_app_set_up_and_recovery_codes(page, demo):
    sign_in(page, "participant1@demo.test")
    page.goto("/accounts/2fa/")
    shot(page, "mfa_index")
    page.get_by_role("link", name="Set up an authenticator app").click()

    page.wait_for_url("**/accounts/reauthenticate/**")
    shot(page, "reauthenticate")
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and continue").click()
    shot(page, "reauthenticate_error")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm and continue").click()

    page.wait_for_url("**/accounts/2fa/totp/activate/")
    shot(page, "totp_activate")
    page.get_by_label("Code from the app").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on").click()
    shot(page, "totp_activate_error")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    shot(page, "recovery_codes")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    page.get_by_label("I have saved my recovery codes").check()

    page.goto("/accounts/2fa/recovery-codes/generate/")
    shot(page, "recovery_codes_generate")
    page.goto("/accounts/2fa/totp/deactivate/")
    shot(page, "totp_deactivate")

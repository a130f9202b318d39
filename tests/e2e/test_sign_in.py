"""Signing in through the real form: with a mouse, with the keyboard alone, and with a code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ACTIVE_ELEMENT_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    id: el.id,
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || '').trim(),
    outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
    top: el.getBoundingClientRect().top,
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(ACTIVE_ELEMENT_JS)


@pytest.mark.parametrize(
    ("email", "path", "heading"),
    [
        ("participant1@demo.test", "/me/", "Hello, Aisha Demo-1"),
        ("facilitator@demo.test", "/today/", "Your work today"),
        ("coordinator@demo.test", "/coordinator/today/", "Today at Demo MS Wellbeing Service"),
    ],
    ids=["participant", "facilitator", "coordinator"],
)
def test_each_role_signs_in_to_their_own_page(page, demo, email, path, heading):
    sign_in(page, email)

    expect(page).to_have_url(re.compile(f"{re.escape(path)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/accounts/login/")
    assert_accessible(page)
    assert focused(page) is None, "nothing should have focus before the first key press"

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip is not None
    assert skip["text"] == "Skip to main content"
    # Hidden until focused, then on screen with the site's thick outline.
    assert skip["top"] >= 0
    assert skip["outline"] >= 2

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # The next Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is not None
    assert after["id"] == "id_login"


def test_login_form_works_with_the_keyboard_alone(page, demo):
    page.goto("/accounts/login/")
    assert_accessible(page)
    assert focused(page) is None

    seen: list[dict] = []
    for _ in range(10):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now is not None, "Tab left nothing focused"
        if seen:
            assert now != seen[-1], f"Tab did not move focus from {now}"
        # Someone following the keyboard must see where they are at every stop.
        assert now["outline"] >= 2, f"no visible focus outline on {now}"
        seen.append(now)
        if now["id"] == "id_login":
            break
    else:
        pytest.fail(f"ten presses of Tab never reached the e-mail field: {seen}")

    page.keyboard.type("participant1@demo.test")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/me/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Aisha Demo-1")


def test_wrong_password_is_explained_next_to_the_form(page, demo):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill("participant1@demo.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.wait_for_load_state()
    assert_accessible(page)
    # The explanation takes focus, so it is read out and on screen at any zoom.
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_participant_signs_in_with_an_emailed_code(page, demo, mailoutbox):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_role("link", name="E-mail me a sign-in code").click()
    page.wait_for_url("**/accounts/login/code/")
    assert_accessible(page)

    page.get_by_label("Email").fill("participant1@demo.test")
    page.get_by_role("button", name="Request code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    assert_accessible(page)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["participant1@demo.test"]
    code = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)*)\s*$", mailoutbox[0].body, re.MULTILINE)
    assert code, mailoutbox[0].body
    page.get_by_label("Code").fill(code.group(1))
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.wait_for_url("**/me/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Aisha Demo-1")


def test_forgotten_password_page_sends_a_reset_link(page, demo, mailoutbox):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/accounts/password/reset/")
    assert_accessible(page)

    page.get_by_label("Email").fill("facilitator@demo.test")
    page.get_by_role("button", name=re.compile("password", re.IGNORECASE)).click()
    page.wait_for_url("**/accounts/password/reset/done/")
    assert_accessible(page)
    assert [m.to for m in mailoutbox] == [["facilitator@demo.test"]]

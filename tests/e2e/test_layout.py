"""Pages on a 320 px phone and at 200% zoom: nothing scrolls sideways, text and targets stay large."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.services import invitation_create
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import DESKTOP, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 640}
# Zooming a 1280 px window to 200% leaves 640 CSS px for the layout, which is what reflow sees.
ZOOMED_200 = {"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2}

MIN_FONT_PX = 18
MIN_TARGET_PX = 44

LAYOUT_JS = """(minTarget) => {
  const selector = 'button, .button, input[type="submit"], .site-nav a, .help-link, .link-list a, '
    + 'input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), select, '
    + 'label:has(> input[type="radio"]), label:has(> input[type="checkbox"]), .field--check';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered (e.g. display: none)
    if (el.closest('.visually-hidden')) continue;
    if (box.height < minTarget) small.push(`${el.outerHTML.slice(0, 80)} is ${box.height}px tall`);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    small: small,
  };
}"""


def assert_fits(page: Page) -> None:
    """No sideways scrolling, 18 px body text, and every button, nav link and input 44 px tall."""
    layout = page.evaluate(LAYOUT_JS, MIN_TARGET_PX)
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{page.url} scrolls sideways at {layout['innerWidth']}px: "
        f"content is {layout['scrollWidth']}px wide"
    )
    assert layout["fontSize"] >= MIN_FONT_PX, f"body text on {page.url} is {layout['fontSize']}px"
    assert not layout["small"], f"targets under {MIN_TARGET_PX}px on {page.url}: {layout['small']}"


def test_login_page_fits_a_320px_screen_and_200_percent_zoom(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert_accessible(page)
    assert_fits(page)

    page.set_viewport_size(ZOOMED_200)
    assert_accessible(page)
    assert_fits(page)


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("participant1@demo.test", "/me/"),
        ("facilitator@demo.test", "/today/"),
        ("coordinator@demo.test", "/coordinator/today/"),
    ],
    ids=["participant", "facilitator", "coordinator"],
)
def test_landing_page_fits_a_320px_screen_and_200_percent_zoom(new_page, demo, email, path):
    page = new_page(viewport=PHONE)
    sign_in(page, email)
    expect(page).to_have_url(re.compile(f"{re.escape(path)}$"))
    assert_fits(page)
    # The navigation wraps rather than hiding links off the edge of the screen.
    for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]

    page.set_viewport_size(ZOOMED_200)
    assert_accessible(page)
    assert_fits(page)


def test_invitation_form_with_errors_fits_a_320px_screen(new_page, demo):
    page = new_page(viewport=PHONE)
    sign_in(page, "coordinator@demo.test")
    page.goto("/coordinator/invitations/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert_fits(page)


# Text drawn on more lines than it has words has been split mid-word ("Wi/th/dr/aw"). An e-mail
# address has nowhere else to break on a small screen, so it may.
BROKEN_WORDS_JS = r"""(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!text || text.includes('@') || node.parentElement.closest('.visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set(
      [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))
    );
    if (lines.size > text.split(/\s+/).length) broken.push(`"${text}" on ${lines.size} lines`);
  }
  return broken;
}"""


def assert_tables_readable(page: Page, width: int) -> None:
    """Every word whole, every row's button on screen, and still tables to a screen reader."""
    assert page.locator("main").evaluate(BROKEN_WORDS_JS) == [], f"at {width}px"
    withdraw = page.get_by_role("button", name="Withdraw the invitation for")
    box = withdraw.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width

    staff = page.get_by_role("table", name="Staff")
    expect(staff.get_by_role("columnheader")).to_have_text(["Name", "E-mail", "Role"])
    expect(staff.get_by_role("row")).to_have_count(4)
    expect(staff.get_by_role("cell", name="Coordinator", exact=True)).to_be_visible()


def test_coordinator_tables_fit_a_320px_screen_and_200_percent_zoom(new_page, demo):
    invitation_create(
        organization=demo.organization,
        email="someone.with.a.long.address@example.org",
        role="",
        invited_by=demo.coordinator,
    )
    page = new_page(viewport=PHONE)
    sign_in(page, "coordinator@demo.test")
    # A coordinator lands on the day's tasks; the organization page is one link away.
    page.goto("/coordinator/")
    expect(
        page.get_by_role("cell", name="someone.with.a.long.address@example.org", exact=True)
    ).to_be_visible()
    assert_fits(page)
    assert_tables_readable(page, PHONE["width"])

    page.set_viewport_size(ZOOMED_200)
    assert_accessible(page)
    assert_fits(page)
    assert_tables_readable(page, ZOOMED_200["width"])

    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    assert_fits(page)
    assert_tables_readable(page, DESKTOP["width"])

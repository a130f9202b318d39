"""A coordinator shapes a program of their own in Chromium, by keyboard: copy MBSR-8 for MS into
the organization, change week 1's title and material (the editor says what it removes from a
script typed in), look at the settings, plan and history, and publish version 1. Every page is
scanned by axe (WCAG 2.2 AA, zero violations)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from programs.authoring.models import ProgramLine, ProgramVersion
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

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


def _activate(page: Page, locator: object) -> None:
    """Reach a link or button with the keyboard and press Enter, as a keyboard user does; the
    page it opens is scanned."""
    locator.focus()  # type: ignore[attr-defined]
    expect(locator).to_be_focused()  # type: ignore[arg-type]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)


def _replace(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def test_a_coordinator_copies_edits_and_publishes_a_program_by_keyboard(new_page, demo):
    page = new_page()
    sign_in(page, demo.coordinator.email)
    _activate(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Programs")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    assert_accessible(page)
    _shot(page, "program-list-empty")

    _activate(page, page.get_by_role("link", name="MBSR-8 for MS", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("MBSR-8 for MS")
    assert_accessible(page)
    _shot(page, "shipped-detail")

    _replace(page, "Name of your program", "Riverside MBSR")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy to your organization")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside MBSR")
    expect(page.get_by_text("Cohorts keep the version they started with.")).to_be_visible()
    assert_accessible(page)
    _shot(page, "line-detail-draft")

    _activate(page, page.get_by_role("link", name="Week 1: Stepping off automatic pilot"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Week 1: Stepping off automatic pilot"
    )
    assert_accessible(page)
    _replace(page, "Title", "Arriving, gently")
    _replace(
        page,
        "What participants read this week",
        "Welcome. This course sits beside your medical care.\n\n<script>alert(1)</script>",
    )
    _activate(page, page.get_by_role("button", name="Save week 1"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Week 1: Arriving, gently")
    expect(
        page.get_by_text("Removed from what participants see: <script> elements.")
    ).to_be_visible()
    expect(page.get_by_label("What participants read this week", exact=True)).to_have_value(
        "Welcome. This course sits beside your medical care.\n\n<script>alert(1)</script>"
    )
    assert_accessible(page)
    _shot(page, "draft-week")

    # Home practice too long (a box without a browser limit, so nothing pasted is cut off):
    # the message says by how much, and everything typed stays.
    _replace(page, "Title", "Arriving, slowly")
    _replace(page, "Home practice", "x" * 4100)
    _activate(page, page.get_by_role("button", name="Save week 1"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Keep it to 4,000 characters or fewer (you have 4,100)."
    )
    expect(page.get_by_label("Home practice", exact=True)).to_have_value("x" * 4100)
    expect(page.get_by_label("Title", exact=True)).to_have_value("Arriving, slowly")
    assert_accessible(page)
    _shot(page, "draft-week-error")

    _activate(page, page.get_by_role("link", name="Back to Riverside MBSR"))
    _activate(page, page.get_by_role("link", name="Settings and practices"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings and practices")
    assert_accessible(page)
    _shot(page, "draft-settings")

    _activate(page, page.get_by_role("link", name="Back to Riverside MBSR"))
    _activate(page, page.get_by_role("link", name="Measurement plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Measurement plan")
    assert_accessible(page)
    _shot(page, "draft-plan")
    # A window that closes before it opens: refused, said at the top, the number typed kept.
    post = page.get_by_role("group", name=re.compile(r"^After the course"))
    post.get_by_label("Closes, days from the last session").fill("-5")
    _activate(page, page.get_by_role("button", name="Save the plan"))
    expect(page.get_by_role("alert")).to_contain_text("must close after they open")
    expect(post.get_by_label("Closes, days from the last session")).to_have_value("-5")
    _shot(page, "draft-plan-error")

    _activate(page, page.get_by_role("link", name="Back to Riverside MBSR"))
    _activate(page, page.get_by_role("link", name="History of changes"))
    expect(page.get_by_role("cell", name="Edited: Week 1: title (draft)")).to_be_visible()
    assert_accessible(page)
    _shot(page, "line-history")

    _activate(page, page.get_by_role("link", name="Back to Riverside MBSR"))
    _activate(page, page.get_by_role("link", name="Discard the draft"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Discard the draft")
    assert_accessible(page)
    _shot(page, "draft-discard")
    _activate(page, page.get_by_role("link", name="Keep the draft"))

    _activate(page, page.get_by_role("link", name="Publish the draft"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish the draft of Riverside MBSR")
    assert_accessible(page)
    _shot(page, "draft-publish")
    _activate(page, page.get_by_role("button", name="Publish version 1"))
    expect(page.get_by_text("Version 1 is published")).to_be_visible()
    expect(page.get_by_role("button", name="Start editing")).to_be_visible()
    assert_accessible(page)
    _shot(page, "line-detail-published")

    line = ProgramLine.objects.get(name="Riverside MBSR")
    version = ProgramVersion.objects.get(line=line, number=1)
    assert version.program.sessions.get(number=1).title == "Arriving, gently"

    _activate(page, page.get_by_role("link", name="Back to programs"))
    expect(page.get_by_text("Newest version 1")).to_be_visible()
    assert_accessible(page)
    _shot(page, "program-list")

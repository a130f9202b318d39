"""A coordinator imports answers from a REDCap records file: the page is reached and used by
keyboard (choosing the file aside, which is the browser's own dialog), a file with problems
comes back with each problem by line and the choice made kept, and a good file says what it
imported. Every page is scanned by axe and readable at 320 px."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from sessions.questionnaires.models import Response
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_reminder_pages import at_320, tab_to, tab_to_field

pytestmark = pytest.mark.e2e

# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")
HEADER = "record_id,redcap_event_name,phq9_1,phq9_complete\n"


def _shots(page: Page, name: str) -> None:
    if not SHOTS:
        return
    size = page.viewport_size
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def _submit(page: Page) -> None:
    tab_to(page, "Import answers")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_coordinator_imports_a_records_file_and_fixes_its_problems(new_page, demo, tmp_path):
    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.goto(reverse("coordinator_home"))
    assert_accessible(page)
    tab_to(page, "Import answers from REDCap", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import answers from REDCap")
    assert_accessible(page)
    _shots(page, "redcap-import")

    bad = tmp_path / "records.csv"
    bad.write_text(HEADER + "NOBODY,baseline_arm_1,1,2\n")
    page.get_by_label("Records file (CSV)").set_input_files(bad)
    tab_to_field(page, "id_mode_0")
    page.keyboard.press("ArrowDown")  # radio buttons move with the arrow keys: by phone
    _submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was imported: the file has 1 problem.")
    expect(summary).to_contain_text(
        f"Line 2: no participant of {demo.organization.name} has the code “NOBODY”."
    )
    expect(page.get_by_label("By phone")).to_be_checked()
    assert_accessible(page)
    at_320(page)
    _shots(page, "redcap-import-problems")

    good = tmp_path / "fixed.csv"
    good.write_text(HEADER)
    page.get_by_label("Records file (CSV)").set_input_files(good)
    _submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import answers from REDCap")
    expect(page.get_by_text("Imported 0 responses from 0 lines")).to_be_visible()
    assert_accessible(page)
    _shots(page, "redcap-import-done")
    assert not Response.objects.filter(mode="phone").exists()

"""A coordinator's week in Chromium, through the pages only, every page scanned by axe.

Cora coordinates the demo service and, since this week, Hillview Neurology too. She signs in
with her password and her authenticator code and lands on Hillview's page (her newest
organization), sees where she is working and changes to the demo service; sets up a cohort;
changes the crisis contacts (confirming it is her first); filters the overview to MBSR; starts
an export from those filters and downloads it: the file holds the cohorts the overview showed,
and none of the other organization's.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD, DemoPeople, demo_people_ensure
from accounts.models import Membership, Organization, Role
from programs.models import Cohort
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, ship_programs, shipped_program

pytestmark = pytest.mark.e2e

NEW_COHORT = "Thursday mornings, spring"
OTHER = "Hillview Neurology"
OTHER_COHORT = "Hillview MBSR group"


@pytest.fixture
def week(live_server) -> DemoPeople:
    ship_programs()
    people = demo_people_ensure(participants=4)
    demo_courses_ensure(people=people)
    other = Organization.objects.create(name=OTHER, slug="hillview")
    CohortFactory(organization=other, program=shipped_program("mbsr-8-ms"), name=OTHER_COHORT)
    # Her newest membership: with no choice made yet, this is where she starts.
    Membership.objects.filter(user=people.coordinator).update(
        created_at=timezone.now() - dt.timedelta(days=365)
    )
    Membership.objects.create(user=people.coordinator, organization=other, role=Role.COORDINATOR)
    return people


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page)


def _switcher(page: Page):
    return page.locator(".org-switcher")


def test_a_coordinators_week_from_sign_in_to_a_downloaded_export(new_page, week):
    demo = week.organization
    page = new_page()

    # --- signs in (password, then the authenticator code) and lands on her page -------------
    sign_in(page, week.coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Today at {OTHER}")
    expect(_switcher(page)).to_contain_text(f"Working in: {OTHER}")

    # --- changes to the demo service, once --------------------------------------------------
    _switcher(page).get_by_role("link", name="Change organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change organization")
    assert_accessible(page)
    expect(page.get_by_role("radio", name=f"{OTHER} (coordinator)")).to_be_checked()
    page.get_by_role("radio", name=f"{demo.name} (coordinator)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Today at {demo.name}")
    expect(page.get_by_role("status")).to_contain_text(f"You are now working in {demo.name}.")
    expect(_switcher(page)).to_contain_text(f"Working in: {demo.name}")
    assert_accessible(page)

    # --- sets up a cohort ---------------------------------------------------------------------
    _nav(page, "Cohorts")
    expect(page.get_by_role("table")).to_contain_text(f"All cohorts of {demo.name}")
    expect(page.get_by_role("table")).not_to_contain_text(OTHER_COHORT)
    page.get_by_role("link", name="Create a cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a cohort")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Name:?$")).fill(NEW_COHORT)
    page.get_by_role("radio", name=re.compile(r"^MBSR-8 for MS")).check()
    start = timezone.localdate() + dt.timedelta(days=21)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Meeting time").fill("10:00")
    page.get_by_role("checkbox", name=re.compile(week.facilitators[0].full_name)).check()
    page.get_by_label("Place (for in-person sessions)").fill("Room 2, step-free entrance")
    page.get_by_role("button", name="Create the cohort").click()
    expect(page.get_by_role("status")).to_contain_text(f"The cohort “{NEW_COHORT}” is set up.")
    assert_accessible(page)
    cohort = Cohort.objects.get(name=NEW_COHORT)
    assert cohort.organization == demo
    assert cohort.start_date == start

    # --- changes the crisis contacts, confirming it is her first ----------------------------
    _nav(page, "Organization")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.name)
    page.get_by_role("link", name="Organization settings").click()
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Settings of {demo.name}")
    assert_accessible(page)
    page.get_by_label("Crisis contacts").fill(
        "Emergency services: 999\nDemo MS nurse line: 0100 000 0002 (weekdays)"
    )
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text(f"The settings of {demo.name} are saved.")
    assert_accessible(page)
    demo.refresh_from_db()
    assert "0100 000 0002" in demo.crisis_contacts

    # --- filters the overview -----------------------------------------------------------------
    _nav(page, "Overview")
    table = page.locator("table").first
    expect(table).to_contain_text(NEW_COHORT)
    expect(table).to_contain_text("IER")
    expect(table).not_to_contain_text(OTHER_COHORT)
    page.get_by_label("Program").select_option("mbsr-8-ms")
    page.get_by_role("button", name="Show cohorts").click()
    page.wait_for_url(re.compile(r"program=mbsr-8-ms"))
    assert_accessible(page)
    shown = set(page.locator("tbody tr th[scope='row'] a").all_inner_texts())
    assert shown, "the filtered overview shows no cohort"
    expect(page.locator("tbody tr", has_text="IER-6")).to_have_count(0)

    # --- starts an export from those filters and downloads it ---------------------------------
    page.get_by_role("link", name="Choose what to export, starting from these filters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export data")
    assert_accessible(page)
    # The export form starts from the overview's filters.
    expect(page.get_by_role("combobox", name=re.compile(r"^Program"))).to_have_value("mbsr-8-ms")
    page.get_by_role("radio", name="Completion per cohort and arm").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the file").click()
    path = info.value.path()
    assert path is not None, info.value.failure()
    with Path(path).open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    # The file holds the cohorts the filtered overview showed: MBSR only, this organization's.
    assert {row["cohort"] for row in rows} == shown
    assert {row["program"] for row in rows} == {"MBSR-8 for MS"}
    assert OTHER_COHORT not in shown

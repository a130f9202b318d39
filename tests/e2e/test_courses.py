"""The course journeys of the three roles, each page checked by the accessibility scan."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import demo_people_ensure
from accounts.models import User
from programs.models import Cohort, EnrollmentStatus
from sessions.demo.courses import demo_courses_ensure
from sessions.models import PracticeLog
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import ship_programs

pytestmark = pytest.mark.e2e


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_coordinator_creates_a_cohort_and_adds_three_participants_from_a_list(page, demo):
    sign_in(page, "coordinator@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.wait_for_url("**/cohorts/")
    assert_accessible(page)

    page.get_by_role("link", name="Create a cohort").click()
    assert_accessible(page)
    start = dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=14)
    page.get_by_label("Name", exact=True).fill("Spring MBSR")
    page.get_by_label("MBSR-8 for MS").check()
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Meeting time").fill("18:00")
    page.get_by_label("Place (for in-person sessions)").fill("Room 4, Riverside Centre")
    page.get_by_label("Felix Moreno (facilitator)").check()
    page.get_by_role("button", name="Create the cohort").click()
    expect(heading(page)).to_contain_text("Spring MBSR")
    assert_accessible(page)
    cohort = Cohort.objects.get(name="Spring MBSR")
    assert cohort.scheduled_sessions.count() == 9

    page.get_by_role("link", name="Import participants from a CSV file").click()
    assert_accessible(page)
    box = page.get_by_label("Paste the list")
    # A bad line first: the page names it and adds nobody.
    box.fill(
        "name,email,phone,timezone\n"
        "Ada Lane,ada@example.org,,Europe/London\n"
        "Ben Okafor,not-an-address,,Europe/London\n"
        "Cleo Park,cleo@example.org,,America/New_York\n"
    )
    page.get_by_role("button", name="Check the list and add everyone").click()
    expect(
        page.get_by_text("Line 3: “not-an-address” is not an e-mail address.", exact=True)
    ).to_be_visible()
    assert_accessible(page)
    assert not cohort.enrollments.exists()
    expect(page.get_by_label("Paste the list")).to_contain_text("Cleo Park")

    page.get_by_label("Paste the list").fill(
        "name,email,phone,timezone\n"
        "Ada Lane,ada@example.org,,Europe/London\n"
        "Ben Okafor,ben@example.org,,Europe/London\n"
        "Cleo Park,cleo@example.org,,America/New_York\n"
    )
    page.get_by_role("button", name="Check the list and add everyone").click()
    expect(heading(page)).to_contain_text("Spring MBSR")
    assert_accessible(page)
    assert cohort.enrollments.filter(status=EnrollmentStatus.INVITED).count() == 3
    assert User.objects.get(email="cleo@example.org").timezone == "America/New_York"


def test_facilitator_records_attendance_with_the_keyboard_alone(page, demo):
    demo_courses_ensure(people=demo)
    sign_in(page, "facilitator@demo.test")
    # A facilitator lands on their worklist; their cohorts are one link away.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cohorts").click()
    assert_accessible(page)
    page.get_by_role("link", name="MBSR Tuesday evenings").click()
    assert_accessible(page)
    page.get_by_role("link", name="Record attendance").click()
    assert_accessible(page)

    first_cell = page.locator("select").first
    first_cell.focus()
    expect(first_cell).to_be_focused()
    label = first_cell.evaluate("el => el.labels[0].textContent.trim()")
    # Change the choice with an arrow key, Tab on to the Save button, and press Enter.
    before = first_cell.evaluate("el => el.selectedIndex")
    last = first_cell.evaluate("el => el.options.length - 1")
    page.keyboard.press("ArrowUp" if before == last else "ArrowDown")
    chosen = first_cell.evaluate("el => el.value")
    assert first_cell.evaluate("el => el.selectedIndex") != before
    save = page.get_by_role("button", name="Save attendance")
    for _ in range(300):
        page.keyboard.press("Tab")
        if save.evaluate("el => el === document.activeElement"):
            break
    expect(save).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_label(label)).to_have_value(chosen)
    page.reload()
    assert_accessible(page)
    expect(page.get_by_label(label)).to_have_value(chosen)


def test_participant_sees_the_next_session_in_their_own_zone_and_logs_practice(
    page, demo_with_new_yorker
):
    sign_in(page, "participant3@demo.test")
    expect(heading(page)).to_have_text("Hello, Chloe Demo-3")
    next_session = page.locator(
        "section", has=page.get_by_role("heading", name="Your next session")
    )
    expect(next_session).to_contain_text("(America/New York time)")
    # The group meets at 18:00 in London: 13:00 in New York.
    expect(next_session).to_contain_text("13:00")

    page.get_by_role("link", name="Log practice").first.click()
    assert_accessible(page)
    page.get_by_label("Minutes").fill("20")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/me/practice/**")
    assert_accessible(page)
    assert PracticeLog.objects.filter(
        enrollment__user__email="participant3@demo.test", minutes=20
    ).exists()


@pytest.fixture
def demo_with_new_yorker(live_server):
    ship_programs()
    people = demo_people_ensure(participants=4)
    demo_courses_ensure(people=people)
    assert User.objects.get(email="participant3@demo.test").timezone == "America/New_York"
    return people

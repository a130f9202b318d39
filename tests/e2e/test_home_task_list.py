"""The participant's home leads with a task list, in the browser at 1280 px and 320 px: an open
questionnaire before the first session, a person in two courses, a comparison-group person.
Every page is scanned; the task link is reached and followed with the keyboard alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from programs.models import Arm
from sessions.models import PracticeLog
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrollmentFactory,
    OrganizationFactory,
    UserFactory,
    ship_programs,
    shipped_program,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 720}


def _today() -> dt.date:
    return timezone.localdate(timezone=dt.UTC)


def _mbsr(organization, name: str, start: dt.date):
    """An MBSR group meeting at 18:00 London time on the weekday of `start`."""
    cohort = CohortFactory(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        name=name,
        start_date=start,
        meeting_weekday=start.weekday(),
    )
    schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _enrol(cohort, user, **kwargs):
    enrollment = EnrollmentFactory(cohort=cohort, user=user, **kwargs)
    if cohort.program.is_individual:
        schedule_sync_for_enrollment(enrollment=enrollment)
    assessment_windows_sync(enrollment=enrollment)
    return enrollment


@pytest.fixture
def people(live_server):
    """Bea before her first session (baseline open); Dan in MBSR mid-course and in IER one-to-one
    starting in three days (its baseline open); Cal in the comparison group; Mia mid-course."""
    ship_programs()
    organization = OrganizationFactory()
    today = _today()
    soon = _mbsr(organization, "Thursday evenings", today + dt.timedelta(days=3))
    running = _mbsr(organization, "Tuesday evenings", today - dt.timedelta(days=10))
    bea = UserFactory(email="bea@example.org", full_name="Bea Before")
    _enrol(soon, bea)
    dan = UserFactory(email="dan@example.org", full_name="Dan Double")
    mbsr = _enrol(running, dan)
    PracticeLog.objects.create(
        enrollment=mbsr, date=today, practice="body_scan", minutes=20, note="Legs heavy."
    )
    ier = CohortFactory(
        organization=organization, program=shipped_program("ier-6"), name="With Hana"
    )
    _enrol(ier, dan, start_date=today + dt.timedelta(days=3), session_time=dt.time(11))
    cal = UserFactory(email="cal@example.org", full_name="Cal Compare")
    _enrol(soon, cal, arm=Arm.CONTROL)
    mia = UserFactory(email="mia@example.org", full_name="Mia Middle")
    _enrol(running, mia)
    return {"bea": bea, "dan": dan, "cal": cal, "mia": mia}


def _home(page: Page, email: str) -> None:
    sign_in(page, email, PASSWORD)
    page.goto("/me/")
    assert_accessible(page)


def _tasks(page: Page):
    return page.get_by_role("region", name="What to do").get_by_role("listitem")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280px", "320px"])
def test_before_the_first_session_the_open_baseline_is_the_only_task(new_page, people, viewport):
    page = new_page(viewport)
    _home(page, "bea@example.org")
    tasks = _tasks(page)
    expect(tasks).to_have_count(1)
    expect(tasks.first).to_contain_text("Questionnaires before the course")
    expect(tasks.first).to_contain_text("8 questionnaires, about")
    expect(tasks.first).to_contain_text("Not started")
    expect(page.get_by_text("Log practice")).to_have_count(0)
    expect(page.get_by_role("heading", name="Before your first session")).to_be_visible()
    # No sideways scrolling at 320 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # The task is reached and followed with the keyboard alone.
    link = page.get_by_role("link", name="Questionnaires before the course")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    assert "/me/questionnaires/" in page.url


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280px", "320px"])
def test_a_person_in_two_courses_sees_one_list_each_task_with_its_course(
    new_page, people, viewport
):
    page = new_page(viewport)
    _home(page, "dan@example.org")
    expect(page.get_by_text("You are taking part in 2 courses:")).to_be_visible()
    tasks = _tasks(page)
    expect(tasks).to_have_count(2)
    # The IER baseline closes in three days, before the end of the week's practice, or after it:
    # either way each task names its course.
    expect(page.get_by_role("region", name="What to do")).to_contain_text(
        "MBSR-8 for MS (Tuesday evenings)"
    )
    expect(page.get_by_role("region", name="What to do")).to_contain_text("IER-6 (With Hana)")
    practice = tasks.filter(has_text="Log practice")
    expect(practice).to_contain_text("MBSR-8 for MS (Tuesday evenings)")
    expect(practice).to_contain_text("Logged practice on 1 day this week")
    expect(practice).to_contain_text("In progress")
    questionnaires = tasks.filter(has_text="Questionnaires before the course")
    expect(questionnaires).to_contain_text("IER-6 (With Hana)")
    expect(questionnaires).to_contain_text("questionnaires, about")
    for name in ("MBSR-8 for MS (Tuesday evenings)", "IER-6 (With Hana)"):
        expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # The log shows each entry's course and can show one course at a time.
    page.get_by_role("link", name="See your practice log").first.click()
    assert_accessible(page)
    expect(
        page.get_by_role("link", name="MBSR-8 for MS (Tuesday evenings)", exact=True)
    ).to_have_attribute("aria-current", "page")
    expect(page.locator(".log-entry__course")).to_have_text(["MBSR-8 for MS (Tuesday evenings)"])
    page.get_by_role("link", name="All courses").click()
    assert_accessible(page)
    page.get_by_role("link", name="Log practice for MBSR-8 for MS (Tuesday evenings)").click()
    assert_accessible(page)
    expect(page.locator("p.lead")).to_contain_text("For MBSR-8 for MS (Tuesday evenings).")


def test_the_comparison_group_sees_its_questionnaires_above_its_thank_you(new_page, people):
    for viewport in (None, PHONE):
        page = new_page(viewport)
        _home(page, "cal@example.org")
        expect(_tasks(page)).to_have_count(1)
        expect(_tasks(page).first).to_contain_text("Questionnaires before the course")
        expect(page.get_by_role("heading", name="Thank you for taking part")).to_be_visible()
        expect(page.get_by_text("Log practice")).to_have_count(0)


def test_mid_course_practice_is_the_task_and_leads_to_the_log_form(new_page, people):
    for viewport in (None, PHONE):
        page = new_page(viewport)
        _home(page, "mia@example.org")
        (task,) = _tasks(page).all()
        expect(task).to_contain_text("Log practice")
        expect(task).to_contain_text("Any practice counts, even a few minutes")
        expect(task).to_contain_text("Not started")
        expect(page.get_by_role("heading", name="This week")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        page.get_by_role("region", name="What to do").get_by_role(
            "link", name="Log practice"
        ).click()
        assert_accessible(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Log practice")
        # The group's week asks for a reflection, never to "complete the session".
        page.go_back()
        assert_accessible(page)
        page.get_by_role("link", name="Open week").click()
        assert_accessible(page)
        expect(page.get_by_role("button", name="Save my reflection")).to_be_visible()
        expect(page.get_by_role("button", name="I've completed this week")).to_have_count(0)

"""A facilitator's week with a cohort in a real browser: the register taken at the door before
today's session starts, and a missed baseline reopened with a reason; axe-scanned, 1280 and 320 px."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Arm
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")
SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _fits(page) -> None:
    content, viewport = page.evaluate(SCROLL_WIDTH_JS)
    assert content <= viewport, f"{page.url} scrolls sideways: {content}px in {viewport}px"


@pytest.fixture
def todays_cohort(demo):
    """A group whose first session is today at 23:30 London time, so it has not started yet."""
    zone = ZoneInfo("Europe/London")
    today = timezone.now().astimezone(zone).date()
    cohort = CohortFactory(
        organization=demo.organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=[demo.facilitators[0]],
        name="Door register group",
        start_date=today,
        meeting_weekday=today.weekday(),
        meeting_time=dt.time(23, 30),
    )
    schedule_sync_for_cohort(cohort=cohort)
    for n in range(1, 4):
        EnrollmentFactory(
            cohort=cohort,
            user=UserFactory(email=f"door{n}@example.org", full_name=f"Door Person {n}"),
            participant_code=f"DOOR{n}",
            arm=Arm.INTERVENTION,
        )
    return cohort


def test_register_is_taken_at_the_door_before_todays_session_starts(new_page, todays_cohort):
    page = new_page()
    sign_in(page, todays_cohort.facilitators.first().email)
    page.goto(f"/cohorts/{todays_cohort.pk}/attendance/")
    assert_accessible(page)
    shot(page, "attendance-grid-before-start-1280")
    door1 = todays_cohort.enrollments.get(participant_code="DOOR1")
    page.locator(f"select[name$='-e{door1.pk}-status']").first.select_option("attended")
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()
    assert_accessible(page)
    assert todays_cohort.enrollments.get(pk=door1.pk).attendances.filter(status="attended").exists()
    page.set_viewport_size(PHONE)
    page.goto(f"/cohorts/{todays_cohort.pk}/attendance/")
    assert_accessible(page)
    _fits(page)
    shot(page, "attendance-grid-before-start-320")


def test_facilitator_reopens_a_missed_baseline_with_a_reason(new_page, todays_cohort):
    enrollment = todays_cohort.enrollments.get(participant_code="DOOR2")
    now = timezone.now()
    assessment_windows_sync(enrollment=enrollment)
    point = todays_cohort.program.measurement_points.get(kind="baseline")
    Assessment.objects.filter(enrollment=enrollment, measurement_point=point).update(
        opens_at=now - dt.timedelta(days=20), closes_at=now - dt.timedelta(days=3)
    )
    page = new_page()
    sign_in(page, todays_cohort.facilitators.first().email)
    page.goto(f"/cohorts/{todays_cohort.pk}/questionnaires/")
    assert_accessible(page)
    page.get_by_role("link", name="Reopen DOOR2").click()
    assert_accessible(page)
    # Nothing typed: the error summary says what is missing.
    page.get_by_role("button", name="Reopen the questionnaires").click()
    assert_accessible(page)
    expect(page.locator(".error-summary")).to_contain_text("Enter the new closing date.")
    shot(page, "reopen-form-errors-1280")
    closes = (now + dt.timedelta(days=7)).astimezone(ZoneInfo("Europe/London")).date()
    page.get_by_label("New closing date").fill(closes.isoformat())
    page.get_by_label("Reason").fill("Phoned, prefers paper later")
    page.get_by_role("button", name="Reopen the questionnaires").click()
    assert_accessible(page)
    expect(page.get_by_text("Phoned, prefers paper later")).to_be_visible()
    shot(page, "questionnaire-status-after-reopen-1280")
    page.set_viewport_size(PHONE)
    _fits(page)
    shot(page, "questionnaire-status-after-reopen-320")
    page.get_by_role("link", name="Extend DOOR2").click()
    assert_accessible(page)
    _fits(page)
    shot(page, "extend-form-320")

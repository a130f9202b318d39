"""A facilitator's week, through the pages only, in Chromium: sign in with the two-step code,
land on the worklist, open today's session and record attendance, read a participant's practice
reflection on their page, acknowledge an open safety flag, and see a flag that waited too long
say which coordinators were told and when. Every page visited is scanned by axe.

Navigation goes by role and label (links, buttons, headings), never by URL, so the cohort page in
parts and the attendance pages can change their layout without breaking the journey.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD, DemoPeople
from programs.models import Cohort
from sessions.models import Attendance, PracticeLog, ScheduledSession
from sessions.notifications.services.delivery import notifications_tick
from sessions.questionnaires.models import SafetyEvent
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import safety_event

pytestmark = pytest.mark.e2e

REFLECTION = "Body scan lying down after work. My legs felt heavy, and I stayed with it anyway."
ACTION = "Rang Kim at 15:10; safe at home, partner with her. GP appointment on Wednesday."
# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@dataclass(frozen=True)
class Week:
    cohort: Cohort
    today_session: ScheduledSession
    open_flag: SafetyEvent  # raised a few minutes ago
    late_flag: SafetyEvent  # raised ten days ago, escalated by the tick


def facilitator_week(demo: DemoPeople) -> Week:
    """The demo facilitator's group in its fourth week, meeting today at noon: three people, one
    practice entry with a reflection, one flag just raised and one left for ten days."""
    facilitator = demo.facilitators[0]
    zone = ZoneInfo(facilitator.timezone)
    today = timezone.now().astimezone(zone).date()
    start = today - dt.timedelta(days=21)
    cohort = CohortFactory(
        organization=demo.organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=[facilitator],
        name="Riverside group",
        start_date=start,
        meeting_weekday=today.weekday(),
        meeting_time=dt.time(12, 0),
        timezone=facilitator.timezone,
    )
    people = {
        code: EnrollmentFactory(
            cohort=cohort, participant_code=code, user=UserFactory(full_name=name, email=email)
        )
        for code, name, email in [
            ("P-ROB", "Robin Reed", "robin@example.org"),
            ("P-SAM", "Sam Stone", "sam@example.org"),
            ("P-KIM", "Kim Lee", "kim@example.org"),
        ]
    }
    # Made before the course began, so the sessions already held are there too.
    with time_machine.travel(dt.datetime.combine(start, dt.time(9), tzinfo=zone), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    today_session = ScheduledSession.objects.get(
        cohort=cohort, enrollment=None, program_session__number=4
    )
    assert today_session.starts_at.astimezone(zone).date() == today
    PracticeLog.objects.create(
        enrollment=people["P-ROB"],
        date=today - dt.timedelta(days=1),
        practice="body_scan",
        minutes=30,
        note=REFLECTION,
    )
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=10), tick=False):
        late_flag = safety_event(people["P-SAM"], item9=1)
    open_flag = safety_event(people["P-KIM"], item9=1)
    # The per-minute tick (beat), its hand-out to the sender run as a real commit runs it: the
    # ten-day-old flag has waited more than a working day, so it goes to every coordinator.
    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications_tick(now=now)
    return Week(cohort, today_session, open_flag, late_flag)


def go_to_worklist(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    assert_accessible(page)


def confirm_password_if_asked(page: Page) -> None:
    """allauth asks for the password again before an acknowledgement when the sign-in is more
    than a few minutes old; a slow run may get there."""
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:
        assert_accessible(page)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("Confirm|Continue|Check")).click()
        page.wait_for_load_state()


def test_a_facilitator_works_through_the_week(new_page, demo):
    week = facilitator_week(demo)
    facilitator = demo.facilitators[0]
    told = re.compile(rf"Escalated to {re.escape(demo.coordinator.full_name)} on ")
    page = new_page()

    # Sign in, with the code from the authenticator app; the worklist is where they land.
    sign_in(page, facilitator.email)  # scans the sign-in, code and landing pages
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    banner = page.get_by_role("region", name=re.compile("Safety flags? to follow up"))
    expect(banner).to_contain_text("P-KIM")
    expect(banner).to_contain_text("P-SAM")

    # Today's session, from the worklist, and its attendance.
    today = page.get_by_role("table", name="Sessions and calls today")
    today.get_by_role("link", name=re.compile(r"Riverside group, session 4")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session 4")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Record attendance")).click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"Mark all present at session 4\b")).click()
    page.wait_for_load_state()
    assert_accessible(page)
    recorded = Attendance.objects.filter(scheduled_session=week.today_session)
    assert sorted(recorded.values_list("status", flat=True)) == ["attended"] * 3

    # A participant's page, from the cohort's people, with what they wrote about their practice.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cohorts").click()
    assert_accessible(page)
    page.get_by_role("link", name="Riverside group", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside group")
    assert_accessible(page)
    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="People").click()
    assert_accessible(page)
    page.get_by_role("link", name="P-ROB", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("P-ROB: Robin Reed")
    expect(page.get_by_role("heading", name="Practice log")).to_be_visible()
    expect(page.get_by_text(REFLECTION)).to_be_visible()
    assert_accessible(page)
    _shot(page, "journey-participant")

    # The flag raised a few minutes ago: follow it up and record what was done.
    go_to_worklist(page)
    banner.get_by_role("link", name="Review and acknowledge the flag for P-KIM").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety flag for P-KIM")
    assert_accessible(page)
    page.get_by_label("What was done").fill(ACTION)
    page.get_by_role("button", name="Acknowledge the flag").click()
    confirm_password_if_asked(page)
    expect(page.get_by_text("Safety flag for P-KIM acknowledged. Thank you.")).to_be_visible()
    assert_accessible(page)
    week.open_flag.refresh_from_db()
    assert week.open_flag.acknowledged_by == facilitator
    assert week.open_flag.action_taken == ACTION

    # The flag left for ten days: the worklist marks it and says the coordinators were told.
    go_to_worklist(page)
    expect(banner).not_to_contain_text("P-KIM")
    expect(banner.get_by_role("listitem").filter(has_text="P-SAM")).to_contain_text(told)
    _shot(page, "journey-worklist-escalated")
    banner.get_by_role("link", name="Review and acknowledge the flag for P-SAM").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety flag for P-SAM")
    expect(page.get_by_text(told)).to_be_visible()
    assert_accessible(page)
    assert week.late_flag.acknowledged_at is None

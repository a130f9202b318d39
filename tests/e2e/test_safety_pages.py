"""Safety pages in a real browser: a flag that escalated says who was told and when, the cohort's
safety history lists open and acknowledged flags, and coordinators set the escalation time on
the organization settings page; each scanned by axe and readable at 320 px."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from programs.models import Cohort
from sessions.notifications.services.delivery import notifications_tick
from sessions.questionnaires.services.safety import safety_event_acknowledge
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.e2e.test_reports import assert_no_sideways_scroll
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import safety_event

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def flags_with_an_escalation(demo) -> Cohort:
    """A cohort of the first demo facilitator with three flags: one acknowledged, one raised a
    week ago and escalated by the tick, one raised a minute ago."""
    facilitator = demo.facilitators[0]
    cohort = CohortFactory(
        organization=demo.organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=[facilitator],
        name="Tuesday group",
        start_date=dt.date(2026, 9, 1),
    )
    people = [
        EnrollmentFactory(
            cohort=cohort, participant_code=code, user=UserFactory(full_name=name, email=email)
        )
        for code, name, email in [
            ("P-ROB", "Robin Reed", "robin@example.org"),
            ("P-SAM", "Sam Stone", "sam@example.org"),
            ("P-KIM", "Kim Lee", "kim@example.org"),
        ]
    ]
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now - dt.timedelta(days=9), tick=False):
        acknowledged = safety_event(people[0], item9=2)
    with time_machine.travel(now - dt.timedelta(days=8), tick=False):
        safety_event_acknowledge(
            event=acknowledged,
            by=facilitator,
            action_taken="Phoned Robin the same afternoon; safe at home, GP informed.",
        )
    with time_machine.travel(now - dt.timedelta(days=7), tick=False):
        safety_event(people[1], item9=1)
    safety_event(people[2], item9=1)
    # The per-minute tick, with its after-commit hand-out run as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications_tick(now=now)
    assert any("P-SAM" in m.subject for m in mail.outbox)
    return cohort


def test_an_escalated_flag_and_the_cohorts_safety_history(new_page, demo):
    cohort = flags_with_an_escalation(demo)
    page = new_page()
    sign_in(page, demo.facilitators[0].email)
    page.goto(reverse("questionnaires:cohort_safety", args=[cohort.pk]))
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tuesday group")
    nav = page.get_by_role("navigation", name="Cohort")
    expect(nav.get_by_role("link", name="Safety flags")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("2 open, 1 acknowledged.")).to_be_visible()
    told = re.compile(rf"Escalated to {re.escape(demo.coordinator.full_name)} on ")
    expect(page.get_by_text(told)).to_be_visible()
    _shot(page, "cohort-safety")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    _shot(page, "cohort-safety-320")

    page.get_by_role("link", name=re.compile(r"Review and acknowledge for P-SAM")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety flag for P-SAM")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    expect(page.get_by_text(told)).to_be_visible()
    _shot(page, "flag-escalated-320")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert_accessible(page)
    _shot(page, "flag-escalated")


def test_a_coordinator_sets_when_flags_escalate(new_page, demo):
    organization = demo.organization
    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.goto(reverse("organization_settings", args=[organization.slug]))
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm|Continue|Check")).click()
    field = page.get_by_label("Working hours before an open safety flag goes to every coordinator")
    expect(field).to_have_value("8")
    assert_accessible(page)
    field.fill("80000")
    page.get_by_role("button", name="Save settings").click()
    assert_accessible(page)
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter a whole number of working hours from 1 to 80"
    )
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    _shot(page, "settings-escalation-error-320")
    field.fill("16")
    page.get_by_role("button", name="Save settings").click()
    assert_accessible(page)
    expect(field).to_have_value("16")
    _shot(page, "settings-escalation-320")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert_accessible(page)
    _shot(page, "settings-escalation")
    organization.refresh_from_db()
    assert organization.escalate_after_working_hours == 16

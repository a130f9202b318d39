"""A positive PHQ-9 item 9 reaches the facilitator as a flag; staff and participants read results."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD, demo_people_ensure
from accounts.models import AuditAction, AuditEvent
from programs.models import Cohort
from sessions.demo.courses import demo_courses_ensure
from sessions.questionnaires.models import Assessment, SafetyEvent
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.factories import EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
BANNER = "Safety flag to follow up"
TOP_JS = """() => {
  const banner = document.querySelector('.safety-banner');
  const rest = [...document.querySelectorAll('main h2, main table')].filter(el => !banner.contains(el));
  return rest.length > 0 && rest.every(el => banner.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


def answer(page: Page, value: int) -> None:
    """Pick one answer with a click on its label (the whole label is the target) and continue."""
    page.locator(f"label[for='id_answer_{value}']").click()
    expect(page.locator(f"#id_answer_{value}")).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page)


def assert_no_sideways_scroll(page: Page) -> None:
    content, viewport = page.evaluate(SCROLL_WIDTH_JS)
    assert content <= viewport, f"{page.url} scrolls sideways: {content}px in {viewport}px"


def test_positive_item_9_shows_support_and_flags_the_cohort_until_acknowledged(new_page, demo):
    participant = demo.participants[0]
    facilitator = demo.facilitators[0]
    program = shipped_program("mbsr-8-ms")
    cohort = Cohort.objects.create(
        organization=demo.organization,
        program=program,
        name="Flag cohort",
        start_date=dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=10),
        meeting_weekday=1,
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    cohort.facilitators.set([facilitator])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="FLAG-1")
    now = dt.datetime.now(tz=dt.UTC)
    assessment = Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["phq9"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )

    page = new_page()
    sign_in(page, participant.email)
    page.goto(reverse("questionnaires:questionnaire_question", args=[assessment.pk, "phq9", 1]))
    assert_accessible(page)
    for value in (1, 1, 2, 1, 0, 1, 0, 0, 1, 1):
        answer(page, value)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    with page.expect_navigation():
        page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    assert_accessible(page)
    help_now = page.get_by_role("region", name="If you need help now")
    crisis_lines = [
        line.strip() for line in demo.organization.crisis_contacts.splitlines() if line.strip()
    ]
    for line in crisis_lines:
        expect(help_now.get_by_text(line, exact=True)).to_be_visible()
    expect(page.get_by_text("will be in touch")).to_be_visible()
    event = SafetyEvent.objects.get(enrollment=enrollment)
    assert event.is_open

    staff = new_page()
    sign_in(staff, facilitator.email)
    staff.goto(reverse("programs:cohort_list"))
    assert_accessible(staff)
    banner = staff.locator(".safety-banner")
    expect(banner.get_by_role("heading", level=2)).to_have_text(BANNER)
    expect(banner).to_contain_text("FLAG-1")
    # At the top: straight after the page heading, before the list of cohorts.
    assert staff.evaluate(TOP_JS)
    staff.goto(reverse("reports:cohort_detail", args=[cohort.pk]))
    assert_accessible(staff)
    expect(staff.locator(".safety-banner")).to_contain_text("FLAG-1")
    assert staff.evaluate(TOP_JS)
    with staff.expect_navigation():
        staff.get_by_role("link", name="Review and acknowledge the flag for FLAG-1").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Safety flag for FLAG-1")
    assert_accessible(staff)

    # Acknowledging with nothing written is refused, with the message tied to the box.
    with staff.expect_navigation():
        staff.get_by_role("button", name="Acknowledge the flag").click()
    assert staff.title().startswith("Error:")
    assert_accessible(staff)
    event.refresh_from_db()
    assert event.is_open

    staff.get_by_label("What was done").fill(
        "Phoned her this afternoon; she is safe and has support."
    )
    staff.get_by_role("button", name="Acknowledge the flag").click()
    # Acknowledging needs the password again; then the same acknowledgement goes through,
    # with what was typed before.
    staff.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(staff)
    event.refresh_from_db()
    assert event.is_open
    staff.get_by_label("Password").fill(DEMO_PASSWORD)
    with staff.expect_navigation():
        staff.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(cohort.name)
    expect(staff.get_by_text("Safety flag for FLAG-1 acknowledged")).to_be_visible()
    assert_accessible(staff)
    expect(staff.locator(".safety-banner")).to_have_count(0)
    staff.goto(reverse("programs:cohort_list"))
    assert_accessible(staff)
    expect(staff.locator(".safety-banner")).to_have_count(0)
    event.refresh_from_db()
    assert event.acknowledged_by == facilitator
    assert "Phoned her" in event.action_taken
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.SAFETY_ACKNOWLEDGED, object_id=str(event.pk)
        ).count()
        == 1
    )


def test_staff_and_participants_read_questionnaire_status_and_results(new_page, demo):
    people = demo_people_ensure(participants=12)
    demo_courses_ensure(people=people)
    cohort = Cohort.objects.get(name="MBSR Tuesday evenings")
    facilitator = cohort.facilitators.get()

    staff = new_page()
    sign_in(staff, facilitator.email)
    staff.goto(reverse("questionnaires:questionnaire_status", args=[cohort.pk]))
    assert_accessible(staff)
    expect(staff.get_by_role("table").first).to_be_visible()
    results = reverse("questionnaires:results_cohort", args=[cohort.pk])
    staff.goto(results)
    assert_accessible(staff)
    expect(staff.get_by_text("MB-DEMO1", exact=True).first).to_be_visible()

    narrow_staff = new_page(viewport=PHONE)
    sign_in(narrow_staff, facilitator.email)
    narrow_staff.goto(results)
    assert_accessible(narrow_staff)
    assert_no_sideways_scroll(narrow_staff)

    mine = reverse("questionnaires:results_mine")
    participant = new_page()
    sign_in(participant, "participant1@demo.test")
    participant.goto(mine)
    assert_accessible(participant)
    expect(participant.get_by_role("heading", level=1)).to_be_visible()

    narrow = new_page(viewport=PHONE)
    sign_in(narrow, "participant1@demo.test")
    narrow.goto(mine)
    assert_accessible(narrow)
    assert_no_sideways_scroll(narrow)

"""A second enrollment hides nothing, in the browser: the coordinator's warning, the participant's
home before and after accepting, and the page that asks which course; each page scanned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import demo_people_ensure
from programs.models import Cohort, Enrollment, EnrollmentStatus
from programs.services import enrollment_accept_invited
from sessions.demo.courses import demo_courses_ensure
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, ship_programs

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_cohort(live_server) -> Cohort:
    """participant1@demo.test takes part in a demo group; the organization starts another."""
    ship_programs()
    people = demo_people_ensure(participants=2)
    demo_courses_ensure(people=people)
    first = Enrollment.objects.get(user__email="participant1@demo.test")
    cohort = CohortFactory(
        organization=people.organization,
        program=first.cohort.program,
        name="Thursday mornings",
        start_date=timezone.localdate() + dt.timedelta(days=10),
        meeting_weekday=3,
        meeting_time=dt.time(10, 0),
        facilitators=list(first.cohort.facilitators.all()),
    )
    schedule_sync_for_cohort(cohort=cohort)
    return cohort


def test_coordinator_is_warned_and_the_participant_keeps_her_course_until_she_accepts(
    page: Page, new_page, second_cohort
):
    first = Enrollment.objects.get(user__email="participant1@demo.test")
    sign_in(page, "coordinator@demo.test")
    page.goto(reverse("programs:enrollment_create", args=[second_cohort.pk]))
    assert_accessible(page)
    page.get_by_label("Full name").fill("Alice Demo-1")
    page.get_by_label("E-mail address").fill("participant1@demo.test")
    page.get_by_role("button", name="Send invitation").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Already in another course")
    expect(warning).to_contain_text(f"taking part in “{first.cohort.name}”")
    expect(page.get_by_label("Full name")).to_have_value("Alice Demo-1")
    assert_accessible(page)
    assert not second_cohort.enrollments.exists()
    page.get_by_role("button", name="Add them as well").click()
    page.wait_for_url(f"**/cohorts/{second_cohort.pk}/")
    assert_accessible(page)
    assert second_cohort.enrollments.get().status == EnrollmentStatus.INVITED

    participant = new_page()
    sign_in(participant, "participant1@demo.test")
    expect(participant.get_by_text("Your course:")).to_contain_text(first.cohort.program.name)
    expect(participant.get_by_role("heading", name="Your next session")).to_be_visible()
    expect(participant.get_by_text("You are invited to")).to_contain_text("Thursday mornings")
    assert_accessible(participant)

    enrollment_accept_invited(user=first.user, organization=second_cohort.organization)
    participant.reload()
    expect(participant.get_by_text("You are taking part in 2 courses:")).to_be_visible()
    for cohort in (first.cohort, second_cohort):
        expect(participant.get_by_role("heading", level=2, name=f"({cohort.name})")).to_be_visible()
    assert_accessible(participant)

    participant.goto(reverse("program_sessions:practice_create"))
    expect(participant.get_by_role("heading", level=1)).to_have_text(
        "Which course are you logging for?"
    )
    assert_accessible(participant)
    participant.get_by_role("link", name="Thursday mornings").click()
    expect(participant.locator("p.lead")).to_contain_text(
        f"For {second_cohort.program.name} (Thursday mornings)."
    )
    assert_accessible(participant)
    # Saved for the course chosen, and the log says which course each entry is for.
    participant.get_by_label("Body scan").check()
    participant.get_by_label("Minutes").fill("15")
    participant.get_by_role("button", name="Save to my practice log").click()
    participant.wait_for_url("**/me/practice/")
    expect(participant.get_by_role("status")).to_contain_text(
        f"Saved for {second_cohort.program.name} (Thursday mornings)"
    )
    expect(participant.locator(".log-entry__course").first).to_have_text(
        f"{second_cohort.program.name} (Thursday mornings)"
    )
    assert_accessible(participant)

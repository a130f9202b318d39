"""The self-guided course end to end in Chromium, with nobody running it.

Eli (selfguided3 of the demo) takes the demo organization's own version of the self-guided
MBSR-8 for MS; the course began a few days ago and nobody facilitates it. He signs in, answers
the questionnaire before the course, opens week 1, finds the guided body scan (its audio answers
and its transcript is on the page), logs a practice, marks week 1 completed, and week 2 opens.
The coordinator then sees him on the cohort's progress page. Every page is scanned by axe;
the week pages and the progress page are also read at 320 px.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from programs.models import MeasurementKind
from sessions.demo.self_guided import demo_self_guided_ensure
from sessions.models import PracticeLog, SessionCompletion
from sessions.questionnaires.models import Assessment
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import DESKTOP, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 640}
SCROLL_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")
ELI = "selfguided3@demo.test"
WHO5 = {1: 3, 2: 3, 3: 2, 4: 3, 5: 4}


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def at_320(page: Page, name: str) -> None:
    """At 320 px nothing scrolls sideways and axe finds nothing; then back to the desktop."""
    page.set_viewport_size(PHONE)
    content, width = page.evaluate(SCROLL_JS)
    assert content <= width, f"{page.url} scrolls sideways at 320 px: {content}px in {width}px"
    assert_accessible(page)
    shot(page, f"{name}-320")
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def course(demo):
    """The demo's self-guided cohort. Eli's questionnaires before the course are still open;
    here they are one short questionnaire (well-being), so the journey stays quick."""
    self_guided = demo_self_guided_ensure(people=demo)
    assessment = Assessment.objects.get(
        enrollment__user__email=ELI, measurement_point__kind=MeasurementKind.BASELINE
    )
    assessment.instruments = ["who5"]
    assessment.closes_at = max(assessment.closes_at, timezone.now() + dt.timedelta(days=3))
    assessment.save(update_fields=["instruments", "closes_at"])
    return self_guided, assessment


def test_a_participant_works_from_the_baseline_through_week_1_to_week_2_with_no_facilitator(
    new_page, course, demo
):
    self_guided, assessment = course
    assert not self_guided.cohort.facilitators.exists()
    page = new_page()
    sign_in(page, ELI)

    # --- the questionnaire before the course -------------------------------------------------
    page.goto("/me/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Questionnaires before the course")).first.click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Start").first.click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/who5/1/")
    assert_accessible(page)
    page.get_by_role("link", name="Show all questions on one page").click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/who5/all/")
    assert_accessible(page)
    for number, value in WHO5.items():
        page.locator(f"#id_q{number}_{value}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and check your answers").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send answers").click()
    assert_accessible(page)
    assessment.refresh_from_db()
    assert assessment.completed_at is not None

    # --- week 1: read, listen, practise ------------------------------------------------------
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Week 1: Stepping off automatic pilot"
    )
    expect(page.get_by_role("heading", name="When your mind wanders")).to_be_visible()
    expect(page.get_by_role("heading", name="Making this week work for you")).to_be_visible()
    shot(page, "week-1-1280")
    # The guided body scan (the player partial): its audio answers, its transcript is here.
    source = page.locator("figure.player audio source").first
    expect(source).to_have_count(1)
    src = source.get_attribute("src")
    assert src
    audio = page.request.get(src, headers={"Range": "bytes=0-1023"})
    assert audio.status in (200, 206), audio.status
    assert audio.headers["content-type"].startswith("audio/")
    transcript = page.get_by_role("region", name="Transcript").first
    expect(transcript).to_contain_text("Find a comfortable position")
    at_320(page, "week-1")

    form = page.locator("#log-form")
    form.get_by_label("Body scan").check()
    form.get_by_label("Minutes").fill("10")
    with page.expect_navigation():
        form.get_by_role("button", name="Save to my practice log").click()
    assert_accessible(page)
    assert PracticeLog.objects.filter(
        enrollment__user__email=ELI, practice="body_scan", minutes=10
    ).exists()

    # --- week 1 completed: week 2 opens -----------------------------------------------------------
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    page.get_by_label(re.compile("automatic pilot")).fill("Brushing my teeth, every morning.")
    with page.expect_navigation():
        page.get_by_role("button", name="I've completed this week").click()
    assert_accessible(page)
    expect(page.get_by_text("Week 2 is now open.")).to_be_visible()
    assert SessionCompletion.objects.filter(
        enrollment__user__email=ELI, program_session__number=1, completed_at__isnull=False
    ).exists()

    page.goto("/me/")
    assert_accessible(page)
    week_2 = page.get_by_role("link", name=re.compile(r"Week 2")).first
    expect(week_2).to_be_visible()
    with page.expect_navigation():
        week_2.click()
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Week 2: How we see things")
    shot(page, "week-2-1280")
    at_320(page, "week-2")
    # Week 3 is not open yet.
    assert page.request.get("/me/weeks/3/").status == 404

    # --- the coordinator sees him on the progress page -----------------------------------------
    staff = new_page()
    sign_in(staff, demo.coordinator.email)
    staff.goto(f"/cohorts/{self_guided.cohort.pk}/progress/")
    assert_accessible(staff)
    main = staff.get_by_role("main")
    expect(main).to_contain_text("SG-DEMO3")
    expect(main).to_contain_text("a week counts once they mark it as completed")
    shot(staff, "coordinator-progress-1280")
    at_320(staff, "coordinator-progress")

    # Changing the cohort: no meeting day, time, place or facilitator to fill in.
    staff.goto(f"/cohorts/{self_guided.cohort.pk}/edit/")
    assert_accessible(staff)
    expect(staff.get_by_role("main")).to_contain_text("This course is self-guided")
    expect(staff.get_by_label("Meeting time")).to_have_count(0)
    shot(staff, "cohort-update-1280")
    at_320(staff, "cohort-update")
    staff.goto("/cohorts/new/")
    assert_accessible(staff)
    shot(staff, "cohort-create-1280")
    at_320(staff, "cohort-create")

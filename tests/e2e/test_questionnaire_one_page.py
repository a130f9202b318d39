"""The one-page questionnaire keeps what was chosen: five answers, another page, and back again.

The original steps: a participant chose five answers on "all questions on one page", followed a
link to another page, came back, and found all five gone. Now each answer is saved as it is
chosen ("Saved" is announced), and leaving while a choice is not saved asks first.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from programs.models import Cohort
from sessions.questionnaires.models import Assessment, Response
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_csp import CspWatch
from tests.factories import EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

FIVE = {1: 1, 2: 3, 4: 0, 5: 2, 7: 1}


def _assessment(demo) -> Assessment:
    program = shipped_program("mbsr-8-ms")
    cohort = Cohort.objects.create(
        organization=demo.organization,
        program=program,
        name="One-page cohort",
        start_date=dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=10),
        meeting_weekday=1,
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    enrollment = EnrollmentFactory(cohort=cohort, user=demo.participants[0])
    now = dt.datetime.now(tz=dt.UTC)
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["gad7"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )


def _radio(page: Page, number: int, value: int):
    return page.locator(f"#id_q{number}_{value}")


def _open_one_page_form(page: Page, assessment: Assessment) -> None:
    """From the participant's home, the way a person goes: Start, then all questions on one page."""
    page.goto("/me/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Questionnaires")).first.click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Start").first.click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/gad7/1/")
    assert_accessible(page)
    page.get_by_role("link", name="Show all questions on one page").click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/gad7/all/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Worry and anxiety")
    assert_accessible(page)


def test_five_answers_chosen_on_the_one_page_form_are_still_chosen_after_another_page(
    page: Page, demo
):
    assessment = _assessment(demo)
    # The script and its requests stay within the Content-Security-Policy (no inline script).
    csp = CspWatch(page)
    sign_in(page, demo.participants[0].email)
    _open_one_page_form(page, assessment)

    status = page.locator("[data-autosave-status]")
    for number, value in FIVE.items():
        with page.expect_response(lambda r: r.url.endswith("/gad7/answer/")) as saved:
            _radio(page, number, value).check()
        assert saved.value.status == 200
        expect(status).to_have_text("Saved")
    assert Response.objects.get(assessment=assessment).answers == {
        str(number): value for number, value in FIVE.items()
    }
    assert_accessible(page)

    # Another page, through the page's own link (nothing unsaved, so nothing is asked) ...
    page.get_by_role("link", name="Back to your questionnaires").click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/")
    assert_accessible(page)
    page.goto("/me/")
    assert_accessible(page)

    # ... and back: the five are still chosen, the others still empty.
    page.goto(f"/me/questionnaires/{assessment.pk}/gad7/all/")
    assert_accessible(page)
    for number, value in FIVE.items():
        expect(_radio(page, number, value)).to_be_checked()
    for value in range(4):
        expect(_radio(page, 3, value)).not_to_be_checked()
    csp.assert_none()


def test_leaving_with_a_choice_not_yet_saved_asks_first(page: Page, demo):
    assessment = _assessment(demo)
    sign_in(page, demo.participants[0].email)
    page.goto(f"/me/questionnaires/{assessment.pk}/gad7/all/")
    assert_accessible(page)
    save_url = f"**/me/questionnaires/{assessment.pk}/gad7/answer/"

    # The connection drops: the choice cannot be saved, and the page says so beside it.
    page.route(save_url, lambda route: route.abort())
    _radio(page, 2, 3).check()
    problem = page.locator("#q2-autosave-error")
    expect(problem).to_contain_text("Your answer to question 2 is not saved yet.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("not saved yet")
    assert_accessible(page)
    assert not Response.objects.filter(assessment=assessment).exists()

    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Back to your questionnaires").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/me/questionnaires/{assessment.pk}/gad7/all/")
    expect(_radio(page, 2, 3)).to_be_checked()

    # Back online: choosing it again saves it, the message goes, and leaving asks nothing.
    page.unroute(save_url)
    _radio(page, 2, 2).check()
    expect(page.locator("[data-autosave-status]")).to_have_text("Saved")
    expect(problem).to_have_count(0)
    assert Response.objects.get(assessment=assessment).answers == {"2": 2}
    page.get_by_role("link", name="Back to your questionnaires").click()
    page.wait_for_url(f"**/me/questionnaires/{assessment.pk}/")
    assert_accessible(page)
    assert asked == ["beforeunload"]


def test_a_participant_finds_their_organizations_numbers_to_call_on_the_help_page(page: Page, demo):
    # A participant has no staff role: the organization is found through their course.
    _assessment(demo)
    sign_in(page, demo.participants[0].email)
    page.get_by_role("link", name="Get help").first.click()
    page.wait_for_url("**/help/")
    assert_accessible(page)
    expect(
        page.get_by_role("heading", name="Contacts from Demo MS Wellbeing Service")
    ).to_be_visible()
    samaritans = page.get_by_role("link", name="116 123", exact=True)
    expect(samaritans).to_have_attribute("href", "tel:116123")
    expect(page.get_by_text("Samaritans (UK and Ireland): 116 123, any time")).to_be_visible()
    expect(page.get_by_role("link", name="support@demo.test")).to_be_visible()


def test_save_and_come_back_later_stays_in_view_while_scrolling_the_one_page_form(page: Page, demo):
    """On a desktop window the way out is on screen at every question, and Enter still checks."""
    assessment = _assessment(demo)
    sign_in(page, demo.participants[0].email)
    _open_one_page_form(page, assessment)
    later = page.get_by_role("button", name="Save and come back later")

    _radio(page, 1, 0).scroll_into_view_if_needed()
    expect(later).to_be_in_viewport()
    # A focused answer is never hidden behind the bar (WCAG 2.4.11).
    for number in range(1, 9):
        _radio(page, number, 0).focus()
        radio_box = _radio(page, number, 0).bounding_box()
        bar_box = page.locator(".save-later--sticky").bounding_box()
        assert radio_box is not None
        assert bar_box is not None
        assert radio_box["y"] + radio_box["height"] <= bar_box["y"], number
    assert_accessible(page)

"""A participant answers PHQ-9 by keyboard only, stops half-way, and carries on where they left off."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from programs.models import Cohort
from sessions.questionnaires.models import Assessment, Response
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE, assert_fits
from tests.factories import EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

FOCUSED_JS = r"""() => {
  const el = document.activeElement;
  return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').replace(/\s+/g, ' ').trim()};
}"""


def tab_to(page: Page, matches) -> None:
    """Press Tab until the focused element matches, as someone using only a keyboard would."""
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if matches(focused):
            return
        seen.append(focused["text"])
    raise AssertionError(f"Tab never reached the element on {page.url}: {seen}")


def press_button(page: Page, text: str) -> None:
    tab_to(page, lambda el: el["tag"] in ("BUTTON", "A") and el["text"].startswith(text))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose(page: Page, value: int) -> None:
    """Tab into the radio group, pick the option with this value by arrow keys, and continue."""
    tab_to(page, lambda el: el["id"].startswith("id_answer_"))
    focused = page.evaluate(FOCUSED_JS)["id"]
    if focused == "id_answer_0" and not page.locator("#id_answer_0").is_checked():
        page.keyboard.press("Space")
    current = int(page.evaluate(FOCUSED_JS)["id"].rsplit("_", 1)[1])
    for _ in range(abs(value - current)):
        page.keyboard.press("ArrowDown" if value > current else "ArrowUp")
    expect(page.locator(f"#id_answer_{value}")).to_be_checked()
    press_button(page, "Continue")
    assert_accessible(page)


def test_participant_completes_phq9_by_keyboard_and_resumes_after_closing_the_browser(
    new_page, demo
):
    participant = demo.participants[0]
    program = shipped_program("mbsr-8-ms")
    cohort = Cohort.objects.create(
        organization=demo.organization,
        program=program,
        name="Questionnaire cohort",
        start_date=dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=10),
        meeting_weekday=1,
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    enrollment = EnrollmentFactory(cohort=cohort, user=participant)
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
    page.goto("/me/")
    assert_accessible(page)
    # Home lists the questionnaires as a task; its name is the link.
    press_button(page, "Questionnaires")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your questionnaires")
    assert_accessible(page)
    press_button(page, "Start")
    assert_accessible(page)

    # Continue without a choice: the error summary takes focus and the title says so.
    press_button(page, "Continue")
    assert_accessible(page)
    assert page.title().startswith("Error:")
    expect(page.locator(".error-summary")).to_be_focused()
    for value in (1, 0, 2, 1):
        choose(page, value)
    assert page.url.endswith(f"/me/questionnaires/{assessment.pk}/phq9/5/")

    # Closing the browser half-way loses nothing: a new one, on a phone, carries on at question 5.
    page.context.close()
    phone = new_page(viewport=PHONE)
    sign_in(phone, participant.email)
    phone.goto("/me/")
    assert_accessible(phone)
    assert_fits(phone)
    press_button(phone, "Questionnaires")
    assert_accessible(phone)
    assert_fits(phone)
    press_button(phone, "Carry on")
    assert phone.url.endswith(f"/me/questionnaires/{assessment.pk}/phq9/5/")
    assert_accessible(phone)
    assert_fits(phone)
    assert Response.objects.get(assessment=assessment).answers == {
        "1": 1,
        "2": 0,
        "3": 2,
        "4": 1,
    }
    for value in (0, 0, 1, 0, 0, 0):
        choose(phone, value)
        assert_fits(phone)

    # Check your answers, change question 2, and come back to the check page.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your answers")
    press_button(phone, "Change answer to question 2")
    assert_accessible(phone)
    choose(phone, 3)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your answers")
    assert_fits(phone)
    press_button(phone, "Send answers")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(phone)
    assert_fits(phone)

    response = Response.objects.get(assessment=assessment)
    assert response.is_submitted
    assert response.answers["2"] == 3
    assessment.refresh_from_db()
    assert assessment.completed_at is not None

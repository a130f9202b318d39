"""Automatic logoff in the browser: a warning first, "Stay signed in" as often as wanted, and
after signing in again the participant carries on at the question they were on.

The limits are made small for the test (30 s with a 20 s warning: still the 20 s WCAG 2.2.1 asks
for) and the waits are real, so the page's countdown and the server's clock are both tested.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from programs.models import Cohort
from sessions.questionnaires.models import Assessment, Response
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

LIMIT_SECONDS = 30
WARNING_SECONDS = 20
# Time for the warning to appear, counted from the last request, with room for a slow machine.
UNTIL_WARNING_MS = (LIMIT_SECONDS - WARNING_SECONDS + 10) * 1000
UNTIL_SIGNED_OUT_MS = (LIMIT_SECONDS + 15) * 1000


@pytest.fixture
def short_limits(settings):
    settings.STILLWATER_IDLE_MINUTES_PARTICIPANT = LIMIT_SECONDS / 60
    settings.STILLWATER_IDLE_WARNING_SECONDS = WARNING_SECONDS


def _answer(page: Page, value: int) -> None:
    page.locator(f"#id_answer_{value}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    assert_accessible(page)


def _warning(page: Page):
    return page.get_by_role("dialog", name="Do you want to stay signed in?")


def _stay(page: Page, press) -> None:
    with page.expect_response(
        lambda r: r.url.endswith("/session/keep-alive/") and r.request.method == "POST"
    ) as answer:
        press()
    assert answer.value.status == 204
    expect(_warning(page)).to_be_hidden()


def test_participant_is_warned_stays_twice_then_is_signed_out_and_resumes(
    new_page, demo, short_limits
):
    participant = demo.participants[0]
    assessment = _open_questionnaire_for(demo, participant)
    question = f"/me/questionnaires/{assessment.pk}/phq9/"

    page = new_page()
    sign_in(page, participant.email)
    page.goto(f"{question}1/")
    assert_accessible(page)
    _answer(page, 1)
    _answer(page, 2)
    assert page.url.endswith(f"{question}3/")

    # The warning: a modal dialog that takes focus, says how long is left, and is announced.
    warning = _warning(page)
    expect(warning).to_be_visible(timeout=UNTIL_WARNING_MS)
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(warning).to_contain_text("You will be signed out in")
    expect(page.locator("[data-idle-announce]")).to_contain_text(
        re.compile(r"You will be signed out in \d+ seconds")
    )
    expect(warning.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("document.querySelector('#idle-dialog').matches(':modal')")
    assert_accessible(page)

    # "Stay signed in" by keyboard, then again by pointer when the warning comes back.
    _stay(page, lambda: page.keyboard.press("Enter"))
    expect(warning).to_be_visible(timeout=UNTIL_WARNING_MS)
    expect(stay).to_be_focused()
    _stay(page, stay.click)
    assert page.url.endswith(f"{question}3/")

    # Left alone: the warning comes once more, then the sign-in page, saying why.
    expect(warning).to_be_visible(timeout=UNTIL_WARNING_MS)
    page.wait_for_url(re.compile(r"/accounts/login/"), timeout=UNTIL_SIGNED_OUT_MS)
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text(
        "You were signed out after 0.5 minutes without activity. "
        "Sign in to carry on where you were."
    )
    assert page.goto(f"{question}3/").url.split("?")[0].endswith("/accounts/login/")
    assert_accessible(page)

    # Signing in again carries on at the next unanswered question; nothing was lost.
    page.get_by_label("Email").fill(participant.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(rf"{question}3/$"))
    assert_accessible(page)
    expect(page.locator(".question-progress")).to_contain_text("3")
    assert Response.objects.get(assessment=assessment).answers == {"1": 1, "2": 2}


def _open_questionnaire_for(demo, participant) -> Assessment:
    program = shipped_program("mbsr-8-ms")
    cohort = Cohort.objects.create(
        organization=demo.organization,
        program=program,
        name="Idle cohort",
        start_date=dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=10),
        meeting_weekday=1,
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    enrollment = EnrollmentFactory(cohort=cohort, user=participant)
    now = dt.datetime.now(tz=dt.UTC)
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["phq9"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )

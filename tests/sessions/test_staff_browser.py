"""The staff pages in a real browser: WCAG 2.2 AA scan in every state, and the grid by keyboard.

Chromium runs on a thread of its own: the browser suite's session-wide Playwright (tests/e2e)
may already be running on the test's thread, and a second synchronous Playwright cannot start
there. The database is set up and checked on the test's thread; the browser thread only clicks
and reads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect, sync_playwright

from sessions.models import Attendance, FacilitatorNote, ScheduledSession
from tests.e2e.a11y import assert_accessible
from tests.factories import PASSWORD, STAFF_TOTP_SECRET, shipped_program, totp_code
from tests.servers import CHROMIUM_FLAGS, chromium_path
from tests.sessions.staff_cast import NOW, enroll, group_cohort, ier_cohort, sessions_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 10_000


@pytest.fixture
def now():
    # Ticking: the browser and the live server need a clock that moves.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def shipped_programs(db):
    shipped_program("ier-6")


def in_browser(live_server: Any, email: str, scenario: Callable[[Page], None]) -> None:
    """Sign `email` in on a fresh Chromium (its own thread) and run `scenario` on that page."""
    path = chromium_path()  # skips (or fails under CI=true) when Chromium is missing
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=path, args=CHROMIUM_FLAGS, headless=True
                )
                try:
                    context = browser.new_context(
                        base_url=live_server.url, viewport={"width": 1280, "height": 800}
                    )
                    context.set_default_timeout(TIMEOUT_MS)
                    page = context.new_page()
                    page.goto("/accounts/login/")
                    page.get_by_label("Email").fill(email)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Sign in", exact=True).click()
                    page.wait_for_url(lambda url: "/accounts/login/" not in url)
                    if "/accounts/2fa/authenticate/" in page.url:
                        # Staff fixtures share one authenticator key (tests/factories.py), so
                        # the code is computed here without reading the database.
                        page.locator("input[name=code]").fill(totp_code(STAFF_TOTP_SECRET))
                        page.get_by_role("button", name="Sign in", exact=True).click()
                        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
                    scenario(page)
                finally:
                    browser.close()
        except BaseException as exc:  # handed to the test's thread, which reports it
            failure.append(exc)

    thread = threading.Thread(target=run, name="staff-browser")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def test_cohort_session_and_schedule_pages_pass_the_scan_in_every_state(
    live_server, now, organization, facilitator_user, coordinator_user
):
    cohort = group_cohort(organization, [facilitator_user])
    for n in range(1, 4):
        enroll(cohort, participant_code=f"P-00{n}")
    first, fourth = sessions_of(cohort)[0], sessions_of(cohort)[3]

    def scenario(page: Page) -> None:
        page.goto(f"/cohorts/{cohort.pk}/")
        assert_accessible(page)
        expect(page.get_by_role("link", name="Edit cohort")).to_be_visible()
        # The sessions are listed in the cohort's Schedule part.
        page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Schedule").click()
        assert_accessible(page)

        page.get_by_role("link", name="Session 1: Week 1").click()
        assert_accessible(page)
        page.get_by_label("Note on this session").fill("Warm room; offered the chair option.")
        page.get_by_role("button", name="Save note on this session").click()
        assert_accessible(page)
        expect(page.get_by_text("Note saved.")).to_be_visible()
        expect(page.get_by_role("heading", name="Earlier versions")).to_have_count(0)
        page.get_by_label("Note on this session").fill("   ")
        page.get_by_role("button", name="Save note on this session").click()
        assert_accessible(page)
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.get_by_text("The note is empty.").first).to_be_visible()

        page.goto(f"/sessions/{fourth.pk}/reschedule/")
        assert_accessible(page)
        page.get_by_label("New date (in the cohort's time zone, Europe/London)").fill("2026-09-01")
        page.get_by_role("button", name="Move the session").click()
        assert_accessible(page)
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.get_by_text("The new time has already passed.").first).to_be_visible()

        page.goto(f"/cohorts/{cohort.pk}/makeups/new/")
        assert_accessible(page)
        page.get_by_role("button", name="Add the make-up session").click()
        assert_accessible(page)
        page.goto(f"/sessions/{fourth.pk}/cancel/")
        assert_accessible(page)

    in_browser(live_server, coordinator_user.email, scenario)
    assert FacilitatorNote.objects.get(scheduled_session=first).text == (
        "Warm room; offered the chair option."
    )
    fourth.refresh_from_db()
    assert not fourth.is_moved
    assert not ScheduledSession.objects.filter(is_makeup=True).exists()


def test_grid_works_by_keyboard_and_enter_saves_rather_than_marking_everyone_present(
    live_server, now, shipped_programs, organization, facilitator_user
):
    cohort = ier_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    ben = enroll(cohort, participant_code="P-BEN", start_date=dt.date(2026, 9, 2))

    def scenario(page: Page) -> None:
        page.goto(f"/cohorts/{cohort.pk}/attendance/")
        assert_accessible(page)
        status = page.get_by_label("P-ANN, session 2, 8 Sep", exact=True)
        status.focus()
        status.select_option("attended")
        page.keyboard.press("Tab")
        expect(page.get_by_label("P-ANN, session 2, 8 Sep, call outcome")).to_be_focused()
        page.keyboard.press("Tab")
        minutes = page.get_by_label("P-ANN, session 2, 8 Sep, call minutes")
        expect(minutes).to_be_focused()
        page.keyboard.type("abc")
        page.get_by_label("P-BEN, session 1, 2 Sep", exact=True).select_option("absent")
        # Enter in a box submits the form with its first button: it must save, not mark present.
        minutes.press("Enter")

        assert_accessible(page)
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.get_by_text("Saved 1 change.")).to_be_visible()
        expect(page.get_by_label("P-ANN, session 2, 8 Sep, call minutes")).to_have_value("abc")
        page.get_by_role("link", name="P-ANN, session 2, 8 Sep, call minutes:").click()
        expect(page.get_by_label("P-ANN, session 2, 8 Sep, call minutes")).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type("25")
        page.get_by_role("button", name="Save attendance", exact=True).click()
        assert_accessible(page)
        expect(page.get_by_text("Attendance saved: 1 change.")).to_be_visible()

    in_browser(live_server, facilitator_user.email, scenario)
    ann_call = Attendance.objects.get(enrollment=ann)
    assert (ann_call.status, ann_call.call_minutes) == ("attended", 25)
    # Ben's first session as chosen, and nothing else: nobody was marked present.
    assert [
        (a.scheduled_session.program_session.number, a.status)
        for a in Attendance.objects.filter(enrollment=ben)
    ] == [(1, "absent")]

"""The participant pages in a real browser: the practice timer, and the accessibility scan.

Playwright's fake clock stands in for the minutes, so a two-minute practice takes no time.

Each test drives a Chromium of its own on a thread of its own. The browser suite's fixtures
(tests/e2e/conftest.py) are not visible from this folder, and a second synchronous Playwright
cannot start on a thread where one is already running (as the browser suite's is, for the whole
session); a fresh thread has no event loop, so it can. The database is set up and checked here,
on the test's thread; the browser thread only clicks and reads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from programs.models import Delivery
from sessions.models import Attendance, AttendanceStatus, PracticeLog, ScheduledSession
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    shipped_program,
)
from tests.servers import CHROMIUM_FLAGS, chromium_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 10_000
# Any fixed instant: the timer only measures differences, and the fake clock moves only when told.
CLOCK_START = dt.datetime(2026, 9, 2, 9, tzinfo=dt.UTC)


def in_browser(live_server: Any, scenario: Callable[[Browser, str], None]) -> None:
    """Run `scenario(browser, base_url)` in its own headless Chromium, on its own thread."""
    path = chromium_path()  # skips (or fails under CI=true) when Chromium is missing
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=path, args=CHROMIUM_FLAGS, headless=True
                )
                try:
                    scenario(browser, live_server.url)
                finally:
                    browser.close()
        except BaseException as exc:  # handed to the test's thread, which reports it
            failure.append(exc)

    thread = threading.Thread(target=run, name="participant-browser")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def open_page(browser: Browser, base_url: str, **options: Any) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 800}, **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --- the practice timer ----------------------------------------------------------------------

PRACTICES = [
    {
        "code": "body_scan",
        "name": "Body scan",
        "description": "Attention moves slowly through the body.",
        "adaptations": "Lie down or sit in a supported chair.",
        "durations": [2, 10],
    },
    {
        "code": "breathing_space",
        "name": "Breathing space",
        "description": "Three short steps.",
        "adaptations": "",
        "durations": [3, 5],
    },
]


@pytest.fixture
def participant_in_week_1(live_server):
    # A self-guided course that began yesterday: week 1 is open whatever today's date is.
    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=2, practices=PRACTICES)
    week = program.sessions.get(number=1)
    week.practices = ["body_scan", "breathing_space"]
    week.save()
    cohort = CohortFactory(program=program, start_date=timezone.localdate() - dt.timedelta(days=1))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(email="timer@example.org"))


def open_week_1_on_a_paused_clock(page: Page) -> None:
    page.clock.install(time=CLOCK_START)
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    page.clock.pause_at(CLOCK_START + dt.timedelta(minutes=1))


def scan(page: Page) -> None:
    # axe waits on its own timers, which a paused fake clock would never fire.
    page.clock.resume()
    assert_accessible(page)


def test_timer_counts_down_announces_milestones_and_fills_in_the_log(
    live_server, participant_in_week_1
):
    errors: list[str] = []

    def scenario(browser: Browser, base_url: str) -> None:
        page = open_page(browser, base_url)
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, "timer@example.org")
        open_week_1_on_a_paused_clock(page)
        digits = page.locator("[data-timer-digits]")
        status = page.locator("[data-timer-status]")

        expect(page.get_by_role("region", name="Practice timer")).to_be_visible()
        page.get_by_label("Practice", exact=True).select_option("Breathing space")
        expect(page.get_by_label("Length")).to_have_text("3 minutes5 minutes")
        page.get_by_label("Practice", exact=True).select_option("Body scan")
        page.get_by_label("Length").select_option("2")
        expect(digits).to_have_text("2:00")

        page.get_by_role("button", name="Start").click()
        page.clock.run_for(500)
        expect(status).to_have_text("Timer started: 2 minutes of Body scan.")
        expect(page.get_by_role("button", name="Pause")).to_be_focused()
        expect(page.get_by_role("button", name="Start")).to_be_hidden()

        # Seconds tick on screen, but the live region stays quiet until a milestone.
        page.clock.run_for(30_000)
        expect(digits).to_have_text("1:30")
        expect(status).to_have_text("Timer started: 2 minutes of Body scan.")

        page.get_by_role("button", name="Pause").click()
        page.clock.run_for(500)
        expect(status).to_have_text("Timer paused.")
        expect(page.get_by_role("button", name="Resume")).to_be_focused()
        page.clock.run_for(60_000)
        expect(digits).to_have_text("1:30")

        page.get_by_role("button", name="Resume").click()
        page.clock.run_for(31_000)
        expect(status).to_have_text("One minute left.")

        page.clock.run_for(61_000)
        expect(status).to_contain_text("Time is up. Well done.")
        expect(status).to_contain_text("2 minutes of Body scan")
        expect(page.get_by_role("heading", name="Log this practice")).to_be_focused()
        expect(page.get_by_label("Minutes")).to_have_value("2")
        expect(page.get_by_role("radio", name="Body scan")).to_be_checked()
        scan(page)

        page.get_by_role("button", name="Save to my practice log").click()
        page.wait_for_url("**/me/weeks/1/")
        expect(page.get_by_role("status")).to_contain_text("Saved: Body scan, 2 minutes")
        assert_accessible(page)

    in_browser(live_server, scenario)
    log = PracticeLog.objects.get(enrollment=participant_in_week_1)
    assert (log.practice, log.minutes) == ("body_scan", 2)
    assert errors == []


def test_stopping_early_fills_in_the_minutes_practised(live_server, participant_in_week_1):
    def scenario(browser: Browser, base_url: str) -> None:
        page = open_page(browser, base_url)
        sign_in(page, "timer@example.org")
        open_week_1_on_a_paused_clock(page)
        page.get_by_label("Length").select_option("10")
        page.get_by_role("button", name="Start").click()
        page.clock.run_for(4 * 60_000 + 10_000)
        page.get_by_role("button", name="Stop").click()
        page.clock.run_for(500)
        expect(page.locator("[data-timer-status]")).to_contain_text("Timer stopped.")
        expect(page.get_by_label("Minutes")).to_have_value("4")
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        expect(page.locator("[data-timer-digits]")).to_have_text("10:00")

    in_browser(live_server, scenario)
    assert not PracticeLog.objects.exists()


def test_without_javascript_the_timer_stays_hidden_and_the_form_works_by_hand(
    live_server, participant_in_week_1
):
    def scenario(browser: Browser, base_url: str) -> None:
        signed_in = open_page(browser, base_url)
        sign_in(signed_in, "timer@example.org")
        # The same session, scripts off. (axe needs JavaScript: this page is scanned above.)
        page = open_page(
            browser,
            base_url,
            java_script_enabled=False,
            storage_state=signed_in.context.storage_state(),
        )
        page.goto("/me/weeks/1/")
        expect(page.get_by_role("heading", name="Log this practice")).to_be_visible()
        expect(page.get_by_role("heading", name="Practice timer")).to_be_hidden()
        page.get_by_role("radio", name="Breathing space").check()
        page.get_by_label("Minutes").fill("5")
        page.get_by_role("button", name="Save to my practice log").click()
        page.wait_for_url("**/me/weeks/1/")
        expect(page.get_by_text("Saved: Breathing space, 5 minutes")).to_be_visible()

    in_browser(live_server, scenario)
    log = PracticeLog.objects.get(enrollment=participant_in_week_1)
    assert (log.practice, log.minutes) == ("breathing_space", 5)


# --- every participant page through the scan -------------------------------------------------


@pytest.fixture
def mbsr_participant(live_server):
    """Two weeks into a real MBSR course (dates relative to today), having missed week 1."""
    start = timezone.localdate() - dt.timedelta(days=13)
    cohort = CohortFactory(
        program=shipped_program("mbsr-8-ms"), start_date=start, meeting_weekday=start.weekday()
    )
    schedule_sync_for_cohort(cohort=cohort, now=timezone.now() - dt.timedelta(days=30))
    enrollment = EnrollmentFactory(
        cohort=cohort, user=UserFactory(email="calm@example.org", timezone="America/New_York")
    )
    Attendance.objects.create(
        scheduled_session=ScheduledSession.objects.get(cohort=cohort, program_session__number=1),
        enrollment=enrollment,
        status=AttendanceStatus.ABSENT,
    )
    PracticeLog.objects.create(
        enrollment=enrollment,
        date=timezone.localdate(timezone=enrollment.user.zoneinfo),
        practice="body_scan",
        minutes=20,
        note="Legs felt heavy.",
    )
    return enrollment


def test_participant_pages_pass_the_accessibility_scan(live_server, mbsr_participant):
    name = mbsr_participant.user.display_name

    def scenario(browser: Browser, base_url: str) -> None:
        page = open_page(browser, base_url)
        sign_in(page, "calm@example.org")
        page.goto("/me/")
        assert_accessible(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
        expect(page.get_by_text("(America/New York time)").first).to_be_visible()

        page.get_by_role("link", name="Catch up on week 1").click()
        page.wait_for_url("**/me/weeks/1/")
        assert_accessible(page)
        expect(page.get_by_text("You missed this session.")).to_be_visible()
        page.get_by_role("button", name="I've caught up on this week").click()
        page.wait_for_url("**/me/weeks/1/")
        assert_accessible(page)
        expect(page.get_by_role("status")).to_contain_text("count this as a catch-up")

        page.goto("/me/practice/")
        assert_accessible(page)
        page.get_by_role("link", name="Log practice").click()
        page.wait_for_url("**/me/practice/new/")
        assert_accessible(page)
        page.get_by_label("Minutes").fill("0")
        page.get_by_role("button", name="Save to my practice log").click()
        page.wait_for_load_state()
        assert_accessible(page)
        expect(page.get_by_role("alert")).to_contain_text("from 1 to 600")

        page.goto("/me/practice/")
        page.get_by_role("link", name="Delete Body scan").click()
        page.wait_for_url("**/delete/")
        assert_accessible(page)
        page.get_by_role("button", name="Yes, delete it").click()
        page.wait_for_url("**/me/practice/")
        assert_accessible(page)

    in_browser(live_server, scenario)
    assert not PracticeLog.objects.exists()


def test_strategy_log_form_passes_the_accessibility_scan(live_server):
    cohort = CohortFactory(program=shipped_program("ier-6"))
    EnrollmentFactory(cohort=cohort, user=UserFactory(email="ier@example.org"))

    def scenario(browser: Browser, base_url: str) -> None:
        page = open_page(browser, base_url)
        sign_in(page, "ier@example.org")
        page.goto("/me/practice/new/")
        assert_accessible(page)
        page.get_by_label("Mood before (0 to 10)").fill("11")
        page.get_by_role("button", name="Save to my log").click()
        page.wait_for_load_state()
        assert_accessible(page)
        expect(page.get_by_role("alert")).to_contain_text("Choose a number from 0 (very low)")

    in_browser(live_server, scenario)
    assert not PracticeLog.objects.exists()

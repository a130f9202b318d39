"""Headless Debian Chromium, driven by Playwright's sync API, against pytest-django's live_server."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa import app_settings as mfa_settings
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from accounts.demo import DEMO_PASSWORD, DemoPeople, demo_people_ensure
from accounts.models import User
from tests.e2e.a11y import assert_accessible, track_visits, unscanned_visits
from tests.factories import ship_programs, staff_totp_secret, totp_code
from tests.servers import CHROMIUM_FLAGS, chromium_path

# Playwright's sync API keeps an asyncio event loop running in the test's thread, so Django
# sees a "running event loop" there and refuses every ORM call the tests make (demo data,
# invitations) with SynchronousOnlyOperation. Those calls are ordinary blocking calls, never
# made from inside a coroutine, so the check is a false alarm; the flag turns it off for this
# test process. The live server answers the browser from its own thread, where no loop runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

DESKTOP = {"width": 1280, "height": 800}
# Playwright waits 30 s by default; a page that has not appeared after 10 s has failed, and the
# run should say so quickly.
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Lets the page fixture know whether the test body passed (see new_page below).
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    # chromium_path() first: it skips (or fails under CI=true) before anything starts.
    chromium_path()
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """One Chromium for the whole run; every test gets its own context, so nothing leaks."""
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (its own cookies) sized like a given screen."""
    contexts = []
    pages: list[Page] = []

    def open_page(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        track_visits(page)
        pages.append(page)
        return page

    yield open_page

    missed = [url for page in pages for url in unscanned_visits(page)]
    for context in contexts:
        context.close()
    call = getattr(request.node, "e2e_report_call", None)
    # Only when the test passed: a failure part-way through leaves its last page unscanned.
    if call is not None and call.passed and missed:
        pytest.fail(f"pages shown without the accessibility scan: {missed}", pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def demo(live_server: Any) -> DemoPeople:
    """The demo organization with its coordinator, two facilitators and two participants."""
    ship_programs()
    return demo_people_ensure(participants=2)


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form, checking the login page on the way."""
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert_accessible(page)
    if page.url.split("?")[0].endswith(MFA_AUTHENTICATE_PATH):
        enter_authenticator_code(page, email)


MFA_AUTHENTICATE_PATH = "/accounts/2fa/authenticate/"


def enter_authenticator_code(page: Page, email: str) -> None:
    """Type the code the staff member's authenticator app shows now, as they would.

    A code is accepted once: when a test signs the same person in twice within half a minute,
    the second code is refused, and (like a person) the helper waits for the app's next one.
    """
    secret = staff_totp_secret(User.objects.get(email=email))
    for attempt in range(2):
        page.locator("input[name=code]").fill(totp_code(secret))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
        assert_accessible(page)
        if not page.url.split("?")[0].endswith(MFA_AUTHENTICATE_PATH):
            return
        if attempt == 0:
            period = mfa_settings.TOTP_PERIOD
            time.sleep(period - time.time() % period + 0.5)
    pytest.fail(f"the authenticator code for {email} was refused twice")

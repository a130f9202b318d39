"""The Content-Security-Policy in a real browser: every page each role reaches, and the public
ones, load with no script, style, image or form refused.

Chromium reports each refusal twice: as a `securitypolicyviolation` event in the page and as a
console error ("Refused to ... because it violates the following Content Security Policy
directive"). Both are collected from the first document on, so a refusal during loading is
caught too. A refused inline style or script would also mean a page that looks or works
differently from what the other browser tests checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError

from accounts.demo import DEMO_PASSWORD, demo_people_ensure
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import ship_programs

pytestmark = pytest.mark.e2e

# Runs in every document before its own scripts: a refusal is passed to Python at once.
REPORT_VIOLATIONS_JS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.stillwaterCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""

# Links the crawl does not follow: signing out, files to download, the calendar feed, the admin.
SKIPPED_PATHS = ("/accounts/logout/", "/admin/", "/reports/export/")
SKIPPED_SUFFIXES = (".ics", ".csv", ".xlsx", ".zip", ".json")
PAGES_PER_ROLE = 16

# The menu first, then the page's own links, in document order.
LINKS_JS = """() => Array.from(document.querySelectorAll("nav a[href], main a[href]"))
  .filter((a) => !a.hasAttribute("download"))
  .map((a) => a.href)"""


class CspWatch:
    """Every refusal and CSP console error one browser page has seen."""

    def __init__(self, page: Page) -> None:
        self.violations: list[dict[str, Any]] = []
        self.console: list[str] = []
        page.expose_function("stillwaterCspViolation", self._on_violation)
        page.add_init_script(REPORT_VIOLATIONS_JS)
        page.on("console", self._on_console)
        self.page = page

    def _on_violation(self, violation: dict[str, Any]) -> None:
        self.violations.append(violation)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def assert_none(self) -> None:
        # Reports travel to Python asynchronously; a short pause lets the last one arrive.
        self.page.wait_for_timeout(300)
        assert self.violations == [], self.violations
        assert self.console == [], self.console


@pytest.fixture
def watched(new_page: Callable[..., Page]) -> Callable[[], tuple[Page, CspWatch]]:
    def open_watched() -> tuple[Page, CspWatch]:
        page = new_page()
        return page, CspWatch(page)

    return open_watched


@pytest.fixture
def courses(live_server: Any):
    ship_programs()
    people = demo_people_ensure(participants=8)
    demo_courses_ensure(people=people)
    return people


def _followable(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    return not parts.path.startswith(SKIPPED_PATHS) and not parts.path.endswith(SKIPPED_SUFFIXES)


def _kind(url: str) -> str:
    """Pages of one kind share a template: /me/practice/12/edit/ and /me/practice/11/edit/ are
    one kind, and /reports/?sort=… is /reports/ again."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _links(page: Page, origin: str) -> list[str]:
    return [link for link in page.evaluate(LINKS_JS) if _followable(link, origin)]


def crawl(page: Page, limit: int = PAGES_PER_ROLE) -> list[str]:
    """Visit one page of each kind the start page and the menu lead to, then the pages of each
    kind those link to, scanning every one."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    queue = _links(page, origin)
    seen = {_kind(page.url)}
    visited: list[str] = []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if _kind(url) in seen:
            continue
        seen.add(_kind(url))
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            # A download (my data, an export) is a file, not a page: nothing to check.
            if "Download is starting" in error.message:
                continue
            raise
        assert response is not None
        assert response.status < 400, f"{url} answered {response.status}"
        assert_accessible(page)
        visited.append(urlsplit(url).path)
        queue += _links(page, origin)
    return visited


@pytest.mark.parametrize(
    "who", ["participant1@demo.test", "facilitator@demo.test", "coordinator@demo.test"]
)
def test_every_page_a_role_reaches_loads_without_a_policy_violation(watched, courses, who):
    page, watch = watched()
    sign_in(page, who)

    visited = crawl(page)

    assert len(visited) >= 4, visited
    watch.assert_none()


def test_participant_week_page_timer_and_calendar_copy_button_work_under_the_policy(
    watched, courses
):
    page, watch = watched()
    sign_in(page, "participant1@demo.test")

    # The practice timer and the copy button are hidden until their scripts (static/js) show
    # them: seeing them proves the scripts ran.
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Practice timer")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.wait_for_url("**/calendar/")
    assert_accessible(page)
    page.get_by_role("button", name="Create my calendar link").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()

    watch.assert_none()


def test_authenticator_app_page_shows_its_qr_code_under_the_policy(watched, courses):
    page, watch = watched()
    sign_in(page, "participant1@demo.test")

    # Turning on an authenticator app asks for the password again first.
    page.goto("/accounts/2fa/totp/activate/")
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert_accessible(page)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert_accessible(page)

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    box = qr.locator("svg").bounding_box()
    assert box is not None
    assert box["width"] >= 150, box
    watch.assert_none()


PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/login/code/",
    "/help/",
    "/invitations/not-a-real-token/",
    "/no-such-page/",
]


def test_public_pages_load_without_a_policy_violation(watched):
    page, watch = watched()

    for address in PUBLIC_PAGES:
        response = page.goto(address)
        assert_accessible(page)

        assert response is not None
        assert "content-security-policy" in response.headers, address
        # The favicon is a file the policy allows, loaded by the browser like any image.
        favicon = page.locator("link[rel='icon']").get_attribute("href")
        assert favicon is not None
        assert favicon.endswith(".svg")
    watch.assert_none()


def test_an_injected_inline_script_and_style_are_refused(watched):
    """The check above would notice a refusal: prove the browser enforces the policy here."""
    page, watch = watched()
    page.goto("/help/")
    assert_accessible(page)

    page.evaluate(
        """() => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      const box = document.createElement("div");
      box.setAttribute("style", "color: red");
      document.body.append(box);
    }"""
    )
    page.wait_for_timeout(300)

    assert page.evaluate("window.injected === undefined")
    directives = {violation["directive"] for violation in watch.violations}
    assert {"script-src-elem", "style-src-attr"} <= directives, watch.violations

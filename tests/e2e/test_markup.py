"""Text people typed stays text in a real browser.

A cohort's place written as a `<meta http-equiv="refresh">` once sent the facilitator who opened
the make-up form to another site: the form's help text printed the place as HTML, and the
Content-Security-Policy, which stops scripts, does not stop a refresh.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect

from programs.models import Cohort
from sessions.demo.courses import demo_courses_ensure
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

META_REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


def test_a_place_written_as_a_meta_refresh_leaves_the_facilitator_on_the_make_up_form(page, demo):
    demo_courses_ensure(people=demo)
    cohort = Cohort.objects.get(name="MBSR Tuesday evenings")
    # What the coordinator typed as the place (the unit tests take the same step through the form).
    Cohort.objects.filter(pk=cohort.pk).update(place=META_REFRESH)
    sent_away: list[str] = []

    def elsewhere(route: Route) -> None:
        sent_away.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Elsewhere</title>")

    page.route("https://evil.example/**", elsewhere)
    sign_in(page, "facilitator@demo.test")
    makeup = f"/cohorts/{cohort.pk}/makeups/new/"
    page.goto(makeup)
    assert_accessible(page)
    # A refresh with a 0-second delay fires at once; give it ample time to show up.
    page.wait_for_timeout(1500)
    assert urlsplit(page.url).path == makeup
    assert not sent_away, f"the browser was sent to {sent_away}"
    expect(page.get_by_text(f"Leave empty to use the cohort's: {META_REFRESH}")).to_be_visible()

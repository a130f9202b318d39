"""The participant page in a real browser: reached from the cohort page's roster, scanned by axe,
and no sideways scrolling on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from programs.models import Cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.e2e.test_reports import assert_no_sideways_scroll, courses, shot

pytestmark = pytest.mark.e2e

__all__ = ["courses"]  # the fixture, shared with the report pages' tests


@pytest.mark.parametrize("program", ["mbsr-8-ms", "ier-6"])
def test_facilitator_opens_a_participant_from_the_roster(new_page, courses, program):
    cohort = Cohort.objects.filter(organization=courses.organization, program__slug=program)[0]
    enrollment = cohort.enrollments.exclude(accepted_at=None).order_by("participant_code")[0]
    page = new_page()
    sign_in(page, cohort.facilitators.first().email)
    page.goto(f"/cohorts/{cohort.pk}/people/")
    assert_accessible(page)  # every page the suite shows is scanned
    page.get_by_role("table", name="Participants").get_by_role(
        "link", name=enrollment.participant_code, exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(enrollment.participant_code)
    for section in ("Contact details", "Attendance", "Facilitator notes", "Reflections"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, f"participant-{program}")

    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, f"participant-{program}-phone")

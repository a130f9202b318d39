"""A coordinator runs a study from first contact to allocation, in Chromium, every page scanned
by axe: sets up the study, screens two people for it (one not eligible, the reasons shown; one
eligible who consents), enrols the eligible one into the study's cohort, and, once their
baseline questionnaires are in, randomizes them. The CONSORT page then counts both people."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import DemoPeople
from programs.models import Arm, Enrollment
from sessions.questionnaires.models import Assessment
from sessions.trials.models import Allocation, Screening, Study
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, shipped_program

pytestmark = pytest.mark.e2e

STUDY = "IER against waitlist, spring 2027"
COHORT = "IER spring intake"


def _press(page: Page, button: str) -> None:
    """Submit a form the keyboard way and wait for the page it leads to."""
    page.get_by_role("button", name=button).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).focus()
    page.keyboard.press("Space")


def _screen(page: Page, *, name: str, email: str, age: str, diagnosed: str) -> None:
    page.get_by_role("link", name="Screen someone for IER-6").click()
    assert_accessible(page)
    # The study just set up is the one the screening is for, unless changed.
    expect(page.get_by_label("Screened for the study")).to_have_value(
        str(Study.objects.get(name=STUDY).pk)
    )
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("How old are they?", exact=True).fill(age)
    _choose(page, "Has a neurologist confirmed their diagnosis of multiple sclerosis?", diagnosed)
    _choose(page, "Are they taking part in another course or study at the moment?", "No")
    _choose(page, "Can they take four sessions by phone?", "Yes")
    _choose(page, "Sex", "Female")
    _choose(page, "Site", "Main clinic")
    _choose(page, "EDSS band", "Not known")
    for legend in page.locator("fieldset legend").all_inner_texts():
        if legend[:2] in {f"{n}." for n in range(1, 10)}:
            _choose(page, legend, "Not at all")
    page.get_by_label("They agree to join the waitlist", exact=False).focus()
    page.keyboard.press("Space")
    _press(page, "Save the screening")
    assert_accessible(page)


def test_a_coordinator_screens_enrols_and_randomizes_for_a_new_study(new_page, demo: DemoPeople):
    program = shipped_program("ier-6")
    cohort = CohortFactory(
        organization=demo.organization,
        program=program,
        name=COHORT,
        start_date=timezone.localdate() + dt.timedelta(days=21),
    )
    page = new_page()
    sign_in(page, demo.coordinator.email)

    # --- the study ----------------------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studies").click()
    assert_accessible(page)
    page.get_by_role("link", name="Set up a study").click()
    assert_accessible(page)
    page.get_by_label("Program").select_option(label=program.name)
    _press(page, "Continue")
    assert_accessible(page)
    page.get_by_label("Name of the study").fill(STUDY)
    page.get_by_role("checkbox", name=COHORT).focus()
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name="Sex").focus()
    page.keyboard.press("Space")
    _press(page, "Set up the study")
    expect(page.get_by_role("heading", level=1)).to_have_text(STUDY)
    assert_accessible(page)

    # --- two people screened for it -----------------------------------------------------------
    page.get_by_role("link", name="Screening of IER-6").click()
    assert_accessible(page)
    _screen(page, name="Alex Young", email="alex.young@example.org", age="16", diagnosed="No")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Young: not eligible")
    expect(page.locator(".screening-reasons li")).to_have_text(
        ["Under 18", "No confirmed MS diagnosis"]
    )
    page.get_by_role("link", name="Screening", exact=True).first.click()
    assert_accessible(page)
    _screen(page, name="Sam Ready", email="sam.ready@example.org", age="52", diagnosed="Yes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Ready: eligible")

    # --- enrolled into the study's cohort: they wait for their group -------------------------
    enrol = page.locator("form", has=page.get_by_role("button", name="Enrol them now"))
    enrol.get_by_role("combobox").select_option(index=0)
    _press(page, "Enrol them now")
    assert_accessible(page)
    enrollment = Enrollment.objects.get(user__email="sam.ready@example.org")
    assert enrollment.cohort == cohort
    assert enrollment.arm == Arm.PENDING
    screenings = Screening.objects.filter(study__name=STUDY)
    assert screenings.count() == 2

    # --- their baseline questionnaires come in (the participant's own journey is elsewhere) ---
    Assessment.objects.filter(enrollment=enrollment, measurement_point__kind="baseline").update(
        completed_at=timezone.now()
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Studies")
    assert_accessible(page)
    page.get_by_role("link", name=STUDY).click()
    assert_accessible(page)
    expect(page.get_by_role("table").first).to_contain_text("Eligible, Consented, Baseline done")
    page.get_by_role("link", name=f"Randomize {enrollment.participant_code}").click()
    assert_accessible(page)
    page.get_by_role("button", name=f"Randomize {enrollment.participant_code} now").click()
    allocation = Allocation.objects.get(enrollment=enrollment)
    expect(page.get_by_role("status")).to_contain_text(
        f"{enrollment.participant_code} is allocated to “{allocation.arm.label}”"
    )
    assert_accessible(page)

    # --- the flow counts both people ----------------------------------------------------------
    page.get_by_role("link", name="CONSORT flow").click()
    assert_accessible(page)
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name=re.compile(r"^Assessed for eligibility "))).to_have_text(
        re.compile(r"Total\s+2\s*$")
    )
    expect(
        table.get_by_role("row", name=re.compile(r"^Excluded Before allocation Total"))
    ).to_have_text(re.compile(r"Total\s+1\s*$"))
    expect(table.get_by_role("row", name=re.compile(r"^Randomized "))).to_have_text(
        re.compile(r"Total\s+1\s*$")
    )

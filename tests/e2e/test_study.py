"""A study in Chromium, every page scanned by axe: the coordinator sets it up by keyboard and
randomizes one participant whose baseline is done; a participant on the waitlist arm signs in
and reads what happens next."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DemoPeople
from sessions.trials.models import Allocation, AllocationSlot, Study
from sessions.trials.sealing import SlotContent, seal, unseal
from sessions.trials.services.allocation import randomize
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, shipped_program
from tests.trials.allocation_helpers import WAITLIST_NEXT, ready_enrollment

pytestmark = pytest.mark.e2e

STUDY = "IER against waitlist, 2027"
COHORT = "IER spring cohort"


def _shot(page: Page, name: str) -> None:
    # Screenshots for people reviewing the pages: only when asked for (STILLWATER_SHOTS=folder).
    folder = os.environ.get("STILLWATER_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or {"width": 1280, "height": 900}
        for width in sorted({size["width"], 320}, reverse=True):
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
        page.set_viewport_size(size)


def _next_is_waitlist(study: Study, stratum_key: str) -> None:
    """Test set-up only: seal the stratum's next unused slot as the waitlist arm."""
    slot = (
        AllocationSlot.objects.filter(study=study, stratum_key=stratum_key, used_at__isnull=True)
        .order_by("position")
        .first()
    )
    content = unseal(
        study_id=study.pk, stratum_key=stratum_key, position=slot.position, sealed=slot.sealed
    )
    slot.sealed = seal(
        study_id=study.pk,
        stratum_key=stratum_key,
        position=slot.position,
        content=SlotContent(
            arm=study.arms.get(is_comparator=True).code,
            block=content.block,
            block_size=content.block_size,
        ),
    )
    slot.save(update_fields=["sealed"])


def test_a_coordinator_sets_up_a_study_and_randomizes_after_baseline(new_page, demo: DemoPeople):
    program = shipped_program("ier-6")
    cohort = CohortFactory(organization=demo.organization, program=program, name=COHORT)
    page = new_page()
    sign_in(page, demo.coordinator.email)

    # --- sets up the study, by keyboard -------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Studies")
    assert_accessible(page)
    page.get_by_role("link", name="Set up a study").click()
    assert_accessible(page)
    page.get_by_label("Program").select_option(label=program.name)
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Set up a study of {program.name}")
    assert_accessible(page)
    _shot(page, "study-set-up")
    page.get_by_label("Name of the study").focus()
    page.keyboard.type(STUDY)
    page.get_by_role("checkbox", name=COHORT).focus()
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name="Sex").focus()
    page.keyboard.press("Space")
    page.get_by_label("Arm 2: what the participant is told").fill(WAITLIST_NEXT)
    page.get_by_role("button", name="Set up the study").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(STUDY)
    expect(page.get_by_role("status")).to_contain_text("its sequence is drawn and sealed")
    assert_accessible(page)
    study = Study.objects.get(name=STUDY)
    assert list(study.cohorts.all()) == [cohort]

    # --- one participant is screened, enrolled and has done their baseline -------------------
    enrollment = ready_enrollment(cohort, user=demo.participants[0], answers={"sex": "female"})
    page.reload()
    assert_accessible(page)
    expect(page.get_by_role("table").first).to_contain_text("Eligible, Consented, Baseline done")
    _shot(page, "study-page")
    page.get_by_role("link", name=f"Randomize {enrollment.participant_code}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Randomize {enrollment.participant_code}"
    )
    assert_accessible(page)
    page.get_by_role("button", name=f"Randomize {enrollment.participant_code} now").click()
    allocation = Allocation.objects.get(enrollment=enrollment)
    expect(page.get_by_role("status")).to_contain_text(
        f"{enrollment.participant_code} is allocated to “{allocation.arm.label}”"
    )
    assert_accessible(page)
    _shot(page, "study-page-after")


def test_a_waitlist_participant_reads_what_happens_next(new_page, demo: DemoPeople):
    from tests.trials.allocation_helpers import make_study

    study = make_study(
        organization=demo.organization,
        program=shipped_program("ier-6"),
        by=demo.coordinator,
    )
    person = demo.participants[1]
    enrollment = ready_enrollment(study.cohorts.get(), user=person, answers={"sex": "male"})
    _next_is_waitlist(study, "sex=male")
    randomize(enrollment=enrollment, by=demo.coordinator)

    for width in (1280, 320):
        page = new_page(viewport={"width": width, "height": 900})
        sign_in(page, person.email)
        page.goto("/me/")
        expect(
            page.get_by_role("heading", name="Your group: Course later (waitlist)")
        ).to_be_visible()
        expect(page.get_by_text(WAITLIST_NEXT)).to_be_visible()
        # No sessions for the waitlist: the page speaks of questionnaires only.
        expect(page.get_by_role("heading", name="Your next session")).to_have_count(0)
        # One card says it all: the general comparison-group card is not shown beside it.
        expect(page.get_by_role("heading", name="Thank you for taking part")).to_have_count(0)
        expect(
            page.get_by_text("Your answers to the questionnaires matter just as much")
        ).to_be_visible()
        assert_accessible(page)
        _shot(page, "participant-home")

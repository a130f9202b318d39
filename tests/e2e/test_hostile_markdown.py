"""Hostile Markdown in a published version a cohort runs, in a real Chromium: nothing runs (no
dialog opens), and the participant's week page and the coordinator's preview pass axe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from programs.authoring.services.versions import (
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from sessions.services.schedule import schedule_sync_for_cohort
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

HOSTILE_MATERIAL = "\n\n".join(
    [
        "# Week one",
        "Plain words stay.",
        "<script>alert('script')</script>",
        "<img src=x onerror=\"alert('img')\">",
        "<svg onload=\"alert('svg')\"></svg>",
        "<iframe src=\"javascript:alert('iframe')\"></iframe>",
        "<a href=\"javascript:alert('a')\">a link</a>",
        "[markdown link](javascript:alert('md'))",
        "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)",
        "<scr<script>ipt>alert('nested')</script>",
        "<a href=\"  JaVaScRiPt:alert('case')\">case</a>",
        "<a href=\"javascript&#58;alert('entity')\">entity</a>",
        "<details open ontoggle=\"alert('toggle')\"><summary>s</summary></details>",
        "<form action=\"javascript:alert('form')\"><button>go</button></form>",
        "<object data=\"javascript:alert('object')\"></object>",
        "<embed src=\"javascript:alert('embed')\">",
        "<base href=\"javascript:alert('base')//\">",
        "<style>body { display: none }</style>",
        "<javascript:alert('autolink')>",
    ]
)


def test_hostile_material_runs_nothing_and_the_pages_stay_accessible(new_page, demo):
    coordinator = demo.coordinator
    line = line_copy_from_shipped(
        user=coordinator,
        organization=demo.organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our hostile MBSR",
    )
    draft = draft_get_or_start(user=coordinator, line=line)
    draft.program.sessions.filter(number=1).update(
        title="Arriving <script>alert('title')</script>",
        aims="<img src=x onerror=\"alert('aims')\">",
        material=HOSTILE_MATERIAL,
        home_practice="<svg onload=\"alert('home')\"></svg>",
        reflection_prompt="<iframe src=\"javascript:alert('prompt')\"></iframe>",
    )
    version = draft_publish(user=coordinator, line=line)
    # The cohort met first last week (Tuesday evenings), so week 1 is open now.
    today = timezone.localdate()
    start = today - dt.timedelta(days=(today.weekday() - 1) % 7 + 7)
    cohort = CohortFactory(
        organization=demo.organization,
        program=version.program,
        name="Hostile group",
        start_date=start,
        facilitators=[demo.facilitators[0]],
    )
    schedule_sync_for_cohort(cohort=cohort)
    participant = demo.participants[0]
    EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-HOST1")

    dialogs: list[str] = []
    page = new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, participant.email)
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    page.get_by_text("Plain words stay.").wait_for()
    page.wait_for_timeout(500)
    assert "alert('title')" in page.locator("h1").inner_text()
    assert page.locator("main script, main iframe, main object, main embed, main svg").count() == 0
    assert dialogs == []

    staff = new_page()
    staff.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(staff, coordinator.email)
    staff.goto(f"/programs/{line.pk}/preview/weeks/1/?version=1")
    assert_accessible(staff)
    staff.get_by_text("Preview: this is how participants see week 1").wait_for()
    staff.get_by_text("Plain words stay.").wait_for()
    staff.wait_for_timeout(500)
    assert staff.locator("main script, main iframe, main object, main embed").count() == 0
    assert dialogs == []

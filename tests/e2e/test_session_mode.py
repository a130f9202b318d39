"""A facilitator switches one IER participant's session 3 from phone to video, by keyboard, in
Chromium; then the participant's pages, the reminder e-mail for that session and their calendar
feed all show the link. Every page is scanned by axe (WCAG 2.2 AA, zero violations)."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from programs.models import Modality
from sessions.models import ScheduledSession
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.services.calendar import calendar_feed_create
from sessions.services.schedule import schedule_sync_for_enrollment
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

LINK = "https://meet.example.org/stillwater/ier-3"
# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    page.screenshot(path=os.path.join(SHOTS, f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=os.path.join(SHOTS, f"{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _rendered(row: Notification):
    row = Notification.objects.select_related(
        "recipient", "scheduled_session__program_session", "scheduled_session__cohort", "cohort"
    ).get(pk=row.pk)
    return notification_email(row)


def test_a_facilitator_switches_ier_session_3_to_video_and_the_participant_sees_the_link(
    new_page, demo
):
    facilitator = demo.facilitators[0]
    person = demo.participants[0]
    zone = ZoneInfo(facilitator.timezone)
    today = timezone.now().astimezone(zone).date()
    start = today - dt.timedelta(days=8)  # sessions 1 and 2 held; session 3 in six days
    cohort = CohortFactory(
        organization=demo.organization,
        program=shipped_program("ier-6"),
        facilitators=[facilitator],
        name="IER autumn",
        start_date=start,
        timezone=facilitator.timezone,
        phone_instructions="We ring you on the number you gave us.",
    )
    enrollment = EnrollmentFactory(
        cohort=cohort,
        user=person,
        participant_code="IER-PAT",
        start_date=start,
        session_time=dt.time(10, 0),
    )
    with time_machine.travel(dt.datetime.combine(start, dt.time(8), tzinfo=zone), tick=False):
        schedule_sync_for_enrollment(enrollment=enrollment)
    third = ScheduledSession.objects.get(enrollment=enrollment, program_session__number=3)
    assert third.modality == Modality.PHONE

    # --- the facilitator, by keyboard -----------------------------------------------------
    staff = new_page()
    sign_in(staff, facilitator.email)
    staff.goto(reverse("program_sessions:session_detail", args=[third.pk]))
    assert_accessible(staff)
    _shot(staff, "session-detail")
    staff.get_by_role("link", name="Change how this session meets").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Change how session 3 meets")
    assert_accessible(staff)
    # With JavaScript only the chosen way's field shows: phone.
    expect(staff.get_by_label("How the call happens")).to_be_visible()
    expect(staff.get_by_label("Video call link")).to_be_hidden()
    _shot(staff, "session-mode-form")

    phone = staff.get_by_role("radio", name="By phone")
    phone.focus()
    expect(phone).to_be_checked()
    staff.keyboard.press("ArrowDown")  # the next radio: Video call
    expect(staff.get_by_role("radio", name="Video call")).to_be_checked()
    expect(staff.get_by_label("Video call link")).to_be_visible()
    expect(staff.get_by_label("How the call happens")).to_be_hidden()
    staff.keyboard.press("Tab")
    expect(staff.get_by_label("Video call link")).to_be_focused()
    staff.keyboard.type("http://meet.example.org/not-secure")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    # Refused with what to do, and what was typed is still there.
    expect(staff.get_by_role("alert")).to_contain_text(
        "Enter a secure link, starting with https://"
    )
    expect(staff.get_by_label("Video call link")).to_have_value(
        "http://meet.example.org/not-secure"
    )
    expect(staff.get_by_role("radio", name="Video call")).to_be_checked()
    assert_accessible(staff)
    _shot(staff, "session-mode-error")

    staff.get_by_label("Video call link").focus()
    staff.keyboard.press("ControlOrMeta+a")
    staff.keyboard.type(LINK)
    save = staff.get_by_role("button", name="Save and tell the participant")
    for _ in range(10):
        staff.keyboard.press("Tab")
        if save.evaluate("el => el === document.activeElement"):
            break
    expect(save).to_be_focused()
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    expect(staff.get_by_text("Session 3 now meets by video call.")).to_be_visible()
    assert_accessible(staff)
    third.refresh_from_db()
    assert (third.modality, third.video_link) == (Modality.VIDEO, LINK)

    # --- the participant's pages ------------------------------------------------------------
    visitor = new_page()
    sign_in(visitor, person.email)  # lands on their home page (scanned by sign_in)
    next_session = visitor.locator(
        "section", has=visitor.get_by_role("heading", name="Your next session")
    )
    join = next_session.get_by_role("link", name="Join the video call")
    expect(join).to_have_attribute("href", LINK)
    _shot(visitor, "session-mode-participant-home")
    visitor.goto(reverse("program_sessions:week_detail", args=[3]))
    assert_accessible(visitor)
    expect(visitor.get_by_role("link", name="Join the video call").first).to_have_attribute(
        "href", LINK
    )
    _shot(visitor, "session-mode-participant-week")

    # --- the messages: the change itself, and the day-before reminder -----------------------
    change = Notification.objects.get(
        kind=NotificationKind.SESSION_CHANGED, recipient=person, scheduled_session=third
    )
    told = _rendered(change)
    assert LINK in told.body
    assert "How your session on" in told.subject
    reminder = Notification.objects.create(
        kind=NotificationKind.SESSION_24H,
        dedupe_key=f"e2e:session_24h:{third.pk}",
        recipient=person,
        send_at=timezone.now(),
        enrollment=enrollment,
        cohort=cohort,
        scheduled_session=third,
        about_time=third.starts_at,
    )
    email = _rendered(reminder)
    assert LINK in email.body
    assert f'<a href="{LINK}"' in email.alternatives[0][0]

    # --- the calendar feed ---------------------------------------------------------------------
    _feed, token = calendar_feed_create(user=person)
    ics = visitor.request.get(reverse("program_sessions:calendar_feed", args=[token]))
    assert ics.ok
    text = ics.text().replace("\r\n ", "")
    assert f"URL:{LINK}" in text
    assert "LOCATION:Video call" in text

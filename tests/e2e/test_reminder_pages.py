"""Reminder pages in a real browser: a participant changes their reminder settings by keyboard
alone, someone stops one kind of e-mail from the link in it, and a coordinator checks what was
sent and what did not arrive; every page scanned by axe and readable at 320 px."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.demo import DemoPeople
from programs.models import Cohort, Enrollment, Modality
from sessions.models import Attendance, AttendanceStatus, ScheduledSession
from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.unsubscribe import unsubscribe_token
from sessions.questionnaires.models import Assessment
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE
from tests.factories import EnrollmentFactory, shipped_program

pytestmark = pytest.mark.e2e

SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
FOCUSED_TEXT_JS = "() => document.activeElement.textContent.trim()"


def assert_no_sideways_scroll(page: Page) -> None:
    content, viewport = page.evaluate(SCROLL_WIDTH_JS)
    assert content <= viewport, f"{page.url} scrolls sideways: {content}px in {viewport}px"


def at_320(page: Page) -> None:
    """The same page on a small phone (or at 400% zoom): nothing scrolls sideways."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    if size:
        page.set_viewport_size(size)


def tab_to(page: Page, text: str, limit: int = 30) -> None:
    """Press Tab until the control with this text has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_TEXT_JS) == text:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def tab_to_field(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the form control with this id has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def enrolled(demo: DemoPeople, code: str, *, start_date: dt.date | None = None) -> Enrollment:
    """A demo participant in a cohort of the demo organization (starting in ten days unless
    told), with a check-in open now."""
    program = shipped_program("mbsr-8-ms")
    now = dt.datetime.now(tz=dt.UTC)
    start_date = start_date or now.date() + dt.timedelta(days=10)
    cohort = Cohort.objects.create(
        organization=demo.organization,
        program=program,
        name="Reminder cohort",
        start_date=start_date,
        meeting_weekday=start_date.weekday(),
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    cohort.facilitators.set([demo.facilitators[0]])
    enrollment = EnrollmentFactory(cohort=cohort, user=demo.participants[0], participant_code=code)
    Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["phq9"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
    )
    return enrollment


def test_participant_changes_reminder_settings_by_keyboard(new_page, demo):
    participant = demo.participants[0]
    enrolled(demo, "REM-1")
    page = new_page()
    sign_in(page, participant.email)

    # Two clicks from any page: "My details", then the reminders link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My details")
    assert_accessible(page)
    page.get_by_role("link", name="Choose which reminders you get, and when").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminder settings")
    assert_accessible(page)

    # Keyboard only, from the top of the page: tick the hour-before reminder and the daily
    # practice reminder, and type a daily limit that is too high.
    tab_to_field(page, "id_session_reminder_1h")
    page.keyboard.press("Space")
    expect(page.get_by_label("Another reminder an hour before each session")).to_be_checked()
    tab_to_field(page, "id_practice_nudges")
    page.keyboard.press("Space")
    expect(page.get_by_label("A daily practice reminder")).to_be_checked()
    tab_to_field(page, "id_daily_cap")
    page.keyboard.press("Control+A")
    page.keyboard.type("25")
    tab_to(page, "Save reminder settings")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The problem is announced and takes focus; nothing typed is lost.
    assert_accessible(page)
    expect(page).to_have_title(re.compile(r"^Error: Reminder settings"))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "Most reminders in one day: Choose 20 reminders a day or fewer."
    )
    expect(page.get_by_label("Another reminder an hour before each session")).to_be_checked()
    expect(page.get_by_label("A daily practice reminder")).to_be_checked()
    at_320(page)

    # The link in the summary leads to the field, which says what is wrong.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    cap = page.get_by_label("Most reminders in one day")
    expect(cap).to_be_focused()
    expect(cap).to_have_attribute("aria-invalid", "true")
    expect(cap).to_have_accessible_description(re.compile("Choose 20 reminders a day or fewer"))
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    tab_to(page, "Save reminder settings")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text("Your reminder settings are saved.")
    expect(page.get_by_label("Most reminders in one day")).to_have_value("5")

    saved = Preferences.objects.get(user=participant)
    assert saved.session_reminder_1h is True
    assert saved.practice_nudges is True
    assert saved.daily_cap == 5

    # How questionnaires are shown is its own setting now; the reminder page points to it.
    tab_to(page, "How to show questionnaires")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("How to show questionnaires")
    # Tab enters the radio group at its chosen option; an arrow key chooses the next one.
    tab_to_field(page, "id_questionnaire_layout_0")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A whole questionnaire on one page")).to_be_checked()
    tab_to(page, "Save")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text(
        "Saved: questionnaires will show all their questions on one page."
    )
    at_320(page)
    participant.refresh_from_db()
    assert participant.questionnaire_layout == "whole"


def test_stopping_one_kind_of_e_mail_from_its_link(page, demo):
    participant = demo.participants[1]
    Preferences.objects.update_or_create(user=participant, defaults={"practice_nudges": True})
    token = unsubscribe_token(user=participant, kind=NotificationKind.PRACTICE_NUDGE)

    # Not signed in, as when the link is opened from a mail program: it asks first.
    page.goto(reverse("notifications:unsubscribe", args=[token]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop these e-mails?")
    assert_accessible(page)
    at_320(page)
    assert Preferences.objects.get(user=participant).practice_nudges is True

    page.get_by_role("button", name="Stop these e-mails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mails turned off")
    assert_accessible(page)
    at_320(page)
    expect(page.locator("main")).to_contain_text("a daily practice reminder")
    assert Preferences.objects.get(user=participant).practice_nudges is False

    # A link that was changed says so, and changes nothing.
    response = page.goto(reverse("notifications:unsubscribe", args=[token[:-3] + "xyz"]))
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(page)


def test_coordinator_checks_a_participants_messages_and_what_did_not_arrive(new_page, demo):
    now = dt.datetime.now(tz=dt.UTC)
    # The course began yesterday evening with session 1, which the participant missed.
    enrollment = enrolled(demo, "REM-2", start_date=now.date() - dt.timedelta(days=1))
    user = enrollment.user
    first = ScheduledSession.objects.create(
        cohort=enrollment.cohort,
        program_session=enrollment.cohort.program.sessions.get(number=1),
        starts_at=dt.datetime.combine(
            enrollment.cohort.start_date, dt.time(18), ZoneInfo("Europe/London")
        ),
        duration_minutes=150,
        modality=Modality.IN_PERSON,
        place="Room 2",
    )
    Attendance.objects.create(
        scheduled_session=first,
        enrollment=enrollment,
        status=AttendanceStatus.ABSENT,
        recorded_by=demo.facilitators[0],
    )
    check_in = Assessment.objects.get(enrollment=enrollment)
    # Each message with what it is about, as the planner writes it: the reminder the day
    # before session 1 (sent), the check-in (refused by the mail server), a practice reminder
    # (its sender stopped mid-way), and the material of the missed session, due within the
    # hour (waiting).
    rows = [
        (
            NotificationKind.SESSION_24H,
            NotificationStatus.SENT,
            "",
            first.starts_at - dt.timedelta(days=1),
            {"scheduled_session": first, "about_time": first.starts_at},
        ),
        (
            NotificationKind.QUESTIONNAIRE_OPEN,
            NotificationStatus.FAILED,
            "SMTPDataError: 550 mailbox unavailable",
            now - dt.timedelta(hours=2),
            {"assessment": check_in, "about_time": check_in.opens_at},
        ),
        (
            NotificationKind.PRACTICE_NUDGE,
            NotificationStatus.UNKNOWN,
            "The sender stopped before confirming; not sent again to avoid a duplicate.",
            now - dt.timedelta(hours=3),
            {"for_date": (now - dt.timedelta(hours=3)).date()},
        ),
        (
            NotificationKind.MISSED_SESSION,
            NotificationStatus.PENDING,
            "",
            now + dt.timedelta(minutes=30),
            {"scheduled_session": first},
        ),
    ]
    for kind, status, error, send_at, about in rows:
        Notification.objects.create(
            kind=kind,
            dedupe_key=f"e2e:{kind}",
            recipient=user,
            enrollment=enrollment,
            cohort=enrollment.cohort,
            send_at=send_at,
            sent_at=send_at if status == NotificationStatus.SENT else None,
            status=status,
            attempts=5 if status == NotificationStatus.FAILED else 1,
            last_error=error,
            **about,
        )

    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organization").click()
    assert_accessible(page)
    page.get_by_role("link", name="Messages that did not arrive").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages that did not arrive")
    assert_accessible(page)
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("SMTPDataError: 550 mailbox unavailable")
    expect(table).to_contain_text("Unknown: the sender stopped mid-way")
    at_320(page)

    page.get_by_role("link", name="Messages to REM-2").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages to REM-2")
    assert_accessible(page)
    log = page.get_by_role("table")
    expect(log.locator("tbody tr")).to_have_count(4)
    expect(log).to_contain_text("Failed after 5 tries")
    expect(log).to_contain_text("Waiting to be sent")
    at_320(page)

    page.get_by_role("button", name="Send a reminder for the baseline questionnaires").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in ready: on its way to REM-2.")
    assert_accessible(page)
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(5)

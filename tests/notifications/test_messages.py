"""Every kind of message, rendered from realistic data, says nothing about health.

The world below is deliberately full of health words where real data has them: the
organization is "Riverside MS Centre", the cohort is "MS fatigue group", the program is
MBSR-8 for MS with its real session titles, the participant has answered PHQ-9 (with a
worrying item 9 and a high total), logged practice with notes, and staff wrote notes and
follow-ups. None of it may reach a subject line, a plain-text body or an HTML body: an inbox,
a lock screen or a shared family computer may show them.
"""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from typing import Any

import icalendar
import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import Invitation, hash_token
from programs.authoring import wording
from programs.instrument_library import instrument_list
from programs.models import Enrollment
from sessions.models import (
    Attendance,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
)
from sessions.notifications.models import STAFF_KINDS, Notification, NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import phq9, respond

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SITE = "https://stillwater.example.org"
# A Wednesday in the third week of a cohort that meets on Tuesdays at 18:00 London time
# (17:00 UTC while summer time lasts; 13:00 in New York).
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)
START = dt.date(2026, 9, 1)
COHORT_NAME = "MS fatigue group (Tuesday evenings)"
# Words that must not appear in any message; case-insensitive. The production list, which also
# keeps them out of an organization's own reminder wording.
HEALTH_WORDS = list(wording.HEALTH_WORDS)
# Free text the participant and staff wrote; any of it in a message is a leak.
SENTINEL = "ZQX-SENTINEL"
# The participant's PHQ-9 total; no date or time in this file's messages contains 23.
TOTAL = 23
# How the PHQ-9 answers read on screen.
ANSWER_LABELS = ["Several days", "More than half the days", "Nearly every day"]
# Secrets in links (the unsubscribe and invitation tokens) are random letters that could spell
# anything; they are masked before the scan, and what they carry is checked on its own.
TOKEN_IN_LINK = re.compile(r"/(u|invitations)/[^/\s\"'<>]+/")
# A row's id in a link ("/safety/23/") is not an answer, however its number falls.
ID_IN_LINK = re.compile(r"(?<=/)\d+(?=/)")
# Link texts that say nothing about where the link goes.
VAGUE_LINKS = {"click here", "here", "this link", "link", "read more", "more", "click"}

PARTICIPANT_KINDS = sorted(set(NotificationKind) - STAFF_KINDS)
SESSION_KINDS = [NotificationKind.SESSION_24H, NotificationKind.SESSION_1H]
# Every message someone can turn off carries a one-click unsubscribe: all participant reminders
# and the staff reminders. Safety alerts cannot be turned off, and an invitation is a one-off
# that staff send on purpose.
UNSUBSCRIBABLE = [
    NotificationKind.SESSION_24H,
    NotificationKind.SESSION_1H,
    NotificationKind.QUESTIONNAIRE_OPEN,
    NotificationKind.QUESTIONNAIRE_CLOSING,
    NotificationKind.PRACTICE_NUDGE,
    NotificationKind.MISSED_SESSION,
    NotificationKind.FOLLOW_UP_TODO,
    NotificationKind.ATTENDANCE_MISSING,
    NotificationKind.WEEKLY_DIGEST,
]
NO_UNSUBSCRIBE = [
    NotificationKind.SAFETY_ALERT,
    NotificationKind.SAFETY_ESCALATION,
    NotificationKind.INVITATION,
    # Sent because a coordinator offered a place; it carries the invitation link.
    NotificationKind.WAITLIST_OFFER,
    # Part of taking part in a study: their group and what happens next.
    NotificationKind.ALLOCATION_MADE,
    # How to join a session they are expected at, after a facilitator changed it.
    NotificationKind.SESSION_CHANGED,
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def world(organization, facilitator_user, coordinator_user):
    """A cohort in week three with a participant in New York who has answered and written things."""
    program = shipped_program("mbsr-8-ms")
    cohort = CohortFactory(
        organization=organization,
        program=program,
        name=COHORT_NAME,
        facilitators=[facilitator_user],
        start_date=START,
    )
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=UTC), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    participant = UserFactory(
        email="siobhan@example.org",
        full_name="Siobhán O'Neill",
        timezone="America/New_York",
    )
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-7K3Q9")
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=None)
        .select_related("program_session", "cohort")
        .order_by("starts_at")
    )
    with time_machine.travel(NOW, tick=False):
        baseline = Assessment.objects.create(
            enrollment=enrollment,
            measurement_point=program.measurement_points.get(kind="baseline"),
            instruments=["phq9", "gad7"],
            opens_at=dt.datetime(2026, 8, 18, 17, tzinfo=UTC),
            closes_at=dt.datetime(2026, 9, 1, 17, tzinfo=UTC),
            completed_at=dt.datetime(2026, 8, 20, 9, tzinfo=UTC),
        )
        response = respond(baseline, "phq9", phq9(TOTAL - 1, 1))
        event = SafetyEvent.objects.create(
            enrollment=enrollment,
            response=response,
            flag="item9_positive",
            flag_value=True,
            action_taken=f"{SENTINEL} rang her, talked about low mood",
        )
        # A check-in open now and closing on Tuesday 29 September, 18:00 London (13:00 New York).
        check_in = Assessment.objects.create(
            enrollment=enrollment,
            measurement_point=program.measurement_points.get(kind="post"),
            instruments=["pss10", "gad7", "phq9", "mfis21"],
            opens_at=dt.datetime(2026, 9, 15, 17, tzinfo=UTC),
            closes_at=dt.datetime(2026, 9, 29, 17, tzinfo=UTC),
        )
        respond(check_in, "gad7", {1: 3, 2: 3, 3: 2}, submitted=False)
        missed = sessions[1]
        Attendance.objects.create(scheduled_session=missed, enrollment=enrollment, status="absent")
        follow_up = FollowUp.objects.create(
            scheduled_session=missed,
            enrollment=enrollment,
            resolution=f"{SENTINEL} too tired after a relapse",
        )
        FacilitatorNote.objects.create(
            scheduled_session=missed,
            enrollment=enrollment,
            text=f"{SENTINEL} struggling with depression this week",
            author=facilitator_user,
        )
        PracticeLog.objects.create(
            enrollment=enrollment,
            date=dt.date(2026, 9, 14),
            practice="body_scan",
            minutes=20,
            note=f"{SENTINEL} anxious before the scan",
        )
        SessionCompletion.objects.create(
            enrollment=enrollment,
            program_session=sessions[0].program_session,
            reflection=f"{SENTINEL} my fatigue was worse",
        )
        invitation = Invitation.objects.create(
            organization=organization,
            email=participant.email,
            full_name=participant.full_name,
            role="",
            token_hash=hash_token("first-link"),
            invited_by=coordinator_user,
            expires_at=NOW + dt.timedelta(days=14),
        )
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "participant": participant,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "sessions": sessions,
        "check_in": check_in,
        "event": event,
        "follow_up": follow_up,
        "invitation": invitation,
    }


def _offer_screening(world: dict) -> None:
    """The screening a waitlist offer is about: the person answered a PHQ-9 at screening too."""
    from sessions.trials.models import OfferStatus, Screening

    enrollment = world["enrollment"]
    Screening.objects.get_or_create(
        enrollment=enrollment,
        defaults={
            "organization": enrollment.cohort.organization,
            "program": enrollment.cohort.program,
            "screening_code": "SC-TEST01",
            "full_name": enrollment.user.full_name,
            "email": enrollment.user.email,
            "form_version": "1",
            "answers": {"phq9": {"9": 2}},
            "eligible": True,
            "screened_at": NOW - dt.timedelta(days=3),
            "screened_by": world["coordinator"],
            "consented": True,
            "waitlisted_at": NOW - dt.timedelta(days=3),
            "offer_status": OfferStatus.OFFERED,
            "offered_at": NOW,
            "offer_cohort": enrollment.cohort,
            # Six days: the seventh would be the 23rd, which the denylist holds (the PHQ total).
            "offer_expires_at": NOW + dt.timedelta(days=6),
        },
    )


def _allocation(world: dict) -> None:
    """The allocation a study-group message is about (the waitlist arm)."""
    from sessions.trials.models import Allocation, AllocationSlot, Study, StudyArm

    enrollment = world["enrollment"]
    study = Study.objects.create(
        organization=enrollment.cohort.organization,
        program=enrollment.cohort.program,
        name="Study",
        block_sizes=[2],
        created_by=world["coordinator"],
    )
    arm = StudyArm.objects.create(
        study=study,
        code="waitlist",
        label="Course later",
        enrollment_arm="control",
        is_comparator=True,
        what_happens_next="After your last check-in you are offered a place.",
    )
    slot = AllocationSlot.objects.create(
        study=study, stratum_key="all", position=1, sealed=b"-", used_at=NOW
    )
    Allocation.objects.create(
        study=study,
        enrollment=enrollment,
        slot=slot,
        stratum_key="all",
        stratum_label="Everyone",
        block=1,
        arm=arm,
        allocated_at=NOW,
        allocated_by=world["coordinator"],
    )


def _row(kind: str, world: dict) -> Notification:
    """A saved outbox row with the links the planner (or 'send now') writes for this kind."""
    enrollment: Enrollment = world["enrollment"]
    upcoming: ScheduledSession = world["sessions"][3]  # Tuesday 22 September
    missed: ScheduledSession = world["sessions"][1]  # Tuesday 8 September
    held: ScheduledSession = world["sessions"][2]  # Tuesday 15 September
    if kind == NotificationKind.WAITLIST_OFFER:
        _offer_screening(world)
    if kind == NotificationKind.ALLOCATION_MADE:
        _allocation(world)
    about: dict[str, Any] = {
        NotificationKind.SESSION_24H: {
            "enrollment": enrollment,
            "scheduled_session": upcoming,
            "about_time": upcoming.starts_at,
        },
        NotificationKind.SESSION_1H: {
            "enrollment": enrollment,
            "scheduled_session": upcoming,
            "about_time": upcoming.starts_at,
        },
        NotificationKind.QUESTIONNAIRE_OPEN: {
            "enrollment": enrollment,
            "assessment": world["check_in"],
            "about_time": world["check_in"].opens_at,
        },
        NotificationKind.QUESTIONNAIRE_CLOSING: {
            "enrollment": enrollment,
            "assessment": world["check_in"],
            "about_time": world["check_in"].closes_at,
        },
        NotificationKind.PRACTICE_NUDGE: {"enrollment": enrollment, "for_date": NOW.date()},
        NotificationKind.MISSED_SESSION: {"enrollment": enrollment, "scheduled_session": missed},
        NotificationKind.INVITATION: {
            "enrollment": enrollment,
            "cohort": enrollment.cohort,
            "invitation": world["invitation"],
            "requested_by": world["facilitator"],
        },
        NotificationKind.FOLLOW_UP_TODO: {
            "cohort": enrollment.cohort,
            "follow_up": world["follow_up"],
            "scheduled_session": missed,
        },
        NotificationKind.ATTENDANCE_MISSING: {
            "cohort": enrollment.cohort,
            "scheduled_session": held,
        },
        NotificationKind.SAFETY_ALERT: {
            "cohort": enrollment.cohort,
            "enrollment": enrollment,
            "safety_event": world["event"],
        },
        NotificationKind.SAFETY_ESCALATION: {
            "cohort": enrollment.cohort,
            "enrollment": enrollment,
            "safety_event": world["event"],
        },
        NotificationKind.WEEKLY_DIGEST: {"for_date": NOW.date()},
        NotificationKind.WAITLIST_OFFER: {
            "enrollment": enrollment,
            "cohort": enrollment.cohort,
            "invitation": world["invitation"],
        },
        NotificationKind.ALLOCATION_MADE: {"enrollment": enrollment, "cohort": enrollment.cohort},
        NotificationKind.SESSION_CHANGED: {
            "enrollment": enrollment,
            "cohort": enrollment.cohort,
            "scheduled_session": upcoming,
        },
    }[kind]
    recipient = world["facilitator"] if kind in STAFF_KINDS else world["participant"]
    return Notification.objects.create(
        kind=kind,
        dedupe_key=f"test:{kind}",
        recipient=recipient,
        send_at=NOW,
        **about,
    )


def render(kind: str, world: dict) -> EmailMultiAlternatives:
    """The e-mail as the sender renders it at send time (links loaded the way it loads them)."""
    with time_machine.travel(NOW, tick=False):
        row = _row(kind, world)
        row = Notification.objects.select_related(
            "recipient",
            "enrollment__cohort",
            "cohort__organization",
            "scheduled_session__program_session",
            "scheduled_session__cohort",
            "assessment",
            "follow_up__enrollment__cohort",
            "follow_up__scheduled_session__program_session",
            "safety_event__enrollment__cohort__organization",
            "invitation",
            "requested_by",
        ).get(pk=row.pk)
        return notification_email(row)


def html_of(message: EmailMultiAlternatives) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def parts_of(message: EmailMultiAlternatives) -> dict[str, str]:
    return {"subject": message.subject, "text": message.body, "html": html_of(message)}


def forbidden(world: dict) -> list[re.Pattern[str]]:
    """The denylist, plus everything specific to this participant, cohort and program."""
    cohort = world["cohort"]
    program = cohort.program
    literal = [
        cohort.name,
        program.name,
        program.slug,
        SENTINEL,
        *ANSWER_LABELS,
        *(s.program_session.title for s in world["sessions"]),
    ]
    for instrument in instrument_list():
        literal += [instrument.name, instrument.short_name]
    patterns = [*HEALTH_WORDS, rf"\b{TOTAL}\b", *(re.escape(text) for text in literal)]
    return [re.compile(pattern, re.IGNORECASE) for pattern in patterns]


def leaks(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    masked = ID_IN_LINK.sub("ID", TOKEN_IN_LINK.sub(r"/\1/TOKEN/", text))
    return [m.group(0) for pattern in patterns for m in [pattern.search(masked)] if m]


# --- no health information ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_no_message_names_a_condition_an_instrument_a_cohort_or_an_answer(world, kind):
    message = render(kind, world)
    patterns = forbidden(world)
    for part, text in parts_of(message).items():
        assert not leaks(text, patterns), f"{kind} {part} says {leaks(text, patterns)}:\n{text}"


def test_invitation_does_not_name_an_organization_whose_name_says_what_it_serves(world):
    message = render(NotificationKind.INVITATION, world)
    for part, text in parts_of(message).items():
        assert not leaks(text, forbidden(world)), f"invitation {part}: {text}"


def test_the_denylist_finds_what_it_is_meant_to_find(world):
    # A scan that finds nothing is only worth something if it would have found the words.
    patterns = forbidden(world)
    assert leaks("Your PHQ-9 for the MS fatigue group", patterns)
    assert leaks(f"Total {TOTAL}; answered Nearly every day", patterns)
    assert leaks(world["cohort"].program.name, patterns)
    assert not leaks("Your check-in is ready. Session 3 is on Tuesday.", patterns)
    assert not leaks(f"{SITE}/u/MSdepressGAD/ and /invitations/PHQmood/", patterns)


# --- the shape of every message ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_message_has_text_and_an_html_alternative_with_a_language(world, kind):
    message = render(kind, world)
    assert message.subject.strip()
    assert "\n" not in message.subject
    assert message.body.strip()
    html = html_of(message)
    assert re.search(r'<html[^>]*\blang="[a-z]{2}', html), html[:200]
    # Names and other text appear as written, not as HTML entities, in the plain text.
    assert "&#x27;" not in message.body
    assert "&amp;" not in message.body
    assert "&#x27;" not in message.subject
    recipient = world["facilitator"] if kind in STAFF_KINDS else world["participant"]
    assert message.to == [recipient.email]


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_first_link_says_where_it_goes_and_every_image_has_alt_text(world, kind):
    html = html_of(render(kind, world))
    first = re.search(r"<a\b[^>]*>(.*?)</a>", html, re.DOTALL)
    assert first, f"{kind} has no link"
    text = re.sub(r"<[^>]+>", "", first.group(1)).strip()
    assert len(text) > 8, text
    assert text.lower() not in VAGUE_LINKS
    assert 'href="https://' in first.group(0)
    for img in re.findall(r"<img\b[^>]*>", html):
        assert re.search(r'\balt="', img), img


@pytest.mark.parametrize("kind", PARTICIPANT_KINDS)
def test_participant_messages_greet_the_participant_by_name(world, kind):
    message = render(kind, world)
    greeting = "Siobhán O'Neill" if kind == NotificationKind.INVITATION else "Hello Siobhán O'Neill"
    assert greeting in message.body
    assert "Siobhán O&#x27;Neill" in html_of(message) or "Siobhán O'Neill" in html_of(message)


def test_subjects_show_names_as_written(world):
    inviter = world["facilitator"]
    inviter.full_name = "Seán O'Brien & Co"
    inviter.preferred_name = ""
    inviter.save(update_fields=["full_name", "preferred_name"])
    message = render(NotificationKind.INVITATION, world)
    assert "Seán O'Brien & Co" in message.subject
    assert "Seán O'Brien & Co" in message.body


# --- unsubscribe headers -----------------------------------------------------------------------


def test_every_kind_is_either_unsubscribable_or_exempt():
    assert sorted(UNSUBSCRIBABLE + NO_UNSUBSCRIBE) == sorted(NotificationKind)


@pytest.mark.parametrize("kind", UNSUBSCRIBABLE)
def test_messages_that_can_be_turned_off_carry_one_click_unsubscribe_over_https(world, kind):
    message = render(kind, world)
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(SITE)}(/[^>\s]*)?/u/[^/>\s]+/>", header), header
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The same link is in the body, so people without a one-click mail program can use it too.
    assert header[1:-1] in message.body
    assert header[1:-1] in html_of(message)
    # And the headers survive into the message as it goes on the wire.
    wire = message_from_bytes(message.message().as_bytes())
    assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert wire["List-Unsubscribe"].replace("\n", "").replace(" ", "") == header


@pytest.mark.parametrize("kind", NO_UNSUBSCRIBE)
def test_safety_alerts_and_invitations_have_no_unsubscribe(world, kind):
    message = render(kind, world)
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert "/u/" not in message.body


def test_a_safety_alert_does_not_claim_it_can_be_turned_off(world):
    message = render(NotificationKind.SAFETY_ALERT, world)
    for text in (message.body, html_of(message)):
        assert "turned on in your Stillwater settings" not in text
        assert "cannot be turned off" in text


def test_a_reminder_says_why_it_came_and_which_kind_the_stop_link_stops(world):
    message = render(NotificationKind.PRACTICE_NUDGE, world)
    assert "turned on in your Stillwater settings" in message.body
    assert "Stop “daily practice reminder” e-mails: https://" in message.body


# --- times and calendar entries ----------------------------------------------------------------


@pytest.mark.parametrize("kind", SESSION_KINDS)
def test_session_reminders_give_the_time_in_the_participants_zone_and_a_calendar_entry(world, kind):
    message = render(kind, world)
    # 17:00 UTC on Tuesday 22 September is 13:00 in New York (summer time).
    when = "Tuesday 22 September 2026, 13:00 (America/New York time)"
    assert when in message.body
    assert when in html_of(message)
    assert "Room 2, Riverside Centre" in message.body
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics")
    assert mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2026, 9, 22, 17, 0, tzinfo=UTC)
    assert event.decoded("dtstart") == world["sessions"][3].starts_at
    ics = content.decode() if isinstance(content, bytes) else content
    assert not leaks(ics, forbidden(world))


@pytest.mark.parametrize(
    "kind", [NotificationKind.QUESTIONNAIRE_OPEN, NotificationKind.QUESTIONNAIRE_CLOSING]
)
def test_check_in_messages_give_the_closing_time_in_the_participants_zone(world, kind):
    message = render(kind, world)
    when = "Tuesday 29 September 2026, 13:00 (America/New York time)"
    assert when in message.body
    assert when in html_of(message)
    assert not message.attachments


def test_a_staff_message_gives_times_in_the_staff_members_zone(world):
    message = render(NotificationKind.ATTENDANCE_MISSING, world)
    # The session of 15 September, 17:00 UTC, for a facilitator in London.
    assert "Tuesday 15 September 2026, 18:00 (Europe/London time)" in message.body


def test_the_same_reminder_reads_in_each_recipients_own_zone(world):
    world["participant"].timezone = "Australia/Sydney"
    world["participant"].save(update_fields=["timezone"])
    message = render(NotificationKind.SESSION_24H, world)
    # 17:00 UTC on Tuesday is 03:00 on Wednesday in Sydney.
    assert "Wednesday 23 September 2026, 03:00 (Australia/Sydney time)" in message.body


def test_rendering_leaves_the_active_time_zone_as_it_was(world):
    before = timezone.get_current_timezone_name()
    render(NotificationKind.SESSION_24H, world)
    assert timezone.get_current_timezone_name() == before

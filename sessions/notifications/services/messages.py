"""Turning an outbox row into an e-mail, at send time, from the data as it is then.

No message names a condition, a program, a cohort, a questionnaire or an answer: an inbox,
a lock screen or a shared family computer may show it. Links lead into Stillwater, where
the person signs in to see the rest. Times are in the recipient's zone, with the zone named.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.emails import email_render, sender_address
from accounts.models import Invitation, Organization, hash_token
from programs.access import staff_of_cohorts, user_is_cohort_coordinator, user_works_with_cohort
from programs.authoring.wording import Wording, wording_of
from programs.instrument_library import InstrumentNotFound, instrument_get
from programs.models import EnrollmentStatus, MeasurementKind
from sessions.models import Attendance, FollowUp, SessionStatus
from sessions.notifications.models import (
    PREFERENCE_FOR_KIND,
    SAFETY_KINDS,
    STAFF_KINDS,
    Notification,
    NotificationKind,
)
from sessions.notifications.services.attachments import session_ics
from sessions.notifications.services.digest import digest_lines
from sessions.notifications.services.links import absolute_url as _url
from sessions.notifications.services.links import cohort_label
from sessions.notifications.services.unsubscribe import unsubscribe_url
from sessions.questionnaires.models import Assessment
from sessions.trials.models import Allocation
from sessions.trials.services.allocation import current_arm

ICS_NAME = "session.ics"
T = TypeVar("T")


def _need(value: T | None) -> T:
    # A row of this kind is always written with this link; its absence is a bug, not input.
    if value is None:
        raise ValueError("The notification is missing what it is about.")
    return value


@dataclass
class Message:
    template: str
    context: dict[str, Any]
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def _session_message(n: Notification) -> Message:
    session = _need(n.scheduled_session)
    return Message(
        template=f"reminder-{n.kind}",
        context={
            "session": session,
            "number": session.program_session.number,
            "action_url": _url("reports:participant_home"),
            "action_text": "See your course",
        },
        attachments=[(ICS_NAME, session_ics(session), "text/calendar")],
    )


def _questionnaire_minutes(assessment: Assessment) -> int:
    """The honest time the set takes, in minutes (names no questionnaire, so an inbox may show it)."""
    total = 0
    for code in assessment.instruments:
        try:
            total += instrument_get(code).minutes
        except InstrumentNotFound:
            continue
    return total


def _follow_up_words(assessment: Assessment) -> str:
    """ "three months after the course" for a follow-up, so someone months past the course knows
    which check-in this is (the label says when, never what is asked); empty for the others."""
    point = assessment.measurement_point
    if point.kind != MeasurementKind.FOLLOW_UP or not point.label:
        return ""
    return f"{point.label[:1].lower()}{point.label[1:]}"


def _questionnaire_message(n: Notification) -> Message:
    assessment = _need(n.assessment)
    return Message(
        template=f"reminder-{n.kind}",
        context={
            "assessment": assessment,
            "when_words": _follow_up_words(assessment),
            "minutes": _questionnaire_minutes(assessment),
            "action_url": _url("questionnaires:questionnaire_start", assessment.pk),
            "action_text": "Start or carry on with your check-in",
        },
    )


def _practice_message(n: Notification) -> Message:
    return Message(
        template="reminder-practice_nudge",
        context={
            "action_url": _url("program_sessions:practice_create"),
            "action_text": "Log today's practice",
        },
    )


def _missed_message(n: Notification) -> Message:
    session = _need(n.scheduled_session)
    number = session.program_session.number
    return Message(
        template="reminder-missed_session",
        context={
            "session": session,
            "number": number,
            # The week of this course: someone in two courses has a week 3 in each.
            "action_url": _url("program_sessions:week_detail", number)
            + (f"?course={n.enrollment_id}" if n.enrollment_id else ""),
            "action_text": f"Read the material for session {number}",
        },
    )


def _fresh_accept_url(invitation: Invitation) -> str:
    # Only a digest of the link is stored, so a resend makes a new link; the older e-mail's
    # link stops working, as when a coordinator invites someone again.
    token = secrets.token_urlsafe(32)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    return _url("invitation_accept", token)


def _invitation_message(n: Notification) -> Message:
    invitation = _need(n.invitation)
    return Message(
        template="invitation",
        context={
            "invitation": invitation,
            "accept_url": _fresh_accept_url(invitation),
            "inviter": n.requested_by or invitation.invited_by,
            "valid_days": max(1, (invitation.expires_at - timezone.now()).days),
        },
    )


def _follow_up_message(n: Notification) -> Message:
    follow_up = _need(n.follow_up)
    return Message(
        template="reminder-follow_up_todo",
        context={
            "code": follow_up.enrollment.participant_code,
            "number": follow_up.scheduled_session.program_session.number,
            "session": follow_up.scheduled_session,
            "cohort_label": cohort_label(follow_up.enrollment.cohort),
            "action_url": _url("reports:cohort_detail", follow_up.enrollment.cohort_id),
            "action_text": "Open the cohort page and its follow-ups",
        },
    )


def _attendance_message(n: Notification) -> Message:
    session = _need(n.scheduled_session)
    return Message(
        template="reminder-attendance_missing",
        context={
            "session": session,
            "number": session.program_session.number,
            "cohort_label": cohort_label(session.cohort),
            "action_url": _url("program_sessions:session_detail", session.pk),
            "action_text": f"Record attendance for session {session.program_session.number}",
        },
    )


def _waitlist_offer_message(n: Notification) -> Message:
    """A place offered: the start, until when, and the invitation link (accepting it accepts)."""
    enrollment = _need(n.enrollment)
    cohort = enrollment.cohort
    return Message(
        template="waitlist_offer",
        context={
            "starts_on": enrollment.start_date or cohort.start_date,
            "expires_at": enrollment.screening.offer_expires_at,
            "organization": cohort.organization,
            "action_url": _fresh_accept_url(_need(n.invitation)),
            "action_text": "Take the place",
        },
    )


def _screening_safety_message(n: Notification) -> Message:
    screening = _need(n.screening)
    url = _url("trials:screening_detail", screening.pk)
    context = {
        "code": screening.screening_code,
        "action_url": url,
        "action_text": "Open the screening",
    }
    return Message(template="alert-safety_screening", context=context)


def _safety_message(n: Notification) -> Message:
    if n.screening_id is not None:
        return _screening_safety_message(n)
    event = _need(n.safety_event)
    return Message(
        template="alert-safety",
        context={
            "code": event.enrollment.participant_code,
            "cohort_label": cohort_label(event.enrollment.cohort),
            "action_url": _url("questionnaires:safety_event_detail", event.pk),
            "action_text": "See what needs following up",
        },
    )


def _safety_escalation_message(n: Notification) -> Message:
    event = _need(n.safety_event)
    cohort = event.enrollment.cohort
    return Message(
        template="alert-safety_escalation",
        context={
            "code": event.enrollment.participant_code,
            "cohort_label": cohort_label(cohort),
            "raised_at": event.raised_at,
            "hours": cohort.organization.escalate_after_working_hours,
            "action_url": _url("questionnaires:safety_event_detail", event.pk),
            "action_text": "See the flag and who it is waiting for",
        },
    )


def _digest_message(n: Notification) -> Message:
    return Message(
        template="reminder-weekly_digest",
        context={
            "lines": digest_lines(user_id=n.recipient_id, now=timezone.now()),
            "action_url": _url("programs:cohort_list"),
            "action_text": "Open your cohorts",
        },
    )


def _allocation_message(n: Notification) -> Message:
    enrollment = _need(n.enrollment)
    allocation = Allocation.objects.select_related("arm").get(enrollment=enrollment)
    arm = current_arm(allocation)
    return Message(
        template="allocation_made",
        context={
            "arm": arm,
            "gets_course_now": arm.enrollment_arm == "intervention",
            "action_url": _url("reports:participant_home"),
            "action_text": "See what happens next",
        },
    )


def _session_changed_message(n: Notification) -> Message:
    built = _session_message(n)
    built.template = "session_changed"
    return built


BUILDERS = {
    NotificationKind.SESSION_24H: _session_message,
    NotificationKind.SESSION_1H: _session_message,
    NotificationKind.QUESTIONNAIRE_OPEN: _questionnaire_message,
    NotificationKind.QUESTIONNAIRE_CLOSING: _questionnaire_message,
    NotificationKind.PRACTICE_NUDGE: _practice_message,
    NotificationKind.MISSED_SESSION: _missed_message,
    NotificationKind.INVITATION: _invitation_message,
    NotificationKind.FOLLOW_UP_TODO: _follow_up_message,
    NotificationKind.ATTENDANCE_MISSING: _attendance_message,
    NotificationKind.SAFETY_ALERT: _safety_message,
    NotificationKind.SAFETY_ESCALATION: _safety_escalation_message,
    NotificationKind.WEEKLY_DIGEST: _digest_message,
    NotificationKind.WAITLIST_OFFER: _waitlist_offer_message,
    NotificationKind.ALLOCATION_MADE: _allocation_message,
    NotificationKind.SESSION_CHANGED: _session_changed_message,
}


def organization_of(n: Notification) -> Organization | None:
    """The organization a message is sent for, from what it is about; None for one that
    belongs to no single organization (a facilitator's weekly digest may cover several)."""
    if n.cohort is not None:
        return n.cohort.organization
    if n.screening is not None:
        return n.screening.organization
    if n.invitation is not None:
        return n.invitation.organization
    if n.scheduled_session is not None:
        return n.scheduled_session.cohort.organization
    enrollment = n.enrollment or next(
        (
            about.enrollment
            for about in (n.assessment, n.follow_up, n.safety_event)
            if about is not None
        ),
        None,
    )
    return enrollment.cohort.organization if enrollment is not None else None


def own_wording(n: Notification) -> Wording | None:
    """The wording of this reminder in the program version the participant's cohort runs, or
    None for Stillwater's (a cohort on version 1 keeps version 1's words after version 2)."""
    if n.kind in STAFF_KINDS:
        return None
    cohort = n.cohort
    if cohort is None and n.scheduled_session is not None:
        cohort = n.scheduled_session.cohort
    enrollment = n.enrollment or (n.assessment.enrollment if n.assessment else None)
    if cohort is None and enrollment is not None:
        cohort = enrollment.cohort
    if cohort is None:
        return None
    return wording_of(cohort.program.reminder_wording, n.kind)


def message_id_for(notification: Notification) -> str:
    """The same Message-ID every time for one row, so a mail server can spot a repeat."""
    domain = urlsplit(settings.SITE_URL).hostname or "stillwater.invalid"
    return make_msgid(idstring=f"notification-{notification.pk}", domain=domain)


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail for an outbox row, rendered now in the recipient's time zone."""
    built = BUILDERS[notification.kind](notification)  # type: ignore[index]
    recipient = notification.recipient
    address = recipient.email
    if (
        notification.kind in (NotificationKind.INVITATION, NotificationKind.WAITLIST_OFFER)
        and notification.invitation
    ):
        address = notification.invitation.email
    headers = {"Message-ID": notification.message_id or message_id_for(notification)}
    unsubscribe = None
    if PREFERENCE_FOR_KIND[notification.kind] is not None:
        unsubscribe = unsubscribe_url(user=recipient, kind=notification.kind)
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context = {
        "recipient": recipient,
        "unsubscribe_url": unsubscribe,
        "settings_url": _url("notifications:preferences"),
        "kind_label": notification.get_kind_display(),
        **built.context,
    }
    wording = own_wording(notification)
    if wording is not None:
        context["reminder_intro"] = wording.intro
    with timezone.override(recipient.timezone or "UTC"):
        subject, text, html = email_render(template=built.template, context=context)
    if wording is not None and wording.subject:
        subject = " ".join(wording.subject.split())
    organization = organization_of(notification)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        # The organization's sender name, so a participant sees who writes to them
        # ("Riverside MS Centre <noreply@…>"); the address stays ours (accounts.emails).
        from_email=sender_address(organization.sender_name if organization else ""),
        to=[address],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in built.attachments:
        message.attach(name, content, mimetype)
    return message


def still_wanted(notification: Notification, *, now: dt.datetime) -> str | None:
    """Why a row should not go out any more (re-checked at send time), or None."""
    n = notification
    if not n.recipient.is_active:
        return "The person's account is closed."
    enrollment = n.enrollment
    if (
        enrollment is not None
        and enrollment.status == EnrollmentStatus.WITHDRAWN
        and n.kind not in SAFETY_KINDS
    ):
        return "The participant withdrew."
    session = n.scheduled_session
    if session is not None and n.kind != NotificationKind.FOLLOW_UP_TODO:
        if session.status == SessionStatus.CANCELLED:
            return "The session was cancelled."
        if n.about_time is not None and session.starts_at != n.about_time:
            return "The session moved; a reminder for the new time replaces this one."
        if n.kind in (
            NotificationKind.SESSION_24H,
            NotificationKind.SESSION_1H,
            NotificationKind.SESSION_CHANGED,
        ) and (session.starts_at <= now):
            return "The session had already started."
    assessment: Assessment | None = n.assessment
    if assessment is not None:
        if assessment.completed_at is not None:
            return "The check-in was completed."
        if assessment.closes_at <= now:
            return "The check-in had closed."
    if (
        n.kind == NotificationKind.PRACTICE_NUDGE
        and enrollment is not None
        and n.for_date
        and enrollment.practice_logs.filter(date=n.for_date).exists()
    ):
        return "Practice was already logged that day."
    if n.kind == NotificationKind.MISSED_SESSION and session is not None and enrollment is not None:
        still_missed = Attendance.objects.filter(
            scheduled_session=session, enrollment=enrollment, status__in=["absent", "excused"]
        ).exists()
        if not still_missed:
            return "The attendance record changed."
    follow_up: FollowUp | None = n.follow_up
    if follow_up is not None and follow_up.resolved_at is not None:
        return "The follow-up was done."
    if n.safety_event is not None and n.safety_event.acknowledged_at is not None:
        return "Someone already followed it up."
    if n.invitation is not None:
        invitation = n.invitation
        if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= now:
            return "The invitation was used, withdrawn or has expired."
    if n.cohort_id and n.is_for_staff:
        cohort = _need(n.cohort)
        if n.kind == NotificationKind.SAFETY_ESCALATION:
            # Escalations go to the organization's coordinators only (see planning/staff.py).
            still_there = user_is_cohort_coordinator(user=n.recipient, cohort=cohort)
        elif n.kind == NotificationKind.SAFETY_ALERT:
            # Alerts go to the organization's coordinators too (see planning/staff.py).
            still_there = user_works_with_cohort(user_id=n.recipient_id, cohort=cohort)
        else:
            # Follow-ups and attendance are the facilitators' to do, and only theirs.
            facilitators = staff_of_cohorts([cohort.pk], coordinators=False).get(cohort.pk, [])
            still_there = any(person.pk == n.recipient_id for person in facilitators)
        if not still_there:
            return "The person no longer works with this cohort."
    return None

"""Messages Stillwater sends (the outbox) and what each person wants to receive.

The tables keep the names they had when these models lived in the sessions app
(program_sessions_*), so moving the code moved no data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from programs.models import Cohort, Enrollment
from sessions.models import FollowUp, ScheduledSession
from sessions.questionnaires.models import Assessment, SafetyEvent


class NotificationKind(models.TextChoices):
    SESSION_24H = "session_24h", "Session coming up (the day before)"
    SESSION_1H = "session_1h", "Session coming up (an hour before)"
    QUESTIONNAIRE_OPEN = "questionnaire_open", "Check-in ready"
    QUESTIONNAIRE_CLOSING = "questionnaire_closing", "Check-in closing soon"
    PRACTICE_NUDGE = "practice_nudge", "Daily practice reminder"
    MISSED_SESSION = "missed_session", "Missed session: the material"
    INVITATION = "invitation", "Invitation to join"
    FOLLOW_UP_TODO = "follow_up_todo", "Missed session: a follow-up to do"
    ATTENDANCE_MISSING = "attendance_missing", "Attendance not yet recorded"
    SAFETY_ALERT = "safety_alert", "Answer that needs a follow-up"
    SAFETY_ESCALATION = "safety_escalation", "Safety flag not yet followed up"
    WEEKLY_DIGEST = "weekly_digest", "Weekly summary"
    WAITLIST_OFFER = "waitlist_offer", "Offer of a place in a course"
    ALLOCATION_MADE = "allocation_made", "Your group in the study"
    SESSION_CHANGED = "session_changed", "Change to how a session meets"


# Messages to staff; every other kind goes to a participant.
STAFF_KINDS = frozenset(
    {
        NotificationKind.FOLLOW_UP_TODO,
        NotificationKind.ATTENDANCE_MISSING,
        NotificationKind.SAFETY_ALERT,
        NotificationKind.SAFETY_ESCALATION,
        NotificationKind.WEEKLY_DIGEST,
    }
)
# About a safety flag: they cannot be turned off, go whatever the hour, and still go when the
# participant has left the course (leaving does not end the team's duty of care).
SAFETY_KINDS = frozenset({NotificationKind.SAFETY_ALERT, NotificationKind.SAFETY_ESCALATION})
# Counted against a participant's daily cap. Session reminders are tied to a time that will
# not wait, so they do not count.
CAPPED_KINDS = frozenset(
    {
        NotificationKind.QUESTIONNAIRE_OPEN,
        NotificationKind.QUESTIONNAIRE_CLOSING,
        NotificationKind.PRACTICE_NUDGE,
        NotificationKind.MISSED_SESSION,
    }
)
# Sent whatever the hour: safety alerts must reach staff at once, and an invitation is sent
# because a member of staff pressed a button for it.
QUIET_HOURS_EXEMPT_KINDS = SAFETY_KINDS | {
    NotificationKind.INVITATION,
    # An offer is sent because a coordinator pressed a button, and its days to answer count.
    NotificationKind.WAITLIST_OFFER,
    # A facilitator changed how a session meets: the news may be for a session this morning,
    # and waiting for quiet hours to end could send someone to a room that is not used.
    NotificationKind.SESSION_CHANGED,
}
# Delivered at least once: a duplicate is better than a safety alert nobody received.
AT_LEAST_ONCE_KINDS = SAFETY_KINDS


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown: the sender stopped mid-way"
    SKIPPED = "skipped", "Not sent"
    CANCELLED = "cancelled", "Cancelled"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now: dt.datetime) -> NotificationQuerySet:
        return self.filter(status=NotificationStatus.PENDING, send_at__lte=now)

    def problems(self) -> NotificationQuerySet:
        return self.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.UNKNOWN])


class Notification(models.Model):
    """One message to one person: the outbox row the dispatcher and the sender work from.

    The dedupe key names what the message is about (kind, the session and its start time,
    the questionnaire and its window, the day...), so planning the same message twice makes
    one row, and a moved session or a new window makes a new one.
    """

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    send_at = models.DateTimeField(help_text="When it may go out (UTC), after quiet hours.")
    # What it is about; the sender re-reads these at send time.
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    scheduled_session = models.ForeignKey(
        ScheduledSession, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    safety_event = models.ForeignKey(
        SafetyEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invitation = models.ForeignKey(
        "accounts.Invitation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A safety alert about a screening answer: the person screened has no enrollment yet.
    screening = models.ForeignKey(
        "trials.Screening", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    about_time = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The session start or questionnaire time it was planned for; a change makes it stale.",
    )
    for_date = models.DateField(
        null=True, blank=True, help_text="The recipient's local day (practice) or week (digest)."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff member who pressed 'send now'; empty when planned.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the current attempt began giving the message to the mail server; "
        "a sender that stops after this may have delivered it, one that stops before has not.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "program_sessions_notification"
        ordering = ["-send_at", "-pk"]
        indexes = [
            # The dispatcher's scan: only rows still waiting, by due time.
            models.Index(
                fields=["send_at"],
                condition=Q(status="pending"),
                name="notification_pending_due",
            ),
            models.Index(fields=["recipient", "sent_at"], name="notification_recipient_sent"),
            models.Index(fields=["enrollment", "-send_at"], name="notification_enrollment"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"

    @property
    def is_for_staff(self) -> bool:
        return self.kind in STAFF_KINDS

    @property
    def is_at_least_once(self) -> bool:
        return self.kind in AT_LEAST_ONCE_KINDS


WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class Preferences(models.Model):
    """What one person wants to receive.

    A person without a row has the defaults below; the row is made the first time they save.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    # Participants
    session_reminders = models.BooleanField("Reminder the day before each session", default=True)
    session_reminder_1h = models.BooleanField(
        "Another reminder an hour before each session", default=False
    )
    questionnaire_reminders = models.BooleanField(
        "Tell me when a check-in is ready and before it closes", default=True
    )
    missed_session_material = models.BooleanField(
        "Send me the material when I miss a session", default=True
    )
    practice_nudges = models.BooleanField("A daily practice reminder", default=False)
    practice_nudge_time = models.TimeField("Time for the practice reminder", default=dt.time(19, 0))
    quiet_hours_start = models.TimeField("Quiet from", default=dt.time(21, 0))
    quiet_hours_end = models.TimeField("Quiet until", default=dt.time(8, 0))
    daily_cap = models.PositiveSmallIntegerField(
        "Most reminders in one day",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Session reminders do not count towards it.",
    )
    # Staff
    weekly_digest = models.BooleanField("A weekly summary of my cohorts", default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        "Day for the weekly summary", choices=WEEKDAY_CHOICES, default=0
    )
    staff_alerts = models.BooleanField("Attendance and follow-up reminders", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What someone asked to receive and when they changed it (django-simple-history).
    history = HistoricalRecords(table_name="program_sessions_historicalpreferences")

    class Meta:
        db_table = "program_sessions_preferences"
        verbose_name_plural = "preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_cap__gte=1) & Q(daily_cap__lte=20),
                name="preferences_daily_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


# The preference that switches each kind off; None: cannot be switched off.
PREFERENCE_FOR_KIND: dict[str, str | None] = {
    NotificationKind.SESSION_24H: "session_reminders",
    NotificationKind.SESSION_1H: "session_reminder_1h",
    NotificationKind.QUESTIONNAIRE_OPEN: "questionnaire_reminders",
    NotificationKind.QUESTIONNAIRE_CLOSING: "questionnaire_reminders",
    NotificationKind.PRACTICE_NUDGE: "practice_nudges",
    NotificationKind.MISSED_SESSION: "missed_session_material",
    NotificationKind.INVITATION: None,
    NotificationKind.FOLLOW_UP_TODO: "staff_alerts",
    NotificationKind.ATTENDANCE_MISSING: "staff_alerts",
    NotificationKind.SAFETY_ALERT: None,
    NotificationKind.SAFETY_ESCALATION: None,
    NotificationKind.WEEKLY_DIGEST: "weekly_digest",
    # Part of taking part in the study, like the invitation: it cannot be turned off.
    NotificationKind.ALLOCATION_MADE: None,
    NotificationKind.WAITLIST_OFFER: None,
    # How to join a session one is expected at, like a cancellation: not a reminder to opt out
    # of. Not capped either (not in CAPPED_KINDS): like session reminders, it will not wait.
    NotificationKind.SESSION_CHANGED: None,
}


class WorkerHeartbeat(models.Model):
    """The last time a named periodic job ran, so staff can see that reminders are flowing."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "program_sessions_workerheartbeat"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S %Z}"

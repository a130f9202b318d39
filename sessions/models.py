"""What happens over time: scheduled sessions, attendance, notes, practice and follow-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from programs.models import Cohort, Enrollment, Modality, ProgramSession


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class ScheduledSessionQuerySet(models.QuerySet["ScheduledSession"]):
    def active(self) -> ScheduledSessionQuerySet:
        return self.filter(status=SessionStatus.SCHEDULED)

    def upcoming(self, now: dt.datetime | None = None) -> ScheduledSessionQuerySet:
        return self.active().filter(starts_at__gte=now or timezone.now())

    def held(self, now: dt.datetime | None = None) -> ScheduledSessionQuerySet:
        """Sessions whose start has passed and that were not cancelled."""
        return self.active().filter(starts_at__lt=now or timezone.now())

    def for_enrollment(self, enrollment: Enrollment) -> ScheduledSessionQuerySet:
        """Group sessions of the enrollment's cohort, or the enrollment's own one-on-one sessions."""
        return self.filter(cohort_id=enrollment.cohort_id).filter(
            Q(enrollment__isnull=True) | Q(enrollment=enrollment)
        )


class ScheduledSession(models.Model):
    """One meeting: cohort-wide for group programs, per enrollment for one-on-one programs."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="scheduled_sessions")
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scheduled_sessions",
        help_text="Set for one-on-one sessions; empty for a group session.",
    )
    program_session = models.ForeignKey(
        ProgramSession, on_delete=models.PROTECT, related_name="scheduled_sessions"
    )
    is_makeup = models.BooleanField(default=False)
    is_moved = models.BooleanField(
        default=False,
        help_text="Moved by hand: later changes to the cohort's meeting pattern leave it where it is.",
    )
    starts_at = models.DateTimeField(help_text="Stored in UTC; shown in each viewer's time zone.")
    duration_minutes = models.PositiveSmallIntegerField()
    modality = models.CharField(max_length=20, choices=Modality.choices)
    place = models.CharField(max_length=300, blank=True)
    video_link = models.URLField(blank=True)
    phone_instructions = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduledSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            # Two live meetings of the same group (or the same one-on-one participant) at the
            # same instant is always a mistake, usually a reschedule onto another session.
            models.UniqueConstraint(
                fields=["cohort", "starts_at"],
                condition=Q(status="scheduled", enrollment__isnull=True),
                name="one_group_session_per_start",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "starts_at"],
                condition=Q(status="scheduled", enrollment__isnull=False),
                name="one_individual_session_per_start",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="scheduled_session_starts_at")]

    def __str__(self) -> str:
        return f"{self.cohort.name}: session {self.program_session.number} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def is_past(self, now: dt.datetime | None = None) -> bool:
        return self.starts_at < (now or timezone.now())

    def takes_attendance(self, now: dt.datetime, zone: dt.tzinfo) -> bool:
        """Whether attendance may be recorded now: from the start of the session's day in the
        cohort's time zone (`zone`), since people arrive and a register is taken at the door
        before it begins; a later day is refused. Cancelled sessions are checked apart."""
        return (
            self.is_past(now)
            or self.starts_at.astimezone(zone).date() <= now.astimezone(zone).date()
        )

    @property
    def is_phone(self) -> bool:
        return self.modality == Modality.PHONE


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", "Attended"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"
    MADE_UP = "made_up", "Made up"


# "attended" in every report: present at the session, or made it up later (BRIEF §8).
ATTENDED_STATUSES = (AttendanceStatus.ATTENDED, AttendanceStatus.MADE_UP)
MISSED_STATUSES = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)


class CallOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    RESCHEDULED = "rescheduled", "Rescheduled"


class Attendance(models.Model):
    """Whether one participant came to one session (and, by phone, how the call went)."""

    scheduled_session = models.ForeignKey(
        ScheduledSession, on_delete=models.CASCADE, related_name="attendances"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    call_outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    call_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_session", "enrollment"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_session", "enrollment"],
                name="one_attendance_per_session_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.status} at {self.scheduled_session_id}"

    @property
    def counts_as_attended(self) -> bool:
        return self.status in ATTENDED_STATUSES


class FollowUp(models.Model):
    """A to-do for the cohort's facilitators after a participant missed a session."""

    scheduled_session = models.ForeignKey(
        ScheduledSession, on_delete=models.CASCADE, related_name="follow_ups"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="follow_ups")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_session", "enrollment"],
                name="one_follow_up_per_session_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow up {self.enrollment} after session {self.scheduled_session_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class FacilitatorNote(models.Model):
    """Staff-only notes on a session, or on one participant in a session. Never shown to participants."""

    scheduled_session = models.ForeignKey(
        ScheduledSession, on_delete=models.CASCADE, related_name="notes"
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_session"],
                condition=Q(enrollment__isnull=True),
                name="one_session_note_per_session",
            ),
            models.UniqueConstraint(
                fields=["scheduled_session", "enrollment"],
                condition=Q(enrollment__isnull=False),
                name="one_participant_note_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Note on session {self.scheduled_session_id}"


class FacilitatorNoteRevision(models.Model):
    """The text a note had before an edit: who changed it and when."""

    note = models.ForeignKey(FacilitatorNote, on_delete=models.CASCADE, related_name="revisions")
    previous_text = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at", "-pk"]

    def __str__(self) -> str:
        return f"Revision of note {self.note_id} at {self.edited_at:%Y-%m-%d %H:%M}"


class PracticeLog(models.Model):
    """One entry of home practice (MBSR: practice and minutes; IER: strategy, situation, mood)."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="practice_logs"
    )
    date = models.DateField(help_text="The participant's local date of the practice.")
    practice = models.CharField(
        max_length=60, help_text="Practice or strategy code from the program."
    )
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    situation = models.CharField(max_length=300, blank=True)
    mood_before = models.PositiveSmallIntegerField(null=True, blank=True)
    mood_after = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["enrollment", "date"], name="practice_log_enrollment_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__gte=1, minutes__lte=600),
                name="practice_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=Q(mood_before__isnull=True) | Q(mood_before__lte=10),
                name="practice_mood_before_0_to_10",
            ),
            models.CheckConstraint(
                condition=Q(mood_after__isnull=True) | Q(mood_after__lte=10),
                name="practice_mood_after_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.practice} on {self.date}"


class SessionCompletion(models.Model):
    """A participant worked through a week's session on their own ("I've completed this week").

    Self-guided: this is the attendance. Group or one-on-one session they missed: it becomes a
    make-up once a facilitator confirms it.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="completions")
    program_session = models.ForeignKey(ProgramSession, on_delete=models.CASCADE, related_name="+")
    reflection = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program_session__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "program_session"],
                name="one_completion_per_enrollment_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} week {self.program_session_id}"


class RaterRole(models.TextChoices):
    FACILITATOR = "facilitator", "Facilitator"
    OBSERVER = "observer", "Observer"


class FidelityRating(models.Model):
    """How closely one held session followed its checklist of core elements, as one rater saw it.

    The checklist is copied into `items` when the rating is saved, so a later edit of the
    program's checklist never changes what an old rating says. One rating per session and
    role: the facilitator's own, and optionally an observer's.
    """

    scheduled_session = models.ForeignKey(
        ScheduledSession, on_delete=models.CASCADE, related_name="fidelity_ratings"
    )
    role = models.CharField(max_length=20, choices=RaterRole.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Whose delivery is rated: the rater for a facilitator's rating; the cohort's facilitator
    # who led the session for an observer's (a session does not record who led it).
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    items = models.JSONField(
        default=list, help_text='The checklist as rated: [{"code", "text", "done"}].'
    )
    items_done = models.PositiveSmallIntegerField()
    items_total = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed a rating, and what it said before (django-simple-history; see settings).
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheduled_session", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_session", "role"], name="one_fidelity_rating_per_session_role"
            ),
            models.CheckConstraint(
                condition=Q(items_total__gte=1) & Q(items_done__lte=models.F("items_total")),
                name="fidelity_items_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} rating of session {self.scheduled_session_id}"

    @property
    def adherence(self) -> Decimal:
        """Core elements delivered / core elements on the checklist (0 to 1)."""
        return Decimal(self.items_done) / Decimal(self.items_total)


class CalendarFeed(models.Model):
    """A secret, revocable address from which a calendar program reads someone's sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"

"""What happens over time: scheduled sessions, attendance, notes, practice and follow-ups."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from programs.models import Cohort, Enrollment, MeasurementPoint, Modality, ProgramSession


class WorkerHeartbeat(models.Model):
    """The last time a named periodic job ran, so staff can see that reminders are flowing."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S %Z}"


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


class AssessmentStatus(models.TextChoices):
    UPCOMING = "upcoming", "Not open yet"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "Started"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def open_at(self, now: dt.datetime) -> AssessmentQuerySet:
        return self.filter(opens_at__lte=now, closes_at__gt=now, completed_at__isnull=True)


class Assessment(models.Model):
    """One participant's questionnaires at one measurement point, with the window they are open in.

    The window is worked out from the participant's schedule (sessions.services.assessments) and
    follows it when sessions move; control-arm participants get the same window from the
    schedule they would have had.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="assessments")
    measurement_point = models.ForeignKey(
        MeasurementPoint, on_delete=models.PROTECT, related_name="assessments"
    )
    instruments = models.JSONField(
        default=list, help_text="Codes asked at this point, fixed when the window is set."
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["opens_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "measurement_point"],
                name="one_assessment_per_enrollment_point",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="assessment_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.measurement_point.kind}"

    def status(self, *, now: dt.datetime | None = None, started: bool = False) -> AssessmentStatus:
        """Where the participant is with it; `started` says whether any answer was given yet."""
        now = now or timezone.now()
        if self.completed_at is not None:
            return AssessmentStatus.COMPLETED
        if now < self.opens_at:
            return AssessmentStatus.UPCOMING
        if now >= self.closes_at:
            return AssessmentStatus.MISSED
        return AssessmentStatus.IN_PROGRESS if started else AssessmentStatus.OPEN


class ResponseMode(models.TextChoices):
    SELF = "self", "Filled in by the participant"
    PHONE = "phone", "Read out by staff on the phone"
    IN_PERSON = "in_person", "Entered by staff in person"


class Response(models.Model):
    """The raw answers to one instrument at one assessment, saved as each answer is given.

    Submitted responses are never changed: a staff correction is a new version that points at
    the one it replaces, with a reason.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    instrument = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=20)
    # {"1": 2, "2": null, ...}: item number (as text, JSON's only key type) -> value or null.
    answers = models.JSONField(default=dict)
    mode = models.CharField(max_length=20, choices=ResponseMode.choices, default=ResponseMode.SELF)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # Drafts change answer by answer until they are sent; this keeps each state and who made
    # it. A sent response no longer changes (a correction is a new version).
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "instrument", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "instrument", "version"],
                name="one_response_version_per_instrument",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version} for assessment {self.assessment_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def answer_map(self) -> dict[int, int | None]:
        """Answers keyed by item number, as programs.scoring.score takes them."""
        return {int(item): value for item, value in self.answers.items()}


class SafetyEvent(models.Model):
    """An answer that needs a person from the team to follow up (PHQ-9 item 9), until acknowledged."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="safety_events"
    )
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="safety_events")
    flag = models.CharField(
        max_length=40, help_text="The scoring flag that raised it, e.g. item9_positive."
    )
    flag_value = models.BooleanField(
        null=True, help_text="True: answered positively; empty: left unanswered, also followed up."
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action_taken = models.TextField(blank=True)

    # Raised, then acknowledged (sessions.services.safety adds the row for its guarded UPDATE).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "flag"], name="one_safety_event_per_response_flag"
            ),
        ]

    def __str__(self) -> str:
        return f"Safety event {self.flag} for {self.enrollment}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

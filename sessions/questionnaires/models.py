"""Questionnaires as they are answered: one assessment per participant and measurement point,
the responses to each instrument (drafts, sent, corrected), and safety events raised by answers.

The tables keep the names they had when these models lived in the sessions app
(program_sessions_*), so moving the code moved no data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from programs.models import Enrollment, MeasurementPoint


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

    The window is worked out from the participant's schedule (sessions.questionnaires.services.assessments) and
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
    # Set once staff extend or reopen the window (services.windows): from then on the dates are
    # theirs and no longer follow the schedule, so a later reschedule cannot undo the change.
    window_set_by_staff = models.BooleanField(default=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        db_table = "program_sessions_assessment"
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


class WindowChangeKind(models.TextChoices):
    EXTENDED = "extended", "Extended"
    REOPENED = "reopened", "Reopened"


class WindowChange(models.Model):
    """Staff moved the closing date of an open window (extended) or opened a missed one again
    (reopened), with their reason; the audit log has the same event."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="window_changes"
    )
    kind = models.CharField(max_length=20, choices=WindowChangeKind.choices)
    opens_before = models.DateTimeField()
    closes_before = models.DateTimeField()
    closes_after = models.DateTimeField()
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} assessment {self.assessment_id}"


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
    history = HistoricalRecords(table_name="program_sessions_historicalresponse")

    class Meta:
        db_table = "program_sessions_response"
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

    # Raised, then acknowledged (sessions.questionnaires.services.safety adds the row for its guarded UPDATE).
    history = HistoricalRecords(table_name="program_sessions_historicalsafetyevent")

    class Meta:
        db_table = "program_sessions_safetyevent"
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

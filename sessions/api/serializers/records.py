"""What each API list says about a row: pseudonymous (participant codes, never names) unless the
token may read identifiable data, and the same field names the CSV exports use where they overlap.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from programs.instrument_library import InstrumentNotFound
from programs.models import WEEKDAYS, Arm, Cohort, Enrollment, EnrollmentStatus
from programs.scoring import InvalidAnswers, score
from sessions.models import AttendanceStatus, CallOutcome, SessionStatus
from sessions.questionnaires.models import Response, ResponseMode
from sessions.trials.models import Allocation
from sessions.trials.services.allocation import current_arm

# Mean subscales are exact quotients; 4 places, as in the CSV and XLSX exports.
SCORE_PLACES = Decimal("0.0001")


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "18:00"})
class WallClockField(serializers.TimeField):
    """A local time of day ("18:00"): not an RFC 3339 time, which would need an offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class CohortSerializer(serializers.Serializer[Cohort]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    program = serializers.CharField(source="program.slug", help_text="The program's slug.")
    program_name = serializers.CharField(source="program.name")
    delivery = serializers.CharField(
        source="program.delivery", help_text="group, individual or self_guided."
    )
    start_date = serializers.DateField()
    meeting_weekday = serializers.SerializerMethodField(
        help_text="The day a group meets (in the cohort's time zone)."
    )
    meeting_time = WallClockField(help_text="Wall-clock time in the cohort's time zone.")
    timezone = serializers.CharField(help_text="The cohort's IANA time zone.")
    created_at = serializers.DateTimeField()

    def get_meeting_weekday(self, cohort: Cohort) -> str:
        return WEEKDAYS[cohort.meeting_weekday]


class EnrollmentSerializer(serializers.Serializer[Enrollment]):
    """A participant in a cohort, by code; name and address only for a token that may read them."""

    id = serializers.IntegerField()
    participant_code = serializers.CharField()
    cohort = serializers.IntegerField(source="cohort_id")
    program = serializers.CharField(source="cohort.program.slug")
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    arm = serializers.ChoiceField(
        choices=Arm.choices,
        help_text="In a randomized study, “pending” until allocated (see /allocations/).",
    )
    invited_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the person accepted the invitation, signed in."
    )
    activated_at = serializers.DateTimeField(allow_null=True)
    start_date = serializers.DateField(
        allow_null=True, help_text="One-on-one programs: the person's own first session."
    )
    withdrawn_at = serializers.DateField(allow_null=True)
    full_name = serializers.CharField(
        source="person_full_name",
        required=False,
        help_text="Only for a token with the “identifiable” scope.",
    )
    email = serializers.EmailField(
        source="user.email",
        required=False,
        help_text="Only for a token with the “identifiable” scope.",
    )

    def to_representation(self, instance: Enrollment) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("identifiable"):
            data.pop("full_name", None)
            data.pop("email", None)
        return data


class SessionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    program = serializers.CharField(source="cohort.program.slug")
    participant_code = serializers.CharField(
        source="enrollment.participant_code",
        allow_null=True,
        default=None,
        help_text="One-on-one sessions: whose it is; null for a group session.",
    )
    session_number = serializers.IntegerField(source="program_session.number")
    title = serializers.CharField(source="program_session.title")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    modality = serializers.CharField(help_text="in_person, video or phone.")
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    is_makeup = serializers.BooleanField()


class AttendanceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="scheduled_session_id")
    cohort = serializers.IntegerField(source="scheduled_session.cohort_id")
    program = serializers.CharField(source="scheduled_session.cohort.program.slug")
    session_number = serializers.IntegerField(source="scheduled_session.program_session.number")
    session_starts_at = serializers.DateTimeField(source="scheduled_session.starts_at")
    participant_code = serializers.CharField(source="enrollment.participant_code")
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, help_text="attended and made_up count as attended."
    )
    call_outcome = serializers.ChoiceField(
        choices=[("", "Not a call"), *CallOutcome.choices], allow_blank=True
    )
    call_minutes = serializers.IntegerField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class PracticeWeekSerializer(serializers.Serializer[Any]):
    week = serializers.IntegerField(
        help_text="Week of the course: 1 is the seven days from its start (0 or less: before it)."
    )
    starts_on = serializers.DateField()
    days_practised = serializers.IntegerField()
    minutes = serializers.IntegerField()
    entries = serializers.IntegerField()


class PracticeSerializer(serializers.Serializer[Any]):
    """One participant's home practice, added up (a summary: no notes, no moods)."""

    enrollment = serializers.IntegerField()
    participant_code = serializers.CharField()
    cohort = serializers.IntegerField()
    program = serializers.CharField()
    course_starts_on = serializers.DateField()
    days_practised = serializers.IntegerField()
    minutes = serializers.IntegerField()
    entries = serializers.IntegerField()
    weeks = PracticeWeekSerializer(many=True)


class AssessmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    participant_code = serializers.CharField(source="enrollment.participant_code")
    cohort = serializers.IntegerField(source="enrollment.cohort_id")
    program = serializers.CharField(source="enrollment.cohort.program.slug")
    measurement_point = serializers.CharField(source="measurement_point.code")
    kind = serializers.CharField(source="measurement_point.kind")
    label = serializers.CharField(source="measurement_point.label")
    instruments = serializers.ListField(child=serializers.CharField())
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ScoresSerializer(serializers.Serializer[Any]):
    """The response's scores, computed from its answers (read from the whole response)."""

    total = serializers.IntegerField(
        allow_null=True, help_text="Null when the instrument has none or too much is blank."
    )
    band = serializers.CharField(allow_null=True)
    percentage = serializers.IntegerField(allow_null=True, help_text="WHO-5 only.")
    subscales = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Subscale name to score (a mean to 4 places for mean subscales).",
    )

    def to_representation(self, instance: Response) -> dict[str, Any]:
        return response_scores(instance)


def _number(value: int | Decimal | None) -> float | int | None:
    if isinstance(value, Decimal):
        return float(value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP))
    return value


class ResponseSerializer(serializers.Serializer[Response]):
    """A submitted response (its latest version): every answer and the scores, via
    programs.scoring as in the exports."""

    id = serializers.IntegerField()
    assessment = serializers.IntegerField(source="assessment_id")
    participant_code = serializers.CharField(source="assessment.enrollment.participant_code")
    cohort = serializers.IntegerField(source="assessment.enrollment.cohort_id")
    program = serializers.CharField(source="assessment.enrollment.cohort.program.slug")
    measurement_point = serializers.CharField(source="assessment.measurement_point.code")
    instrument = serializers.CharField()
    instrument_version = serializers.CharField()
    version = serializers.IntegerField(help_text="Above 1: corrected by staff.")
    mode = serializers.ChoiceField(choices=ResponseMode.choices)
    submitted_at = serializers.DateTimeField()
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Item number to the value chosen (null: left blank).",
    )
    scores = ScoresSerializer(source="*")


def response_scores(response: Response) -> dict[str, Any]:
    try:
        result = score(response.instrument, response.answer_map())
    except (InvalidAnswers, InstrumentNotFound):
        # Stored answers the instrument no longer takes: shared as they are, unscored.
        return {"total": None, "band": None, "percentage": None, "subscales": {}}
    return {
        "total": result.total,
        "band": result.band,
        "percentage": result.percentage,
        "subscales": {name: _number(value) for name, value in result.subscales.items()},
    }


class AllocationSerializer(serializers.Serializer[Allocation]):
    id = serializers.IntegerField()
    participant_code = serializers.CharField(source="enrollment.participant_code")
    cohort = serializers.IntegerField(source="enrollment.cohort_id")
    program = serializers.CharField(source="enrollment.cohort.program.slug")
    study = serializers.IntegerField(source="study_id")
    study_name = serializers.CharField(source="study.name")
    stratum = serializers.CharField(source="stratum_label")
    block = serializers.IntegerField()
    arm = serializers.SerializerMethodField(help_text="The arm's code, after any correction.")
    arm_label = serializers.SerializerMethodField()
    corrected = serializers.SerializerMethodField()
    allocated_at = serializers.DateTimeField()

    def get_arm(self, allocation: Allocation) -> str:
        return current_arm(allocation).code

    def get_arm_label(self, allocation: Allocation) -> str:
        return current_arm(allocation).label

    def get_corrected(self, allocation: Allocation) -> bool:
        return bool(allocation.corrections.all())

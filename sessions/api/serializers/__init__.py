"""What the API reads and writes, and how its schema describes it."""

from sessions.api.serializers.enroll import (
    EnrollmentCreateSerializer,
    EnrollmentProblemsSerializer,
)
from sessions.api.serializers.records import (
    AllocationSerializer,
    AssessmentSerializer,
    AttendanceSerializer,
    CohortSerializer,
    EnrollmentSerializer,
    PracticeSerializer,
    ResponseSerializer,
    SessionSerializer,
)
from sessions.api.serializers.schema import ApiAutoSchema, ApiTokenScheme, ErrorSerializer

__all__ = [
    "AllocationSerializer",
    "ApiAutoSchema",
    "ApiTokenScheme",
    "AssessmentSerializer",
    "AttendanceSerializer",
    "CohortSerializer",
    "EnrollmentCreateSerializer",
    "EnrollmentProblemsSerializer",
    "EnrollmentSerializer",
    "ErrorSerializer",
    "PracticeSerializer",
    "ResponseSerializer",
    "SessionSerializer",
]

"""Writes for programs: cohorts (cohorts.py), and enrolling, changing and withdrawing
participants (enrollments.py); their shared errors and codes are in common.py."""

from programs.services.cohorts import (
    cohort_create,
    cohort_has_sessions,
    cohort_update,
)
from programs.services.common import (
    CODE_ALPHABET,
    CODE_ATTEMPTS,
    CODE_LENGTH,
    COHORT_SCHEDULE_FIELDS,
    CohortError,
    EnrollmentError,
    EnrollmentImportError,
    first_on_weekday,
    zone_today,
)
from programs.services.enrollments import (
    UPDATABLE_STATUSES,
    enrollment_accept_invited,
    enrollment_default_start,
    enrollment_import,
    enrollment_invite,
    enrollment_update,
    enrollment_withdraw,
    participant_code_generate,
    participant_code_prefix,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_ATTEMPTS",
    "CODE_LENGTH",
    "COHORT_SCHEDULE_FIELDS",
    "UPDATABLE_STATUSES",
    "CohortError",
    "EnrollmentError",
    "EnrollmentImportError",
    "cohort_create",
    "cohort_has_sessions",
    "cohort_update",
    "enrollment_accept_invited",
    "enrollment_default_start",
    "enrollment_import",
    "enrollment_invite",
    "enrollment_update",
    "enrollment_withdraw",
    "first_on_weekday",
    "participant_code_generate",
    "participant_code_prefix",
    "zone_today",
]

"""Which demo participant goes where, and how they are enrolled."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from programs.models import Cohort, Enrollment, EnrollmentStatus
from sessions.demo.dates import ZONE
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.scheduling import local_to_utc

# Groups of ten: a realistic MBSR group (the brief's cap is twelve), with room for late joiners.
MBSR_GROUP_SIZE = 10


def placement(count: int) -> tuple[dict[int, list[int]], list[int]]:
    """Participant numbers per MBSR group index, and the IER participants.

    Decided by the participant's number alone, so a larger `--participants` never moves anyone:
    every fourth person (2, 6, 10, …) is one-on-one, the rest fill groups of ten in order.
    """
    groups: dict[int, list[int]] = {}
    ier: list[int] = []
    placed_in_groups = 0
    for number in range(1, count + 1):
        if number % 4 == 2:
            ier.append(number)
        else:
            groups.setdefault(placed_in_groups // MBSR_GROUP_SIZE, []).append(number)
            placed_in_groups += 1
    return groups, ier


def participant_number(user: User) -> int:
    return int(user.email.removeprefix("participant").split("@")[0])


def demo_enrollment_build(
    cohort: Cohort, user: User, code: str, *, activated: dt.date, **extra: object
) -> Enrollment:
    """An unsaved demo enrollment: active, invitation accepted ten days before `activated`."""
    started = local_to_utc(activated - dt.timedelta(days=10), dt.time(12), ZONE)
    return Enrollment(
        cohort=cohort,
        user=user,
        participant_code=code,
        status=EnrollmentStatus.ACTIVE,
        activated_at=started,
        # Demo participants accepted their invitations, as real ones have before taking part.
        accepted_at=started,
        invited_name=user.full_name,
        invited_phone=user.phone,
        **extra,
    )


def demo_enrollment_create(
    cohort: Cohort, user: User, code: str, *, activated: dt.date, **extra: object
) -> Enrollment:
    enrollment = demo_enrollment_build(cohort, user, code, activated=activated, **extra)
    enrollment.save()
    assessment_windows_sync(enrollment=enrollment)
    return enrollment

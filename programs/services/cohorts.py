"""Writes for cohorts: creating one and changing its schedule, place or facilitators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Membership, Organization, Role, User
from programs.csv_import import (
    timezone_canonical,
)
from programs.models import (
    Cohort,
    Delivery,
    Modality,
    Program,
)
from programs.services.common import COHORT_SCHEDULE_FIELDS, CohortError, zone_today
from programs.signals import ScheduleRejected, cohort_schedule_changed


def cohort_has_sessions(*, cohort: Cohort) -> bool:
    """Whether any session of the cohort was scheduled (then its program is fixed)."""
    # programs may not import sessions (BRIEF §3); the reverse relation the sessions app
    # adds to Cohort is reachable by name, and is absent only if that app is not installed.
    related = getattr(cohort, "scheduled_sessions", None)
    return related is not None and related.exists()


def _staff_ids(organization: Organization) -> set[int]:
    return set(
        Membership.objects.filter(
            organization=organization, role__in=[Role.FACILITATOR, Role.COORDINATOR]
        ).values_list("user_id", flat=True)
    )


def _cohort_check(
    *,
    organization: Organization,
    cohort: Cohort | None,
    name: str,
    program: Program,
    timezone: str,
    default_modality: str,
    place: str,
    video_link: str,
    facilitators: Sequence[User],
) -> None:
    if not name:
        raise CohortError("Give the cohort a name.", field="name")
    same_name = Cohort.objects.filter(organization=organization, name__iexact=name)
    if cohort is not None:
        same_name = same_name.exclude(pk=cohort.pk)
    existing = same_name.first()
    if existing is not None:
        raise CohortError(
            f"There is already a cohort called “{existing.name}” in your organization. "
            "Choose a different name, for example with the month it starts.",
            field="name",
        )
    if timezone_canonical(timezone) != timezone:
        raise CohortError(
            f"“{timezone}” is not a time zone name such as Europe/London.", field="timezone"
        )
    if default_modality not in Modality.values:
        raise CohortError("Choose how the group meets.", field="default_modality")
    # One-on-one programs meet the way each program session says; a group meets one way.
    if program.delivery == Delivery.GROUP:
        if default_modality == Modality.IN_PERSON and not place:
            raise CohortError("Say where the group meets in person.", field="place")
        if default_modality == Modality.VIDEO and not video_link:
            raise CohortError("Add the link for the video call.", field="video_link")
    # A self-guided course runs without a facilitator: its coordinators see progress and get
    # the safety alerts (programs.access.staff_of_cohorts).
    if not facilitators and not program.is_self_guided:
        raise CohortError("Choose at least one facilitator.", field="facilitators")
    if not {user.pk for user in facilitators} <= _staff_ids(organization):
        raise CohortError("Facilitators must be staff of your organization.", field="facilitators")


def _send_cohort_schedule_changed(cohort: Cohort) -> None:
    try:
        cohort_schedule_changed.send(sender=Cohort, cohort=cohort)
    except ScheduleRejected as exc:
        # Raised inside the caller's transaction, so the cohort change is rolled back too.
        raise CohortError(str(exc)) from exc


def _save_cohort(cohort: Cohort) -> None:
    try:
        with transaction.atomic():
            cohort.save()
    except IntegrityError:
        # Another coordinator saved the same name between our check and this save.
        raise CohortError(
            f"There is already a cohort called “{cohort.name}” in your organization.",
            field="name",
        ) from None


def cohort_create(
    *,
    organization: Organization,
    name: str,
    program: Program,
    start_date: dt.date,
    meeting_time: dt.time,
    timezone: str,
    facilitators: Sequence[User],
    meeting_weekday: int | None = None,
    default_modality: str = Modality.IN_PERSON,
    place: str = "",
    video_link: str = "",
    phone_instructions: str = "",
    skip_dates: Iterable[dt.date] = (),
) -> Cohort:
    """Start a new delivery of a program in the organization and build its schedule."""
    name = name.strip()
    facilitators = list(facilitators)
    _cohort_check(
        organization=organization,
        cohort=None,
        name=name,
        program=program,
        timezone=timezone,
        default_modality=default_modality,
        place=place.strip(),
        video_link=video_link.strip(),
        facilitators=facilitators,
    )
    if not program.is_active:
        raise CohortError("This program is no longer offered.", field="program")
    if start_date < zone_today(timezone):
        raise CohortError(
            "The start date has already passed. Choose today or a later date.",
            field="start_date",
        )
    cohort = Cohort(
        organization=organization,
        program=program,
        name=name,
        start_date=start_date,
        meeting_weekday=start_date.weekday() if meeting_weekday is None else meeting_weekday,
        meeting_time=meeting_time,
        timezone=timezone,
        default_modality=default_modality,
        place=place.strip(),
        video_link=video_link.strip(),
        phone_instructions=phone_instructions.strip(),
        skip_dates=sorted({day.isoformat() for day in skip_dates}),
    )
    with transaction.atomic():
        _save_cohort(cohort)
        cohort.facilitators.set(facilitators)
        _send_cohort_schedule_changed(cohort)
    return cohort


def cohort_update(
    *,
    cohort: Cohort,
    name: str,
    program: Program,
    start_date: dt.date,
    meeting_time: dt.time,
    timezone: str,
    facilitators: Sequence[User],
    meeting_weekday: int | None = None,
    default_modality: str = Modality.IN_PERSON,
    place: str = "",
    video_link: str = "",
    phone_instructions: str = "",
    skip_dates: Iterable[dt.date] = (),
) -> Cohort:
    """Change a cohort; when its meeting pattern or place changed, its future sessions follow."""
    name = name.strip()
    facilitators = list(facilitators)
    _cohort_check(
        organization=cohort.organization,
        cohort=cohort,
        name=name,
        program=program,
        timezone=timezone,
        default_modality=default_modality,
        place=place.strip(),
        video_link=video_link.strip(),
        facilitators=facilitators,
    )
    if program.pk != cohort.program_id and cohort_has_sessions(cohort=cohort):
        raise CohortError(
            "The program cannot change once the cohort has sessions. "
            "Create a new cohort for the other program instead.",
            field="program",
        )
    if start_date != cohort.start_date and start_date < zone_today(timezone):
        raise CohortError(
            "The new start date has already passed. Choose today or a later date.",
            field="start_date",
        )
    new_values: dict[str, Any] = {
        "name": name,
        "program": program,
        "start_date": start_date,
        "meeting_weekday": start_date.weekday() if meeting_weekday is None else meeting_weekday,
        "meeting_time": meeting_time,
        "timezone": timezone,
        "default_modality": default_modality,
        "place": place.strip(),
        "video_link": video_link.strip(),
        "phone_instructions": phone_instructions.strip(),
        "skip_dates": sorted({day.isoformat() for day in skip_dates}),
    }
    schedule_changed = any(
        getattr(cohort, field) != new_values[field] for field in COHORT_SCHEDULE_FIELDS
    )
    with transaction.atomic():
        for field, value in new_values.items():
            setattr(cohort, field, value)
        _save_cohort(cohort)
        cohort.facilitators.set(facilitators)
        if schedule_changed:
            _send_cohort_schedule_changed(cohort)
    return cohort

"""How rights events are written to the audit log: once per organization the person joined."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization, User
from programs.models import Enrollment


def rights_audit(
    *,
    person: User,
    actor: User,
    action: AuditAction,
    obj: models.Model | None = None,
    details: dict[str, Any] | None = None,
    codes_by_organization: dict[Organization, list[str]] | None = None,
) -> None:
    """Record a rights event once per organization the person joined (accepted an enrollment
    with), naming their codes there, so each one's coordinators find it in their own audit log."""
    groups = (
        codes_by_organization
        if codes_by_organization is not None
        else participant_codes_by_organization(user=person)
    )
    if not groups:
        audit_record(request=None, actor=actor, action=action, obj=obj, details=details)
    for organization, codes in groups.items():
        audit_record(
            request=None,
            actor=actor,
            action=action,
            obj=obj,
            organization=organization,
            participant_codes=codes,
            details=details,
        )


def participant_codes_by_organization(*, user: User) -> dict[Organization, list[str]]:
    """The person's participant codes, grouped by the organization of each cohort.

    Only enrollments they accepted: an organization that merely typed their address in learns
    nothing of what they do about their rights (accounts.selectors.user_list_joined).
    """
    groups: dict[Organization, list[str]] = {}
    enrollments = Enrollment.objects.filter(user=user).accepted()
    for enrollment in enrollments.select_related("cohort__organization"):
        groups.setdefault(enrollment.cohort.organization, []).append(enrollment.participant_code)
    return groups

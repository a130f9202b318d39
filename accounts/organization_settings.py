"""Writes for an organization's own settings, which its coordinators change (not only the admin)."""

from __future__ import annotations

from django.db import transaction

from .audit import audit_record
from .models import AuditAction, Organization, User


def organization_settings_update(
    *,
    organization: Organization,
    by: User,
    crisis_contacts: str,
    support_phone: str,
    support_email: str,
    sender_name: str,
    default_timezone: str,
    escalate_after_working_hours: int,
) -> list[str]:
    """Save the contacts, sender name, default time zone and when safety flags escalate; returns
    the fields that changed.

    The change is recorded in the audit log with what each field was and became: the crisis
    contacts are what participants at risk were shown, so when they changed must stay provable.
    """
    wanted = {
        "crisis_contacts": crisis_contacts,
        "support_phone": support_phone,
        "support_email": support_email,
        "sender_name": sender_name,
        "default_timezone": default_timezone,
        "escalate_after_working_hours": escalate_after_working_hours,
    }
    with transaction.atomic():
        # Locked, so two coordinators saving at once each record what they really replaced.
        current = Organization.objects.select_for_update().get(pk=organization.pk)
        changes = {
            name: [getattr(current, name), value]
            for name, value in wanted.items()
            if getattr(current, name) != value
        }
        if not changes:
            return []
        for name, (_before, value) in changes.items():
            setattr(current, name, value)
        current.full_clean(exclude=["name", "slug"])
        current.save(update_fields=list(changes))
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.ORGANIZATION_CHANGED,
            organization=current,
            details={"changed": changes},
        )
    for name in changes:
        setattr(organization, name, getattr(current, name))
    return list(changes)

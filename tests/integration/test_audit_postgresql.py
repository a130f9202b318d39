"""On PostgreSQL the audit log refuses UPDATE and DELETE from anyone, not only from the app."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent

pytestmark = pytest.mark.integration


@pytest.fixture
def event(postgresql, organization, coordinator_user) -> AuditEvent:
    return audit_record(
        request=None,
        actor=coordinator_user,
        action=AuditAction.EXPORT,
        organization=organization,
        details={"row_count": 12, "checksum": "ab" * 32},
    )


def test_a_raw_update_of_an_audit_event_is_rejected_by_the_database(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accounts_auditevent SET action = 'login', details = '{}' WHERE id = %s",
            [event.pk],
        )
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORT
    assert event.details == {"row_count": 12, "checksum": "ab" * 32}


def test_a_raw_delete_of_the_audit_log_is_rejected_by_the_database(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_events_are_still_added(event, coordinator_user):
    audit_record(request=None, actor=coordinator_user, action=AuditAction.LOGOUT)
    assert AuditEvent.objects.count() == 2


def test_removing_a_person_never_touches_the_log(event, coordinator_user):
    # No foreign-key constraint, nothing done on delete: the trigger is never asked to allow
    # an UPDATE, and the event keeps the id and address of whoever it was.
    pk = coordinator_user.pk
    coordinator_user.delete()
    event.refresh_from_db()
    assert (event.actor_id, event.actor_email) == (pk, "cora@example.org")

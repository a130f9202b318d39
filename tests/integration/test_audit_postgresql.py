"""On PostgreSQL the audit log refuses UPDATE, DELETE and TRUNCATE from anyone, not only from the app."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
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


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE accounts_auditevent",
        "TRUNCATE accounts_auditevent CASCADE",
        "TRUNCATE TABLE ONLY accounts_auditevent RESTART IDENTITY",
        # What `manage.py sqlflush` prints: every table at once, with CASCADE.
        "TRUNCATE accounts_organization, accounts_auditevent RESTART IDENTITY CASCADE",
    ],
)
def test_truncating_the_audit_log_as_the_apps_database_user_is_rejected(
    postgresql, transactional_db, coordinator_user, statement
):
    # The probe's steps: a log of 512 events, TRUNCATE as the app's database user, count again.
    # Committed, as they were: TRUNCATE refuses tables with checks still pending in the
    # transaction before any trigger would be asked.
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=coordinator_user, actor_email=coordinator_user.email, action="login")
        for _ in range(512)
    )
    assert AuditEvent.objects.count() == 512

    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert AuditEvent.objects.count() == 512


def test_a_superusers_flush_still_empties_the_log(postgresql, transactional_db, event):
    # `manage.py flush` (and the test suite between transactional tests) runs as a superuser
    # here, which may switch the trigger off for its own transaction; the app's user may not.
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)


def test_the_apps_own_user_cannot_flush_the_log_either(postgresql, event):
    # The app's database user as production has it: owns the tables, is not a superuser. Made
    # inside the test's transaction, so the role disappears with it.
    role = f"stillwater_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOSUPERUSER")
        cursor.execute(f"ALTER TABLE accounts_auditevent OWNER TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            with pytest.raises(CommandError) as refused:
                call_command("flush", interactive=False, verbosity=0)
            with (
                pytest.raises(DatabaseError, match="append-only: TRUNCATE"),
                transaction.atomic(),
            ):
                cursor.execute("TRUNCATE accounts_auditevent")
        finally:
            cursor.execute("RESET ROLE")
    assert "permission denied to set parameter" in str(refused.value.__cause__)
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

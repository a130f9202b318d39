"""Guarantees people rely on that hold because production runs on PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from accounts.models import Invitation, User, hash_token
from accounts.services import InvitationError, invitation_accept

pytestmark = pytest.mark.integration


def test_a_second_account_for_the_same_address_in_other_letter_case_is_refused(
    postgresql, participant
):
    # The manager lower-cases addresses; the constraint is what stops any other path
    # (admin, shell, a future import) from making "Pat@Example.org" a second person.
    with (
        pytest.raises(IntegrityError, match="user_email_unique_case_insensitive"),
        transaction.atomic(),
    ):
        User.objects.create(email="Pat@Example.org")

    assert User.objects.filter(email__iexact="pat@example.org").count() == 1


def _waiting_for_a_lock() -> int:
    """Other sessions on this database that are blocked on a lock right now."""
    with connection.cursor() as cursor:
        # pg_stat_activity is a snapshot held for the whole transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_an_invitation_accepted_twice_at_once_is_used_only_once(
    postgresql, transactional_db, organization, coordinator_user
):
    token = "double-submitted-invitation-token"
    invitation = Invitation.objects.create(
        organization=organization,
        email="newcomer@example.org",
        full_name="New Comer",
        token_hash=hash_token(token),
        invited_by=coordinator_user,
        expires_at=timezone.now() + timedelta(days=14),
    )

    def accept() -> User | InvitationError:
        # Each thread has its own connection, as two web requests would.
        try:
            return invitation_accept(token=token, password="slow-river-morning-light")
        except InvitationError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        # Hold the row so that both acceptances are provably in flight together; without the
        # service's row lock they would not wait here and would both read "not yet accepted".
        with transaction.atomic():
            Invitation.objects.select_for_update().get(pk=invitation.pk)
            futures = [pool.submit(accept), pool.submit(accept)]
            deadline = time.monotonic() + 10
            while _waiting_for_a_lock() < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            waiting = _waiting_for_a_lock()
        outcomes = [future.result(timeout=30) for future in futures]

    assert waiting == 2, f"expected both acceptances to wait for the invitation's lock: {outcomes}"
    users = [outcome for outcome in outcomes if isinstance(outcome, User)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, InvitationError)]
    assert len(users) == 1, outcomes
    assert len(errors) == 1, outcomes
    assert "already been used" in str(errors[0])
    invitation.refresh_from_db()
    assert invitation.accepted_by == users[0]
    assert User.objects.filter(email__iexact="newcomer@example.org").count() == 1

"""A reminder leaves through real SMTP from the organization's sender name, at our address."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.utils import timezone

from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.delivery import notification_deliver
from tests.factories import CohortFactory, EnrollmentFactory

pytestmark = pytest.mark.integration

NO_QUIET_HOURS = dt.time(0, 0)  # from midnight to midnight: none at all


def test_a_practice_reminder_arrives_from_the_organizations_sender_name(smtp_server, organization):
    organization.sender_name = "Riverside Wellbeing Team"
    organization.save(update_fields=["sender_name"])
    enrollment = EnrollmentFactory(cohort=CohortFactory(organization=organization))
    person = enrollment.user
    Preferences.objects.create(
        user=person,
        practice_nudges=True,
        quiet_hours_start=NO_QUIET_HOURS,
        quiet_hours_end=NO_QUIET_HOURS,
    )
    now = timezone.now()
    row = Notification.objects.create(
        kind=NotificationKind.PRACTICE_NUDGE,
        dedupe_key=f"practice_nudge:{person.pk}:{now.date().isoformat()}",
        recipient=person,
        enrollment=enrollment,
        send_at=now - dt.timedelta(minutes=1),
        for_date=now.date(),
    )

    notification_deliver(notification_id=row.pk, now=now)

    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT, row.last_error
    [(mail_from, recipients, message)] = smtp_server.messages
    ours = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    assert recipients == [person.email]
    assert message["From"] == f"Riverside Wellbeing Team <{ours}>"
    # The envelope sender stays our address: only the name a person reads changes.
    assert mail_from == ours

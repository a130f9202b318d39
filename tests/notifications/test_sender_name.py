"""Reminders and alerts come from the organization's sender name, at our own address.

A participant's inbox shows "Riverside <noreply@…>" for every message that belongs to an
organization (the coordinator sets the name on the organization settings page); without a name,
or for a message that belongs to no single organization (a facilitator's weekly digest may cover
several), it shows ours. The address never changes: it is the one our mail server may send from.
"""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from django.conf import settings

from sessions.notifications.models import NotificationKind
from tests.notifications.test_messages import render, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ORGANIZATION_KINDS = sorted(set(NotificationKind) - {NotificationKind.WEEKLY_DIGEST})


@pytest.fixture
def named(organization):
    organization.sender_name = "Riverside Wellbeing Team"
    organization.save(update_fields=["sender_name"])
    return organization


@pytest.mark.parametrize("kind", ORGANIZATION_KINDS)
def test_every_message_of_an_organization_comes_from_its_sender_name(
    named,
    world,  # noqa: F811 - the fixture imported above
    kind,
):
    message = render(kind, world)
    name, address = parseaddr(message.from_email)
    assert name == "Riverside Wellbeing Team"
    assert address == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    assert message.message()["From"] == f"Riverside Wellbeing Team <{address}>"


@pytest.mark.parametrize("kind", [NotificationKind.SESSION_24H, NotificationKind.SAFETY_ALERT])
def test_without_a_sender_name_messages_come_from_stillwater(
    world,  # noqa: F811 - the fixture imported above
    kind,
):
    assert render(kind, world).from_email == settings.DEFAULT_FROM_EMAIL


def test_the_weekly_digest_belongs_to_no_one_organization_and_comes_from_stillwater(
    named,
    world,  # noqa: F811 - the fixture imported above
):
    assert render(NotificationKind.WEEKLY_DIGEST, world).from_email == settings.DEFAULT_FROM_EMAIL


def test_a_sender_name_with_a_comma_or_quotes_stays_one_name(
    organization,
    world,  # noqa: F811 - the fixture imported above
):
    organization.sender_name = 'Riverside, "North" team'
    organization.save(update_fields=["sender_name"])
    message = render(NotificationKind.PRACTICE_NUDGE, world)
    name, address = parseaddr(message.message()["From"])
    assert name == 'Riverside, "North" team'
    assert address == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

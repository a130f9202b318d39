"""Invitation e-mail leaves through SMTP and arrives as a readable message with a working link."""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Role
from accounts.services import invitation_create

pytestmark = pytest.mark.integration


def test_invitation_arrives_at_the_smtp_server_as_text_and_html_with_the_accept_link(
    smtp_server, django_capture_on_commit_callbacks, organization, coordinator_user, client
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization,
            email="Fay.New@Example.org",
            role=Role.FACILITATOR,
            invited_by=coordinator_user,
            full_name="Fay New",
        )

    assert len(smtp_server.messages) == 1, "the SMTP server received no invitation"
    assert mail.outbox == [], "the message went to the test outbox, not through SMTP"
    mail_from, recipients, message = smtp_server.messages[0]
    assert recipients == ["fay.new@example.org"]
    assert message["To"] == "fay.new@example.org"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert mail_from == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    assert "has invited you to Stillwater" in message["Subject"]

    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    link = re.search(r"https?://\S+/invitations/[\w-]+/", parts["text/plain"])
    assert link, parts["text/plain"]
    assert f'href="{link.group()}"' in parts["text/html"]

    # The link in the message is the invitation's, not merely something shaped like it.
    response = client.get(urlsplit(link.group()).path)
    assert response.status_code == 200
    assert "accounts/invitation_accept.html" in [t.name for t in response.templates]

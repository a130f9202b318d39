"""The one helper that renders and sends an e-mail triplet (subject, plain text, HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def email_render(*, template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render emails/<template>-subject.txt, -body.txt and -body.html."""
    ctx = {"site_url": settings.SITE_URL, **context}
    # A header may not contain a line break; templates end with a newline.
    subject = " ".join(render_to_string(f"emails/{template}-subject.txt", ctx).split())
    text = render_to_string(f"emails/{template}-body.txt", ctx)
    html = render_to_string(f"emails/{template}-body.html", ctx)
    return subject, text, html


def sender_address(sender_name: str = "") -> str:
    """DEFAULT_FROM_EMAIL, with an organization's sender name in place of ours when it has one.

    Only the name changes: the address stays the one our mail server may send from.
    """
    if not sender_name.strip():
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((sender_name.strip(), parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def email_send(
    *,
    template: str,
    to: Sequence[str],
    context: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    sender_name: str = "",
) -> None:
    """Send a rendered triplet: plain text first, HTML as the alternative."""
    subject, text, html = email_render(template=template, context=context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender_address(sender_name),
        to=list(to),
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    message.send()

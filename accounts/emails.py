"""The one helper that renders and sends an e-mail triplet (subject, plain text, HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def email_send(
    *,
    template: str,
    to: Sequence[str],
    context: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a rendered triplet: plain text first, HTML as the alternative."""
    subject, text, html = email_render(template=template, context=context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    message.send()

"""allauth adapters: Stillwater is invitation-only."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through a coordinator's invitation (accounts.services.invitation_accept),
        # never through a public sign-up form.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's messages end with the site address; ours is configured, not the Host header.
        context = {**context, "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)

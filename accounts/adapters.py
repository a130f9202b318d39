"""allauth adapters: Stillwater is invitation-only."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through a coordinator's invitation (accounts.services.invitation_accept),
        # never through a public sign-up form.
        return False

"""API authentication: `Authorization: Bearer sw_...` only. No session, no cookie, so no CSRF.

A missing, malformed, unknown, revoked or expired token gets 401 with a message that says
which; a known token that failed (revoked, expired) is still audited, since someone holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import Organization
from sessions.api.models import ApiToken
from sessions.api.services import api_call_audit, api_token_touch
from sessions.api.tokens import token_matches, token_prefix


@dataclass
class ApiClient:
    """Who calls the API: a token of one organization (request.user in API views)."""

    token: ApiToken
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True

    @property
    def organization(self) -> Organization:
        return self.token.organization

    def has_scope(self, scope: str) -> bool:
        return self.token.has_scope(scope)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode("latin-1").lower() != self.keyword.lower() or len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This is not an API token.") from None
        prefix = token_prefix(raw)
        token = (
            ApiToken.objects.select_related("organization").filter(prefix=prefix).first()
            if prefix
            else None
        )
        if token is None or not token_matches(raw, token.key_hash):
            raise exceptions.AuthenticationFailed("This API token is not known.")
        if not token.is_usable():
            why = "was revoked" if token.revoked_at else "has expired"
            api_call_audit(request=request._request, token=token, status=401)
            raise exceptions.AuthenticationFailed(
                f"This API token {why}. A coordinator can make a new one on the API page."
            )
        api_token_touch(token=token)
        return ApiClient(token), token

    def authenticate_header(self, request: Any) -> str:
        # Makes DRF answer 401 (not 403) without a token, with this challenge.
        return 'Bearer realm="api"'

"""Scopes: every token reads; enrolling and identifiable data need their own scope (else 403)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from sessions.api.authentication import ApiClient
from sessions.api.models import ApiScope

SAFE = ("GET", "HEAD", "OPTIONS")


class TokenScope(BasePermission):
    """Reads need `read` (every token); writes need the view's `write_scope` (default enroll)."""

    message = "This API token may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        needed = (
            ApiScope.READ
            if request.method in SAFE
            else getattr(view, "write_scope", ApiScope.ENROLL)
        )
        if not client.has_scope(needed):
            self.message = (
                f"This API token does not have the “{needed}” scope. A coordinator can make a "
                "token with it on the API page."
            )
            return False
        return True

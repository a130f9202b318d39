"""The rate limit: so many calls per token per minute (STILLWATER_API_RATE), then 429."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from sessions.api.authentication import ApiClient


class ApiTokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.user
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.token.pk}

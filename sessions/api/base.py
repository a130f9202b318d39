"""What every API view shares: token authentication, scopes, rate limit, an audit event per call.

API views subclass ApiMixin (with a DRF generic view or viewset). They are exempt from the
sign-in middleware (the token is the sign-in) and from CSRF (no cookie is ever read).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.api.authentication import ApiClient, ApiTokenAuthentication
from sessions.api.permissions import TokenScope
from sessions.api.services import api_call_audit
from sessions.api.throttling import ApiTokenThrottle


class ApiMixin:
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [TokenScope]
    throttle_classes = [ApiTokenThrottle]

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        return login_not_required(super().as_view(*args, **kwargs))  # type: ignore[misc]

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        # DRF also hands the token's client to Django's request; put the anonymous user back,
        # so the middleware around the view (idle logoff, change history) never takes a token
        # for a signed-in person: no session is written and no cookie is sent.
        request._request.user = AnonymousUser()

    def audit_rows(self, response: Response) -> tuple[int | None, list[str]]:
        """Rows and participant codes in a response, for its audit event. Views that return
        participants' data override it; the default counts a page's `results`."""
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = data["results"]
            codes = [r.get("participant_code") for r in rows if isinstance(r, dict)]
            return len(rows), [c for c in codes if isinstance(c, str)]
        if isinstance(data, dict) and isinstance(data.get("participant_code"), str):
            return 1, [data["participant_code"]]
        return None, []

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        # Answers, codes and schedules: no browser or proxy in between may keep a copy (the
        # pages get this from accounts.headers for a signed-in person; a token is not one).
        add_never_cache_headers(response)
        client = getattr(request, "_user", None)
        if isinstance(client, ApiClient):
            rows, codes = (
                self.audit_rows(response) if isinstance(response, Response) else (None, [])
            )
            api_call_audit(
                request=request._request,
                token=client.token,
                status=response.status_code,
                rows=rows,
                participant_codes=codes,
            )
        return response

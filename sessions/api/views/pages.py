"""The coordinator's API page (tokens: make, show once, revoke), the schema and the docs page."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organization
from sessions.api.forms import ApiTokenForm
from sessions.api.models import ApiToken
from sessions.api.selectors import (
    api_scope_words,
    api_token_get_for_organization,
    api_token_rows_for_organization,
    organization_get_for_api_page,
)
from sessions.api.services import ApiTokenError, api_token_create, api_token_revoke


@require_GET
def api_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The organization's API tokens, a form to make one, and the way to the docs."""
    organization = organization_get_for_api_page(user=request.user, slug=slug)
    return _api_page(request, organization=organization, form=ApiTokenForm())


def _api_page(
    request: AuthenticatedHttpRequest,
    *,
    organization: Organization,
    form: ApiTokenForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "api/api_page.html",
        {
            "organization": organization,
            "rows": api_token_rows_for_organization(organization=organization),
            "form": form,
        },
        status=status,
    )


@require_POST
def api_token_create_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    # Who may is decided first, so everyone else gets 404 rather than a password prompt that
    # would confirm the organization exists.
    organization = organization_get_for_api_page(user=request.user, slug=slug)
    return _create_after_reauthentication(request, organization=organization)


def _create(request: AuthenticatedHttpRequest, *, organization: Organization) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = api_token_create(
                organization=organization,
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ApiTokenError as exc:
            form.add_error(None, str(exc))
        else:
            return _secret_page(request, token=token, raw=raw)
    return _api_page(request, organization=organization, form=form, status=400)


def _secret_page(request: HttpRequest, *, token: ApiToken, raw: str) -> HttpResponse:
    # The secret exists only in this response: it is not stored (only its hash is), not put in
    # the session, and no cache or back button may keep the page. Reloading cannot show it
    # again; the coordinator makes a new token instead.
    response = render(
        request,
        "api/token_created.html",
        {
            "organization": token.organization,
            "token": token,
            "raw": raw,
            "scopes": api_scope_words(token.scopes),
        },
    )
    add_never_cache_headers(response)
    return response


@require_POST
def api_token_revoke_view(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = organization_get_for_api_page(user=request.user, slug=slug)
    token = api_token_get_for_organization(organization=organization, pk=pk)
    return _revoke_after_reauthentication(request, token=token)


def _revoke(request: AuthenticatedHttpRequest, *, token: ApiToken) -> HttpResponse:
    if api_token_revoke(token=token, by=request.user):
        messages.success(
            request,
            f"The token “{token.name}” is revoked. Programs that use it are refused from now on.",
        )
    else:
        messages.info(request, f"The token “{token.name}” was already revoked.")
    return redirect("api_page", slug=token.organization.slug)


# A token reads the organization's data without anyone signed in, so making one (and stopping
# one) asks for the password again, as the organization settings do. allauth keeps a suspended
# POST and runs it after the password, so what was typed in the form is not lost.
_create_after_reauthentication = reauthentication_required(_create)
_revoke_after_reauthentication = reauthentication_required(_revoke)


class _PublicSchemaView(SpectacularJSONAPIView):
    # The schema describes the API, not anyone's data: public, with no token, cookie or limit.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []


schema_view = login_not_required(_PublicSchemaView.as_view())


@login_not_required
@require_GET
def docs_view(request: HttpRequest) -> HttpResponse:
    """The API's documentation: Swagger UI from our own static files, reading /api/schema/."""
    return render(request, "api/docs.html")

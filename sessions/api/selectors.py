"""Reads for the coordinator's API page: the organization by its slug, and its tokens.

Only the organization's own coordinators reach either; everyone else gets 404, so neither the
organization's pages nor a token's number tell an outsider anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Organization, User
from accounts.selectors import organization_get_for_coordinator
from sessions.api.models import ApiScope, ApiToken


def organization_get_for_api_page(*, user: User, slug: str) -> Organization:
    """An organization this user coordinates, or 404 (its facilitators and everyone else)."""
    return organization_get_for_coordinator(user=user, slug=slug)


def api_token_list_for_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    """The organization's tokens, newest first, with who made and revoked them (one query)."""
    return ApiToken.objects.filter(organization=organization).select_related(
        "created_by", "revoked_by"
    )


def api_token_get_for_organization(*, organization: Organization, pk: int) -> ApiToken:
    """A token of this organization, or 404 (another organization's token is not there)."""
    token = (
        ApiToken.objects.filter(organization=organization, pk=pk)
        .select_related("organization")
        .first()
    )
    if token is None:
        raise Http404
    return token


@dataclass(frozen=True)
class ApiTokenRow:
    """One line of the API page's table: the token, what it may do and its state, in words."""

    token: ApiToken
    scopes: list[str]
    status: str  # "Active", "Expired" or "Revoked"

    @property
    def is_revocable(self) -> bool:
        # An expired token can still be revoked: so its row says plainly that nobody may use it.
        return self.token.revoked_at is None


def api_token_rows_for_organization(
    *, organization: Organization, now: dt.datetime | None = None
) -> list[ApiTokenRow]:
    """The organization's tokens as the API page shows them, newest first."""
    now = now or timezone.now()
    rows = []
    for token in api_token_list_for_organization(organization=organization):
        if token.revoked_at is not None:
            status = "Revoked"
        elif token.expires_at <= now:
            status = "Expired"
        else:
            status = "Active"
        rows.append(ApiTokenRow(token=token, scopes=api_scope_words(token.scopes), status=status))
    return rows


def api_scope_words(scopes: list[str]) -> list[str]:
    """What a token may do, in the words the page uses; reading is always first."""
    words = [ApiScope.READ.label]
    words += [ApiScope(s).label for s in (ApiScope.ENROLL, ApiScope.IDENTIFIABLE) if s in scopes]
    return [str(w) for w in words]

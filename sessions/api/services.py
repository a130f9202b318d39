"""Writes of the API app: tokens made and revoked, and one audit event per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization, User
from sessions.api.models import ApiScope, ApiToken
from sessions.api.tokens import token_hash, token_new

# Last use is written at most this often per token, so a busy client does not write a row on
# every call (the audit log has every call anyway).
LAST_USED_GRAIN = dt.timedelta(minutes=1)


class ApiTokenError(ValueError):
    """A token cannot be made or revoked as asked; the message says why."""


def api_token_create(
    *,
    organization: Organization,
    by: User,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime,
) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is never stored and never shown again."""
    name = name.strip()
    if not name:
        raise ApiTokenError("Give the token a name that says what it is for.")
    chosen = sorted({ApiScope(s).value for s in scopes} | {ApiScope.READ.value})
    if expires_at <= timezone.now():
        raise ApiTokenError("Choose an expiry date in the future.")
    raw, prefix = token_new()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name,
            prefix=prefix,
            key_hash=token_hash(raw),
            scopes=chosen,
            created_by=by,
            expires_at=expires_at,
        )
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.API_TOKEN_CREATED,
            obj=token,
            organization=organization,
            details={
                "name": name,
                "prefix": prefix,
                "scopes": chosen,
                "expires": expires_at.date().isoformat(),
            },
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User) -> bool:
    """Revoke a token at once; False when it was already revoked (nothing changes)."""
    now = timezone.now()
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if not changed:
            return False
        token.refresh_from_db()
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.API_TOKEN_REVOKED,
            obj=token,
            organization=token.organization,
            details={"name": token.name, "prefix": token.prefix},
        )
    return True


def api_token_touch(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Note that the token was used (at most once a minute)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_call_audit(
    *,
    request: HttpRequest,
    token: ApiToken,
    status: int,
    rows: int | None = None,
    participant_codes: Iterable[str] = (),
) -> None:
    """One audit event for one API call: which token, what was asked, what was answered.

    Like an export: the organization, the token (in place of a person), the path and its
    filters, the status, the number of rows, and the participants whose data left.
    """
    audit_record(
        request=request,
        actor=None,
        actor_email=f"API token {token.prefix}",
        action=AuditAction.API_CALL,
        obj=token,
        organization=token.organization,
        details={
            "method": request.method,
            "path": request.path,
            "query": request.GET.urlencode(),
            "status": status,
            "rows": rows,
            "token": token.name,
        },
        participant_codes=participant_codes,
    )

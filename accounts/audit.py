"""The audit log: `audit_record` appends one AuditEvent; the receivers below feed it sign-ins.

Views call audit_record for every page that shows a participant's answers, scores or notes;
services call it for exports, role and enrollment changes and safety acknowledgements. An
event says *that* something was seen or done (object, counts, filters, checksum), never the
answers themselves. Writing the event is part of the action: if it cannot be written, the
page or change fails rather than go unrecorded.

The receivers are connected in AccountsConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.signals import authentication_step_completed, login_code_rejected
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpRequest
from simple_history.models import HistoricalRecords

from .models import AuditAction, AuditEvent, Organization, User

EMAIL_LENGTH = AuditEvent._meta.get_field("actor_email").max_length or 254


def _request_in_context() -> HttpRequest | None:
    # simple-history's HistoryRequestMiddleware keeps the current request for this thread,
    # so a service called from a view still records the address it came from.
    return getattr(HistoricalRecords.context, "request", None)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as allauth sees it: ALLAUTH_TRUSTED_PROXY_COUNT / _HEADER apply."""
    if request is None:
        return None
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No usable address (or a proxy setting that does not match the request): the event
        # is still worth more than the address, so it is recorded without one.
        return None


def audit_record(
    *,
    request: HttpRequest | None,
    actor: User | Any | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    organization: Organization | None = None,
    details: dict[str, Any] | None = None,
    participant_codes: Iterable[str] = (),
    actor_email: str = "",
) -> AuditEvent:
    """Append one event to the audit log: who, what, about which object, when and from where.

    `actor` may be None or anonymous (then `actor_email` says who tried, e.g. at a failed
    sign-in); `participant_codes` name the participants whose data was shown or changed (an
    object with a `participant_code`, such as an Enrollment, names its own).
    """
    if request is None:
        request = _request_in_context()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    codes = list(participant_codes)
    own_code = getattr(obj, "participant_code", None)
    if not codes and isinstance(own_code, str) and own_code:
        codes = [own_code]
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email.strip().lower())[
            :EMAIL_LENGTH
        ],
        organization=organization,
        action=AuditAction(action),
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        participant_codes=" ".join(sorted(set(codes))),
        details=details or {},
        ip_address=client_ip(request),
    )


def history_record_change(*, instance: models.Model, by: User | None) -> None:
    """Add a change-history row for a row changed by a conditional UPDATE (which sends no signal).

    django-simple-history records saves; a `filter(...).update(...)` that guards against a
    race bypasses it, so such services call this with the refreshed instance.
    """
    manager = instance.history  # type: ignore[attr-defined]
    manager.bulk_history_create([instance], update=True, default_user=by)


# --- receivers: sign-in, sign-out, two-factor -----------------------------------------------


def _methods(request: HttpRequest | None, user: User) -> list[str]:
    if request is None or not hasattr(request, "session"):
        return []
    methods = [str(r.get("method", "")) for r in get_authentication_records(request, user)]
    return list(dict.fromkeys(m for m in methods if m))


def on_user_logged_in(
    sender: object, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    audit_record(
        request=request,
        actor=user,
        action=AuditAction.LOGIN,
        details={"methods": _methods(request, user)},
    )


def on_user_logged_out(
    sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:
        return
    audit_record(request=request, actor=user, action=AuditAction.LOGOUT)


def on_user_login_failed(
    sender: object,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    tried = str(
        credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A wrong password while confirming identity again: the person is known.
        audit_record(
            request=request,
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            details={"reauthentication": True},
        )
        return
    audit_record(
        request=request,
        actor=None,
        actor_email=tried,
        action=AuditAction.LOGIN_FAILED,
        details={"method": "password"},
    )


def on_login_code_rejected(
    sender: object, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    audit_record(
        request=request,
        actor=None,
        actor_email=user.email,
        action=AuditAction.LOGIN_FAILED,
        details={"method": "code", "last_attempt": bool(kwargs.get("last_attempt"))},
    )


def on_authentication_step_completed(
    sender: object, request: HttpRequest | None, user: User, method: str, **kwargs: Any
) -> None:
    # Every sign-in step sends this; only a confirmation of identity is an event of its own
    # (the sign-in itself is recorded once, by user_logged_in).
    if kwargs.get("reauthenticated"):
        audit_record(
            request=request,
            actor=user,
            action=AuditAction.REAUTHENTICATED,
            details={"method": method},
        )


def _authenticator_details(authenticator: Any) -> dict[str, Any]:
    return {"type": str(getattr(authenticator, "type", ""))}


def _on_authenticator_change(action: str) -> Callable[..., None]:
    """A receiver for one of allauth's authenticator signals, recording it as `action`."""

    def receiver(
        sender: object, request: HttpRequest | None, user: User, authenticator: Any, **kwargs: Any
    ) -> None:
        audit_record(
            request=request,
            actor=user,
            action=action,
            obj=authenticator,
            details=_authenticator_details(authenticator),
        )

    return receiver


on_authenticator_added = _on_authenticator_change(AuditAction.MFA_ADDED)
on_authenticator_removed = _on_authenticator_change(AuditAction.MFA_REMOVED)
on_authenticator_reset = _on_authenticator_change(AuditAction.MFA_RESET)


def on_mfa_authentication_failed(
    sender: object, request: HttpRequest | None, user: User, authenticator: Any, **kwargs: Any
) -> None:
    signed_in = request is not None and getattr(request, "user", None) == user
    audit_record(
        request=request,
        # Before the sign-in completes, the person is not signed in: say whose account it was.
        actor=user if signed_in else None,
        actor_email=user.email,
        action=AuditAction.MFA_FAILED,
        details={
            **_authenticator_details(authenticator),
            "reauthentication": bool(kwargs.get("reauthentication")),
        },
    )


def receivers_connect() -> None:
    """Connect the sign-in and two-factor receivers (once; dispatch_uid guards repeats)."""
    pairs = [
        (user_logged_in, on_user_logged_in),
        (user_logged_out, on_user_logged_out),
        (user_login_failed, on_user_login_failed),
        (login_code_rejected, on_login_code_rejected),
        (authentication_step_completed, on_authentication_step_completed),
        (authenticator_added, on_authenticator_added),
        (authenticator_removed, on_authenticator_removed),
        (authenticator_reset, on_authenticator_reset),
        (authentication_failed, on_mfa_authentication_failed),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"accounts.audit.{receiver.__name__}")

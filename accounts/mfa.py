"""Staff reach staff pages only after two-factor authentication.

allauth offers TOTP but has no setting that requires it (pennersr/django-allauth#3649), so this
middleware does: a facilitator, coordinator or Django staff user whose session did not pass a
second factor is sent to set up an authenticator app (none yet) or to enter a code from it.
Participants are never asked; they may sign in with a password or an e-mailed code.

What stays reachable without the second factor: allauth's pages under /accounts/ (sign in and
out, setting up the app, entering a code), static files (served before this middleware runs)
and every public page (views marked login_not_required, such as the help page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .models import Role, User
from .selectors import memberships_prefetch

# The authenticators that count as a second factor; recovery codes only stand in for one.
SECOND_FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
_STAFF_ROLES = {Role.COORDINATOR, Role.FACILITATOR}
_EXEMPT_ATTRIBUTE = "mfa_not_required"

_View = TypeVar("_View", bound=Callable[..., Any])


def mfa_not_required(view: _View) -> _View:
    """Mark a signed-in view that staff may reach before their second factor (keep-alive)."""
    setattr(view, _EXEMPT_ATTRIBUTE, True)
    return view


def user_is_staff(user: User) -> bool:
    """Facilitators, coordinators and Django staff: the people who see other people's answers.

    The memberships are prefetched onto the user, so the navigation and landing pages, which
    read `user.memberships.all()` later in the same request, do not query them again.
    """
    if user.is_staff:
        return True
    memberships_prefetch(user=user)
    return any(membership.role in _STAFF_ROLES for membership in user.memberships.all())


def session_passed_mfa(request: HttpRequest, user: User) -> bool:
    """Whether this session's sign-in (or a later check) included a second factor."""
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def signed_in_user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # request.user is a lazy proxy; prefetching needs the model instance behind it.
    user = getattr(user, "_wrapped", user)
    # Only a person signs in: anything else (an API token's client) has no session to keep.
    return user if isinstance(user, User) else None


def _with_next(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(url_name)}?{query}")


class RequireStaffMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.activate_path = reverse("mfa_activate_totp")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        activating = (
            user is not None
            and request.method == "POST"
            and request.path_info == self.activate_path
            and not is_mfa_enabled(user, SECOND_FACTOR_TYPES)
        )
        response = self.get_response(request)
        if activating and user is not None:
            self._count_activation_as_second_factor(request, user)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = signed_in_user(request)
        if user is None or session_passed_mfa(request, user):
            return None
        if self._exempt(request, view_func) or not user_is_staff(user):
            return None
        if not is_mfa_enabled(user, SECOND_FACTOR_TYPES):
            messages.info(
                request,
                "Staff accounts need a second step when signing in. Set up an authenticator "
                "app now; it takes about two minutes.",
            )
            return _with_next("mfa_activate_totp", request)
        # Signed in without the code (before the app was set up, or a session from before
        # this rule): ask for it now; allauth's check brings them back to this page.
        return _with_next("mfa_reauthenticate", request)

    @staticmethod
    def _exempt(request: HttpRequest, view_func: Callable[..., Any]) -> bool:
        if request.path_info.startswith("/accounts/"):
            return True
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        if getattr(view_func, _EXEMPT_ATTRIBUTE, False):
            return True
        # Public pages (help, invitations, calendar feeds) are open to anyone signed out, so
        # a signed-in staff member may see them too.
        return getattr(view_func, "login_required", True) is False

    @staticmethod
    def _count_activation_as_second_factor(request: HttpRequest, user: User) -> None:
        """Setting up the app means typing a valid code from it, which is the second factor.

        allauth records no authentication when TOTP is activated, so without this a staff
        member who has just set up their app would at once be asked for another code.
        """
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            return
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
        )

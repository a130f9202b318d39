"""Which organization a member of staff is working in, for someone who works in several.

The choice lives in the session (it is about this sitting, not the account) and is only ever
set by `working_organization_choose`, after checking the person is staff there. For every
request, `WorkingOrganizationMiddleware` hands the choice to accounts.selectors, which resolve it
(`membership_get_working`): a choice whose membership has since been removed falls back to the
person's most recent membership, so a stale session can never reach an organization they left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, HttpRequest, HttpResponse

from .models import Organization, User
from .selectors import (
    WORKING_CHOICE_ATTR,
    membership_forget_cached,
    membership_get_working,
    membership_list_for_staff,
)

SESSION_KEY = "working_organization_id"


def working_organization_choose(
    *, session: SessionBase, user: User, organization_id: int
) -> Organization:
    """Work in this organization for the rest of the session; 404 unless the person is staff
    there (nothing is changed then)."""
    # Read afresh: the check must see a membership removed a moment ago.
    membership_forget_cached(user=user)
    membership = next(
        (m for m in membership_list_for_staff(user=user) if m.organization_id == organization_id),
        None,
    )
    if membership is None:
        raise Http404
    session[SESSION_KEY] = organization_id
    setattr(user, WORKING_CHOICE_ATTR, organization_id)
    return membership.organization


def working_organization_context(*, user: User) -> dict[str, Any]:
    """What the header says about it: where they are working, and whether they can change it
    (staff of two or more organizations only)."""
    memberships = membership_list_for_staff(user=user)
    working = membership_get_working(user=user)
    return {
        "working_organization": working.organization if working is not None else None,
        "can_change_organization": len({m.organization_id for m in memberships}) > 1,
    }


class WorkingOrganizationMiddleware:
    """Hands the session's choice to the selectors through the user object, so every page and
    selector given `request.user` works in the chosen organization. Costs no query: the choice
    is resolved against the memberships only when a page asks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        choice = session.get(SESSION_KEY) if session is not None else None
        if isinstance(choice, int) and request.user.is_authenticated:
            setattr(request.user, WORKING_CHOICE_ATTR, choice)
        return self.get_response(request)

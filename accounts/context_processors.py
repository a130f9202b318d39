"""Role-aware navigation, worked out once per request instead of in templates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .selectors import user_get_role

_NAV = {
    "participant": [("participant_home", "My course"), ("profile", "My details")],
    "facilitator": [("facilitator_home", "My cohorts"), ("profile", "My details")],
    "coordinator": [
        ("coordinator_home", "Organization"),
        ("invitation_create", "Invite someone"),
        ("profile", "My details"),
    ],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_role": None}
    role = user_get_role(user=user)
    current = request.path
    items = []
    for name, label in _NAV[role]:
        url = reverse(name)
        items.append({"url": url, "label": label, "current": current == url})
    return {"nav_items": items, "nav_role": role}

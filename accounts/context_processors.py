"""Role-aware navigation, worked out once per request instead of in templates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .selectors import user_get_role
from .switching import working_organization_context

# URL names of later apps are plain strings here: accounts links to them without importing them.
_NAV = {
    "participant": [
        ("reports:participant_home", "My course"),
        ("program_sessions:practice_list", "Practice log"),
        ("questionnaires:results_mine", "My results"),
        ("program_sessions:calendar_settings", "Calendar"),
        ("profile", "My details"),
    ],
    "facilitator": [
        ("reports:worklist", "Today"),
        ("programs:cohort_list", "My cohorts"),
        ("program_sessions:calendar_settings", "Calendar"),
        ("profile", "My details"),
    ],
    "coordinator": [
        ("reports:landing", "Today"),
        ("programs:cohort_list", "Cohorts"),
        ("trials:study_list", "Studies"),
        ("authoring:program_list", "Programs"),
        ("reports:reports_overview", "Overview"),
        ("coordinator_home", "Organization"),
        ("invitation_create", "Invite someone"),
        ("program_sessions:calendar_settings", "Calendar"),
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
    return {"nav_items": items, "nav_role": role, **working_organization_context(user=user)}

"""The audit log page: coordinators search their organization's log. Read only: no view edits it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .forms import AuditFilterForm
from .http import AuthenticatedHttpRequest
from .models import Role
from .selectors import audit_event_list_for_organization, membership_get_for_user

PER_PAGE = 50


def _start_of_day(day: dt.date) -> dt.datetime:
    # A day in the viewer's zone (UserTimezoneMiddleware activates it), as an instant.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@require_GET
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who did what, when and from where in the coordinator's organization, newest first."""
    user = request.user
    organization = membership_get_for_user(user=user, role=Role.COORDINATOR).organization
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "person": data["person"],
                "action": data["action"],
                "participant_code": data["participant"],
                "since": _start_of_day(data["since"]) if data["since"] else None,
                "until": _start_of_day(data["until"] + dt.timedelta(days=1))
                if data["until"]
                else None,
            }
        else:
            status = 400
    events = audit_event_list_for_organization(organization=organization, **filters)
    page = Paginator(events if status == 200 else events.none(), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/auditevent_list.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "is_filtered": bool(filters and any(filters.values())),
            "is_valid": status == 200,
        },
        status=status,
    )

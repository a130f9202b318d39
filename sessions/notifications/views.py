"""Reminder settings, one-click unsubscribe, and the delivery log staff use to see what was sent."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.selectors import membership_get_for_user
from sessions.notifications.forms import PreferencesForm, SendNowForm
from sessions.notifications.models import NotificationKind
from sessions.notifications.selectors import (
    assessment_of_enrollment,
    notification_list_for_enrollment,
    notification_list_problems_for_organization,
    preference_sections_for,
    preferences_get,
    send_now_choices_get,
)
from sessions.notifications.services.outbox import NotificationError, notification_send_now
from sessions.notifications.services.unsubscribe import (
    BadUnsubscribeLink,
    preference_label,
    unsubscribe_apply,
    unsubscribe_read,
)

LOG_LIMIT = 200
PROBLEM_LIMIT = 500


def preferences_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What reminders a person gets and when; participants and staff see their own sections."""
    user = request.user
    sections = preference_sections_for(user=user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        instance=preferences_get(user=user),
        participant=sections.participant,
        staff=sections.staff,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your reminder settings are saved.")
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences_form.html",
        {"form": form, "zone": (user.timezone or "UTC").replace("_", " ")},
    )


@login_not_required
@csrf_exempt  # RFC 8058: mail programs POST here without cookies or a form token.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link checkers open links); POST turns that kind of e-mail off and answers 200."""
    try:
        if request.method == "POST":
            _, field = unsubscribe_apply(token=token)
        else:
            _, field = unsubscribe_read(token)
    except BadUnsubscribeLink:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    context = {"label": preference_label(field), "done": request.method == "POST"}
    return render(request, "notifications/unsubscribe.html", context)


def delivery_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every message planned for one participant: what, when, and what became of it."""
    choices = send_now_choices_get(user=request.user, pk=pk)
    rows = list(notification_list_for_enrollment(enrollment=choices.enrollment)[:LOG_LIMIT])
    return render(
        request,
        "notifications/notification_list.html",
        {
            "enrollment": choices.enrollment,
            # A fresh id per button and page view: pressing a button twice, or resubmitting,
            # sends once, while two different buttons on one page each send their own message.
            "questionnaire_buttons": [
                {"assessment": assessment, "click_id": uuid.uuid4()}
                for assessment in choices.open_assessments
            ],
            "invitation": choices.invitation,
            "invitation_click_id": uuid.uuid4(),
            "rows": rows,
            "limit": LOG_LIMIT,
        },
    )


@require_POST
def send_now_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff press 'send now'; the click id keeps a double click to one message."""
    choices = send_now_choices_get(user=request.user, pk=pk)
    enrollment = choices.enrollment
    form = SendNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This page is out of date. Reload it and try again.")
        return redirect("notifications:delivery_log", pk)
    kind = form.cleaned_data["kind"]
    assessment = None
    if kind == NotificationKind.QUESTIONNAIRE_OPEN:
        assessment = assessment_of_enrollment(
            enrollment=enrollment, pk=form.cleaned_data["assessment"]
        )
    try:
        notification = notification_send_now(
            kind=kind,
            enrollment=enrollment,
            requested_by=request.user,
            click_id=str(form.cleaned_data["click_id"]),
            assessment=assessment,
            invitation=choices.invitation,
        )
    except NotificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{notification.get_kind_display()}: on its way to {enrollment.participant_code}.",
        )
    return redirect("notifications:delivery_log", pk)


def delivery_problems(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: messages that failed or whose fate is unknown, across the organization."""
    membership = membership_get_for_user(user=request.user, role=Role.COORDINATOR)
    rows = list(
        notification_list_problems_for_organization(organization_id=membership.organization_id)[
            :PROBLEM_LIMIT
        ]
    )
    return render(
        request,
        "notifications/notification_problems.html",
        {"rows": rows, "limit": PROBLEM_LIMIT, "organization": membership.organization},
    )


urlpatterns = [
    path("settings/reminders/", preferences_view, name="preferences"),
    path("u/<str:token>/", unsubscribe_view, name="unsubscribe"),
    path("enrollments/<int:pk>/messages/", delivery_log, name="delivery_log"),
    path("enrollments/<int:pk>/messages/send/", send_now_view, name="send_now"),
    path("messages/problems/", delivery_problems, name="delivery_problems"),
]

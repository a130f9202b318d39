"""Reminder settings, one-click unsubscribe, and the delivery log staff use to see what was sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Invitation, Membership, Role, User
from accounts.selectors import membership_get_for_user
from programs.access import enrollment_get_for_staff
from programs.models import Enrollment, EnrollmentStatus
from sessions.notifications.forms import PreferencesForm, SendNowForm
from sessions.notifications.models import NotificationKind
from sessions.notifications.selectors import (
    notification_list_for_enrollment,
    notification_list_problems_for_organization,
    preferences_get,
)
from sessions.notifications.services import (
    BadUnsubscribeLink,
    NotificationError,
    notification_send_now,
    unsubscribe_apply,
    unsubscribe_read,
)
from sessions.notifications.services.unsubscribe import preference_label
from sessions.questionnaires.models import Assessment

LOG_LIMIT = 200
PROBLEM_LIMIT = 500


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def preferences_view(request: HttpRequest) -> HttpResponse:
    """What reminders a person gets and when; participants and staff see their own sections."""
    user = _user(request)
    participant = user.enrollments.exists()
    staff = Membership.objects.filter(user=user).exists()
    preferences = preferences_get(user=user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        instance=preferences,
        participant=participant or not staff,
        staff=staff,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your reminder settings are saved.")
        return redirect("notifications:preferences")
    return render(
        request,
        "program_sessions/preferences_form.html",
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
        return render(request, "program_sessions/unsubscribe_invalid.html", status=400)
    context = {"label": preference_label(field), "done": request.method == "POST"}
    return render(request, "program_sessions/unsubscribe.html", context)


@dataclass
class SendNowChoices:
    enrollment: Enrollment
    open_assessments: list[Assessment]
    invitation: Invitation | None


def _send_now_choices(request: HttpRequest, pk: int) -> SendNowChoices:
    """The participant (through the staff selector: others get 404) and what can be sent now."""
    enrollment = enrollment_get_for_staff(user=_user(request), pk=pk)
    now = timezone.now()
    open_assessments = list(
        Assessment.objects.open_at(now)
        .filter(enrollment=enrollment)
        .select_related("measurement_point")
    )
    invitation = None
    # Also for someone switched to active before accepting: only accepting lets them in.
    if not enrollment.is_accepted and enrollment.status in (
        EnrollmentStatus.INVITED,
        EnrollmentStatus.ACTIVE,
    ):
        invitation = (
            Invitation.objects.pending()
            .filter(
                organization_id=enrollment.cohort.organization_id,
                email__iexact=enrollment.user.email,
            )
            .first()
        )
    return SendNowChoices(enrollment, open_assessments, invitation)


def delivery_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Every message planned for one participant: what, when, and what became of it."""
    choices = _send_now_choices(request, pk)
    rows = list(notification_list_for_enrollment(enrollment=choices.enrollment)[:LOG_LIMIT])
    return render(
        request,
        "program_sessions/notification_list.html",
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
def send_now_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff press 'send now'; the click id keeps a double click to one message."""
    choices = _send_now_choices(request, pk)
    enrollment = choices.enrollment
    form = SendNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This page is out of date. Reload it and try again.")
        return redirect("notifications:delivery_log", pk)
    kind = form.cleaned_data["kind"]
    assessment = None
    if kind == NotificationKind.QUESTIONNAIRE_OPEN:
        # Any of this participant's questionnaires, not only the open ones: one completed or
        # closed since the page was loaded gets the service's reason ("already completed"),
        # not "not this participant's". Another participant's is never found here.
        assessment = Assessment.objects.filter(
            enrollment=enrollment, pk=form.cleaned_data["assessment"]
        ).first()
    try:
        notification = notification_send_now(
            kind=kind,
            enrollment=enrollment,
            requested_by=_user(request),
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


def delivery_problems(request: HttpRequest) -> HttpResponse:
    """Coordinators: messages that failed or whose fate is unknown, across the organization."""
    membership = membership_get_for_user(user=_user(request), role=Role.COORDINATOR)
    rows = list(
        notification_list_problems_for_organization(organization_id=membership.organization_id)[
            :PROBLEM_LIMIT
        ]
    )
    return render(
        request,
        "program_sessions/notification_problems.html",
        {"rows": rows, "limit": PROBLEM_LIMIT, "organization": membership.organization},
    )


urlpatterns = [
    path("settings/reminders/", preferences_view, name="preferences"),
    path("u/<str:token>/", unsubscribe_view, name="unsubscribe"),
    path("enrollments/<int:pk>/messages/", delivery_log, name="delivery_log"),
    path("enrollments/<int:pk>/messages/send/", send_now_view, name="send_now"),
    path("messages/problems/", delivery_problems, name="delivery_problems"),
]

"""Participant rights pages: download my data, leave a course, ask for erasure; and the
coordinator's list of erasure requests, where one is completed after re-entering the password."""

from __future__ import annotations

from typing import cast

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.consent import KEEP_CHOICES, consent_get_latest
from accounts.models import AuditAction, ErasureRequest, ErasureStatus, Role, User
from accounts.rights import RightsError, erasure_request_create, erasure_request_get_open
from accounts.selectors import membership_get_for_user
from programs.models import Enrollment
from sessions.rights.forms import ErasureRequestForm, WithdrawForm
from sessions.rights.services import (
    enrollment_list_leavable_for_participant,
    enrollment_map_for_erasure_requests,
    enrollment_withdraw_by_participant,
    erasure_request_complete,
    erasure_request_get_for_coordinator,
    erasure_request_list_for_coordinator,
    participant_data_collect,
    participant_data_json,
    participant_data_zip,
    rights_audit,
    user_is_participant_side,
)

FORMATS = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
}
# Completed requests stay listed for the organization's records; the newest this many.
COMPLETED_LIMIT = 50


def _participant(request: HttpRequest) -> User:
    """The signed-in person, if the rights pages are theirs (no staff role); else 404."""
    user = cast(User, request.user)
    if not user_is_participant_side(user=user):
        raise Http404
    return user


def _no_store(response: HttpResponse) -> HttpResponse:
    # A copy of someone's health data must not stay in a shared browser's or proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def my_data_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Everything Stillwater holds about the participant: one JSON file, or a zip of CSV files."""
    if fmt not in FORMATS:
        raise Http404
    user = _participant(request)
    now = timezone.now()
    tables = participant_data_collect(user=user)
    if fmt == "json":
        content = participant_data_json(tables, user=user, now=now)
    else:
        content = participant_data_zip(tables, user=user, now=now)
    rights_audit(
        person=user,
        actor=user,
        action=AuditAction.DATA_DOWNLOADED,
        details={"format": fmt, "rows": sum(len(t.rows) for t in tables)},
    )
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    filename = (
        f"stillwater-my-data-{timezone.localdate(now, user.zoneinfo).isoformat()}.{extension}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


def withdraw(request: HttpRequest) -> HttpResponse:
    """Leave a course: what happens, an optional reason, and the button that does it."""
    user = _participant(request)
    enrollments = enrollment_list_leavable_for_participant(user=user)
    form = WithdrawForm(request.POST or None, enrollments=enrollments)
    if request.method == "POST" and form.is_valid():
        enrollment: Enrollment = form.cleaned_data["enrollment"]
        try:
            enrollment_withdraw_by_participant(
                enrollment=enrollment, reason=form.cleaned_data["reason"]
            )
        except RightsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"You have left {enrollment.cohort.program.name}. Sessions and reminders for it "
                "have stopped.",
            )
            return redirect("profile")
    latest = consent_get_latest(user=user)
    return render(
        request,
        "program_sessions/rights_withdraw.html",
        {
            "form": form,
            "enrollments": form.fields["enrollment"].queryset,  # type: ignore[attr-defined]
            "keeps_research_data": bool(latest and latest.keep_research_data),
        },
    )


def erasure_request(request: HttpRequest) -> HttpResponse:
    """Ask for one's details to be erased; a coordinator of the organization completes it."""
    user = _participant(request)
    open_request = erasure_request_get_open(user=user)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        try:
            created = erasure_request_create(user=user, reason=form.cleaned_data["reason"])
        except RightsError as exc:
            form.add_error(None, str(exc))
        else:
            rights_audit(person=user, actor=user, action=AuditAction.ERASURE_REQUESTED, obj=created)
            messages.success(
                request,
                "We have your request. A coordinator will erase your details soon. "
                "Until then you can still sign in and download your data.",
            )
            return redirect("rights:erasure_request")
    latest = consent_get_latest(user=user)
    return render(
        request,
        "program_sessions/rights_erasure_request.html",
        {
            "form": form,
            "open_request": open_request,
            "consent": latest,
            "keeps_research_data": bool(latest and latest.keep_research_data),
        },
    )


# --- coordinators -----------------------------------------------------------------------------


def _coordinator(request: HttpRequest) -> User:
    user = cast(User, request.user)
    membership_get_for_user(user=user, role=Role.COORDINATOR)  # 404 for anyone else
    return user


def erasure_request_list(request: HttpRequest) -> HttpResponse:
    """Open erasure requests of the coordinator's organization, then the latest completed ones."""
    user = _coordinator(request)
    requests = erasure_request_list_for_coordinator(user=user)
    open_requests = list(requests.filter(status=ErasureStatus.OPEN))
    completed = list(requests.filter(status=ErasureStatus.COMPLETED)[:COMPLETED_LIMIT])
    enrollments = enrollment_map_for_erasure_requests(
        user=user, requests=[*open_requests, *completed]
    )
    return render(
        request,
        "program_sessions/rights_erasure_list.html",
        {
            "open_requests": [(r, enrollments[r.user_id]) for r in open_requests],
            "completed": [(r, enrollments[r.user_id]) for r in completed],
            "limit": COMPLETED_LIMIT,
        },
    )


def _complete(request: HttpRequest, *, item: ErasureRequest) -> HttpResponse:
    user = cast(User, request.user)
    codes = ", ".join(
        e.participant_code
        for e in enrollment_map_for_erasure_requests(user=user, requests=[item])[item.user_id]
    )
    try:
        erasure_request_complete(erasure_request=item, by=user)
    except RightsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Erasure completed. The person is now known only by their participant code ({codes}).",
        )
    return redirect("rights:erasure_request_list")


# allauth's reauthentication: without a recent password, the POST is held, the password asked
# for, and the same POST carried out afterwards.
_complete_after_reauthentication = reauthentication_required(_complete)


def erasure_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: who, what will be removed and kept; the button that completes it."""
    user = _coordinator(request)
    item = erasure_request_get_for_coordinator(user=user, pk=pk)
    if request.method == "POST":
        if not item.is_open:
            messages.error(request, "This request was already completed.")
            return redirect("rights:erasure_request_list")
        return cast(HttpResponse, _complete_after_reauthentication(request, item=item))
    enrollments = enrollment_map_for_erasure_requests(user=user, requests=[item])[item.user_id]
    latest = consent_get_latest(user=item.user)
    choices = dict(KEEP_CHOICES)
    return render(
        request,
        "program_sessions/rights_erasure_detail.html",
        {
            "item": item,
            "enrollments": enrollments,
            "consent": latest,
            "keeps_research_data": bool(latest and latest.keep_research_data),
            "consent_choice": (
                choices["keep" if latest.keep_research_data else "delete"] if latest else ""
            ),
        },
    )


urlpatterns = [
    path("me/data/<slug:fmt>/", my_data_download, name="my_data_download"),
    path("me/leave/", withdraw, name="withdraw"),
    path("me/erasure/", erasure_request, name="erasure_request"),
    path("erasure-requests/", erasure_request_list, name="erasure_request_list"),
    path("erasure-requests/<int:pk>/", erasure_request_detail, name="erasure_request_detail"),
]

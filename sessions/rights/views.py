"""Participant rights pages: download my data, leave a course, ask for erasure; and the
coordinator's list of erasure requests, where one is completed after re-entering the password."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditAction, ErasureRequest, Role
from accounts.rights import RightsError, erasure_request_create, erasure_request_get_open
from accounts.selectors import membership_get_for_user
from programs.models import Enrollment
from sessions.rights.forms import ErasureRequestForm, WithdrawForm
from sessions.rights.selectors import (
    COMPLETED_LIMIT,
    consent_summary_get,
    enrollment_list_for_erasure_request,
    enrollment_list_leavable_for_participant,
    erasure_request_get_for_coordinator,
    erasure_request_overview_for_coordinator,
    user_is_participant_side,
)
from sessions.rights.services import (
    enrollment_withdraw_by_participant,
    erasure_request_complete,
    participant_data_collect,
    participant_data_json,
    participant_data_zip,
    rights_audit,
)

FORMATS = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
}


P = ParamSpec("P")
View = Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponse]


def _participant_side(view: View[P]) -> View[P]:
    """The participant's rights pages are for people without a staff role; 404 for staff."""

    @wraps(view)
    def wrapped(
        request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        if not user_is_participant_side(user=request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _coordinator_only(view: View[P]) -> View[P]:
    """The erasure request pages are for coordinators; 404 for anyone else."""

    @wraps(view)
    def wrapped(
        request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        membership_get_for_user(user=request.user, role=Role.COORDINATOR)
        return view(request, *args, **kwargs)

    return wrapped


def _no_store(response: HttpResponse) -> HttpResponse:
    # A copy of someone's health data must not stay in a shared browser's or proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@_participant_side
def my_data_download(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """Everything Stillwater holds about the participant: one JSON file, or a zip of CSV files."""
    if fmt not in FORMATS:
        raise Http404
    user = request.user
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


@_participant_side
def withdraw(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Leave a course: what happens, an optional reason, and the button that does it."""
    user = request.user
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
    return render(
        request,
        "rights/withdraw.html",
        {
            "form": form,
            "enrollments": form.fields["enrollment"].queryset,  # type: ignore[attr-defined]
            "keeps_research_data": consent_summary_get(user=user).keeps_research_data,
        },
    )


@_participant_side
def erasure_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for one's details to be erased; a coordinator of the organization completes it."""
    user = request.user
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
    consent = consent_summary_get(user=user)
    return render(
        request,
        "rights/erasure_request.html",
        {
            "form": form,
            "open_request": open_request,
            "consent": consent.consent,
            "keeps_research_data": consent.keeps_research_data,
        },
    )


# --- coordinators -----------------------------------------------------------------------------


@_coordinator_only
def erasure_request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open erasure requests of the coordinator's organization, then the latest completed ones."""
    overview = erasure_request_overview_for_coordinator(user=request.user)
    return render(
        request,
        "rights/erasure_list.html",
        {
            "open_requests": overview.open_requests,
            "completed": overview.completed,
            "limit": COMPLETED_LIMIT,
        },
    )


def _complete(request: AuthenticatedHttpRequest, *, item: ErasureRequest) -> HttpResponse:
    user = request.user
    codes = ", ".join(
        e.participant_code
        for e in enrollment_list_for_erasure_request(user=user, erasure_request=item)
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


@_coordinator_only
def erasure_request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One request: who, what will be removed and kept; the button that completes it."""
    user = request.user
    item = erasure_request_get_for_coordinator(user=user, pk=pk)
    if request.method == "POST":
        if not item.is_open:
            messages.error(request, "This request was already completed.")
            return redirect("rights:erasure_request_list")
        return cast(HttpResponse, _complete_after_reauthentication(request, item=item))
    consent = consent_summary_get(user=item.user)
    return render(
        request,
        "rights/erasure_detail.html",
        {
            "item": item,
            "enrollments": enrollment_list_for_erasure_request(user=user, erasure_request=item),
            "consent": consent.consent,
            "keeps_research_data": consent.keeps_research_data,
            "consent_choice": consent.choice,
        },
    )

"""Staff pages for cohorts and enrollments: the cohort list, setting cohorts up, enrolling people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.selectors import (
    membership_get_for_user,
    membership_get_working,
    membership_list_for_organization,
    user_get_role,
)
from programs.access import cohort_get_for_coordinator, enrollment_get_for_staff
from programs.selectors import (
    cohort_list_for_staff_with_counts,
    enrollment_list_current_elsewhere_in_organization,
    enrollment_list_for_cohort,
)

from .forms import (
    CohortForm,
    EnrollmentForm,
    EnrollmentImportForm,
    EnrollmentUpdateForm,
    EnrollmentWithdrawForm,
)
from .models import Enrollment, EnrollmentStatus
from .services import (
    CohortError,
    EnrollmentError,
    EnrollmentImportError,
    cohort_create,
    cohort_has_sessions,
    cohort_update,
    enrollment_default_start,
    enrollment_import,
    enrollment_invite,
    enrollment_update,
    enrollment_withdraw,
)


def _add_error(form: forms.Form, exc: CohortError | EnrollmentError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def cohort_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    role = user_get_role(user=user)
    if role == "participant":
        raise Http404
    rows = [
        {"cohort": cohort, "meets": cohort.meeting_pattern}
        for cohort in cohort_list_for_staff_with_counts(user=user)
    ]
    working = membership_get_working(user=user)
    return render(
        request,
        "programs/cohort_list.html",
        {
            "rows": rows,
            "can_create": role == "coordinator",
            "organization": working.organization if working is not None else None,
        },
    )


def cohort_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    organization = membership_get_for_user(user=user, role=Role.COORDINATOR).organization
    form = CohortForm(
        request.POST or None,
        memberships=list(membership_list_for_organization(organization=organization)),
        organization=organization,
        initial={"timezone": user.timezone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort = cohort_create(organization=organization, **form.cleaned_data)
        except CohortError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                f"The cohort “{cohort.name}” is set up."
                + (
                    " Each participant's sessions are scheduled when you add them."
                    if cohort.program.is_individual
                    else " Week 1 opens for its participants on the start date."
                    if cohort.program.is_self_guided
                    else " Its sessions are scheduled."
                ),
            )
            return redirect("reports:cohort_detail", pk=cohort.pk)
    return render(request, "programs/cohort_create.html", {"form": form})


def cohort_update_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cohort = cohort_get_for_coordinator(user=user, pk=pk)
    form = CohortForm(
        request.POST or None,
        memberships=list(membership_list_for_organization(organization=cohort.organization)),
        cohort=cohort,
        program_locked=cohort_has_sessions(cohort=cohort),
        initial=CohortForm.initial_for(cohort),
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort_update(cohort=cohort, **form.cleaned_data)
        except CohortError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, f"Changes to “{cohort.name}” are saved.")
            return redirect("reports:cohort_detail", pk=cohort.pk)
    return render(request, "programs/cohort_update.html", {"form": form, "cohort": cohort})


def _elsewhere_unconfirmed(
    request: HttpRequest, elsewhere: dict[str, list[Enrollment]]
) -> list[dict[str, Any]]:
    """The people already in another current cohort of the organization whom the coordinator has
    not yet agreed to add as well (the “Add anyway” button, with the addresses it was shown for)."""
    confirmed = (
        {email.strip().lower() for email in request.POST.getlist("confirmed")}
        if request.POST.get("add_anyway")
        else set()
    )
    return [
        {"email": email, "enrollments": enrollments}
        for email, enrollments in elsewhere.items()
        if email not in confirmed
    ]


def enrollment_create_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cohort = cohort_get_for_coordinator(user=user, pk=pk)
    form = EnrollmentForm(
        request.POST or None, cohort=cohort, default_start=enrollment_default_start(cohort=cohort)
    )
    elsewhere: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        # Someone already in another of the organization's courses is added only once the
        # coordinator has seen that and said so; everything typed stays in the form meanwhile.
        elsewhere = _elsewhere_unconfirmed(
            request,
            enrollment_list_current_elsewhere_in_organization(
                cohort=cohort, emails=[form.cleaned_data["email"]]
            ),
        )
        if not elsewhere:
            try:
                enrollment = enrollment_invite(cohort=cohort, invited_by=user, **form.cleaned_data)
            except EnrollmentError as exc:
                _add_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {enrollment.user.email}. "
                    f"Their participant code is {enrollment.participant_code}.",
                )
                return redirect("reports:cohort_detail", pk=cohort.pk)
    return render(
        request,
        "programs/enrollment_create.html",
        {"form": form, "cohort": cohort, "elsewhere": elsewhere},
    )


def enrollment_import_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cohort = cohort_get_for_coordinator(user=user, pk=pk)
    form = EnrollmentImportForm(
        request.POST or None,
        request.FILES or None,
        enrolled_emails=set(
            enrollment_list_for_cohort(cohort=cohort).values_list("user__email", flat=True)
        ),
    )
    elsewhere: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        elsewhere = _elsewhere_unconfirmed(
            request,
            enrollment_list_current_elsewhere_in_organization(
                cohort=cohort, emails=[row.email for row in form.result.rows]
            ),
        )
        if elsewhere:
            # Listed with their lines; the list stays in the box (a file's too) for the
            # coordinator to add everyone anyway, or to take those lines out first.
            lines = {row.email.lower(): row.line for row in form.result.rows}
            for item in elsewhere:
                item["line"] = lines.get(item["email"])
            elsewhere.sort(key=lambda item: item["line"] or 0)
            form.keep_text_in_box()
        else:
            try:
                enrollments = enrollment_import(
                    cohort=cohort, rows=form.result.rows, invited_by=user
                )
            except EnrollmentImportError as exc:
                form.add_error("text", [str(problem) for problem in exc.problems])
            except EnrollmentError as exc:
                form.add_error(None, str(exc))
            else:
                count = len(enrollments)
                messages.success(
                    request,
                    f"{count} participant{'s' if count != 1 else ''} added to “{cohort.name}”. "
                    "Each gets an e-mail with a link to join.",
                )
                return redirect("reports:cohort_detail", pk=cohort.pk)
    return render(
        request,
        "programs/enrollment_import.html",
        {
            "form": form,
            "cohort": cohort,
            "elsewhere": elsewhere,
            "row_count": len(form.result.rows),
        },
    )


def enrollment_update_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    enrollment = enrollment_get_for_staff(user=user, pk=pk)
    # Facilitators see the enrollment but only coordinators change it.
    cohort = cohort_get_for_coordinator(user=user, pk=enrollment.cohort_id)
    action = request.POST.get("action") if request.method == "POST" else None
    update_form = EnrollmentUpdateForm(
        request.POST if action == "update" else None,
        cohort=cohort,
        initial={
            "arm": enrollment.arm,
            "status": enrollment.status,
            "start_date": enrollment.start_date,
            "session_time": enrollment.session_time,
        },
    )
    withdraw_form = EnrollmentWithdrawForm(
        request.POST if action == "withdraw" else None,
        initial={"on_date": timezone.localtime(timezone.now(), cohort.zoneinfo).date()},
    )
    if action == "update" and update_form.is_valid():
        try:
            enrollment_update(enrollment=enrollment, by=user, **update_form.cleaned_data)
        except EnrollmentError as exc:
            _add_error(update_form, exc)
        else:
            messages.success(request, f"Changes for {enrollment.participant_code} are saved.")
            return redirect("reports:cohort_detail", pk=cohort.pk)
    elif action == "withdraw" and withdraw_form.is_valid():
        try:
            enrollment_withdraw(enrollment=enrollment, by=user, **withdraw_form.cleaned_data)
        except EnrollmentError as exc:
            _add_error(withdraw_form, exc)
        else:
            messages.success(
                request, f"{enrollment.participant_code} is recorded as withdrawn from the course."
            )
            return redirect("reports:cohort_detail", pk=cohort.pk)
    context: dict[str, Any] = {
        "enrollment": enrollment,
        "cohort": cohort,
        "update_form": update_form,
        "withdraw_form": withdraw_form,
        "is_withdrawn": enrollment.status == EnrollmentStatus.WITHDRAWN,
    }
    return render(request, "programs/enrollment_update.html", context)

"""Screening pages for the coordinators of the organization one works in (404 for anyone else):
the list, a new screening, one screening with its actions, and a program's waitlist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from sessions.trials.eligibility import ScreeningAnswerError, screening_form
from sessions.trials.forms.screening import (
    EnrollForm,
    OfferForm,
    SafetyFollowUpForm,
    ScreeningEntryForm,
)
from sessions.trials.screening_selectors import (
    VERDICTS,
    WAITLIST_FILTERS,
    offer_is_overdue,
    screening_answer_lines,
    screening_cohorts,
    screening_get_for_coordinator,
    screening_list_for_coordinator,
    screening_organization_for_coordinator,
    screening_program_get,
    screening_program_list,
    screening_studies,
    waitlist_for_coordinator,
    waitlist_position,
)
from sessions.trials.services.offers import waitlist_offer, waitlist_offer_decline
from sessions.trials.services.screening import (
    ScreeningError,
    screening_consent_record,
    screening_enroll,
    screening_record,
    screening_safety_follow_up,
    screening_safety_problem,
)


def screening_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every screening of the organization, filtered by program, verdict and waitlist."""
    filters = {key: request.GET.get(key, "") for key in ("program", "verdict", "waitlist")}
    rows = screening_list_for_coordinator(user=request.user, **filters)
    return render(
        request,
        "trials/screening/screening_list.html",
        {
            "rows": rows,
            "filters": filters,
            "programs": screening_program_list(),
            "verdicts": list(VERDICTS),
            "waitlist_states": WAITLIST_FILTERS,
        },
    )


def screening_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Screen a person for a program; on save, the screening's page shows the verdict."""
    organization = screening_organization_for_coordinator(user=request.user)
    program = screening_program_get(slug=slug)
    questions = screening_form(program)
    studies = screening_studies(organization=organization, program=program)
    form = ScreeningEntryForm(request.POST or None, screening_form=questions, studies=studies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screening = screening_record(
                organization=organization,
                program=program,
                study=data.get("study"),
                by=request.user,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                answers=form.answers(),
                consented=data["consented"],
            )
        except ScreeningAnswerError as exc:
            for code, message in exc.problems.items():
                form.add_error(code if code in form.fields else None, message)
        except ScreeningError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return redirect("trials:screening_detail", screening.pk)
    return render(
        request,
        "trials/screening/screening_new.html",
        {"form": form, "program": program, "organization": organization},
    )


def _detail(
    request: AuthenticatedHttpRequest, pk: int, status: int = 200, **forms: Any
) -> HttpResponse:
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    cohorts = screening_cohorts(screening=screening)
    # A refused action's reasons go at the top of the page, where they are seen even when the
    # form it came from is not shown for this person (say, someone without consent).
    failed = forms.get("offer_form") or forms.get("enroll_form")
    if failed is not None:
        forms["action_error"] = " ".join(
            str(e) for errors in failed.errors.values() for e in errors
        )
    return render(
        request,
        "trials/screening/screening_detail.html",
        {
            "screening": screening,
            "answers": screening_answer_lines(screening=screening),
            "position": waitlist_position(screening=screening),
            "overdue": offer_is_overdue(screening),
            "offer_form": forms.get("offer_form") or OfferForm(cohorts=cohorts),
            "enroll_form": forms.get("enroll_form") or EnrollForm(cohorts=cohorts),
            "safety_form": forms.get("safety_form") or SafetyFollowUpForm(),
            "action_error": forms.get("action_error", ""),
            "has_cohorts": cohorts.exists(),
        },
        status=status,
    )


def screening_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One screening: answers in words, verdict and reasons, consent, waitlist and offer."""
    return _detail(request, pk)


@require_POST
def screening_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record consent given after screening; an eligible person joins the waitlist."""
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    try:
        screening_consent_record(screening=screening, by=request.user)
    except ScreeningError as exc:
        return _detail(request, pk, status=400, action_error=str(exc))
    messages.success(request, "Consent recorded. They are on the waitlist.")
    return redirect("trials:screening_detail", pk)


@require_POST
def screening_safety(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record what was done about the screening's safety flag, which closes it."""
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    problem = screening_safety_problem(screening)
    if problem:
        # No form is shown for such a screening: the reason goes at the top of its page.
        return _detail(request, pk, status=400, action_error=problem)
    form = SafetyFollowUpForm(request.POST)
    if form.is_valid():
        try:
            screening_safety_follow_up(
                screening=screening, by=request.user, note=form.cleaned_data["note"]
            )
        except ScreeningError as exc:
            form.add_error("note" if exc.field == "note" else None, str(exc))
        else:
            messages.success(request, "The follow-up is recorded and the safety flag is closed.")
            return redirect("trials:screening_detail", pk)
    return _detail(request, pk, status=400, safety_form=form)


@require_POST
def screening_offer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Offer a place in a cohort of the program; the offer e-mail goes out through the outbox."""
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    form = OfferForm(request.POST, cohorts=screening_cohorts(screening=screening))
    if form.is_valid():
        try:
            waitlist_offer(
                screening=screening,
                cohort=form.cleaned_data["cohort"],
                by=request.user,
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ScreeningError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Place offered. The offer e-mail is on its way.")
            return redirect("trials:screening_detail", pk)
    return _detail(request, pk, status=400, offer_form=form)


@require_POST
def screening_enroll_direct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enrol the person straight into a cohort (the usual invitation e-mail goes out)."""
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    form = EnrollForm(request.POST, cohorts=screening_cohorts(screening=screening))
    if form.is_valid():
        try:
            screening_enroll(
                screening=screening, cohort=form.cleaned_data["cohort"], by=request.user
            )
        except ScreeningError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Enrolled. Their invitation is on its way.")
            return redirect("trials:screening_detail", pk)
    return _detail(request, pk, status=400, enroll_form=form)


@require_POST
def screening_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record that the person declined the offer; the place can go to the next person."""
    screening = screening_get_for_coordinator(user=request.user, pk=pk)
    try:
        waitlist_offer_decline(screening=screening, by=request.user)
    except ScreeningError as exc:
        return _detail(request, pk, status=400, action_error=str(exc))
    messages.success(request, "Recorded: they declined the offer.")
    return redirect("trials:screening_detail", pk)


def waitlist(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """People waiting for a program in order, and the offers that are out."""
    program = screening_program_get(slug=slug)
    found = waitlist_for_coordinator(user=request.user, program=program)
    return render(
        request,
        "trials/screening/waitlist.html",
        {"program": program, "waiting": found.waiting, "offers": found.offers},
    )

"""Study pages for coordinators: the list, setting one up, the study with its Randomize buttons,
and correcting an allocation (after confirming it is them)."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from sessions.trials.forms.studies import (
    AllocationCorrectForm,
    ProgramChoiceForm,
    StudyCohortAddForm,
    StudyForm,
)
from sessions.trials.models import Allocation
from sessions.trials.selectors import (
    allocation_get_for_coordinator,
    cohorts_for_study_form,
    enrollment_get_for_randomizing,
    programs_for_new_study,
    study_get_for_coordinator,
    study_list_for_coordinator,
    study_new_organization,
    study_page,
)
from sessions.trials.services.allocation import (
    RandomizationError,
    StudyError,
    allocation_correct,
    randomize,
    randomize_problem,
    study_cohort_add,
    study_create,
)
from sessions.trials.strata import strata_questions


def _safe_reverse(name: str, **kwargs: Any) -> str | None:
    # Screening, results and CONSORT pages are built alongside this one; until they exist, no links.
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return None


def study_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = study_new_organization(user=request.user)
    studies = study_list_for_coordinator(user=request.user)
    return render(
        request,
        "trials/studies/study_list.html",
        {"studies": studies, "organization": organization},
    )


def study_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = study_new_organization(user=request.user)
    chooser = ProgramChoiceForm(
        request.GET or None, programs=programs_for_new_study(user=request.user)
    )
    if not chooser.is_valid():
        return render(request, "trials/studies/study_program.html", {"chooser": chooser})
    program = chooser.cleaned_data["program"]
    cohorts = cohorts_for_study_form(user=request.user, program=program)
    questions = strata_questions(program)
    form = StudyForm(request.POST or None, cohorts=cohorts, questions=questions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            study = study_create(
                organization=organization,
                program=program,
                name=data["name"],
                arms=data["arms"],
                strata=list(data["strata"]),
                block_multiples=data["block_multiples"],
                cohorts=data["cohorts"],
                by=request.user,
            )
        except StudyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request, f"The study “{study.name}” is set up; its sequence is drawn and sealed."
            )
            return redirect("trials:study_detail", pk=study.pk)
    return render(
        request,
        "trials/studies/study_new.html",
        {"form": form, "program": program, "query": urlencode({"program": program.slug})},
    )


def study_detail(
    request: AuthenticatedHttpRequest,
    pk: int,
    add_form: StudyCohortAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    study = study_get_for_coordinator(user=request.user, pk=pk)
    screening = _safe_reverse("trials:screening_list")
    cohorts = cohorts_for_study_form(user=request.user, program=study.program)
    context = {
        "add_form": add_form or StudyCohortAddForm(cohorts=cohorts),
        **study_page(study=study),
        "screening_url": f"{screening}?{urlencode({'program': study.program.slug})}"
        if screening
        else None,
        "results_url": _safe_reverse("reports:study_results", kwargs={"pk": study.pk}),
        "consort_url": _safe_reverse("reports:study_consort", kwargs={"pk": study.pk}),
    }
    return render(request, "trials/studies/study_detail.html", context, status=status)


@require_POST
def study_cohort_add_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A later cohort joins the study; a refusal is shown on the study page."""
    study = study_get_for_coordinator(user=request.user, pk=pk)
    cohorts = cohorts_for_study_form(user=request.user, program=study.program)
    form = StudyCohortAddForm(request.POST, cohorts=cohorts)
    if form.is_valid():
        cohort = form.cleaned_data["cohort"]
        try:
            study_cohort_add(study=study, cohort=cohort, by=request.user)
        except StudyError as exc:
            form.add_error("cohort", str(exc))
        else:
            messages.success(
                request,
                f"{cohort.name} is now part of the study; its participants wait for randomization.",
            )
            return redirect("trials:study_detail", pk=study.pk)
    return study_detail(request, pk, add_form=form, status=400)


def study_randomize(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    study = study_get_for_coordinator(user=request.user, pk=pk)
    enrollment = enrollment_get_for_randomizing(user=request.user, study=study, pk=enrollment_pk)
    if request.method == "POST":
        try:
            allocation = randomize(enrollment=enrollment, by=request.user)
        except RandomizationError as exc:
            messages.error(request, f"{enrollment.participant_code} was not randomized. {exc}")
        else:
            messages.success(
                request,
                f"{enrollment.participant_code} is allocated to “{allocation.arm.label}”. "
                "They have been told by e-mail what happens next.",
            )
        return redirect("trials:study_detail", pk=study.pk)
    return render(
        request,
        "trials/studies/study_randomize.html",
        {"study": study, "enrollment": enrollment, "problem": randomize_problem(enrollment, study)},
    )


def allocation_correct_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Who may is decided first, so others get 404 rather than a password prompt.
    allocation = allocation_get_for_coordinator(user=request.user, pk=pk)
    return _correct_after_reauthentication(request, allocation=allocation)


def _correct(request: AuthenticatedHttpRequest, *, allocation: Allocation) -> HttpResponse:
    form = AllocationCorrectForm(request.POST or None, arms=allocation.study.arms.all())
    if request.method == "POST" and form.is_valid():
        try:
            allocation_correct(
                allocation=allocation,
                arm=form.cleaned_data["arm"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except RandomizationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"The correction for {allocation.enrollment.participant_code} is recorded.",
            )
            return redirect("trials:study_detail", pk=allocation.study_id)
    return render(
        request, "trials/studies/allocation_correct.html", {"allocation": allocation, "form": form}
    )


# A correction changes what someone is compared as: like identifiable exports, it asks for the
# password again (allauth keeps the suspended POST and runs it after, so nothing typed is lost).
_correct_after_reauthentication = reauthentication_required(_correct)

"""The coordinator's program editor: shipped programs to copy, the organization's own programs,
their versions and history, and the pages that edit a draft.

Only coordinators reach these pages: lists through their working organization
(membership_get_for_user), a program through line_get_for_coordinator; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.selectors import membership_get_for_user
from programs.models import MeasurementKind

from .. import markdown
from ..forms.editor import (
    DraftBoundForm,
    DraftSettingsForm,
    DraftWeekForm,
    LineCreateForm,
    plan_forms,
    practice_forms,
)
from ..models import ProgramLine, ProgramVersion
from ..selectors import (
    change_list_for_line,
    line_get_for_coordinator,
    line_list_for_coordinator,
    line_rows,
    program_get_shipped,
    program_list_shipped,
    required_session_count,
)
from ..services.editing import (
    PlanError,
    draft_follow_up_add,
    draft_follow_up_remove,
    draft_plan_update,
    draft_settings_update,
    draft_week_update,
    practices_from_forms,
)
from ..services.versions import (
    ProgramEditError,
    draft_discard,
    draft_get,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
    publish_problems,
)

HISTORY_PAGE_SIZE = 50


def _coordinator_organization(request: AuthenticatedHttpRequest) -> Any:
    return membership_get_for_user(user=request.user, role=Role.COORDINATOR).organization


def _draft_or_404(line: ProgramLine) -> ProgramVersion:
    # No draft (never started, published or discarded): the editing pages do not exist; the
    # program's page offers "Start editing".
    draft = draft_get(line=line)
    if draft is None:
        raise Http404("This program has no draft.")
    return draft


def _saved(request: AuthenticatedHttpRequest, subjects: list[str], where: str) -> None:
    if subjects:
        messages.success(request, f"{where} saved. Changed: {', '.join(subjects)}.")
    else:
        messages.info(request, f"{where}: nothing had changed, so nothing was saved.")


# --- lists and the shipped programs -------------------------------------------------------------


def program_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _coordinator_organization(request)
    rows = line_rows(line_list_for_coordinator(user=request.user))
    return render(
        request,
        "authoring/editor/program_list.html",
        {"organization": organization, "shipped": list(program_list_shipped()), "rows": rows},
    )


def shipped_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    _coordinator_organization(request)
    program = program_get_shipped(slug=slug)
    return render(
        request,
        "authoring/editor/shipped_detail.html",
        {
            "program": program,
            "form": LineCreateForm(initial={"name": f"{program.name} (our version)"}),
        },
    )


@require_http_methods(["GET", "POST"])
def line_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _coordinator_organization(request)
    program = program_get_shipped(slug=slug)
    form = LineCreateForm(request.POST or None, initial={"name": f"{program.name} (our version)"})
    if request.method == "POST" and form.is_valid():
        try:
            line = line_copy_from_shipped(
                user=request.user,
                organization=organization,
                source=program,
                name=form.cleaned_data["name"],
            )
        except ProgramEditError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(
                request,
                f"“{line.name}” is your organization's copy of {program.name}. It is a draft: "
                "edit it, then publish it to offer it to new cohorts.",
            )
            return redirect("authoring:line_detail", pk=line.pk)
    return render(request, "authoring/editor/line_create.html", {"program": program, "form": form})


# --- one of the organization's programs ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def line_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    if request.method == "POST":
        draft_get_or_start(user=request.user, line=line)
        messages.success(
            request,
            "A draft is ready: a copy of the newest version. Cohorts already running keep "
            "their version whatever you change here.",
        )
        return redirect("authoring:line_detail", pk=line.pk)
    (row,) = line_rows([line])
    weeks = list(row.draft.program.sessions.order_by("number")) if row.draft else []
    return render(request, "authoring/editor/line_detail.html", {"row": row, "weeks": weeks})


def line_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    page = Paginator(change_list_for_line(line=line), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "authoring/editor/line_history.html", {"line": line, "page": page})


# --- editing the draft --------------------------------------------------------------------------


def _draft_context(line: ProgramLine, draft: ProgramVersion, **extra: Any) -> dict[str, Any]:
    return {"line": line, "draft": draft, "program": draft.program, **extra}


@require_http_methods(["GET", "POST"])
def draft_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    draft = _draft_or_404(line)
    program = draft.program
    data = request.POST if request.method == "POST" else None
    form = DraftSettingsForm(
        data,
        session_count=required_session_count(program=program),
        initial=DraftSettingsForm.initial_for(program, draft_pk=draft.pk),
    )
    practices = practice_forms(program, data)
    if data is not None and form.is_valid() and all(f.is_valid() for f in practices):
        settings = {k: v for k, v in form.cleaned_data.items() if k != "draft"}
        try:
            subjects = draft_settings_update(
                user=request.user,
                line=line,
                draft_pk=form.cleaned_data["draft"],
                settings=settings,
                practices=practices_from_forms(f.cleaned_data for f in practices),
            )
        except ProgramEditError as exc:
            form.add_error(None, exc.message)
        else:
            _saved(request, subjects, "Settings")
            return redirect("authoring:line_detail", pk=line.pk)
    for item, practice_form in zip(program.practices, practices, strict=True):
        practice_form.legend = item.get("name", item["code"])  # type: ignore[attr-defined]
    return render(
        request,
        "authoring/editor/draft_settings.html",
        _draft_context(
            line,
            draft,
            form=form,
            practice_rows=list(zip(program.practices, practices, strict=True)),
            all_forms=[form, *practices],
            has_errors=bool(form.errors) or any(f.errors for f in practices),
        ),
    )


@require_http_methods(["GET", "POST"])
def draft_week(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    draft = _draft_or_404(line)
    program = draft.program
    weeks = list(program.sessions.order_by("number"))
    week = next((w for w in weeks if w.number == number), None)
    if week is None:
        raise Http404("The draft has no such week.")
    form = DraftWeekForm(
        request.POST or None,
        program=program,
        initial=DraftWeekForm.initial_for(week, draft_pk=draft.pk),
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "draft"}
        try:
            subjects = draft_week_update(
                user=request.user,
                line=line,
                draft_pk=form.cleaned_data["draft"],
                number=number,
                values=values,
            )
        except ProgramEditError as exc:
            form.add_error(None, exc.message)
        else:
            # What the sanitizer removes is said on the week's page itself (findings below),
            # every time it is opened, not only once after this save.
            _saved(request, subjects, f"Week {number}")
            return redirect("authoring:draft_week", pk=line.pk, number=number)
    material = form["material"].value() or ""
    return render(
        request,
        "authoring/editor/draft_week.html",
        _draft_context(
            line,
            draft,
            form=form,
            week=week,
            weeks=weeks,
            findings=markdown.findings(str(material)),
        ),
    )


def _plan_points(draft: ProgramVersion) -> list[Any]:
    return list(draft.program.measurement_points.order_by("pk"))


@require_http_methods(["GET", "POST"])
def draft_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    draft = _draft_or_404(line)
    points = _plan_points(draft)
    action = request.POST.get("action") if request.method == "POST" else None
    bound = DraftBoundForm(request.POST if action else None)
    forms_ = plan_forms(points, request.POST if action == "save" else None)
    problem = ""
    if action and bound.is_valid():
        draft_pk = bound.cleaned_data["draft"]
        try:
            if action == "add_follow_up":
                point = draft_follow_up_add(user=request.user, line=line, draft_pk=draft_pk)
                messages.success(
                    request,
                    f"“{point.label}” is added to the plan. Check its questionnaires and days, "
                    "then save the plan.",
                )
                return redirect(
                    f"{reverse('authoring:draft_plan', args=[line.pk])}#point-{point.pk}"
                )
            if action == "remove":
                label = draft_follow_up_remove(
                    user=request.user,
                    line=line,
                    draft_pk=draft_pk,
                    point_pk=_int(request.POST.get("point")),
                )
                messages.success(request, f"“{label}” is removed from the plan.")
                return redirect("authoring:draft_plan", pk=line.pk)
            if action == "save" and all(f.is_valid() for f in forms_):
                subjects = draft_plan_update(
                    user=request.user,
                    line=line,
                    draft_pk=draft_pk,
                    points={f.point.pk: f.cleaned_data for f in forms_},
                )
                _saved(request, subjects, "Measurement plan")
                return redirect("authoring:line_detail", pk=line.pk)
        except PlanError as exc:
            problem = exc.message
            for form in forms_:
                for field, errors in exc.errors.get(form.point.pk, {}).items():
                    target = field if field in form.fields else None
                    for error in errors:
                        form.add_error(target, error)
        except ProgramEditError as exc:
            problem = exc.message
    elif action:
        problem = "The page was out of date. Open the plan again and repeat your change."
    return render(
        request,
        "authoring/editor/draft_plan.html",
        _draft_context(
            line,
            draft,
            rows=[
                {
                    "form": f,
                    "point": f.point,
                    "removable": f.point.kind == MeasurementKind.FOLLOW_UP,
                }
                for f in forms_
            ],
            has_errors=any(f.errors for f in forms_),
            problem=problem,
        ),
    )


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _problem_links(line: ProgramLine, problems: list[str]) -> list[dict[str, str]]:
    """Each publishing problem with the page that fixes it."""
    pk = line.pk
    links = []
    for problem in problems:
        lowered = problem.lower()
        if "recording" in lowered or "transcript" in lowered:
            url, label = reverse("authoring:draft_recordings", args=[pk]), "Recordings"
        elif "reminder" in lowered or "subject" in lowered:
            url, label = reverse("authoring:draft_reminders", args=[pk]), "Reminder wording"
        elif "questionnaire" in lowered or "plan" in lowered:
            url, label = reverse("authoring:draft_plan", args=[pk]), "Measurement plan"
        elif "session" in lowered or "week" in lowered:
            url, label = reverse("authoring:line_detail", args=[pk]), "Weeks"
        else:
            url, label = reverse("authoring:draft_settings", args=[pk]), "Settings"
        links.append({"text": problem, "url": url, "label": label})
    return links


@require_http_methods(["GET", "POST"])
def draft_publish_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    draft = _draft_or_404(line)
    if request.method == "POST":
        try:
            version = draft_publish(user=request.user, line=line)
        except ProgramEditError as exc:
            problems = exc.problems or [exc.message]
        else:
            messages.success(
                request,
                f"Version {version.number} is published: new cohorts get it. Cohorts already "
                "running keep the version they started with.",
            )
            return redirect("authoring:line_detail", pk=line.pk)
    else:
        problems = publish_problems(program=draft.program)
    (row,) = line_rows([line])
    return render(
        request,
        "authoring/editor/draft_publish.html",
        _draft_context(
            line,
            draft,
            problems=_problem_links(line, problems),
            row=row,
            next_number=(row.latest.version.number or 0) + 1 if row.latest else 1,
        ),
    )


@require_http_methods(["GET", "POST"])
def draft_discard_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    draft = _draft_or_404(line)
    if request.method == "POST":
        draft_discard(user=request.user, line=line)
        messages.success(request, "The draft is discarded. Published versions are unchanged.")
        return redirect("authoring:line_detail", pk=line.pk)
    return render(request, "authoring/editor/draft_discard.html", _draft_context(line, draft))


urlpatterns: list[URLPattern] = [
    path("programs/", program_list, name="program_list"),
    path("programs/shipped/<slug:slug>/", shipped_detail, name="shipped_detail"),
    path("programs/shipped/<slug:slug>/copy/", line_create, name="line_create"),
    path("programs/<int:pk>/", line_detail, name="line_detail"),
    path("programs/<int:pk>/history/", line_history, name="line_history"),
    path("programs/<int:pk>/draft/settings/", draft_settings, name="draft_settings"),
    path("programs/<int:pk>/draft/weeks/<int:number>/", draft_week, name="draft_week"),
    path("programs/<int:pk>/draft/plan/", draft_plan, name="draft_plan"),
    path("programs/<int:pk>/draft/publish/", draft_publish_view, name="draft_publish"),
    path("programs/<int:pk>/draft/discard/", draft_discard_view, name="draft_discard"),
]

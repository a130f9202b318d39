"""A coordinator imports answers given on paper or by phone from a REDCap records file.

The same import as `manage.py import redcap` (sessions.reports.exchange.redcap_import): every
line checked first, all or nothing, each problem named by its line. Only the organization's
own coordinators reach the page; everyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import organization_get_for_coordinator
from sessions.reports.exchange.redcap_import import ImportProblems, redcap_import
from sessions.reports.forms.redcap import RedcapImportForm

TEMPLATE = "reports/redcap_import.html"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def redcap_import_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = organization_get_for_coordinator(user=request.user, slug=slug)
    form = RedcapImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = redcap_import(
                    organization=organization,
                    text=form.cleaned_data["records"],
                    by=request.user,
                    mode=form.cleaned_data["mode"],
                )
            except ImportProblems as exc:
                form.add_error(
                    None,
                    f"Nothing was imported: the file has {_plural(len(exc.problems), 'problem')}. "
                    f"Fix {'it' if len(exc.problems) == 1 else 'them'} and choose the file again.",
                )
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(
                    request,
                    f"Imported {_plural(result.imported, 'response')} from "
                    f"{_plural(result.rows, 'line')}; {result.unchanged} already in Stillwater "
                    "with the same answers were left as they were.",
                )
                return redirect("reports:redcap_import", slug=organization.slug)
        status = 400
    return render(request, TEMPLATE, {"organization": organization, "form": form}, status=status)


urlpatterns = [
    path(
        "organization/<slug:slug>/redcap/import/",
        redcap_import_view,
        name="redcap_import",
    ),
]

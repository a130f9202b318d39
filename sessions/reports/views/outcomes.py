"""The outcome summary page: before and after per questionnaire, with statistics and charts.

It shows the cohorts the person may export (sessions.reports.selectors.access), and links to
the same figures as an outcomes export.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.forms.exports import OutcomeFilterForm
from sessions.reports.outcome_sections import CHART_LIMIT, outcome_sections
from sessions.reports.selectors.access import report_access
from sessions.reports.selectors.outcomes import outcome_groups_for_report

OUTCOMES_TEMPLATE = "reports/outcomes.html"


def outcomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Before and after per questionnaire, for a cohort or a program's cohorts: the statistics and the charts."""
    access = report_access(user=request.user, cohort=request.GET.get("cohort"))
    form = OutcomeFilterForm(request.GET or None, access=access)
    cohort = program = None
    if form.is_bound and not form.is_valid():
        # A wrong filter shows the form with its errors and no figures.
        groups, status = [], 400
    else:
        if form.is_bound:
            cohort, program = form.cleaned_data.get("cohort"), form.cleaned_data.get("program")
        groups = outcome_groups_for_report(access=access, cohort=cohort, program=program)
        status = 200
    export_query = {"format": "csv"}
    if cohort is not None:
        export_query["cohort"] = str(cohort.pk)
    if program is not None:
        export_query["program"] = program.slug
    export_url = reverse("reports:export_download", args=["outcomes"])
    return render(
        request,
        OUTCOMES_TEMPLATE,
        {
            "form": form,
            "access": access,
            "sections": outcome_sections(groups),
            "cohort": cohort,
            "program": program,
            "chart_limit": CHART_LIMIT,
            "export_csv": export_url + "?" + urlencode(export_query),
            "export_xlsx": export_url + "?" + urlencode({**export_query, "format": "xlsx"}),
        },
        status=status,
    )


urlpatterns = [
    path("reports/outcomes/", outcomes, name="outcomes"),
]

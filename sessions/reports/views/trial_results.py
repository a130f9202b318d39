"""A randomized study's results for its coordinators: between-arm comparisons and the CONSORT
flow, each with the export of the same numbers. Who may see a study is
sessions.trials.selectors.study_get_for_coordinator (everyone else: 404)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.consort_svg import consort_svg
from sessions.reports.definitions.glossary import STUDY_DEFINITIONS
from sessions.reports.selectors.trial_results import comparison_rows, consort_flow
from sessions.reports.trial_pages import result_sections
from sessions.trials.models import Study
from sessions.trials.selectors import study_get_for_coordinator


def _exports(study: Study) -> dict[str, str]:
    """Download links of both study exports, narrowed to the study's program."""
    links = {}
    for kind in ("comparison", "consort"):
        url = reverse("reports:export_download", args=[kind])
        for fmt in ("csv", "xlsx"):
            links[f"{kind}_{fmt}"] = (
                f"{url}?{urlencode({'format': fmt, 'program': study.program.slug})}"
            )
    return links


def study_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Between-arm results per point and questionnaire score: tables, charts, explanations."""
    study = study_get_for_coordinator(user=request.user, pk=pk)
    return render(
        request,
        "reports/trials/results.html",
        {
            "study": study,
            "sections": result_sections(comparison_rows(study=study)),
            "definitions": STUDY_DEFINITIONS,
            "exports": _exports(study),
        },
    )


def study_consort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The CONSORT 2010 flow: the diagram, the same numbers as a table, how they are counted."""
    study = study_get_for_coordinator(user=request.user, pk=pk)
    flow = consort_flow(study=study)
    return render(
        request,
        "reports/trials/consort.html",
        {
            "study": study,
            "flow": flow,
            "diagram": consort_svg(flow),
            "definitions": STUDY_DEFINITIONS,
            "exports": _exports(study),
        },
    )


urlpatterns: list[URLPattern] = [
    path("reports/studies/<int:pk>/results/", study_results, name="study_results"),
    path("reports/studies/<int:pk>/consort/", study_consort, name="study_consort"),
]

"""Exports: a form, and downloads as CSV or XLSX.

Who may export which cohorts is sessions.reports.selectors.access (coordinators: their
organization's cohorts; facilitators: the cohorts they facilitate, pseudonymous only; anyone
else: 404).

Identifiable exports (names and e-mail addresses beside the participant code) need a
coordinator of the cohorts' organization to tick the box *and* to have re-entered their
password in the last few minutes (allauth's reauthentication: the download is suspended, the
person confirms their password, and the same download resumes). Every export is recorded in
accounts.ExportRecord before its first byte and finished with its row count and checksum.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import path, reverse

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.exports import KINDS, ExportError, ExportOutput, export_start
from sessions.reports.forms.exports import ExportForm
from sessions.reports.selectors.access import ReportAccess, report_access
from sessions.reports.selectors.exports import (
    export_record_list_for_organization,
    export_scope_for_report,
)

EXPORT_TEMPLATE = "reports/export_form.html"
# What a link to the form may choose in advance: a cohort (its page) or the overview's filters.
PRESELECTED = ("cohort", "program", "arm", "state", "start_from", "start_to")
# Identifiable data is never kept in a shared cache or a browser's back-forward cache.
NO_STORE = "no-store"


def _export_page(
    request: AuthenticatedHttpRequest, access: ReportAccess, form: ExportForm, status: int = 200
) -> HttpResponse:
    records = (
        export_record_list_for_organization(organization=access.organization)[:20]
        if access.is_coordinator
        else []
    )
    return render(
        request,
        EXPORT_TEMPLATE,
        {"form": form, "access": access, "records": records},
        status=status,
    )


def export_form(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose what to export, in which format, for which cohorts; the download follows."""
    access = report_access(user=request.user, cohort=request.GET.get("cohort"))
    # A submitted form always carries its format (checked by default); a link may carry only
    # the cohort or the overview's filters to preselect them. An unchosen kind sends nothing,
    # so it cannot be the signal.
    if "kind" not in request.GET and "format" not in request.GET:
        initial = {"format": "csv"} | {
            name: request.GET[name] for name in PRESELECTED if request.GET.get(name)
        }
        return _export_page(request, access, ExportForm(initial=initial, access=access))
    form = ExportForm(request.GET, access=access)
    if not form.is_valid():
        return _export_page(request, access, form, status=400)
    url = reverse("reports:export_download", args=[form.cleaned_data["kind"]])
    return redirect(f"{url}?{urlencode(form.download_query())}")


# --- downloads ----------------------------------------------------------------------------------


def _response(output: ExportOutput) -> HttpResponse | StreamingHttpResponse:
    response: HttpResponse | StreamingHttpResponse
    if output.chunks is not None:
        response = StreamingHttpResponse(output.chunks, content_type=output.content_type)
        response["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    else:
        response = FileResponse(
            output.file,
            as_attachment=True,
            filename=output.filename,
            content_type=output.content_type,
        )
    response["Cache-Control"] = NO_STORE
    return response


def _send(
    request: AuthenticatedHttpRequest, *, access: ReportAccess, form: ExportForm
) -> HttpResponse | StreamingHttpResponse:
    data = form.cleaned_data
    scope = export_scope_for_report(
        access=access,
        cohort=data.get("cohort"),
        program=data.get("program"),
        arm=data.get("arm") or "",
        state=data.get("state") or "",
        start_from=data.get("start_from"),
        start_to=data.get("start_to"),
        identifiable=bool(data.get("identifiable")),
    )
    try:
        output = export_start(
            user=access.user,
            organization=access.organization,
            kind=data["kind"],
            fmt=data["format"],
            scope=scope,
            filters=form.record_filters(),
            file=data.get("file") or None,
            request=request,
        )
    except ExportError as exc:
        form.add_error(None, str(exc))
        return _export_page(request, access, form, status=400)
    return _response(output)


# allauth's reauthentication: raised as ReauthenticationRequired when the password was not
# re-entered lately; its middleware suspends this request and resumes it afterwards.
_send_after_reauthentication = reauthentication_required(_send)


def export_download(
    request: AuthenticatedHttpRequest, kind: str
) -> HttpResponse | StreamingHttpResponse:
    """One export as a file: CSV streamed (several files: a zip) or an XLSX workbook."""
    if kind not in KINDS:
        raise Http404
    access = report_access(user=request.user, cohort=request.GET.get("cohort"))
    data = QueryDict(mutable=True)
    data.update(request.GET)
    data["kind"] = kind
    data.setdefault("format", "csv")
    form = ExportForm(data, access=access)
    if not access.is_coordinator and request.GET.get("identifiable"):
        form.is_valid()
        form.add_error(None, "Only coordinators can export names and e-mail addresses.")
        return _export_page(request, access, form, status=400)
    if not form.is_valid():
        return _export_page(request, access, form, status=400)
    if form.cleaned_data.get("identifiable"):
        response: HttpResponse = _send_after_reauthentication(request, access=access, form=form)
        return response
    return _send(request, access=access, form=form)


urlpatterns = [
    path("reports/export/", export_form, name="export"),
    path("reports/export/<slug:kind>/", export_download, name="export_download"),
]

"""Exports (a form, and downloads as CSV or XLSX) and the outcome summary page.

Who may export what:

- coordinators: every cohort of the organization they coordinate (the first, by name, if they
  coordinate several; a cohort filter picks its own organization);
- facilitators: only the cohorts they facilitate, pseudonymous only;
- anyone else (participants, staff of another organization asking for its cohort): 404.

Identifiable exports (names and e-mail addresses beside the participant code) need a
coordinator of the cohorts' organization to tick the box *and* to have re-entered their
password in the last few minutes (allauth's reauthentication: the download is suspended, the
person confirms their password, and the same download resumes). Every export is recorded in
accounts.ExportRecord before its first byte and finished with its row count and checksum.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django import forms
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import path, reverse

from accounts.models import Membership, Organization, Role, User
from programs.access import cohort_get_for_staff, cohort_list_for_staff, user_is_cohort_coordinator
from programs.instrument_library import Instrument
from programs.models import Cohort, Program
from sessions.reports import outcomes as outcome_stats
from sessions.reports.charts import paired_lines_chart
from sessions.reports.exports import (
    FILES,
    IDENTIFIABLE_KINDS,
    KINDS,
    ExportError,
    ExportOutput,
    ExportScope,
    export_start,
)
from sessions.reports.selectors.exports import export_record_list_for_organization

EXPORT_TEMPLATE = "program_sessions/export_form.html"
OUTCOMES_TEMPLATE = "program_sessions/outcomes.html"

KIND_CHOICES = [
    ("completion", "Completion per cohort and arm"),
    ("participants", "Completion per participant"),
    ("responses", "Questionnaire answers item by item, with scores and a data dictionary"),
    ("outcomes", "Outcome summary per questionnaire (before and after)"),
]
KIND_HELP = {
    "completion": "One row per cohort and arm: enrolled, completed, completion and attendance rates, questionnaires, practice adherence.",
    "participants": "One row per participant: sessions held and attended, course completed, questionnaires, practice.",
    "responses": "One row per answer; also one row per questionnaire with its scores, and what every item means. As CSV: a zip of three files.",
    "outcomes": "Per questionnaire and score: pairs, means, change with its 95% confidence interval, tests, effect size, minimal important change.",
}
FORMAT_CHOICES = [
    ("csv", "CSV (opens in any statistics program or spreadsheet)"),
    ("xlsx", "Excel workbook (XLSX), one sheet per file plus a codebook"),
]
# Identifiable data is never kept in a shared cache or a browser's back-forward cache.
NO_STORE = "no-store"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


# --- reads with access rules --------------------------------------------------------------------


@dataclass(frozen=True)
class ReportAccess:
    """Whose data a member of staff reaches from the report pages."""

    user: User
    organization: Organization
    cohorts: QuerySet[Cohort]  # every cohort they may export or summarize
    is_coordinator: bool


def report_access_for_user(*, user: User) -> ReportAccess:
    """The organization and cohorts a member of staff reports on; 404 for anyone without a staff role."""
    membership = (
        Membership.objects.select_related("organization")
        .filter(user_id=user.pk)
        .order_by("role", "organization__name")  # "coordinator" sorts before "facilitator"
        .first()
    )
    if membership is None:
        raise Http404
    organization = membership.organization
    return ReportAccess(
        user=user,
        organization=organization,
        cohorts=cohort_list_for_staff(user=user).filter(organization=organization),
        is_coordinator=membership.role == Role.COORDINATOR,
    )


def _cohort_from_query(access: ReportAccess, raw: str | None) -> Cohort | None:
    """The cohort a ?cohort= names, if the user may see it; 404 otherwise (its existence never leaks)."""
    if not raw:
        return None
    # isdigit() alone lets "²" through, which int() refuses (a 500, found by hostile input).
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return cohort_get_for_staff(user=access.user, pk=int(raw))


def _access_for_cohort(access: ReportAccess, cohort: Cohort | None) -> ReportAccess:
    """A cohort filter may name a cohort of another organization the user facilitates in."""
    if cohort is None or cohort.organization_id == access.organization.pk:
        return access
    coordinates = user_is_cohort_coordinator(user=access.user, cohort=cohort)
    return ReportAccess(
        user=access.user,
        organization=cohort.organization,
        cohorts=cohort_list_for_staff(user=access.user).filter(
            organization_id=cohort.organization_id
        ),
        is_coordinator=coordinates,
    )


# --- the export form ----------------------------------------------------------------------------


class CohortChoiceField(forms.ModelChoiceField[Cohort]):
    def label_from_instance(self, obj: Cohort) -> str:
        return f"{obj.name} ({obj.program.name})"


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to export",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what to export.",
            "invalid_choice": "Choose one of the four exports listed.",
        },
    )
    format = forms.ChoiceField(
        label="File format",
        choices=FORMAT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose CSV or Excel (XLSX).",
            "invalid_choice": "Choose CSV or Excel (XLSX); “%(value)s” is not a format we export.",
        },
    )
    program = forms.ModelChoiceField(
        label="Program",
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="Every program",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    cohort = CohortChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        required=False,
        empty_label="Every cohort",
        error_messages={"invalid_choice": "Choose a cohort from the list."},
    )
    identifiable = forms.BooleanField(
        label="Include names and e-mail addresses",
        required=False,
        help_text="Only for the participant and questionnaire-answer exports. You will be asked "
        "for your password again, and the export is logged with your name.",
    )
    file = forms.ChoiceField(
        label="One file only",
        required=False,
        choices=[("", "All files"), *[(f, f) for f in FILES["responses"]]],
        error_messages={"invalid_choice": "Choose responses, scores or dictionary."},
    )

    def __init__(self, *args: Any, access: ReportAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access = access
        cohorts = access.cohorts.order_by("program__name", "-start_date", "name")
        cohort_field = cast(forms.ModelChoiceField, self.fields["cohort"])
        cohort_field.queryset = cohorts
        program_field = cast(forms.ModelChoiceField, self.fields["program"])
        program_field.queryset = Program.objects.filter(
            pk__in=access.cohorts.values("program_id")
        ).order_by("name")
        if not access.is_coordinator:
            del self.fields["identifiable"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, fmt = data.get("kind"), data.get("format")
        cohort, program = data.get("cohort"), data.get("program")
        if cohort is not None and program is not None and cohort.program_id != program.pk:
            self.add_error(
                "cohort",
                f"{cohort.name} is a cohort of {cohort.program.name}, not of {program.name}. "
                "Choose one of its cohorts, or every cohort.",
            )
        if data.get("identifiable") and kind and kind not in IDENTIFIABLE_KINDS:
            self.add_error(
                "identifiable",
                "Completion and outcome files hold no names. Untick this box, or choose the "
                "participant or questionnaire-answer export.",
            )
        file = data.get("file")
        if file and kind and kind not in FILES:
            self.add_error("file", "Only the questionnaire-answer export has several files.")
        elif file and fmt == "xlsx":
            self.add_error("file", "One file alone is for CSV; the Excel workbook has them all.")
        return data

    @property
    def kind_options(self) -> list[dict[str, Any]]:
        """The choices of `kind`, each with its hint, for radios the template draws itself."""
        chosen = self["kind"].value()
        return [
            {
                "value": value,
                "label": label,
                "id": f"id_kind_{n}",
                "help_id": f"id_kind_{n}_help",
                "help": KIND_HELP[value],
                "checked": chosen == value,
            }
            for n, (value, label) in enumerate(KIND_CHOICES)
        ]


def _export_page(
    request: HttpRequest, access: ReportAccess, form: ExportForm, status: int = 200
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


def _query(form: ExportForm) -> dict[str, str]:
    data = form.cleaned_data
    query = {"format": data["format"]}
    if data.get("program"):
        query["program"] = data["program"].slug
    if data.get("cohort"):
        query["cohort"] = str(data["cohort"].pk)
    if data.get("identifiable"):
        query["identifiable"] = "1"
    if data.get("file"):
        query["file"] = data["file"]
    return query


def export_form(request: HttpRequest) -> HttpResponse:
    """Choose what to export, in which format, for which cohorts; the download follows."""
    access = report_access_for_user(user=_user(request))
    access = _access_for_cohort(access, _cohort_from_query(access, request.GET.get("cohort")))
    # A submitted form always carries its format (checked by default); a link may carry only
    # ?cohort= to preselect one. An unchosen kind sends nothing, so it cannot be the signal.
    if "kind" not in request.GET and "format" not in request.GET:
        initial = {"format": "csv", "cohort": request.GET.get("cohort")}
        return _export_page(request, access, ExportForm(initial=initial, access=access))
    form = ExportForm(request.GET, access=access)
    if not form.is_valid():
        return _export_page(request, access, form, status=400)
    url = reverse("reports:export_download", args=[form.cleaned_data["kind"]])
    return redirect(f"{url}?{urlencode(_query(form))}")


# --- downloads ----------------------------------------------------------------------------------


def _filters(form: ExportForm) -> dict[str, object]:
    data = form.cleaned_data
    filters: dict[str, object] = {}
    if data.get("program"):
        filters["program"] = data["program"].slug
    if data.get("cohort"):
        filters["cohort"] = data["cohort"].pk
        filters["cohort_name"] = data["cohort"].name
    if data.get("file"):
        filters["file"] = data["file"]
    return filters


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
    request: HttpRequest, *, access: ReportAccess, form: ExportForm
) -> HttpResponse | StreamingHttpResponse:
    data = form.cleaned_data
    cohorts = access.cohorts
    if data.get("cohort"):
        cohorts = cohorts.filter(pk=data["cohort"].pk)
    if data.get("program"):
        cohorts = cohorts.filter(program=data["program"])
    scope = ExportScope(
        cohorts=cohorts,
        identifiable=bool(data.get("identifiable")),
        pooled=not data.get("cohort"),
    )
    try:
        output = export_start(
            user=access.user,
            organization=access.organization,
            kind=data["kind"],
            fmt=data["format"],
            scope=scope,
            filters=_filters(form),
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


def export_download(request: HttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    """One export as a file: CSV streamed (several files: a zip) or an XLSX workbook."""
    if kind not in KINDS:
        raise Http404
    access = report_access_for_user(user=_user(request))
    access = _access_for_cohort(access, _cohort_from_query(access, request.GET.get("cohort")))
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
        return cast(HttpResponse, _send_after_reauthentication(request, access=access, form=form))
    return _send(request, access=access, form=form)


# --- outcome summary page -----------------------------------------------------------------------

# Above this many pairs a chart (and its table) would be a wall of lines and rows; the
# statistics table still says everything.
CHART_LIMIT = 100


class OutcomeFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label="Program",
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="Every program",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    cohort = CohortChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        required=False,
        empty_label="Every cohort (and all cohorts of a program together)",
        error_messages={"invalid_choice": "Choose a cohort from the list."},
    )

    def __init__(self, *args: Any, access: ReportAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort_field = cast(forms.ModelChoiceField, self.fields["cohort"])
        cohort_field.queryset = access.cohorts.order_by("program__name", "-start_date", "name")
        program_field = cast(forms.ModelChoiceField, self.fields["program"])
        program_field.queryset = Program.objects.filter(
            pk__in=access.cohorts.values("program_id")
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cohort, program = data.get("cohort"), data.get("program")
        if cohort is not None and program is not None and cohort.program_id != program.pk:
            self.add_error(
                "cohort",
                f"{cohort.name} is a cohort of {cohort.program.name}, not of {program.name}.",
            )
        return data


def measure_range(
    instrument: Instrument, measure: outcome_stats.Measure
) -> tuple[Decimal, Decimal]:
    """The lowest and highest score a measure can take, for a chart's axis."""
    if measure.is_headline:
        low, high = instrument.total.range or (0, 0)
        factor = instrument.percentage_multiplier or 1
        return Decimal(low * factor), Decimal(high * factor)
    subscale = next(s for s in instrument.subscales if s.name == measure.key)
    lows = [
        min(instrument.reverse(n, v) for v in instrument.item(n).values) for n in subscale.items
    ]
    highs = [
        max(instrument.reverse(n, v) for v in instrument.item(n).values) for n in subscale.items
    ]
    if subscale.method == "mean":
        return Decimal(min(lows)), Decimal(max(highs))
    return Decimal(sum(lows)), Decimal(sum(highs))


@dataclass(frozen=True)
class OutcomeRow:
    summary: outcome_stats.OutcomeSummary
    baseline: str
    post: str
    change: str
    t_p: str
    wilcoxon_p: str
    dz: str
    mic: str
    note: str


def _mean_sd(mean: float | None, sd: float | None) -> str:
    if mean is None:
        return "—"
    if sd is None:
        return outcome_stats.format_stat(mean)
    return f"{outcome_stats.format_stat(mean)} ± {outcome_stats.format_stat(sd)}"


def _change(s: outcome_stats.OutcomeSummary) -> str:
    if s.mean_change is None:
        return "—"
    text = outcome_stats.format_stat(s.mean_change)
    if s.ci_low is not None and s.ci_high is not None:
        text += (
            f" ({outcome_stats.format_stat(s.ci_low)} to {outcome_stats.format_stat(s.ci_high)})"
        )
    return text


def _mic(s: outcome_stats.OutcomeSummary) -> str:
    if s.mic is None:
        return "No published value" if s.measure.is_headline else "—"
    if s.mic_reached is None or s.mic_share is None:
        return f"MIC {s.mic}: no pairs yet"
    percent = outcome_stats.format_stat(s.mic_share * 100, places=0)
    return f"{s.mic_reached} of {s.n_paired} ({percent}%), MIC {s.mic}"


def _row(s: outcome_stats.OutcomeSummary) -> OutcomeRow:
    notes: list[str] = []
    for note in (s.t_note, s.wilcoxon_note, s.dz_note):
        if note and note not in notes:
            notes.append(note)
    return OutcomeRow(
        summary=s,
        baseline=_mean_sd(s.baseline_mean, s.baseline_sd),
        post=_mean_sd(s.post_mean, s.post_sd),
        change=_change(s),
        t_p=outcome_stats.format_p(s.t_p),
        wilcoxon_p=outcome_stats.format_p(s.wilcoxon_p),
        dz=outcome_stats.format_stat(s.dz),
        mic=_mic(s),
        note=" ".join(notes),
    )


def _charts(group: outcome_stats.OutcomeGroup, index: int) -> dict[str, list[Any]]:
    """Per instrument, the paired-lines charts of its headline score (MAIA-2: each subscale)."""
    charts: dict[str, list[Any]] = {}
    for n, s in enumerate(group.summaries):
        instrument = s.instrument
        has_headline = instrument.total.method == "sum"
        if not s.pairs or len(s.pairs) > CHART_LIMIT:
            continue
        if has_headline and not s.measure.is_headline:
            continue
        low, high = measure_range(instrument, s.measure)
        score_name = (
            f"{instrument.short_name} {s.measure.label.lower()}"
            if not has_headline or s.measure.key == "percentage"
            else f"{instrument.short_name} total"
        )
        charts.setdefault(instrument.code, []).append(
            paired_lines_chart(
                title=f"{score_name}: baseline and post, {group.cohort_label}, {group.arm_label.lower()} arm",
                description=(
                    f"One line per participant from their baseline to their post score, and a thick "
                    f"dashed line for the mean of all {len(s.pairs)}; {s.direction}."
                ),
                pairs=[(p.participant_code, p.baseline, p.post) for p in s.pairs],
                y_min=low,
                y_max=high,
                y_label=score_name,
                chart_id=f"outcome-{index}-{n}",
            )
        )
    return charts


@dataclass(frozen=True)
class InstrumentBlock:
    instrument: Instrument
    direction: str
    rows: list[OutcomeRow]
    charts: list[Any]
    table_id: str


def _blocks(group: outcome_stats.OutcomeGroup, index: int) -> list[InstrumentBlock]:
    charts = _charts(group, index)
    blocks: dict[str, InstrumentBlock] = {}
    for s in group.summaries:
        code = s.instrument.code
        if code not in blocks:
            blocks[code] = InstrumentBlock(
                instrument=s.instrument,
                direction=s.direction,
                rows=[],
                charts=charts.get(code, []),
                table_id=f"outcomes-{index}-{code}",
            )
        blocks[code].rows.append(_row(s))
    return list(blocks.values())


def outcomes(request: HttpRequest) -> HttpResponse:
    """Before and after per questionnaire, for a cohort or a program's cohorts: the statistics and the charts."""
    access = report_access_for_user(user=_user(request))
    access = _access_for_cohort(access, _cohort_from_query(access, request.GET.get("cohort")))
    form = OutcomeFilterForm(request.GET or None, access=access)
    cohorts = access.cohorts
    cohort = program = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            cohort, program = form.cleaned_data.get("cohort"), form.cleaned_data.get("program")
        else:
            status = 400
            cohorts = cohorts.none()
    if cohort is not None:
        cohorts = cohorts.filter(pk=cohort.pk)
    if program is not None:
        cohorts = cohorts.filter(program=program)
    groups = outcome_stats.outcome_groups(cohorts=cohorts, pooled=cohort is None)
    sections = []
    for n, group in enumerate(groups):
        blocks = _blocks(group, n)
        sections.append(
            {
                "group": group,
                "heading_id": f"group-{n}",
                # A questionnaire nobody has answered twice yet is a line, not a table of dashes.
                "blocks": [b for b in blocks if any(r.summary.n_paired for r in b.rows)],
                "waiting": [
                    b.instrument for b in blocks if not any(r.summary.n_paired for r in b.rows)
                ],
            }
        )
    export_query = {"format": "csv"}
    if cohort is not None:
        export_query["cohort"] = str(cohort.pk)
    if program is not None:
        export_query["program"] = program.slug
    return render(
        request,
        OUTCOMES_TEMPLATE,
        {
            "form": form,
            "access": access,
            "sections": sections,
            "cohort": cohort,
            "program": program,
            "chart_limit": CHART_LIMIT,
            "export_csv": reverse("reports:export_download", args=["outcomes"])
            + "?"
            + urlencode(export_query),
            "export_xlsx": reverse("reports:export_download", args=["outcomes"])
            + "?"
            + urlencode({**export_query, "format": "xlsx"}),
        },
        status=status,
    )


urlpatterns = [
    path("reports/export/", export_form, name="export"),
    path("reports/export/<slug:kind>/", export_download, name="export_download"),
    path("reports/outcomes/", outcomes, name="outcomes"),
]

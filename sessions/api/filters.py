"""The query filters of the API lists, checked like any input: a bad value is a 400 that names it.

Each list's filters are a serializer (so drf-spectacular documents them as query parameters and
DRF words the problems), with the paths it filters on. Dates are inclusive: `starts_after=
2026-09-01` keeps what starts on 1 September. Dates of moments (a session's start, a response
sent) are UTC dates. Unknown parameters are ignored, as everywhere on the web.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from programs.models import EnrollmentStatus
from sessions.api.records import MAX_ID


def _date(help_text: str) -> serializers.DateField:
    return serializers.DateField(required=False, help_text=help_text)


class ListFilter(serializers.Serializer[Any]):
    """Filters by cohort (id) and program (slug), and the subclass's own dates."""

    cohort = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this cohort's rows (its id)."
    )
    program = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="Only the rows of cohorts of this program (its slug).",
    )

    # The path from the listed row to its cohort.
    cohort_path: ClassVar[str] = "cohort"
    # Query parameter -> (path, lookup) for the subclass's own filters.
    lookups: ClassVar[dict[str, tuple[str, str]]] = {}

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = self.validated_data
        prefix = f"{self.cohort_path}__" if self.cohort_path else ""
        if "cohort" in data:
            queryset = queryset.filter(**{f"{self.cohort_path}_id": data["cohort"]})
        if "program" in data:
            queryset = queryset.filter(**{f"{prefix}program__slug": data["program"]})
        for name, (path, lookup) in self.lookups.items():
            if name in data:
                queryset = queryset.filter(**{f"{path}__{lookup}": data[name]})
        return queryset


def query_values(request: Request) -> dict[str, str]:
    """The query string as a plain dict: DRF then checks an empty value (`?cohort=`) as given,
    and refuses it, rather than reading it as left out the way it reads an HTML form."""
    return dict(request.query_params.items())


def filtered(
    filter_class: type[ListFilter], request: Request, queryset: QuerySet[Any]
) -> QuerySet[Any]:
    """The queryset with the request's filters, or a 400 naming each bad one."""
    checker = filter_class(data=query_values(request))
    checker.is_valid(raise_exception=True)
    return checker.apply(queryset)


class CohortFilter(ListFilter):
    cohort = None
    starts_after = _date("Only cohorts starting on or after this date.")
    starts_before = _date("Only cohorts starting on or before this date.")

    cohort_path: ClassVar[str] = ""
    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "starts_after": ("start_date", "gte"),
        "starts_before": ("start_date", "lte"),
    }


class EnrollmentFilter(ListFilter):
    status = serializers.ChoiceField(
        choices=EnrollmentStatus.choices,
        required=False,
        help_text="Only enrollments in this status.",
    )
    invited_after = _date("Only people invited on or after this date (UTC).")
    invited_before = _date("Only people invited on or before this date (UTC).")

    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "status": ("status", "exact"),
        "invited_after": ("invited_at__date", "gte"),
        "invited_before": ("invited_at__date", "lte"),
    }


class SessionFilter(ListFilter):
    starts_after = _date("Only sessions starting on or after this date (UTC).")
    starts_before = _date("Only sessions starting on or before this date (UTC).")

    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "starts_after": ("starts_at__date", "gte"),
        "starts_before": ("starts_at__date", "lte"),
    }


class AttendanceFilter(ListFilter):
    starts_after = _date("Only sessions starting on or after this date (UTC).")
    starts_before = _date("Only sessions starting on or before this date (UTC).")

    cohort_path: ClassVar[str] = "scheduled_session__cohort"
    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "starts_after": ("scheduled_session__starts_at__date", "gte"),
        "starts_before": ("scheduled_session__starts_at__date", "lte"),
    }


class PracticeFilter(ListFilter):
    """Cohort and program choose the enrollments; the dates choose which practice is counted."""

    practised_after = _date("Count practice on or after this date (the participant's own date).")
    practised_before = _date("Count practice on or before this date (the participant's own date).")


class AssessmentFilter(ListFilter):
    opens_after = _date("Only questionnaires opening on or after this date (UTC).")
    opens_before = _date("Only questionnaires opening on or before this date (UTC).")

    cohort_path: ClassVar[str] = "enrollment__cohort"
    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "opens_after": ("opens_at__date", "gte"),
        "opens_before": ("opens_at__date", "lte"),
    }


class ResponseFilter(ListFilter):
    instrument = serializers.SlugField(
        required=False, max_length=20, help_text="Only answers to this questionnaire (e.g. phq9)."
    )
    submitted_after = _date("Only responses sent on or after this date (UTC).")
    submitted_before = _date("Only responses sent on or before this date (UTC).")

    cohort_path: ClassVar[str] = "assessment__enrollment__cohort"
    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "instrument": ("instrument", "exact"),
        "submitted_after": ("submitted_at__date", "gte"),
        "submitted_before": ("submitted_at__date", "lte"),
    }


class AllocationFilter(ListFilter):
    allocated_after = _date("Only allocations made on or after this date (UTC).")
    allocated_before = _date("Only allocations made on or before this date (UTC).")

    cohort_path: ClassVar[str] = "enrollment__cohort"
    lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "allocated_after": ("allocated_at__date", "gte"),
        "allocated_before": ("allocated_at__date", "lte"),
    }

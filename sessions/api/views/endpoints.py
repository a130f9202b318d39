"""The /api/v1/ endpoints: one organization's data, read by its token (and enrolling, by scope).

Views are thin: the rows come from sessions/api/records.py (scoped to the token's
organization), the filters from sessions/api/filters.py, the shapes from serializers.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from programs.services.common import EnrollmentError, EnrollmentImportError
from programs.services.enrollments import enrollment_import
from sessions.api import filters, records
from sessions.api.authentication import ApiClient
from sessions.api.base import ApiMixin
from sessions.api.models import ApiScope
from sessions.api.pagination import ApiCursorPagination
from sessions.api.serializers import (
    AllocationSerializer,
    ApiAutoSchema,
    AssessmentSerializer,
    AttendanceSerializer,
    CohortSerializer,
    EnrollmentCreateSerializer,
    EnrollmentProblemsSerializer,
    EnrollmentSerializer,
    PracticeSerializer,
    ResponseSerializer,
    SessionSerializer,
)
from sessions.api.serializers.enroll import (
    participant_rows,
    problems_from_errors,
    problems_of,
)
from sessions.api.serializers.schema import ID_PATH

LISTS = (
    "cohorts",
    "enrollments",
    "sessions",
    "attendance",
    "practice",
    "assessments",
    "responses",
    "allocations",
)


ROW_ID = OpenApiParameter("id", ID_PATH, OpenApiParameter.PATH, description="The row's id.")


def client_of(request: Request) -> ApiClient:
    # ApiMixin's authentication and TokenScope let only an ApiClient through to a handler.
    return cast(ApiClient, request.user)


class ApiRootView(ApiMixin, APIView):
    """The endpoints this token may call."""

    schema = ApiAutoSchema()

    @extend_schema(
        summary="The endpoints",
        responses=inline_serializer(
            "ApiRoot",
            {name: serializers.URLField() for name in (*LISTS, "fhir_questionnaire_responses")},
        ),
    )
    def get(self, request: Request) -> Response:
        found = {name: reverse(f"api_{name}", request=request) for name in LISTS}
        found["fhir_questionnaire_responses"] = reverse(
            "api_fhir_questionnaire_response_list", request=request
        )
        return Response(found)


class NotFoundView(ApiMixin, APIView):
    """Any other address under /api/v1/: 404 in JSON (after the token, like every endpoint)."""

    schema = None  # not an operation: left out of the OpenAPI schema

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(
            "There is nothing at this address in the API. The endpoints are at /api/v1/."
        )

    post = put = patch = delete = get


class ReadView(ApiMixin, generics.GenericAPIView[Any]):
    """A list or one row of the token's organization."""

    schema = ApiAutoSchema()
    pagination_class = ApiCursorPagination

    def organization_id(self) -> int:
        return client_of(self.request).organization.pk

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["identifiable"] = client_of(self.request).has_scope(ApiScope.IDENTIFIABLE)
        return context


class ReadList(ReadView, generics.ListAPIView[Any]):
    filter_class: type[filters.ListFilter]

    def rows(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return filters.filtered(self.filter_class, self.request, self.rows())


def _list_schema(what: str, filter_class: type[filters.ListFilter]) -> Any:
    return extend_schema(summary=what, parameters=[filter_class])


class CohortList(ReadList):
    """The organization's cohorts: which program, when they start and meet."""

    serializer_class = CohortSerializer
    filter_class = filters.CohortFilter

    def rows(self) -> QuerySet[Any]:
        return records.cohort_list(organization_id=self.organization_id())

    @_list_schema("Cohorts", filters.CohortFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CohortDetail(ReadView, generics.RetrieveAPIView[Any]):
    """One cohort of the organization (404 for any other)."""

    serializer_class = CohortSerializer

    def get_object(self) -> Any:
        return records.record_get(
            records.cohort_list(organization_id=self.organization_id()), pk=self.kwargs["pk"]
        )

    @extend_schema(summary="One cohort", parameters=[ROW_ID])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EnrollmentList(ReadList):
    """Participants by code, with cohort, status, arm and dates; names and addresses only
    for a token with the “identifiable” scope. POST enrols a list (the “enroll” scope)."""

    serializer_class = EnrollmentSerializer
    filter_class = filters.EnrollmentFilter

    def rows(self) -> QuerySet[Any]:
        return records.enrollment_list(organization_id=self.organization_id())

    @_list_schema("Enrollments (pseudonymous)", filters.EnrollmentFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Enrol participants (the CSV import's rules)",
        description=(
            "Invites every participant of the list to the cohort, all or none, with the rules and "
            "messages of the CSV import. Each gets an e-mail with a link to join. Needs the "
            "“enroll” scope."
        ),
        request=EnrollmentCreateSerializer,
        responses={
            201: inline_serializer(
                "EnrollmentsCreated", {"results": EnrollmentSerializer(many=True)}
            ),
            400: OpenApiResponse(
                EnrollmentProblemsSerializer,
                description="Nobody was added; every problem is listed with its line.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        client = client_of(request)
        checker = EnrollmentCreateSerializer(data=request.data)
        if not checker.is_valid():
            return _problems(problems_from_errors(checker.errors))
        cohort = (
            records.cohort_list(organization_id=client.organization.pk)
            .filter(pk=checker.validated_data["cohort"])
            .first()
        )
        if cohort is None:
            return _problems(
                [(None, "cohort", "There is no cohort with this id in your organization.")]
            )
        inviter = client.token.created_by
        if inviter is None:
            # Invitations say who invited the person; a token whose maker is gone cannot.
            return _problems(
                [
                    (
                        None,
                        None,
                        "The person who made this token no longer has an account, so nobody "
                        "can be invited in their name. A coordinator can make a new token.",
                    )
                ]
            )
        rows = participant_rows(checker.validated_data["participants"])
        # Change history names who made the enrollments (simple_history reads request.user):
        # the coordinator who made the token, in whose name the invitations go.
        django_request = request._request
        before, django_request.user = django_request.user, inviter
        try:
            made = enrollment_import(cohort=cohort, rows=rows, invited_by=inviter)
        except EnrollmentImportError as exc:
            return _problems(problems_of(exc.problems, rows), str(exc))
        except EnrollmentError as exc:
            return _problems([(None, exc.field, str(exc))])
        finally:
            django_request.user = before
        made_ids = [enrollment.pk for enrollment in made]
        created = records.enrollment_list(organization_id=client.organization.pk).filter(
            pk__in=made_ids
        )
        data = EnrollmentSerializer(
            created.order_by("pk"), many=True, context=self.get_serializer_context()
        ).data
        return Response({"results": data}, status=status.HTTP_201_CREATED)


def _problems(
    problems: list[tuple[int | None, str | None, str]], detail: str | None = None
) -> Response:
    count = len(problems)
    return Response(
        {
            "detail": detail
            or f"The list has {count} problem{'s' if count != 1 else ''}; nobody was added.",
            "problems": [
                {"line": line, "field": field, "message": message}
                for line, field, message in problems
            ],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class EnrollmentDetail(ReadView, generics.RetrieveAPIView[Any]):
    """One enrollment of the organization (404 for any other)."""

    serializer_class = EnrollmentSerializer

    def get_object(self) -> Any:
        return records.record_get(
            records.enrollment_list(organization_id=self.organization_id()), pk=self.kwargs["pk"]
        )

    @extend_schema(summary="One enrollment", parameters=[ROW_ID])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SessionList(ReadList):
    """Scheduled sessions: group ones for a cohort, one-on-one ones with the participant's code."""

    serializer_class = SessionSerializer
    filter_class = filters.SessionFilter

    def rows(self) -> QuerySet[Any]:
        return records.scheduled_session_list(organization_id=self.organization_id())

    @_list_schema("Scheduled sessions", filters.SessionFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AttendanceList(ReadList):
    """Who came to each session: one row per participant and session recorded."""

    serializer_class = AttendanceSerializer
    filter_class = filters.AttendanceFilter

    def rows(self) -> QuerySet[Any]:
        return records.attendance_list(organization_id=self.organization_id())

    @_list_schema("Attendance at sessions", filters.AttendanceFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PracticeList(ReadList):
    """Home practice per participant: days practised, minutes and entries, overall and per week."""

    serializer_class = PracticeSerializer
    filter_class = filters.PracticeFilter

    def rows(self) -> QuerySet[Any]:
        return records.practice_enrollment_list(organization_id=self.organization_id())

    @_list_schema("Home practice per participant", filters.PracticeFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        checker = filters.PracticeFilter(data=filters.query_values(request))
        checker.is_valid(raise_exception=True)
        page = self.paginate_queryset(checker.apply(self.rows()))
        if page is None:  # pagination is always on; this keeps the types honest
            raise ValidationError("This list is paged.")
        totals = records.practice_day_totals(
            enrollment_ids=[enrollment.pk for enrollment in page],
            since=checker.validated_data.get("practised_after"),
            until=checker.validated_data.get("practised_before"),
        )
        summaries = records.practice_summaries(page, totals)
        return self.get_paginated_response(PracticeSerializer(summaries, many=True).data)


class AssessmentList(ReadList):
    """Questionnaires sent: each participant's measurement points, their windows and completion."""

    serializer_class = AssessmentSerializer
    filter_class = filters.AssessmentFilter

    def rows(self) -> QuerySet[Any]:
        return records.assessment_list(organization_id=self.organization_id())

    @_list_schema("Questionnaires sent (assessments)", filters.AssessmentFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ResponseList(ReadList):
    """Submitted responses, the latest version of each: answers item by item, and scores."""

    serializer_class = ResponseSerializer
    filter_class = filters.ResponseFilter

    def rows(self) -> QuerySet[Any]:
        return records.response_list(organization_id=self.organization_id())

    @_list_schema("Submitted responses with answers and scores", filters.ResponseFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AllocationList(ReadList):
    """Randomized studies' allocations: the arm drawn (after any correction), stratum and block."""

    serializer_class = AllocationSerializer
    filter_class = filters.AllocationFilter

    def rows(self) -> QuerySet[Any]:
        return records.allocation_list(organization_id=self.organization_id())

    @_list_schema("Allocations of randomized studies", filters.AllocationFilter)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

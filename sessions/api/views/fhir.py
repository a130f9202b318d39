"""FHIR R4 over the API: a Questionnaire per instrument the organization's programs use, and
its submitted responses as a searchset Bundle of QuestionnaireResponses.

Built with sessions/questionnaires/fhir.py (the resources the `export fhir` Bundle holds too),
served as `application/fhir+json`; refusals are OperationOutcomes, as FHIR clients expect.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from programs.instrument_library import instrument_get
from sessions.api import filters, records
from sessions.api.base import ApiMixin
from sessions.api.pagination import ApiCursorPagination
from sessions.api.serializers import ApiAutoSchema
from sessions.api.serializers.schema import PAGE_SIZE, SLUG_PATTERN
from sessions.api.views.endpoints import client_of
from sessions.questionnaires.fhir import questionnaire_resource, questionnaire_response_resource


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


RESOURCE = {"type": "object", "required": ["resourceType"], "additionalProperties": True}


def _resource(resource_type: str, description: str) -> dict[str, Any]:
    return {
        **RESOURCE,
        "description": description,
        "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
    }


OPERATION_OUTCOME = _resource(
    "OperationOutcome", "Why the request was refused: issue[0].diagnostics says it in words."
)

ISSUE_CODE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 429: "throttled"}


class FhirJsonOnly(BaseContentNegotiation):
    """Always FHIR JSON, whatever the client's Accept says (application/json included): FHIR
    servers answer their own type, and one type means no `format` switch in the schema."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: list[Any], _format_suffix: str | None = None
    ) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type


class FhirView(ApiMixin, generics.GenericAPIView[Any]):
    schema = ApiAutoSchema()
    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirJsonOnly
    error_response = OPERATION_OUTCOME

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors come from DRF as {"detail": ...} (or a field's problems); FHIR says them as an
        # OperationOutcome. Done before ApiMixin's audit, which only counts rows.
        if isinstance(response, Response) and response.status_code >= 400:
            response.data = _outcome(response.status_code, response.data)
        return super().finalize_response(request, response, *args, **kwargs)


def _outcome(status: int, data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and "detail" in data:
        text = str(data["detail"])
    elif isinstance(data, dict):
        text = "; ".join(
            f"{name}: {' '.join(str(m) for m in (messages if isinstance(messages, list) else [messages]))}"
            for name, messages in data.items()
        )
    else:
        text = str(data)
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": ISSUE_CODE.get(status, "processing"), "diagnostics": text}
        ],
    }


class QuestionnaireRead(FhirView):
    """A Questionnaire for an instrument the organization's programs ask; any other is 404."""

    @extend_schema(
        summary="FHIR Questionnaire",
        operation_id="fhir_questionnaire_read",
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                pattern=SLUG_PATTERN,
                description="The instrument's code, e.g. phq9.",
            )
        ],
        responses={200: OpenApiResponse(_resource("Questionnaire", "A FHIR R4 Questionnaire."))},
    )
    def get(self, request: Request, code: str) -> Response:
        if code not in records.instrument_codes_used(
            organization_id=client_of(request).organization.pk
        ):
            raise Http404
        return Response(questionnaire_resource(instrument_get(code)))


class QuestionnaireResponseSearch(FhirView):
    """Submitted responses as a FHIR searchset Bundle, a page at a time (links next/previous)."""

    pagination_class = ApiCursorPagination
    filter_class = filters.ResponseFilter

    def audit_rows(self, response: Response) -> tuple[int | None, list[str]]:
        # A Bundle, not a page of `results`: the participants are the entries' subjects.
        data = response.data
        if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
            return None, []
        codes = [
            entry["resource"]["subject"]["identifier"]["value"] for entry in data.get("entry", [])
        ]
        return len(codes), codes

    @extend_schema(
        summary="FHIR QuestionnaireResponse search",
        operation_id="fhir_questionnaire_response_search",
        parameters=[
            filters.ResponseFilter,
            # Not a list view to drf-spectacular (the page is a Bundle), so named here.
            OpenApiParameter(
                "cursor", str, description=ApiCursorPagination.cursor_query_description
            ),
            OpenApiParameter(
                "page_size", PAGE_SIZE, description=ApiCursorPagination.page_size_query_description
            ),
        ],
        responses={
            200: OpenApiResponse(
                _resource(
                    "Bundle",
                    "A searchset Bundle of QuestionnaireResponses; link `next` is the next page.",
                )
            )
        },
    )
    def get(self, request: Request) -> Response:
        rows = filters.filtered(
            filters.ResponseFilter,
            request,
            records.response_list(organization_id=client_of(request).organization.pk),
        )
        paginator = ApiCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        links = [{"relation": "self", "url": request.build_absolute_uri()}]
        for relation, url in (
            ("next", paginator.get_next_link()),
            ("previous", paginator.get_previous_link()),
        ):
            if url:
                links.append({"relation": relation, "url": url})
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
        entries = [
            {
                "fullUrl": _full_url(response.pk),
                "resource": questionnaire_response_resource(response),
                "search": {"mode": "match"},
            }
            for response in page
        ]
        # FHIR allows no empty arrays: a page with no match has no `entry` at all.
        if entries:
            bundle["entry"] = entries
        return Response(bundle)


def _full_url(pk: int) -> str:
    # There is no read endpoint per response; a stable URN names each entry across pages.
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/fhir/QuestionnaireResponse/{pk}")
    )

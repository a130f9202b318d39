"""How the API describes itself in OpenAPI: the Bearer token scheme, and the errors every
operation can answer (so a client, and schemathesis, know each status and its body)."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sessions.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, _auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An organization API token (sw_...), made by a coordinator on the "
                "organization's API page: `Authorization: Bearer sw_...`."
            ),
        }


# A row's id in a path: the router takes digits only, so the schema says so.
ID_PATH = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": 500}
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"


class ErrorSerializer(serializers.Serializer[Any]):
    """A refusal: `detail` says why; a 400 names each bad parameter or field instead."""

    detail = serializers.CharField(required=False)


ERRORS = {
    "400": "A parameter or field is not valid: each is named with what is wrong.",
    "401": "No token, or one that is unknown, revoked or expired.",
    "403": "The token does not have the scope this needs.",
    "404": "Nothing with this id in the token's organization, or a cursor that names no page.",
    "429": "Too many calls: wait the seconds the Retry-After header gives.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error answers of every API operation."""

    # Errors whose body is not JSON (FHIR views answer OperationOutcome), set per view.
    error_response: Any = ErrorSerializer

    def get_tags(self) -> list[str]:
        # Grouped by endpoint in the docs ("cohorts", "enrollments", ..., "fhir"), not all "v1".
        parts = [part for part in self.path.split("/") if part]
        if "fhir" in parts:
            return ["fhir"]
        return [parts[2] if len(parts) > 2 else "endpoints"]

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        paged = getattr(self.view, "pagination_class", None) is not None and "{" not in self.path
        if self.method == "POST" or paged or getattr(self.view, "filter_class", None):
            codes.insert(0, "400")
        if "{" in self.path or paged:
            codes.append("404")
        return codes

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        error = getattr(self.view, "error_response", self.error_response)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(error, description=ERRORS[code]), code
                )
        return responses

"""The OpenAPI schema at /api/schema/: valid OpenAPI 3, every operation described, guarded by the
Bearer token scheme, and every answer it can give listed."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/"),
    ("get", "/api/v1/cohorts/"),
    ("get", "/api/v1/cohorts/{id}/"),
    ("get", "/api/v1/enrollments/"),
    ("post", "/api/v1/enrollments/"),
    ("get", "/api/v1/enrollments/{id}/"),
    ("get", "/api/v1/sessions/"),
    ("get", "/api/v1/attendance/"),
    ("get", "/api/v1/practice/"),
    ("get", "/api/v1/assessments/"),
    ("get", "/api/v1/responses/"),
    ("get", "/api/v1/allocations/"),
    ("get", "/api/v1/fhir/Questionnaire/{code}"),
    ("get", "/api/v1/fhir/QuestionnaireResponse"),
}


@pytest.fixture
def schema():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, operation


def test_openapi_spec_validator_accepts_the_schema(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_every_endpoint_is_in_the_schema_with_a_summary(schema):
    found = {(method, path) for method, path, _operation in _operations(schema)}

    assert found == OPERATIONS
    for method, path, operation in _operations(schema):
        assert operation.get("summary"), f"{method} {path} has no summary"


def test_every_operation_needs_the_bearer_token_and_lists_its_refusals(schema):
    scheme = schema["components"]["securitySchemes"]["ApiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path, operation in _operations(schema):
        # No empty requirement ({}), which would mean the operation works without a token.
        assert operation["security"] == [{"ApiToken": []}], f"{method} {path}"
        assert {"401", "403", "429"} <= set(operation["responses"]), f"{method} {path}"
        if "{" in path:
            assert "404" in operation["responses"], f"{method} {path}"


def test_lists_are_paged_and_filtered(schema):
    for method, path, operation in _operations(schema):
        if method != "get" or "{" in path or path in ("/api/v1/",):
            continue
        names = {p["name"] for p in operation.get("parameters", [])}
        assert {"cursor", "page_size", "program"} <= names, path
        assert "400" in operation["responses"], path


def test_fhir_operations_answer_fhir_json(schema):
    for path in ("/api/v1/fhir/Questionnaire/{code}", "/api/v1/fhir/QuestionnaireResponse"):
        responses = schema["paths"][path]["get"]["responses"]
        assert "application/fhir+json" in responses["200"]["content"]
        assert "application/fhir+json" in responses["401"]["content"]

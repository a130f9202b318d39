"""The OpenAPI schema and the documentation page: public, and nothing loaded from elsewhere."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import coordinator

pytestmark = pytest.mark.django_db


def test_the_schema_is_public_openapi_3_json(client):
    response = client.get(reverse("api_schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Stillwater API"
    assert any(path.startswith("/api/v1/") for path in schema["paths"])


def test_the_schema_ignores_a_bad_token_and_a_session(client, organization):
    # It describes the API and holds nobody's data: no token is needed or checked.
    assert (
        client.get(reverse("api_schema"), HTTP_AUTHORIZATION="Bearer nonsense").status_code == 200
    )
    client.force_login(coordinator(organization))
    assert client.get(reverse("api_schema")).status_code == 200


def test_the_docs_page_is_public_and_points_at_the_schema(client):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    page = response.text
    assert "<h1>API documentation</h1>" in page
    assert f'data-schema-url="{reverse("api_schema")}"' in page
    assert f'href="{reverse("api_schema")}"' in page


def test_the_docs_page_loads_only_the_sites_own_files(client):
    page = client.get(reverse("api_docs")).text
    sources = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert any("swagger-ui.css" in s for s in sources)
    for source in sources:
        assert source.startswith("/static/"), source
        assert finders.find(source.removeprefix("/static/")), f"{source} is not a static file"
    # No inline script: the Content-Security-Policy would refuse it.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "cdn" not in page.lower()


def test_the_docs_start_swagger_ui_without_its_outside_validator():
    script = finders.find("js/api-docs.js")
    assert script is not None
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    # Swagger UI's default sends the schema to validator.swagger.io.
    assert "validatorUrl: null" in text


def test_the_docs_page_is_served_under_the_sites_content_security_policy(client):
    policy = client.get(reverse("api_docs"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy

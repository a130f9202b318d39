"""Schemathesis over every operation of /api/schema/, in process (WSGI), with a valid token.

Property-based: for each operation it generates valid and edge-case requests (filters, ids,
cursors, enrollment bodies) and checks that nothing answers 5xx, every answer matches the
schema (status, content type, body), and the token is required. A second run uses another
organization's token and checks that none of this organization's data comes back.

Bounded (a few examples per operation, no deadline) so the whole file stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sessions.api.throttling import ApiTokenThrottle
from tests.api.test_endpoints import World, build_world

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=10,
    deadline=None,
    # The database fixture is per test, not per example: each example reads the same world.
    suppress_health_check=list(HealthCheck),
    # The same examples on every run, so CI is repeatable (a failure names its curl command).
    derandomize=True,
)
# The refusal checks need fewer examples: every example must be refused the same way.
LIGHT = settings(BOUNDED, max_examples=5)


@pytest.fixture
def world(monkeypatch) -> Iterator[World]:
    # Hundreds of calls in a few seconds: the per-token limit (tested in test_tokens) is lifted.
    monkeypatch.setattr(ApiTokenThrottle, "THROTTLE_RATES", {"api_token": "100000/minute"})
    # The WSGI handler closes the database connection after each request, which would end the
    # test's transaction (on PostgreSQL); Django's own test client holds it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield build_world()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Read through the app itself, as a client reads it (the schema view touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_by_its_schema_with_a_valid_token(case, world):
    # Enrolling refuses schema-valid bodies that break the import's rules (a cohort of another
    # organization, an address already enrolled, "not an address"): a 400 there is right, so
    # only "valid data is accepted" is left out for it; every other check still runs.
    excluded = [positive_data_acceptance] if case.method == "POST" else []
    case.call_and_validate(headers=_bearer(world.ours.full), excluded_checks=excluded)


def _leaks(world: World, text: str) -> list[str]:
    ours = [*world.ours.codes, world.ours.organization.name, world.ours.cohort.name]
    return [value for value in ours if value in text]


@schema.parametrize()
@LIGHT
def test_another_organizations_token_never_sees_this_organizations_data(case, world):
    response = case.call(headers=_bearer(world.theirs.full))

    assert response.status_code < 500
    assert not _leaks(world, response.text), f"{case.method} {case.path}"


@schema.parametrize()
@LIGHT
def test_no_operation_answers_without_a_token(case, world):
    response = case.call()

    assert response.status_code == 401, f"{case.method} {case.formatted_path}"
    assert not _leaks(world, response.text)

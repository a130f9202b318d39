from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import Organization, User
from tests.factories import OrganizationFactory, UserFactory, coordinator, facilitator


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth counts rate limits in the cache; one test's failed logins must not lock out the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organization(db) -> Organization:
    return OrganizationFactory(name="Riverside MS Centre", slug="riverside")


@pytest.fixture
def other_organization(db) -> Organization:
    return OrganizationFactory(name="Hillview Neurology", slug="hillview")


@pytest.fixture
def participant(db) -> User:
    return UserFactory(email="pat@example.org", full_name="Pat Participant")


@pytest.fixture
def facilitator_user(organization) -> User:
    return facilitator(
        organization, user__email="fay@example.org", user__full_name="Fay Facilitator"
    )


@pytest.fixture
def coordinator_user(organization) -> User:
    return coordinator(
        organization, user__email="cora@example.org", user__full_name="Cora Coordinator"
    )


@pytest.fixture
def other_coordinator(other_organization) -> User:
    return coordinator(other_organization, user__email="otto@example.org")

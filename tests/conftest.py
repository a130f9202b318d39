from __future__ import annotations

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client

from accounts.idle import SESSION_KEY as IDLE_SESSION_KEY
from accounts.mfa import SECOND_FACTOR_TYPES
from accounts.models import Organization, User
from tests.factories import OrganizationFactory, UserFactory, coordinator, facilitator


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth counts rate limits in the cache; one test's failed logins must not lock out the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _sign_in_like_a_person(monkeypatch):
    """client.login()/force_login() leave the session a real sign-in would leave.

    Django's shortcut only stores the user. Signing in through allauth also records how the
    person proved who they are (password, then the authenticator-app code for anyone who has
    one: every staff member from tests.factories) and starts the automatic-logoff clock.
    Without this, RequireStaffMFAMiddleware would rightly send every staff test to the code page.
    """
    original = Client._login

    def _login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        session = self.session
        now = time.time()
        records: list[dict[str, object]] = [{"method": "password", "at": now, "email": user.email}]
        authenticator = (
            Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES)
            .order_by("pk")
            .first()
        )
        if authenticator is not None:
            records.append(
                {"method": "mfa", "at": now, "id": authenticator.pk, "type": authenticator.type}
            )
        session[AUTHENTICATION_METHODS_SESSION_KEY] = records
        session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session[IDLE_SESSION_KEY] = now
        session.save()

    monkeypatch.setattr(Client, "_login", _login)


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `make test` runs the unit tests in parallel and then `-m "integration or e2e"` one at a
    # time; a real-server or browser test whose module forgot its mark must not slip into the
    # parallel run (where it would fight its neighbours for ports and workers).
    for item in items:
        folders = item.path.parts
        if "e2e" in folders:
            item.add_marker(pytest.mark.e2e)
        if "integration" in folders:
            item.add_marker(pytest.mark.integration)

"""Each role reaches its own pages; nobody reaches another role's pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, coordinator, facilitator

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["programs:cohort_list", "coordinator_home", "invitation_create"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_participant_gets_404_on_staff_pages(client, participant, page):
    client.force_login(participant)
    response = client.get(reverse(page))
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["coordinator_home", "invitation_create"])
def test_facilitator_gets_404_on_coordinator_pages(client, facilitator_user, page):
    client.force_login(facilitator_user)
    assert client.get(reverse(page)).status_code == 404


@pytest.mark.parametrize("page", ["home", "reports:participant_home", "profile", *STAFF_PAGES])
def test_anonymous_visitor_is_sent_to_sign_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("participant", "reports:participant_home"),
        ("facilitator_user", "reports:worklist"),
        ("coordinator_user", "reports:landing"),
    ],
)
def test_home_sends_each_role_to_its_landing_page(request, client, who, landing):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.url == reverse(landing)
    assert client.get(response.url).status_code == 200


def test_navigation_matches_the_role(client, participant, coordinator_user):
    client.force_login(participant)
    page = client.get(reverse("reports:participant_home")).text
    assert "My course" in page
    assert "Invite someone" not in page
    client.force_login(coordinator_user)
    page = client.get(reverse("coordinator_home")).text
    assert "Invite someone" in page
    assert 'aria-current="page"' in page


def test_coordinator_sees_only_their_own_staff(client, coordinator_user, other_organization):
    facilitator(other_organization, user__email="elsewhere@example.org")
    client.force_login(coordinator_user)
    page = client.get(reverse("coordinator_home")).text
    assert coordinator_user.email in page
    assert "elsewhere@example.org" not in page


def test_help_page_is_public_and_shows_the_organizations_crisis_contacts(client, coordinator_user):
    anonymous = client.get(reverse("help"))
    assert anonymous.status_code == 200
    assert "emergency number" in anonymous.text
    client.force_login(coordinator_user)
    assert 'Samaritans: <a href="tel:116123">116 123</a>' in client.get(reverse("help")).text


def test_coordinator_page_makes_the_same_queries_for_a_big_team(
    client, coordinator_user, organization, django_assert_max_num_queries
):
    def load() -> int:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("coordinator_home")).status_code == 200
        return len(captured)

    client.force_login(coordinator_user)
    small = load()
    for n in range(30):
        MembershipFactory(organization=organization, user__email=f"staff{n}@example.org")
    for n in range(10):
        coordinator(organization, user__email=f"co{n}@example.org")
    assert load() == small

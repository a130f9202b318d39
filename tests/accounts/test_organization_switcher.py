"""Staff of two organizations choose the one they are working in, and every page follows it.

Cora coordinates Riverside MS Centre (since last year) and Hillview Neurology (since this
year): with no choice yet she works in Hillview, her most recent membership, and the header
says so; she changes to Riverside on the switch page, and the settings, the overview, the
landing page, the cohort list and cohort creation follow. Someone with one organization never
sees the switcher; nobody can choose an organization they do not belong to.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import Membership, Organization, Role, User
from accounts.switching import SESSION_KEY
from programs.models import Cohort
from tests.factories import CohortFactory, MembershipFactory, facilitator
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

SWITCH = reverse("organization_switch")
HEADER = re.compile(r'<div class="org-switcher">.*?</div>\s*</div>', re.S)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def header(html: str) -> str:
    found = HEADER.search(html)
    return text(found.group()) if found else ""


@pytest.fixture
def two_organizations(organization, other_organization, coordinator_user) -> User:
    """Cora: coordinator of Riverside (older membership) and of Hillview (newer)."""
    Membership.objects.filter(user=coordinator_user).update(
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    MembershipFactory(user=coordinator_user, organization=other_organization, role=Role.COORDINATOR)
    CohortFactory(organization=organization, name="Riverside Tuesday group")
    CohortFactory(organization=other_organization, name="Hillview Monday group")
    return coordinator_user


def choose(client, organization: Organization):
    return client.post(SWITCH, {"organization": organization.pk})


# --- the header ----------------------------------------------------------------------------


def test_staff_of_two_organizations_see_where_they_work_and_a_way_to_change_it(
    client, two_organizations
):
    client.force_login(two_organizations)
    page = client.get(reverse("reports:landing")).text
    # No choice yet: the most recent membership, shown so she notices.
    assert header(page) == "Working in: Hillview Neurology Change organization"
    assert f'href="{SWITCH}"' in page


@pytest.mark.parametrize("who", ["coordinator_user", "facilitator_user", "participant"])
def test_someone_with_one_organization_or_none_sees_no_switcher(client, request, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("profile")).text
    assert "org-switcher" not in page
    assert "Change organization" not in page


def test_the_header_makes_the_same_queries_for_one_organization_and_for_five(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    client.force_login(coordinator_user)

    def load() -> int:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("profile")).status_code == 200
        return len(captured)

    alone = load()
    for n in range(4):
        MembershipFactory(
            user=coordinator_user,
            organization=Organization.objects.create(name=f"Service {n}", slug=f"service-{n}"),
            role=Role.FACILITATOR,
        )
    page = client.get(reverse("profile")).text
    assert "Change organization" in page
    assert load() == alone


# --- the switch page -----------------------------------------------------------------------


def test_the_switch_page_lists_their_organizations_with_the_current_one_chosen(
    client, two_organizations, other_organization
):
    client.force_login(two_organizations)
    page = client.get(SWITCH).text
    assert "<h1>Change organization</h1>" in page
    assert "Which organization are you working in?" in page
    assert "Riverside MS Centre (coordinator)" in page
    assert "Hillview Neurology (coordinator)" in page
    checked = re.findall(r'<input type="radio"[^>]*value="(\d+)"[^>]*checked', page)
    assert checked == [str(other_organization.pk)]
    assert re.search(r'<button type="submit">Continue</button>', page)


def test_choosing_an_organization_takes_them_home_working_there(
    client, two_organizations, organization
):
    client.force_login(two_organizations)
    response = choose(client, organization)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session[SESSION_KEY] == organization.pk
    page = client.get(reverse("reports:landing")).text
    assert "You are now working in Riverside MS Centre." in text(page)
    assert header(page) == "Working in: Riverside MS Centre Change organization"


def test_sending_no_choice_says_what_to_do(client, two_organizations):
    client.force_login(two_organizations)
    response = client.post(SWITCH, {})
    assert response.status_code == 200
    assert "Choose the organization you are working in." in text(response.text)
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("who", ["other_coordinator", "facilitator_user", "coordinator_user"])
def test_choosing_an_organization_they_do_not_belong_to_is_404_and_changes_nothing(
    client, request, organization, other_organization, who
):
    """Owner, member and outsider: each names the organization that is not theirs."""
    user: User = request.getfixturevalue(who)
    foreign = organization if who == "other_coordinator" else other_organization
    client.force_login(user)
    assert choose(client, foreign).status_code == 404
    assert SESSION_KEY not in client.session


def test_participants_have_no_switch_page(client, participant, organization):
    client.force_login(participant)
    assert client.get(SWITCH).status_code == 404
    assert choose(client, organization).status_code == 404


# --- every page follows the choice -----------------------------------------------------------


def test_switching_changes_the_settings_link_the_overview_and_the_landing_page(
    client, two_organizations, organization, other_organization
):
    client.force_login(two_organizations)
    settings_of = {
        o.pk: reverse("organization_settings", args=[o.slug])
        for o in (organization, other_organization)
    }

    organization_page = client.get(reverse("coordinator_home")).text
    assert f'href="{settings_of[other_organization.pk]}"' in organization_page
    overview = text(client.get(reverse("reports:reports_overview")).text)
    assert "Hillview Monday group" in overview
    assert "Riverside Tuesday group" not in overview
    assert "Today at Hillview Neurology" in text(client.get(reverse("reports:landing")).text)

    choose(client, organization)

    organization_page = client.get(reverse("coordinator_home")).text
    assert f'href="{settings_of[organization.pk]}"' in organization_page
    assert f'href="{settings_of[other_organization.pk]}"' not in organization_page
    overview = text(client.get(reverse("reports:reports_overview")).text)
    assert "Riverside Tuesday group" in overview
    assert "Hillview Monday group" not in overview
    assert "Today at Riverside MS Centre" in text(client.get(reverse("reports:landing")).text)
    record_reauthentication(client, two_organizations)
    settings_page = client.get(settings_of[organization.pk]).text
    assert "Settings of Riverside MS Centre" in settings_page


def test_the_cohort_list_and_new_cohorts_belong_to_the_chosen_organization(
    client, two_organizations, organization
):
    client.force_login(two_organizations)
    choose(client, organization)
    cohorts = text(client.get(reverse("programs:cohort_list")).text)
    assert "All cohorts of Riverside MS Centre" in cohorts
    assert "Riverside Tuesday group" in cohorts
    assert "Hillview Monday group" not in cohorts
    form = client.get(reverse("programs:cohort_create")).text
    # The facilitators offered are the chosen organization's staff.
    assert "Cora Coordinator" in form
    assert Cohort.objects.filter(organization=organization).count() == 1


def test_a_facilitator_in_one_organization_and_coordinator_in_another_gets_the_role_there(
    client, organization, other_organization
):
    person = facilitator(organization, user__email="dual@example.org")
    Membership.objects.filter(user=person).update(created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    MembershipFactory(user=person, organization=other_organization, role=Role.COORDINATOR)
    client.force_login(person)
    assert client.get(reverse("home")).url == reverse("reports:landing")
    choose(client, organization)
    assert client.get(reverse("home")).url == reverse("reports:worklist")
    # Working as a facilitator, the coordinator's pages of the other organization stay shut.
    assert client.get(reverse("reports:reports_overview")).status_code == 404
    assert client.get(reverse("coordinator_home")).status_code == 404


def test_a_removed_membership_falls_back_to_one_they_still_have(
    client, two_organizations, organization, other_organization
):
    client.force_login(two_organizations)
    choose(client, other_organization)
    Membership.objects.filter(user=two_organizations, organization=other_organization).delete()
    page = client.get(reverse("reports:landing"))
    assert page.status_code == 200
    assert "Today at Riverside MS Centre" in text(page.text)
    # One organization left: nothing to switch between.
    assert "Change organization" not in page.text
    assert "Hillview" not in text(client.get(reverse("reports:reports_overview")).text)
    # And the old choice cannot be made again.
    assert choose(client, other_organization).status_code == 404

"""Screening pages: only the coordinators of the organization one works in (404 for everyone
else), bad input refused with a message and nothing saved, and fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions.notifications.models import Notification, NotificationKind
from sessions.trials.models import OfferStatus, Screening
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    MembershipFactory,
    facilitator,
    shipped_program,
)
from tests.trials.screening_helpers import form_data, offered, phq9, screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def mbsr():
    return shipped_program("mbsr-8-ms")


@pytest.fixture
def cohort(organization, mbsr):
    return CohortFactory(organization=organization, program=mbsr, start_date=dt.date(2026, 9, 1))


@pytest.fixture
def screening(organization, coordinator_user, mbsr):
    return screen(organization=organization, program=mbsr, by=coordinator_user)


def _urls(screening):
    return [
        reverse("trials:screening_list"),
        reverse("trials:screening_new", args=["mbsr-8-ms"]),
        reverse("trials:screening_detail", args=[screening.pk]),
        reverse("trials:waitlist", args=["mbsr-8-ms"]),
    ]


def test_the_organizations_coordinator_opens_every_page(client, coordinator_user, screening):
    client.force_login(coordinator_user)
    for url in _urls(screening):
        assert client.get(url).status_code == 200, url


def test_a_facilitator_of_the_organization_gets_404(client, facilitator_user, screening):
    client.force_login(facilitator_user)
    for url in _urls(screening):
        assert client.get(url).status_code == 404, url


def test_a_coordinator_elsewhere_gets_404_for_the_screening_and_sees_none_of_it(
    client, other_coordinator, screening
):
    client.force_login(other_coordinator)
    detail = reverse("trials:screening_detail", args=[screening.pk])
    assert client.get(detail).status_code == 404
    for name in ("screening_consent", "screening_offer", "screening_enroll", "screening_decline"):
        assert client.post(reverse(f"trials:{name}", args=[screening.pk])).status_code == 404
    listing = client.get(reverse("trials:screening_list"))
    assert screening.full_name not in listing.content.decode()
    waitlist = client.get(reverse("trials:waitlist", args=["mbsr-8-ms"]))
    assert screening.full_name not in waitlist.content.decode()


def test_a_facilitator_here_who_coordinates_elsewhere_gets_404(
    client, organization, other_organization, screening
):
    person = facilitator(organization, user__email="both@example.org")
    MembershipFactory(user=person, organization=other_organization, role=Role.COORDINATOR)
    client.force_login(person)
    assert client.get(reverse("trials:screening_detail", args=[screening.pk])).status_code == 404
    listing = client.get(reverse("trials:screening_list"))
    assert screening.full_name not in listing.content.decode()


def test_a_participant_gets_404(client, organization, mbsr, screening):
    enrollment = EnrollmentFactory(cohort=CohortFactory(organization=organization, program=mbsr))
    client.force_login(enrollment.user)
    for url in _urls(screening):
        assert client.get(url).status_code == 404, url


def test_an_unknown_program_is_404(client, coordinator_user):
    client.force_login(coordinator_user)
    assert client.get(reverse("trials:screening_new", args=["nope"])).status_code == 404
    assert client.get(reverse("trials:waitlist", args=["nope"])).status_code == 404


def test_screening_someone_ineligible_shows_the_reasons(client, coordinator_user):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_new", args=["mbsr-8-ms"]),
        form_data(age=17, ms_confirmed=False),
        follow=True,
    )
    page = response.content.decode()
    assert "not eligible" in page
    assert "Under 18" in page
    assert "No confirmed MS diagnosis" in page


def test_screening_someone_eligible_who_consents_shows_their_position(
    client, coordinator_user, screening
):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_new", args=["mbsr-8-ms"]),
        form_data(email="second@example.org"),
        follow=True,
    )
    assert "number 2 on the" in response.content.decode()


def test_item_9_shows_the_crisis_contacts_at_once(client, organization, coordinator_user):
    organization.crisis_contacts = "Samaritans: 116 123"
    organization.save()
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_new", args=["mbsr-8-ms"]),
        form_data(phq9=phq9(0, 0, 0, 0, 0, 0, 0, 0, 2)),
        follow=True,
    )
    page = response.content.decode()
    assert "needs a follow-up today" in page
    assert "116 123" in page
    assert Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"age": "300"}, "300 is not possible"),
        ({"age": ""}, "Answer “How old are they?”"),
        ({"email": "not an address"}, "e-mail address like"),
        ({"full_name": ""}, "This field is required"),
        ({"phq9_3": ""}, "Choose an answer for question 3"),
        ({"phq9_3": "7"}, "Select a valid choice"),
        ({"sex": "robot"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(client, coordinator_user, changes, message):
    client.force_login(coordinator_user)
    data = {**form_data(), **changes}
    response = client.post(reverse("trials:screening_new", args=["mbsr-8-ms"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Screening.objects.exists()


def test_offering_a_cohort_of_another_program_is_refused(
    client, organization, coordinator_user, screening
):
    ier_cohort = CohortFactory(organization=organization, program=shipped_program("ier-6"))
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_offer", args=[screening.pk]),
        {"cohort": ier_cohort.pk, "expires_in_days": "7"},
    )
    assert response.status_code == 400
    assert "Choose a cohort of this program" in response.content.decode()
    screening.refresh_from_db()
    assert screening.offer_status == OfferStatus.WAITING


def test_offering_someone_without_consent_is_refused(
    client, organization, coordinator_user, mbsr, cohort
):
    waiting = screen(organization=organization, program=mbsr, by=coordinator_user, consented=False)
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_offer", args=[waiting.pk]),
        {"cohort": cohort.pk, "expires_in_days": "7"},
    )
    assert response.status_code == 400
    assert "Record their consent first" in response.content.decode()
    assert not Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER).exists()


def test_the_coordinator_offers_a_place_and_records_a_decline(
    client, coordinator_user, screening, cohort
):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_offer", args=[screening.pk]),
        {"cohort": cohort.pk, "expires_in_days": "5"},
        follow=True,
    )
    assert "stands until" in response.content.decode()
    response = client.post(reverse("trials:screening_decline", args=[screening.pk]), follow=True)
    assert "declined" in response.content.decode()
    screening.refresh_from_db()
    assert screening.offer_status == OfferStatus.DECLINED


def test_consent_later_and_direct_enrolment(client, organization, coordinator_user, mbsr, cohort):
    later = screen(organization=organization, program=mbsr, by=coordinator_user, consented=False)
    client.force_login(coordinator_user)
    client.post(reverse("trials:screening_consent", args=[later.pk]))
    later.refresh_from_db()
    assert later.offer_status == OfferStatus.WAITING
    client.post(reverse("trials:screening_enroll", args=[later.pk]), {"cohort": cohort.pk})
    later.refresh_from_db()
    assert later.enrollment is not None


def _many(organization, coordinator_user, mbsr, cohort, count):
    for n in range(count):
        screen(
            organization=organization,
            program=mbsr,
            by=coordinator_user,
            email=f"many{n}-{Screening.objects.count()}@example.org",
            age=12 if n % 3 == 0 else 40,
        )
    offered(cohort=cohort, by=coordinator_user, email=f"off{Screening.objects.count()}@example.org")


@pytest.mark.parametrize("name", ["list", "waitlist"])
def test_query_counts_stay_flat_as_screenings_grow(
    client, organization, coordinator_user, mbsr, cohort, django_assert_max_num_queries, name
):
    url = (
        reverse("trials:screening_list")
        if name == "list"
        else reverse("trials:waitlist", args=["mbsr-8-ms"])
    )
    client.force_login(coordinator_user)
    _many(organization, coordinator_user, mbsr, cohort, 2)
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    _many(organization, coordinator_user, mbsr, cohort, 12)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_detail_query_count(client, coordinator_user, screening, django_assert_max_num_queries):
    client.force_login(coordinator_user)
    with django_assert_max_num_queries(18):
        assert (
            client.get(reverse("trials:screening_detail", args=[screening.pk])).status_code == 200
        )

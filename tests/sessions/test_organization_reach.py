"""An organization reaches only people who joined it (issue 12, point 2).

The original steps: Cora, coordinator of Riverside (A), typed the e-mail address of Bella,
a participant of Hillview (B), into "Add participant" of a Riverside cohort. At once Cora saw
Bella's erasure request (name, address, message), could complete it (which withdrew Bella from
her Hillview course), and saw Bella's sign-ins (times, IP address) in Riverside's audit log;
the same for a Hillview facilitator added as a participant. Now Riverside learns nothing about
either account until its owner accepts the invitation, signed in as themselves.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, ErasureRequest, ErasureStatus, User
from accounts.selectors import audit_event_list_for_organization, user_list_joined
from programs.models import Enrollment, EnrollmentStatus
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, facilitator
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

BELLA_IP = "203.0.113.7"
BOB_IP = "198.51.100.9"
ERASURE_LIST = reverse("rights:erasure_request_list")
AUDIT_LOG = reverse("audit_log")


def _sign_in(email: str, ip: str, password: str = PASSWORD) -> Client:
    """A person signs in through the sign-in page from their own address (a real LOGIN event)."""
    browser = Client(REMOTE_ADDR=ip)
    response = browser.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302
    return browser


def _add_participant(client: Client, cohort, email: str, full_name: str, phone: str = ""):
    return client.post(
        reverse("programs:enrollment_create", args=[cohort.pk]),
        {
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "timezone": "Europe/London",
            "arm": "intervention",
        },
    )


def _identifiable_participants(client: Client, cohort, coordinator: User) -> str:
    record_reauthentication(client, coordinator)
    url = reverse("reports:export_download", args=["participants"])
    response = client.get(f"{url}?format=csv&cohort={cohort.pk}&identifiable=1")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert next(csv.reader(io.StringIO(text)))[1:3] == ["name", "email"]
    return text


@pytest.fixture
def world(
    client,
    organization,
    other_organization,
    coordinator_user,
    other_coordinator,
    facilitator_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Bella (a Hillview participant, who asked for erasure) and Bob (Hillview staff) have
    signed in; then Cora adds both addresses to a Riverside cohort."""
    hillview = mbsr_cohort(other_organization, [])
    bella = UserFactory(email="bella@example.org", full_name="Bella Brown", phone="07700 900222")
    bella_at_hillview = EnrollmentFactory(cohort=hillview, user=bella, participant_code="HV-BEL")
    bob = facilitator(other_organization, user__email="bob@example.org", user__full_name="Bob Bell")
    bella_browser = _sign_in(bella.email, BELLA_IP)
    Client(REMOTE_ADDR=BELLA_IP).post(
        reverse("account_login"), {"login": bella.email, "password": "not her password"}
    )
    Client(REMOTE_ADDR=BOB_IP).force_login(bob)

    riverside = mbsr_cohort(organization, [facilitator_user])
    client.force_login(coordinator_user)
    with django_capture_on_commit_callbacks(execute=True):
        for email, name, phone in [
            ("Bella@Example.org", "Typed Name", "0113 000 0000"),
            ("bob@example.org", "Typed Bob", ""),
        ]:
            response = _add_participant(client, riverside, email, name, phone)
            assert response.status_code == 302, response.content
    client.get(response.url)  # the roster, with its "Invitation sent to ..." messages

    asked = bella_browser.post(
        reverse("rights:erasure_request"),
        {"reason": "Please remove me. Bella Brown, Leeds.", "confirm": "on"},
    )
    assert asked.status_code == 302
    request = ErasureRequest.objects.get(user=bella)
    return {
        "bella": bella,
        "bella_browser": bella_browser,
        "bella_at_hillview": bella_at_hillview,
        "bob": bob,
        "request": request,
        "riverside": riverside,
        "hillview": hillview,
        "mailoutbox": mailoutbox,
    }


def test_adding_someone_elses_participant_changes_nothing_in_their_account(world):
    bella = User.objects.get(pk=world["bella"].pk)
    assert (bella.full_name, bella.phone) == ("Bella Brown", "07700 900222")
    enrollment = Enrollment.objects.get(cohort=world["riverside"], user=bella)
    assert (enrollment.status, enrollment.accepted_at) == (EnrollmentStatus.INVITED, None)
    assert (enrollment.invited_name, enrollment.invited_phone) == ("Typed Name", "0113 000 0000")


def test_the_adding_coordinator_does_not_see_their_erasure_request(client, world):
    detail = reverse("rights:erasure_request_detail", args=[world["request"].pk])
    page = client.get(ERASURE_LIST)
    assert page.status_code == 200
    for secret in ("Bella Brown", "bella@example.org", "Please remove me", "HV-BEL"):
        assert secret not in page.text
    assert client.get(detail).status_code == 404


def test_the_adding_coordinator_cannot_complete_their_erasure_request(
    client, coordinator_user, world
):
    record_reauthentication(client, coordinator_user)
    detail = reverse("rights:erasure_request_detail", args=[world["request"].pk])
    assert client.post(detail).status_code == 404
    request = ErasureRequest.objects.get(pk=world["request"].pk)
    assert request.status == ErasureStatus.OPEN
    assert request.reason == "Please remove me. Bella Brown, Leeds."
    hillview = Enrollment.objects.get(pk=world["bella_at_hillview"].pk)
    assert hillview.status == EnrollmentStatus.ACTIVE
    bella = User.objects.get(pk=world["bella"].pk)
    assert (bella.email, bella.full_name, bella.is_active) == (
        "bella@example.org",
        "Bella Brown",
        True,
    )


def test_the_adding_coordinators_audit_log_shows_none_of_their_sign_ins(
    client, organization, world
):
    assert AuditEvent.objects.filter(actor=world["bella"], action=AuditAction.LOGIN).exists()
    assert AuditEvent.objects.filter(actor=world["bob"], action=AuditAction.LOGIN).exists()
    assert AuditEvent.objects.filter(
        actor_email="bella@example.org", action=AuditAction.LOGIN_FAILED
    ).exists()
    assert AuditEvent.objects.filter(
        actor=world["bella"], action=AuditAction.ERASURE_REQUESTED
    ).exists()
    page = client.get(AUDIT_LOG)
    assert page.status_code == 200
    for secret in ("bella@example.org", "bob@example.org", BELLA_IP, BOB_IP, "HV-BEL"):
        assert secret not in page.text
    assert not audit_event_list_for_organization(
        organization=organization, action=AuditAction.ERASURE_REQUESTED
    ).exists()
    for person in ("bella", "bob"):
        assert "bella@example.org" not in client.get(AUDIT_LOG, {"person": person}).text
    events = audit_event_list_for_organization(organization=organization)
    assert not events.filter(actor__in=[world["bella"], world["bob"]]).exists()
    assert not events.filter(actor_email__in=["bella@example.org", "bob@example.org"]).exists()


def test_the_adding_coordinator_sees_only_what_they_typed_on_the_roster_and_in_exports(
    client, coordinator_user, world
):
    roster = client.get(reverse("reports:cohort_people", args=[world["riverside"].pk]))
    assert roster.status_code == 200
    assert "Typed Name" in roster.text
    assert "Typed Bob" in roster.text
    for secret in ("Bella Brown", "Bob Bell", "07700 900222"):
        assert secret not in roster.text
    enrollment = Enrollment.objects.get(cohort=world["riverside"], user=world["bella"])
    edit = client.get(reverse("programs:enrollment_update", args=[enrollment.pk]))
    assert "Typed Name" in edit.text
    assert "Bella Brown" not in edit.text
    assert "Not accepted yet" in edit.text

    export = _identifiable_participants(client, world["riverside"], coordinator_user)
    assert "Typed Name" in export
    assert "Bella Brown" not in export
    assert "Bob Bell" not in export


def test_once_they_accept_signed_in_the_organization_sees_them(
    client, organization, coordinator_user, world
):
    bella = world["bella"]
    (invitation_mail,) = [m for m in world["mailoutbox"] if m.to == ["bella@example.org"]]
    link = re.search(r"/invitations/[\w-]+/", invitation_mail.body).group(0)
    browser = world["bella_browser"]
    page = browser.get(link)
    assert page.status_code == 200
    assert "Accept invitation" in page.text
    assert 'name="full_name"' not in page.text
    accepted = browser.post(link, {})
    assert accepted.status_code == 302

    enrollment = Enrollment.objects.get(cohort=world["riverside"], user=bella)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.accepted_at is not None
    assert bella in user_list_joined(organization_ids=[organization.pk])
    bella.refresh_from_db()
    assert bella.full_name == "Bella Brown"  # accepting never renames anyone

    roster = client.get(reverse("reports:cohort_people", args=[world["riverside"].pk]))
    assert "Bella Brown" in roster.text
    assert "Bob Bell" not in roster.text  # Bob has not accepted
    assert "Bella Brown" in client.get(ERASURE_LIST).text
    detail = reverse("rights:erasure_request_detail", args=[world["request"].pk])
    assert client.get(detail).status_code == 200
    log = client.get(AUDIT_LOG, {"person": "bella"})
    assert "bella@example.org" in log.text
    assert BELLA_IP in log.text
    assert "bob@example.org" not in client.get(AUDIT_LOG).text


def test_a_coordinator_switching_them_to_active_does_not_count_as_accepting(
    client, organization, world
):
    enrollment = Enrollment.objects.get(cohort=world["riverside"], user=world["bella"])
    response = client.post(
        reverse("programs:enrollment_update", args=[enrollment.pk]),
        {"action": "update", "arm": "intervention", "status": "active"},
    )
    assert response.status_code == 302, response.content
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.accepted_at) == (EnrollmentStatus.ACTIVE, None)
    assert world["bella"] not in user_list_joined(organization_ids=[organization.pk])
    assert "Bella Brown" not in client.get(ERASURE_LIST).text
    roster = client.get(reverse("reports:cohort_people", args=[world["riverside"].pk]))
    assert "Bella Brown" not in roster.text
    # Nor does Bella's own home take her answers or practice for Riverside before she accepts.
    home = world["bella_browser"].get(reverse("reports:participant_home"))
    assert world["riverside"].name not in home.text


def test_the_hillview_coordinator_still_sees_and_completes_the_request(
    organization, other_coordinator, world
):
    hillview = Client()
    hillview.force_login(other_coordinator)
    assert "Bella Brown" in hillview.get(ERASURE_LIST).text
    record_reauthentication(hillview, other_coordinator)
    detail = reverse("rights:erasure_request_detail", args=[world["request"].pk])
    assert hillview.post(detail).status_code == 302
    assert ErasureRequest.objects.get(pk=world["request"].pk).status == ErasureStatus.COMPLETED
    # Riverside's invitation closes without a word about the erasure, and its typed name goes.
    riverside = Enrollment.objects.get(cohort=world["riverside"], user=world["bella"])
    assert riverside.status == EnrollmentStatus.WITHDRAWN
    assert riverside.withdrawal_reason == "The invitation can no longer be accepted."
    assert (riverside.invited_name, riverside.invited_phone) == ("", "")
    assert not AuditEvent.objects.filter(
        organization=organization, action=AuditAction.ERASURE_COMPLETED
    ).exists()
    assert not AuditEvent.objects.filter(
        organization=organization, actor=other_coordinator
    ).exists()
    assert not AuditEvent.objects.filter(
        organization=organization, action=AuditAction.ERASURE_REQUESTED
    ).exists()

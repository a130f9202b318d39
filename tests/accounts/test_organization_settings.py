"""Coordinators change their organization's contacts, sender name and default time zone.

Before: only the Django admin could change the crisis and support contacts, and an organization
had no sender name or default time zone of its own.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.urls import reverse

from accounts.emails import sender_address
from accounts.models import AuditAction, AuditEvent, Invitation, User, hash_token
from accounts.services import invitation_accept, invitation_create
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, coordinator
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    answer_all,
    make_assessment,
)
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

GOOD = {
    "crisis_contacts": "Samaritans: 116 123 (24 hours)\nShout: text 85258\n"
    "Ask at reception for the duty nurse",
    "support_phone": "020 7946 0000",
    "support_email": "team@riverside.example",
    "sender_name": "Riverside MS Centre",
    "default_timezone": "Europe/Dublin",
    "escalate_after_working_hours": "8",
}


def _url(organization) -> str:
    return reverse("organization_settings", args=[organization.slug])


@pytest.fixture
def signed_in(client, coordinator_user):
    """The organization's coordinator, signed in, who has just confirmed their password."""
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    return client


def _errors(page: str) -> str:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary is not None, "no error summary on the page"
    return summary.group(0)


# --- who reaches the page ---------------------------------------------------------------------


def test_the_coordinator_home_links_to_the_settings(client, coordinator_user, organization):
    client.force_login(coordinator_user)
    page = client.get(reverse("coordinator_home")).text
    assert f'href="{_url(organization)}"' in page


def test_the_coordinator_sees_the_current_settings(
    signed_in, organization, django_assert_max_num_queries
):
    organization.crisis_contacts = "Samaritans: 116 123"
    organization.sender_name = "Riverside"
    organization.save()
    with django_assert_max_num_queries(7):
        page = signed_in.get(_url(organization))
    assert page.status_code == 200
    text = page.text
    assert "<h1>Settings of Riverside MS Centre</h1>" in text
    assert "Samaritans: 116 123</textarea>" in text
    assert 'value="Riverside"' in text
    assert '<option value="Europe/London" selected>' in text


@pytest.mark.parametrize("who", ["facilitator_user", "participant", "other_coordinator"])
def test_anyone_but_its_coordinators_gets_404(client, request, organization, who):
    user: User = request.getfixturevalue(who)
    client.force_login(user)
    record_reauthentication(client, user)
    assert client.get(_url(organization)).status_code == 404
    assert client.post(_url(organization), GOOD).status_code == 404
    organization.refresh_from_db()
    assert organization.sender_name == ""
    assert not AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CHANGED).exists()


def test_each_coordinator_reaches_their_own_organizations_settings(
    client, other_coordinator, other_organization
):
    client.force_login(other_coordinator)
    record_reauthentication(client, other_coordinator)
    assert client.get(_url(other_organization)).status_code == 200


def test_the_page_asks_for_the_password_first_and_then_saves_what_was_typed(
    client, coordinator_user, organization
):
    client.force_login(coordinator_user)
    shown = client.get(_url(organization))
    assert shown.status_code == 302
    assert shown.url.startswith(reverse("account_reauthenticate"))

    sent_away = client.post(_url(organization), GOOD)
    assert sent_away.status_code == 302
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    organization.refresh_from_db()
    assert organization.sender_name == ""

    # allauth keeps the suspended POST and runs it once the password is confirmed.
    response = client.post(sent_away.url, {"password": PASSWORD})
    assert response.status_code == 302
    assert response.url == _url(organization)
    organization.refresh_from_db()
    assert organization.sender_name == "Riverside MS Centre"
    assert organization.default_timezone == "Europe/Dublin"


# --- saving -----------------------------------------------------------------------------------


def test_the_coordinator_saves_and_is_told_so(signed_in, organization):
    response = signed_in.post(_url(organization), GOOD, follow=True)
    assert response.redirect_chain[-1][0] == _url(organization)
    assert "The settings of Riverside MS Centre are saved." in response.text
    organization.refresh_from_db()
    assert organization.crisis_contacts == GOOD["crisis_contacts"]
    assert organization.support_phone == "020 7946 0000"
    assert organization.support_email == "team@riverside.example"
    assert organization.sender_name == "Riverside MS Centre"
    assert organization.default_timezone == "Europe/Dublin"


def test_saving_records_who_changed_what_in_the_audit_log(
    signed_in, organization, coordinator_user
):
    signed_in.post(_url(organization), GOOD)
    event = AuditEvent.objects.get(action=AuditAction.ORGANIZATION_CHANGED)
    assert event.actor == coordinator_user
    assert event.organization == organization
    assert event.details["changed"]["sender_name"] == ["", "Riverside MS Centre"]
    assert event.details["changed"]["default_timezone"] == ["Europe/London", "Europe/Dublin"]
    assert event.details["changed"]["crisis_contacts"][1] == GOOD["crisis_contacts"]
    # The coordinators see it on their audit page.
    page = signed_in.get(reverse("audit_log")).text
    assert "Changed organization settings" in page


def test_saving_the_same_values_again_records_nothing_new(signed_in, organization):
    signed_in.post(_url(organization), GOOD)
    response = signed_in.post(_url(organization), GOOD, follow=True)
    assert "Nothing was changed." in response.text
    assert AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CHANGED).count() == 1


def test_saved_contacts_appear_on_the_participants_help_page(
    signed_in, client, organization, participant
):
    EnrollmentFactory(cohort=CohortFactory(organization=organization), user=participant)
    signed_in.post(_url(organization), GOOD)
    client.force_login(participant)
    page = client.get(reverse("help")).text
    assert '<li>Samaritans: <a href="tel:116123">116 123</a> (24 hours)' in page
    assert '<li>Shout: text <a href="sms:85258">85258</a>' in page
    assert '<a href="tel:02079460000">020 7946 0000</a>' in page
    assert '<a href="mailto:team@riverside.example">team@riverside.example</a>' in page


def test_saved_contacts_appear_on_the_phq9_support_page(client):
    assessment = make_assessment(instruments=("phq9",))
    organization = assessment.enrollment.cohort.organization
    boss = coordinator(organization, user__email="boss@example.org")
    client.force_login(boss)
    record_reauthentication(client, boss)
    client.post(_url(organization), {**GOOD, "crisis_contacts": "Night line: 0800 555 0142"})

    answer_all(assessment, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    client.force_login(assessment.enrollment.user)
    check = reverse("questionnaires:questionnaire_check", args=[assessment.pk, "phq9"])
    support = reverse("questionnaires:questionnaire_support", args=[assessment.pk, "phq9"])
    assert client.post(check).url == support
    page = client.get(support).text
    assert '<li>Night line: <a href="tel:08005550142">0800 555 0142</a>' in page


# --- bad input --------------------------------------------------------------------------------


def test_bad_input_is_explained_and_everything_typed_is_kept(signed_in, organization):
    typed = {
        "crisis_contacts": "Ring the duty nurse\nAsk at reception",
        "support_phone": "call us",
        "support_email": "team-at-riverside",
        "sender_name": "Riverside MS Centre",
        "default_timezone": "Mars/Olympus",
    }
    before = organization.crisis_contacts
    response = signed_in.post(_url(organization), typed)
    assert response.status_code == 200
    errors = _errors(response.text)
    assert "None of these lines has a phone number we can turn into a link to call." in errors
    assert "Enter one phone number in digits, e.g. 020 7946 0000" in errors
    assert "Enter an e-mail address such as team@example.org." in errors
    assert "Choose a time zone from the list." in errors
    page = response.text
    assert "Ring the duty nurse\nAsk at reception</textarea>" in page
    assert 'value="call us"' in page
    assert 'value="team-at-riverside"' in page
    assert 'value="Riverside MS Centre"' in page
    organization.refresh_from_db()
    assert (organization.crisis_contacts, organization.sender_name) == (before, "")
    assert not AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CHANGED).exists()


@pytest.mark.parametrize(
    "sender_name",
    [
        "Riverside\r\nBcc: everyone@example.org",
        "Riverside\nReply-To: thief@example.org",
        "Riverside <thief@example.org>",
        "Bank\u202e gro.elpmaxe",
    ],
)
def test_a_sender_name_that_could_forge_a_header_is_refused(signed_in, organization, sender_name):
    response = signed_in.post(_url(organization), {**GOOD, "sender_name": sender_name})
    assert response.status_code == 200
    assert "Keep the sender name to one line of words, without &lt; or &gt;" in _errors(
        response.text
    )
    organization.refresh_from_db()
    assert organization.sender_name == ""


def test_a_long_field_says_how_much_to_cut(signed_in, organization):
    response = signed_in.post(_url(organization), {**GOOD, "sender_name": "x" * 150})
    assert "Keep it to 100 characters or fewer (you have 150)." in _errors(response.text)


# --- what the settings change -----------------------------------------------------------------


def test_invitations_come_from_the_sender_name_at_our_own_address(
    organization, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    organization.sender_name = "Riverside, MS Centre"
    organization.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization, email="new@example.org", role="", invited_by=coordinator_user
        )
    sent = mailoutbox[-1]
    assert parseaddr(sent.from_email) == (
        "Riverside, MS Centre",
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    )
    # The comma is quoted: the name stays one name, not two addresses.
    assert sent.message()["From"].startswith('"Riverside, MS Centre" <')


@pytest.mark.parametrize(
    "name",
    ['Ann "the" Org', "Clínica São João", "Back\\slash (and) brackets", "=?utf-8?q?x?=", "é" * 100],
)
def test_any_sender_name_the_form_accepts_makes_one_valid_from_line(signed_in, organization, name):
    response = signed_in.post(_url(organization), {**GOOD, "sender_name": name})
    assert response.status_code == 302
    organization.refresh_from_db()
    address = sender_address(organization.sender_name)
    # What the SMTP envelope and the From: header are made from, as Django's backends do it.
    sanitize_address(address, "utf-8")
    message = EmailMessage("Subject", "Body", from_email=address, to=["a@example.org"]).message()
    assert parseaddr(str(message["From"]))[1] == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def test_without_a_sender_name_e_mails_come_from_stillwater_as_before(
    organization, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization, email="new@example.org", role="", invited_by=coordinator_user
        )
    assert mailoutbox[-1].from_email == settings.DEFAULT_FROM_EMAIL


def test_a_new_account_made_by_an_invitation_starts_in_the_organizations_time_zone(
    organization, coordinator_user
):
    organization.default_timezone = "America/Toronto"
    organization.save()
    invitation_create(
        organization=organization, email="new@example.org", role="", invited_by=coordinator_user
    )
    token = "z" * 43
    Invitation.objects.filter(email="new@example.org").update(token_hash=hash_token(token))
    user = invitation_accept(token=token, password="quiet lake morning")
    assert user.timezone == "America/Toronto"

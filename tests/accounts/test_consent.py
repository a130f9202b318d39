"""The consent gate: a participant accepts the current version before any participant page."""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.consent import consent_current, consent_keeps_research_data
from accounts.demo import DEMO_PARTICIPANT_WITHOUT_CONSENT, DEMO_PASSWORD
from accounts.models import AuditEvent, ConsentRecord, ErasureRequest
from accounts.rights import erasure_request_create
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, staff_totp_ensure

pytestmark = pytest.mark.django_db

CONSENT = "/consent/"
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

PARTICIPANT_PAGES = [
    "/",
    "/me/",
    "/me/practice/",
    "/me/results/",
    "/calendar/",
    "/settings/reminders/",
    "/profile/",
]


@pytest.fixture
def newcomer(db):
    """An enrolled participant who has not accepted the consent yet."""
    return EnrollmentFactory(consent=False).user


def _accept(client, *, keep="keep", agree=True, next_url=None):
    data = {"keep_research_data": keep}
    if agree:
        data["agree"] = "on"
    if next_url is not None:
        data["next"] = next_url
    return client.post(CONSENT, data)


@pytest.mark.parametrize("url", PARTICIPANT_PAGES)
def test_participant_without_consent_is_sent_to_the_consent_page(client, newcomer, url):
    client.force_login(newcomer)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{CONSENT}?next={url.replace('/', '%2F')}"


def test_a_post_from_a_participant_without_consent_changes_nothing(client, newcomer):
    enrollment = newcomer.enrollments.get()
    client.force_login(newcomer)
    response = client.post(reverse("program_sessions:practice_create"), {"practice": "body_scan"})
    assert response.status_code == 302
    assert response.url == CONSENT
    assert not enrollment.practice_logs.exists()


@pytest.mark.parametrize(
    "url",
    [
        CONSENT,
        "/help/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/me/data/json/",
        "/me/leave/",
        "/me/erasure/",
    ],
)
def test_consent_help_account_and_rights_pages_open_without_consent(client, newcomer, url):
    client.force_login(newcomer)
    response = client.get(url)
    assert response.status_code == 200


def test_sign_out_works_without_consent(client, newcomer):
    client.force_login(newcomer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signing_in_through_the_form_leads_to_the_consent_page(client, newcomer):
    response = client.post("/accounts/login/", {"login": newcomer.email, "password": PASSWORD})
    assert response.status_code == 302
    landing = client.get(response.url)
    assert landing.status_code == 302
    assert landing.url.startswith(CONSENT)
    page = client.get(landing.url)
    assert "How we use your information" in page.text


def test_accepting_records_version_time_and_choice_then_returns(client, newcomer):
    client.force_login(newcomer)
    response = _accept(client, keep="keep", next_url="/me/practice/")
    assert response.status_code == 302
    assert response.url == "/me/practice/"
    record = ConsentRecord.objects.get(user=newcomer)
    assert record.version == "1"
    assert record.keep_research_data is True
    source = (TEMPLATES_DIR / "accounts/consent/v1.html").read_text()
    assert record.text_sha256 == hashlib.sha256(source.encode()).hexdigest()
    assert record.accepted_at is not None
    assert client.get("/me/").status_code == 200
    event = AuditEvent.objects.get(action="consent_accepted")
    assert event.actor == newcomer
    assert event.details == {"version": "1", "keep_research_data": True}


def test_choosing_to_delete_answers_is_recorded(client, newcomer):
    client.force_login(newcomer)
    _accept(client, keep="delete")
    assert ConsentRecord.objects.get(user=newcomer).keep_research_data is False
    assert consent_keeps_research_data(user=newcomer) is False


def test_not_ticking_the_box_shows_an_error_summary_and_saves_nothing(client, newcomer):
    client.force_login(newcomer)
    response = _accept(client, keep="keep", agree=False)
    assert response.status_code == 200
    text = response.text
    assert 'class="error-summary"' in text
    assert "There is a problem" in text
    assert 'href="#id_agree"' in text
    assert "Tick the box to say you agree" in text
    assert 'aria-invalid="true"' in text
    # The choice already made is still chosen.
    assert re.search(r'value="keep"[^>]*checked', text)
    assert not ConsentRecord.objects.exists()
    assert client.get("/me/").status_code == 302


def test_no_research_choice_is_an_error_too(client, newcomer):
    client.force_login(newcomer)
    response = _accept(client, keep="")
    assert 'href="#id_keep_research_data"' in response.text
    assert "Choose what happens to your answers" in response.text
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    "next_url", ["https://elsewhere.example/", "//elsewhere.example/", '"><img src=x>', "home"]
)
def test_an_address_that_is_not_a_page_here_is_not_followed(client, newcomer, next_url):
    client.force_login(newcomer)
    response = _accept(client, next_url=next_url)
    assert response.status_code == 302
    assert response.url == "/"


def test_consent_page_says_what_who_how_long_and_the_rights_in_plain_words(client, newcomer):
    client.force_login(newcomer)
    text = client.get(CONSENT).text
    for heading in (
        "What we keep about you",
        "Who sees it",
        "How long we keep it",
        "What you can do at any time",
    ):
        assert f">{heading}</h2>" in text
    for promise in (
        "Download your information",
        "Leave your course",
        "Ask us to erase your details",
        "never replaces it",
    ):
        assert promise in text
    assert "<fieldset" in text
    assert "<legend>If you ask us to erase your details</legend>" in text
    assert text.count("<h1") == 1
    assert " style=" not in text
    assert "<script>" not in text
    # Someone who does not want to take part is shown the way out.
    assert reverse("rights:withdraw") in text
    assert reverse("rights:erasure_request") in text


def test_participant_changes_the_research_choice_later(client):
    person = EnrollmentFactory().user  # accepted, keeping research data
    client.force_login(person)
    page = client.get(CONSENT).text
    assert "You agreed to this on" in page
    _accept(client, keep="delete")
    assert ConsentRecord.objects.filter(user=person).count() == 2
    assert consent_keeps_research_data(user=person) is False


def test_staff_are_never_sent_to_the_consent_page(client, facilitator_user, organization):
    # Even a member of staff who is also enrolled somewhere, without a consent record.
    EnrollmentFactory(user=facilitator_user, consent=False)
    client.force_login(facilitator_user)
    assert client.get(reverse("programs:cohort_list")).status_code == 200
    page = client.get(CONSENT)
    assert "Participants read this page and agree to it" in page.text
    assert '<form method="post"' not in page.text.split('id="main"')[1].split("</main>")[0]
    _accept(client)
    assert not ConsentRecord.objects.exists()


def test_someone_enrolled_during_their_session_is_gated_at_once(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get("/me/").status_code == 200  # nothing to gate yet
    EnrollmentFactory(user=person, consent=False)
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith(CONSENT)


def test_once_accepted_the_gate_asks_the_database_nothing(client):
    person = EnrollmentFactory().user
    client.force_login(person)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/me/").status_code == 200
    assert not [q for q in queries.captured_queries if "consentrecord" in q["sql"]]


def test_a_new_version_makes_everyone_accept_again(client, settings, tmp_path):
    person = EnrollmentFactory().user  # accepted version 1
    client.force_login(person)
    assert client.get("/me/").status_code == 200

    (tmp_path / "accounts" / "consent").mkdir(parents=True)
    source = (TEMPLATES_DIR / "accounts/consent/v1.html").read_text()
    (tmp_path / "accounts/consent/v2.html").write_text(
        source.replace("What Stillwater is", "What Stillwater is (updated)")
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    settings.STILLWATER_CONSENT_VERSION = "2"

    response = client.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith(CONSENT)
    page = client.get(CONSENT).text
    assert "What Stillwater is (updated)" in page
    assert "Version 2 of this page" in page
    assert "We have changed this page since you agreed to it on" in page
    _accept(client)
    assert client.get("/me/").status_code == 200
    versions = list(
        ConsentRecord.objects.filter(user=person)
        .order_by("accepted_at")
        .values_list("version", flat=True)
    )
    assert versions == ["1", "2"]
    assert consent_current().version == "2"


def test_factory_participants_have_accepted_unless_told_otherwise():
    accepted = EnrollmentFactory()
    newcomer = EnrollmentFactory(consent=False)
    assert ConsentRecord.objects.filter(user=accepted.user, version="1").exists()
    assert not ConsentRecord.objects.filter(user=newcomer.user).exists()


def test_demo_participants_have_accepted_except_the_one_the_seed_names(settings, client, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert f"{DEMO_PARTICIPANT_WITHOUT_CONSENT} has not accepted the consent yet" in out
    accepted = ConsentRecord.objects.filter(user__email__startswith="participant")
    assert accepted.count() == 11
    assert not accepted.filter(user__email=DEMO_PARTICIPANT_WITHOUT_CONSENT).exists()

    client.post("/accounts/login/", {"login": "participant1@demo.test", "password": DEMO_PASSWORD})
    assert client.get("/me/").status_code == 200
    client.post("/accounts/logout/")
    client.post(
        "/accounts/login/",
        {"login": DEMO_PARTICIPANT_WITHOUT_CONSENT, "password": DEMO_PASSWORD},
    )
    assert client.get("/me/").url.startswith(CONSENT)
    before = ConsentRecord.objects.count()
    call_command("seed_demo")  # running it again adds nothing
    assert accepted.count() == 11
    assert ConsentRecord.objects.count() == before


@pytest.mark.parametrize("model", ["consentrecord", "erasurerequest"])
def test_site_operators_read_consents_and_erasure_requests_but_cannot_change_them(client, model):
    person = EnrollmentFactory().user
    erasure_request_create(user=person, reason="Please remove me.")
    record = {
        "consentrecord": ConsentRecord.objects.get(user=person),
        "erasurerequest": ErasureRequest.objects.get(user=person),
    }[model]
    operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    client.force_login(operator)
    listing = reverse(f"admin:accounts_{model}_changelist")
    page = client.get(listing)
    assert page.status_code == 200
    assert str(person) in page.text
    assert 'value="delete_selected"' not in page.text
    assert client.get(reverse(f"admin:accounts_{model}_add")).status_code == 403
    change = reverse(f"admin:accounts_{model}_change", args=[record.pk])
    assert 'name="_save"' not in client.get(change).text
    assert client.post(change, {"version": "0", "status": "completed"}).status_code == 403
    delete = reverse(f"admin:accounts_{model}_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    kept = type(record).objects.get(pk=record.pk)
    assert (kept.version if model == "consentrecord" else kept.status) == (
        "1" if model == "consentrecord" else "open"
    )

"""Erasure: a participant asks, a coordinator of their organization completes it after
re-entering the password; identity and free text go, research rows stay only as consented.

Pat Participant ("Patsy", P-PAT) is in an MBSR group with Quinn (P-QUINN); both have attended,
answered questionnaires and logged practice. Nothing of Quinn's may change.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.consent import consent_record_accept
from accounts.models import (
    AuditEvent,
    ConsentRecord,
    ErasureRequest,
    ErasureStatus,
    Invitation,
    User,
    hash_token,
)
from accounts.rights import erasure_request_create
from accounts.services import invitation_accept, invitation_create
from programs.models import Enrollment, EnrollmentStatus
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    FacilitatorNote,
    FacilitatorNoteRevision,
    PracticeLog,
    SessionCompletion,
)
from sessions.notifications.models import Notification, Preferences
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.reports.exports import ExportScope
from sessions.reports.exports import tables as export_tables
from sessions.rights.services import erasure_request_complete
from sessions.services.calendar import calendar_feed_create
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import PASSWORD, EnrollmentFactory
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, phq9, respond
from tests.sessions.staff_cast import BEFORE, sessions_of

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ASK = "/me/erasure/"
LIST = "/erasure-requests/"
WHO5 = dict.fromkeys(range(1, 6), 3)


def detail(item: ErasureRequest) -> str:
    return reverse("rights:erasure_request_detail", args=[item.pk])


def _life(enrollment: Enrollment, sessions, facilitator: User, *, text: str) -> None:
    """Attendance, practice, a reflection, questionnaires with a correction and a safety flag."""
    for session in sessions[:2]:
        Attendance.objects.create(
            scheduled_session=session,
            enrollment=enrollment,
            status=AttendanceStatus.ATTENDED,
            recorded_by=facilitator,
        )
    PracticeLog.objects.create(
        enrollment=enrollment,
        date=dt.date(2026, 9, 2),
        practice="body_scan",
        minutes=25,
        note=f"{text} practice note",
        situation=f"{text} situation",
    )
    SessionCompletion.objects.create(
        enrollment=enrollment,
        program_session=sessions[2].program_session,
        reflection=f"{text} reflection",
        completed_at=dt.datetime(2026, 9, 16, 9, tzinfo=UTC),
    )
    FacilitatorNote.objects.create(
        scheduled_session=sessions[0],
        enrollment=enrollment,
        text=f"{text} staff note",
        author=facilitator,
    )
    baseline = assessment(enrollment, "baseline")
    original = respond(baseline, "who5", WHO5)
    respond(
        baseline,
        "who5",
        {**WHO5, 5: 4},
        version=2,
        supersedes=original,
        reason=f"{text} said item 5 was wrong",
    )
    flagged = respond(baseline, "phq9", phq9(6, 1))
    SafetyEvent.objects.create(
        enrollment=enrollment,
        response=flagged,
        flag="item9_positive",
        flag_value=True,
        action_taken=f"Rang {text} at home",
    )


@pytest.fixture
def group(organization, facilitator_user, coordinator_user, participant):
    participant.preferred_name = "Patsy"
    participant.phone = "07700 900111"
    participant.save()
    cohort = mbsr_cohort(organization, [facilitator_user])
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
        pat = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-PAT")
        quinn = EnrollmentFactory(cohort=cohort, participant_code="P-QUINN")
    sessions = sessions_of(cohort)
    _life(pat, sessions, facilitator_user, text="Pat Participant")
    _life(quinn, sessions, facilitator_user, text="Quinn")
    # A group note that names Pat (both ways) and Quinn, with an earlier version.
    group_note = FacilitatorNote.objects.create(
        scheduled_session=sessions[0],
        text="Pat Participant arrived late; patsy and Quinn did the lying-down scan.",
        author=facilitator_user,
    )
    FacilitatorNoteRevision.objects.create(
        note=group_note, previous_text="Patsy was late.", edited_by=facilitator_user
    )
    calendar_feed_create(user=participant)
    Preferences.objects.create(user=participant, practice_nudges=True)
    Notification.objects.create(
        kind="session_24h",
        recipient=participant,
        dedupe_key="session_24h:pat",
        status="sent",
        send_at=dt.datetime(2026, 9, 7, 17, tzinfo=UTC),
        enrollment=pat,
        last_error="",
    )
    Notification.objects.create(
        kind="questionnaire_open",
        recipient=participant,
        dedupe_key="questionnaire_open:pat",
        send_at=dt.datetime(2030, 1, 1, tzinfo=UTC),
        enrollment=pat,
    )
    Authenticator.objects.create(
        user=participant, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
    )
    return {
        "cohort": cohort,
        "pat": pat,
        "quinn": quinn,
        "group_note": group_note,
        "coordinator": coordinator_user,
    }


@pytest.fixture
def asked(group):
    group["request"] = erasure_request_create(
        user=group["pat"].user, reason="Please remove me. Pat Participant"
    )
    return group


def _reauthenticated_post(client, item):
    """Complete a request the way a coordinator does: the POST, the password, the same POST."""
    sent_away = client.post(detail(item))
    assert sent_away.status_code == 302
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    assert ErasureRequest.objects.get(pk=item.pk).status == ErasureStatus.OPEN
    return client.post(sent_away.url, {"password": PASSWORD})


# --- the participant asks ------------------------------------------------------------------


def test_request_page_says_what_happens_for_the_participants_choice(client, group):
    client.force_login(group["pat"].user)
    text = client.get(ASK).text
    assert "We remove your name, e-mail address and phone number" in text
    assert "You will not be able to sign in again." in text
    assert "As you chose, your answers, which sessions you came to and your practice" in text
    assert "are kept for research" in text
    assert text.count("<h1") == 1
    assert " style=" not in text


def test_asking_without_ticking_the_box_shows_an_error_and_asks_nothing(client, group):
    client.force_login(group["pat"].user)
    response = client.post(ASK, {"reason": "Moving on"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.text
    assert 'href="#id_confirm"' in response.text
    assert "Moving on" in response.text  # what was typed is kept
    assert not ErasureRequest.objects.exists()


def test_asking_records_one_open_request_and_says_so(client, group, organization):
    client.force_login(group["pat"].user)
    response = client.post(ASK, {"reason": "Moving on", "confirm": "on"})
    assert response.status_code == 302
    item = ErasureRequest.objects.get()
    assert (item.user, item.status, item.reason) == (group["pat"].user, "open", "Moving on")
    page = client.get(ASK).text
    assert "A coordinator will erase your details soon." in page
    assert "You asked on" in page
    client.post(ASK, {"reason": "Again", "confirm": "on"})
    assert ErasureRequest.objects.count() == 1
    event = AuditEvent.objects.get(action="erasure_requested")
    assert (event.organization, event.participant_codes) == (organization, "P-PAT")


@pytest.mark.parametrize("who", ["facilitator_user", "coordinator_user"])
def test_staff_have_no_request_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(ASK).status_code == 404


# --- who sees the requests -----------------------------------------------------------------


def test_coordinator_of_the_organization_sees_the_open_request(client, asked):
    client.force_login(asked["coordinator"])
    text = client.get(LIST).text
    assert "Pat Participant" in text
    assert "P-PAT" in text
    assert detail(asked["request"]) in text
    page = client.get(detail(asked["request"])).text
    assert "pat@example.org" in page
    assert "Please remove me. Pat Participant" in page
    assert "Keeps, as they chose, their attendance" in page


@pytest.mark.parametrize("who", ["other_coordinator", "facilitator_user", "participant"])
def test_nobody_else_sees_a_request(client, asked, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(detail(asked["request"])).status_code == 404
    response = client.get(LIST)
    if who == "other_coordinator":
        assert response.status_code == 200
        assert "P-PAT" not in response.text
        assert "Pat Participant" not in response.text
    else:
        assert response.status_code == 404


def test_a_request_from_someone_invited_but_never_enrolled_reaches_the_inviting_coordinator(
    client, organization, coordinator_user, other_coordinator
):
    invitation_create(
        organization=organization,
        email="unplaced@example.org",
        full_name="Una Placed",
        role="",
        invited_by=coordinator_user,
    )
    token = "u" * 43
    Invitation.objects.filter(email="unplaced@example.org").update(token_hash=hash_token(token))
    person = invitation_accept(token=token, password="quiet lake morning")
    item = erasure_request_create(user=person)

    client.force_login(coordinator_user)
    assert "Una Placed" in client.get(LIST).text
    assert client.get(detail(item)).status_code == 200
    client.force_login(other_coordinator)
    assert "Una Placed" not in client.get(LIST).text
    assert client.get(detail(item)).status_code == 404


@pytest.mark.parametrize("who", ["other_coordinator", "facilitator_user"])
def test_nobody_else_can_complete_a_request(client, asked, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(detail(asked["request"])).status_code == 404
    assert ErasureRequest.objects.get().status == ErasureStatus.OPEN


def test_anonymous_visitor_is_sent_to_sign_in(client, asked):
    for url in (LIST, detail(asked["request"]), ASK):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_request_list_makes_the_same_queries_for_few_or_many(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    cohort = mbsr_cohort(organization, [])

    def add(count: int) -> None:
        for _ in range(count):
            person = EnrollmentFactory(cohort=cohort).user
            erasure_request_create(user=person)

    def load() -> int:
        with django_assert_max_num_queries(8) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    client.force_login(coordinator_user)
    add(2)
    few = load()
    add(15)
    done = ErasureRequest.objects.first()
    assert done is not None
    erasure_request_complete(erasure_request=done, by=coordinator_user)
    assert load() == few


# --- completing it -------------------------------------------------------------------------


def test_completing_needs_the_password_again_then_does_the_same_post(client, asked):
    client.force_login(asked["coordinator"])
    done = _reauthenticated_post(client, asked["request"])
    assert done.status_code == 302
    assert done.url == LIST
    item = ErasureRequest.objects.get()
    assert item.status == ErasureStatus.COMPLETED
    assert item.completed_by == asked["coordinator"]
    assert item.completed_by_email == "cora@example.org"
    assert item.reason == ""
    page = client.get(LIST).text
    assert "now known only by their participant code (P-PAT)" in page
    assert "Pat Participant" not in page


def test_erasure_removes_identity_and_free_text_and_keeps_consented_research_rows(
    client, asked, organization
):
    pat, quinn = asked["pat"], asked["quinn"]
    person = pat.user
    signed_in = Client()
    signed_in.force_login(person)
    assert signed_in.get("/me/").status_code == 200

    client.force_login(asked["coordinator"])
    _reauthenticated_post(client, asked["request"])

    person.refresh_from_db()
    assert (person.full_name, person.preferred_name, person.phone) == ("", "", "")
    assert person.email.startswith("erased-")
    assert person.email.endswith("@erased.invalid")
    assert "pat" not in person.email
    assert not person.has_usable_password()
    assert not person.is_active
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert not CalendarFeed.objects.filter(user=person).exists()
    assert not Preferences.objects.filter(user=person).exists()
    assert not Notification.objects.filter(recipient=person).exists()
    # The browser that was signed in is signed out, and the old address and password fail.
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(person.pk)
    ]
    response = signed_in.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Client().login(email="pat@example.org", password=PASSWORD)

    # Free text about them is gone; pseudonymous rows stay, as their consent allows.
    log = PracticeLog.objects.get(enrollment=pat)
    assert (log.note, log.situation, log.minutes) == ("", "", 25)
    assert SessionCompletion.objects.get(enrollment=pat).reflection == ""
    assert not FacilitatorNote.objects.filter(enrollment=pat).exists()
    note = FacilitatorNote.objects.get(pk=asked["group_note"].pk)
    assert note.text == (
        "[name removed] arrived late; [name removed] and Quinn did the lying-down scan."
    )
    assert note.revisions.get().previous_text == "[name removed] was late."
    assert SafetyEvent.objects.get(enrollment=pat).action_taken == ""
    correction = Response.objects.get(assessment__enrollment=pat, instrument="who5", version=2)
    assert correction.correction_reason == (
        "Reason removed when the participant's details were erased."
    )
    assert Attendance.objects.filter(enrollment=pat).count() == 2
    assert Response.objects.filter(assessment__enrollment=pat).count() == 3
    assert correction.answers["5"] == 4
    # The enrollment stays, pseudonymous, and has ended.
    pat.refresh_from_db()
    assert pat.participant_code == "P-PAT"
    assert pat.status == EnrollmentStatus.WITHDRAWN
    assert pat.withdrawal_reason == "Asked for their details to be erased."
    assert ConsentRecord.objects.filter(user=person).exists()

    # Quinn's data is untouched.
    assert PracticeLog.objects.get(enrollment=quinn).note == "Quinn practice note"
    assert FacilitatorNote.objects.get(enrollment=quinn).text == "Quinn staff note"
    quinn.refresh_from_db()
    assert quinn.status == EnrollmentStatus.ACTIVE

    item = ErasureRequest.objects.get()
    assert item.kept_research_data is True
    assert item.summary["participant_codes"] == ["P-PAT"]
    assert item.summary["kept"]["attendance"] == 2
    event = AuditEvent.objects.get(action="erasure_completed")
    assert (event.actor, event.organization, event.participant_codes) == (
        asked["coordinator"],
        organization,
        "P-PAT",
    )


def test_without_consent_to_keep_the_research_rows_go_too(asked):
    pat = asked["pat"]
    consent_record_accept(user=pat.user, keep_research_data=False)
    history = Response.history.model  # type: ignore[attr-defined]
    response_ids = list(
        Response.objects.filter(assessment__enrollment=pat).values_list("pk", flat=True)
    )
    assert history.objects.filter(id__in=response_ids).exists()

    erasure_request_complete(erasure_request=asked["request"], by=asked["coordinator"])

    for model in (Attendance, PracticeLog, SessionCompletion, SafetyEvent, Assessment):
        assert not model.objects.filter(enrollment=pat).exists(), model
    assert not Response.objects.filter(assessment__enrollment=pat).exists()
    # No copy of the answers is left in the change history either.
    assert not history.objects.filter(id__in=response_ids).exists()
    assert Enrollment.objects.filter(pk=pat.pk, participant_code="P-PAT").exists()
    assert Attendance.objects.filter(enrollment=asked["quinn"]).count() == 2
    assert ErasureRequest.objects.get().kept_research_data is False


def test_someone_who_never_accepted_the_consent_keeps_nothing(organization, coordinator_user):
    enrollment = EnrollmentFactory(
        cohort=mbsr_cohort(organization, []), consent=False, participant_code="P-NEW"
    )
    respond(assessment(enrollment, "baseline"), "who5", WHO5)
    item = erasure_request_create(user=enrollment.user)
    erasure_request_complete(erasure_request=item, by=coordinator_user)
    assert not Response.objects.filter(assessment__enrollment=enrollment).exists()
    assert Enrollment.objects.filter(participant_code="P-NEW").exists()


@pytest.mark.parametrize("keep", [True, False])
def test_exports_still_count_the_erased_enrollment_by_its_code(asked, keep):
    pat = asked["pat"]
    consent_record_accept(user=pat.user, keep_research_data=keep)
    erasure_request_complete(erasure_request=asked["request"], by=asked["coordinator"])
    scope = ExportScope(
        cohorts=type(asked["cohort"]).objects.filter(pk=asked["cohort"].pk),
        identifiable=True,
        pooled=False,
    )
    rows = {row[0]: row for row in export_tables.participant_rows(scope)}
    assert set(rows) == {"P-PAT", "P-QUINN"}
    assert "Pat Participant" not in rows["P-PAT"]
    assert "pat@example.org" not in rows["P-PAT"]
    (completion,) = list(export_tables.completion_rows(scope))
    assert completion[3] == 2  # both enrolled participants still count


def test_a_completed_request_cannot_be_completed_again(client, asked):
    erasure_request_complete(erasure_request=asked["request"], by=asked["coordinator"])
    client.force_login(asked["coordinator"])
    response = client.post(detail(asked["request"]), follow=True)
    assert "This request was already completed." in response.text
    page = client.get(detail(asked["request"])).text
    assert "P-PAT" in page
    assert "Erase their details now" not in page


def test_addresses_given_to_erased_people_are_unique(organization, coordinator_user):
    cohort = mbsr_cohort(organization, [])
    people = [EnrollmentFactory(cohort=cohort).user for _ in range(2)]
    for person in people:
        erasure_request_complete(
            erasure_request=erasure_request_create(user=person), by=coordinator_user
        )
    emails = set(User.objects.filter(pk__in=[p.pk for p in people]).values_list("email", flat=True))
    assert len(emails) == 2


def test_each_coordinator_sees_only_their_own_organizations_codes(
    client, asked, other_organization, other_coordinator
):
    EnrollmentFactory(
        cohort=mbsr_cohort(other_organization, []),
        user=asked["pat"].user,
        participant_code="P-ELSEWHERE",
    )
    client.force_login(asked["coordinator"])
    text = client.get(detail(asked["request"])).text
    assert "P-PAT" in text
    assert "P-ELSEWHERE" not in text
    client.force_login(other_coordinator)
    text = client.get(detail(asked["request"])).text
    assert "P-ELSEWHERE" in text
    assert "P-PAT" not in text


def test_after_erasure_no_table_but_the_audit_log_holds_their_name_or_address(client, asked):
    from django.apps import apps

    pat = asked["pat"]
    # A withdrawal reason that names them, kept in the enrollment's change history too.
    pat.withdrawal_reason = "Pat Participant moved to Leeds"
    pat.status = EnrollmentStatus.WITHDRAWN
    pat.withdrawn_at = dt.date(2026, 9, 10)
    pat.save()
    client.force_login(pat.user)  # leaves a signed-in session behind
    erasure_request_complete(erasure_request=asked["request"], by=asked["coordinator"])

    traces = ("pat participant", "patsy", "pat@example.org", "07700 900111")
    found = []
    for model in apps.get_models():
        if model._meta.label == "accounts.AuditEvent":
            continue  # append-only by law and design; see the report of SEC-RIGHTS
        for values in model._default_manager.values():
            text = str(values).lower()
            found += [f"{model._meta.label}: {t}" for t in traces if t in text]
    sessions = [s.get_decoded() for s in Session.objects.all()]
    found += [f"session: {t}" for s in sessions for t in traces if t in str(s).lower()]
    assert not found

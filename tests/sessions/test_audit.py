"""Every staff view of a participant's answers, scores or notes, every export, every enrollment
change and every safety acknowledgement leaves exactly one audit event, and change history."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from programs.models import Enrollment, EnrollmentStatus
from sessions.models import FacilitatorNote
from sessions.questionnaires.models import SafetyEvent
from sessions.reports.models import ExportRecord
from sessions.services.notes import note_save
from tests.factories import PASSWORD, EnrollmentFactory, facilitator
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
    safety_event,
)
from tests.reauthentication import record_reauthentication
from tests.reports.test_exports_views import body, csv_rows, url
from tests.sessions.staff_cast import enroll, group_cohort, sessions_of

pytestmark = pytest.mark.django_db

# The test client's address; the audit event must carry the one the request came from.
CLIENT_IP = "127.0.0.1"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(organization, facilitator_user, coordinator_user, participant):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-7K3Q9")
    baseline = assessment(enrollment, "baseline")
    respond(baseline, "phq9", phq9(12, 0))
    post = assessment(enrollment, "post")
    respond(post, "phq9", phq9(6, 0))
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "baseline": baseline,
        "post": post,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
    }


class NewEvents:
    """The audit events made after this point (the log is append-only, so none can go)."""

    def __init__(self) -> None:
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.after = last or 0

    def all(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(pk__gt=self.after).order_by("pk"))

    def one(self) -> AuditEvent:
        events = self.all()
        assert len(events) == 1, [(e.action, e.details) for e in events]
        return events[0]


# --- views of answers, scores and notes -------------------------------------------------------


def test_viewing_a_participants_scores_makes_exactly_one_audit_entry(client, cast):
    client.force_login(cast["facilitator"])
    new = NewEvents()
    page = client.get(reverse("questionnaires:results_cohort", args=[cast["cohort"].pk]))
    assert page.status_code == 200
    assert "P-7K3Q9" in page.text
    event = new.one()
    assert event.action == AuditAction.VIEW_SCORES
    assert (event.actor, event.actor_email) == (cast["facilitator"], "fay@example.org")
    assert event.organization == cast["cohort"].organization
    assert (event.object_type, event.object_id) == ("programs.cohort", str(cast["cohort"].pk))
    assert event.participant_codes == "P-7K3Q9"
    assert event.details["instruments"] == ["phq9"]
    assert event.ip_address == CLIENT_IP
    # Seen again: another entry, one per page view.
    client.get(reverse("questionnaires:results_cohort", args=[cast["cohort"].pk]))
    assert len(new.all()) == 2


def test_a_refused_page_records_no_view(client, cast, organization):
    client.force_login(facilitator(organization, user__email="finn@example.org"))
    new = NewEvents()
    url_ = reverse("questionnaires:results_cohort", args=[cast["cohort"].pk])
    assert client.get(url_).status_code == 404
    assert new.all() == []


def test_opening_a_safety_flag_records_one_view_of_answers_without_the_answer(client, cast):
    event = safety_event(EnrollmentFactory(cohort=cast["cohort"], participant_code="P-FLAG1"))
    client.force_login(cast["coordinator"])
    new = NewEvents()
    page = client.get(reverse("questionnaires:safety_event_detail", args=[event.pk]))
    assert "Several days" in page.text
    audit = new.one()
    assert audit.action == AuditAction.VIEW_ANSWERS
    assert audit.object_type == "questionnaires.safetyevent"
    assert audit.participant_codes == "P-FLAG1"
    # The log says that answers were seen, never what they were.
    assert "Several days" not in str(audit.details)


def test_opening_a_session_records_one_view_of_its_staff_notes(client, cast, organization):
    cohort = group_cohort(organization, [cast["facilitator"]])
    enrollment = enroll(cohort, participant_code="P-NOTE1")
    session = sessions_of(cohort)[0]
    note_save(
        scheduled_session=session,
        enrollment=enrollment,
        text="Tired today; sat for the body scan.",
        author=cast["facilitator"],
    )
    client.force_login(cast["facilitator"])
    new = NewEvents()
    page = client.get(reverse("program_sessions:session_detail", args=[session.pk]))
    assert "Tired today" in page.text
    audit = new.one()
    assert audit.action == AuditAction.VIEW_NOTES
    assert (audit.object_type, audit.object_id) == (
        "program_sessions.scheduledsession",
        str(session.pk),
    )
    assert audit.participant_codes == "P-NOTE1"
    assert audit.details["notes"] == 1
    assert "Tired" not in str(audit.details)
    assert FacilitatorNote.objects.count() == 1


def test_the_answer_entry_and_correction_pages_each_record_one_view(client, cast):
    respond(cast["post"], "who5", {1: 3, 2: 2}, submitted=False)  # a draft taken by phone
    client.force_login(cast["facilitator"])
    new = NewEvents()
    entry = client.get(
        reverse("questionnaires:questionnaire_entry_instrument", args=[cast["post"].pk, "who5"])
    )
    assert entry.status_code == 200
    viewed = new.one()
    assert viewed.action == AuditAction.VIEW_ANSWERS
    assert viewed.object_type == "programs.enrollment"
    assert viewed.participant_codes == "P-7K3Q9"
    assert viewed.details["page"] == "enter answers"

    new = NewEvents()
    correct = client.get(
        reverse("questionnaires:response_correct", args=[cast["baseline"].pk, "phq9"])
    )
    assert correct.status_code == 200
    assert new.one().details["page"] == "correct answers"


def test_an_entry_page_with_no_answers_yet_records_nothing(client, cast):
    client.force_login(cast["facilitator"])
    new = NewEvents()
    page = client.get(
        reverse("questionnaires:questionnaire_entry_instrument", args=[cast["post"].pk, "gad7"])
    )
    assert page.status_code == 200
    assert new.all() == []


# --- exports ------------------------------------------------------------------------------------


def test_exporting_makes_exactly_one_audit_entry_with_filters_rows_and_checksum(client, cast):
    client.force_login(cast["coordinator"])
    new = NewEvents()
    response = client.get(url("participants", format="csv", cohort=cast["cohort"].pk))
    data = body(response)
    event = new.one()
    record = ExportRecord.objects.get()
    assert event.action == AuditAction.EXPORT
    assert event.actor == cast["coordinator"]
    assert event.organization == cast["cohort"].organization
    assert (event.object_type, event.object_id) == ("reports.exportrecord", str(record.pk))
    assert event.details["filters"] == {
        "cohort": cast["cohort"].pk,
        "cohort_name": cast["cohort"].name,
    }
    assert event.details["row_count"] == len(csv_rows(data)) - 1 == 1
    assert event.details["checksum"] == hashlib.sha256(data).hexdigest() == record.checksum
    assert event.details["completed"] is True
    assert (event.details["kind"], event.details["format"]) == ("participants", "csv")
    assert event.ip_address == CLIENT_IP


def test_an_xlsx_export_makes_one_entry_too(client, cast):
    client.force_login(cast["coordinator"])
    new = NewEvents()
    data = body(client.get(url("completion", format="xlsx")))
    event = new.one()
    assert event.details["checksum"] == hashlib.sha256(data).hexdigest()


def test_an_identifiable_export_after_the_password_makes_one_export_entry(client, cast):
    client.force_login(cast["coordinator"])
    address = url("participants", cohort=cast["cohort"].pk, identifiable=1)
    sent_away = client.get(address)
    confirmed = client.post(sent_away["Location"], {"password": PASSWORD})
    new = NewEvents()
    body(client.get(confirmed["Location"]))
    event = new.one()
    assert event.details["identifiable"] is True
    assert AuditEvent.objects.filter(action=AuditAction.REAUTHENTICATED).count() == 1


# Closing the response ends the request, and Django then closes the database connection as
# a server would: that needs real transactions, not the test's rolled-back one.
@pytest.mark.django_db(transaction=True)
def test_a_download_cut_off_part_way_is_recorded_once_as_not_completed(client, cast):
    client.force_login(cast["coordinator"])
    new = NewEvents()
    response = client.get(url("participants", format="csv"))
    next(iter(response.streaming_content))  # the first bytes arrive, then the person leaves
    response.close()
    event = new.one()
    assert event.action == AuditAction.EXPORT
    assert event.details["completed"] is False
    assert "checksum" not in event.details


def test_the_export_command_makes_one_entry(cast):
    new = NewEvents()
    out = io.StringIO()
    call_command("export", "completion", "--user", "cora@example.org", stdout=out)
    event = new.one()
    assert event.action == AuditAction.EXPORT
    assert event.actor == cast["coordinator"]
    assert event.details["source"] == "command"
    assert event.details["checksum"] == hashlib.sha256(out.getvalue().encode()).hexdigest()
    assert event.ip_address is None


def test_a_command_line_export_without_a_person_says_so(cast):
    new = NewEvents()
    call_command("export", "completion", stdout=io.StringIO())
    event = new.one()
    assert (event.actor, event.actor_email) == (None, "command line")


# --- safety acknowledgements ------------------------------------------------------------------


def test_acknowledging_a_safety_flag_makes_exactly_one_audit_entry_and_a_history_row(client, cast):
    event = safety_event(EnrollmentFactory(cohort=cast["cohort"], participant_code="P-FLAG1"))
    client.force_login(cast["facilitator"])
    record_reauthentication(client, cast["facilitator"])
    new = NewEvents()
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[event.pk]),
        {"action_taken": "Phoned at 14:00; safe, seeing their GP on Friday."},
    )
    assert response.status_code == 302
    audit = new.one()
    assert audit.action == AuditAction.SAFETY_ACKNOWLEDGED
    assert (audit.object_type, audit.object_id) == ("questionnaires.safetyevent", str(event.pk))
    assert audit.participant_codes == "P-FLAG1"
    assert audit.actor == cast["facilitator"]
    assert "GP" not in str(audit.details)
    # The change history has the flag as raised and as acknowledged, by whom.
    history = list(SafetyEvent.history.filter(id=event.pk).order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[-1].acknowledged_by_id == cast["facilitator"].pk
    assert history[-1].history_user == cast["facilitator"]


def test_a_refused_acknowledgement_records_nothing(client, cast):
    event = safety_event(EnrollmentFactory(cohort=cast["cohort"], participant_code="P-FLAG1"))
    client.force_login(cast["facilitator"])
    record_reauthentication(client, cast["facilitator"])
    new = NewEvents()
    client.post(
        reverse("questionnaires:safety_acknowledge", args=[event.pk]), {"action_taken": " "}
    )
    assert new.all() == []


# --- enrollment changes -------------------------------------------------------------------------


def test_enrolling_changing_and_withdrawing_make_one_entry_each_with_history(client, cast):
    client.force_login(cast["coordinator"])
    cohort = cast["cohort"]
    new = NewEvents()
    created = client.post(
        reverse("programs:enrollment_create", args=[cohort.pk]),
        {
            "full_name": "Robin Reed",
            "email": "robin@example.org",
            "timezone": "Europe/London",
            "arm": "intervention",
        },
    )
    assert created.status_code == 302, created.text
    enrollment = Enrollment.objects.get(user__email="robin@example.org")
    invited = new.one()
    assert invited.action == AuditAction.ENROLLMENT_CHANGED
    assert invited.details["change"] == "invited"
    assert invited.participant_codes == enrollment.participant_code
    assert invited.ip_address == CLIENT_IP  # a service, but the request's address

    edit = reverse("programs:enrollment_update", args=[enrollment.pk])
    new = NewEvents()
    client.post(edit, {"action": "update", "arm": "control", "status": "invited"})
    changed = new.one()
    assert changed.details["change"] == "updated"
    assert changed.details["fields"] == {"arm": ["intervention", "control"]}

    new = NewEvents()
    client.post(edit, {"action": "update", "arm": "control", "status": "invited"})
    assert new.all() == []  # nothing changed, nothing recorded

    new = NewEvents()
    withdrawn = client.post(
        edit,
        {"action": "withdraw", "on_date": NOW.date().isoformat(), "reason": "Moved away"},
    )
    assert withdrawn.status_code == 302, withdrawn.text
    gone = new.one()
    assert gone.details["change"] == "withdrawn"
    assert "Moved away" not in str(gone.details)

    history = list(enrollment.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert [h.arm for h in history] == ["intervention", "control", "control"]
    assert history[-1].status == EnrollmentStatus.WITHDRAWN
    assert history[-1].withdrawal_reason == "Moved away"
    assert {h.history_user for h in history} == {cast["coordinator"]}


def test_a_refused_enrollment_leaves_no_entry(client, cast):
    client.force_login(cast["coordinator"])
    new = NewEvents()
    # Already enrolled: the service refuses, and nothing is recorded as changed.
    response = client.post(
        reverse("programs:enrollment_create", args=[cast["cohort"].pk]),
        {
            "full_name": "Pat",
            "email": "pat@example.org",
            "timezone": "Europe/London",
            "arm": "intervention",
        },
    )
    assert response.status_code == 200
    assert new.all() == []


def test_cohort_history_keeps_its_facilitators(client, cast, organization):
    cohort = cast["cohort"]
    assert cohort.history.count() >= 1
    latest = cohort.history.order_by("-history_date", "-history_id").first()
    assert [f.user_id for f in latest.facilitators.all()] == [cast["facilitator"].pk]


def test_a_draft_response_keeps_each_state_in_its_history(cast):
    response = respond(cast["post"], "gad7", {1: 1}, submitted=False)
    response.answers = {"1": 1, "2": 2}
    response.save()
    states = [h.answers for h in response.history.order_by("history_date", "history_id")]
    assert states == [{"1": 1}, {"1": 1, "2": 2}]


def test_times_are_stored_in_utc(client, cast):
    client.force_login(cast["facilitator"])
    new = NewEvents()
    client.get(reverse("questionnaires:results_cohort", args=[cast["cohort"].pk]))
    assert new.one().at == NOW
    assert new.one().at.utcoffset() == dt.timedelta(0)


def test_accepting_the_invitation_starts_the_enrollment_on_record(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("programs:enrollment_create", args=[cast["cohort"].pk]),
            {
                "full_name": "Robin Reed",
                "email": "robin@example.org",
                "timezone": "Europe/London",
                "arm": "intervention",
            },
        )
    token = re.search(r"/invitations/([\w-]+)/", mailoutbox[-1].body).group(1)
    client.logout()
    new = NewEvents()
    accepted = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": "Robin Reed", "password": "quiet lake morning"},
    )
    assert accepted.status_code == 302
    enrollment = Enrollment.objects.get(user__email="robin@example.org")
    assert enrollment.status == EnrollmentStatus.ACTIVE
    started = [e for e in new.all() if e.action == AuditAction.ENROLLMENT_CHANGED]
    assert len(started) == 1
    assert started[0].details["change"] == "activated"
    assert started[0].actor == enrollment.user
    latest = enrollment.history.order_by("-history_date", "-history_id").first()
    assert (latest.status, latest.history_user) == (EnrollmentStatus.ACTIVE, enrollment.user)

"""Enrolling participants: one at a time or from a list, all or none; accepting starts them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Invitation, User
from accounts.services import InvitationError, invitation_accept
from programs.csv_import import ParticipantRow, parse_participants
from programs.models import Enrollment, EnrollmentStatus, Modality
from programs.services import (
    EnrollmentError,
    EnrollmentImportError,
    enrollment_import,
    enrollment_invite,
    enrollment_update,
    enrollment_withdraw,
)
from programs.services import enrollments as enrollment_services
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^MB-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}$")
LINK = re.compile(r"https?://\S+/invitations/(?P<token>[\w-]+)/")
LONDON = ZoneInfo("Europe/London")


def _invite(cohort, inviter, **kwargs):
    fields = {"email": "alex@example.org", "full_name": "Alex Morgan"}
    fields.update(kwargs)
    return enrollment_invite(cohort=cohort, invited_by=inviter, **fields)


def test_new_address_gets_an_account_without_a_password_an_enrollment_and_an_invitation(
    cohort, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = _invite(
            cohort,
            coordinator_user,
            email=" Alex@Example.org ",
            phone="07700 900123",
            timezone="America/New_York",
        )

    user = enrollment.user
    assert (user.email, user.full_name, user.phone, user.timezone) == (
        "alex@example.org",
        "Alex Morgan",
        "07700 900123",
        "America/New_York",
    )
    assert not user.has_usable_password()
    assert enrollment.status == EnrollmentStatus.INVITED
    assert enrollment.arm == "intervention"
    assert CODE.match(enrollment.participant_code)
    invitation = Invitation.objects.get(email="alex@example.org")
    assert (invitation.organization, invitation.role) == (cohort.organization, "")
    assert [m.to for m in mailoutbox] == [["alex@example.org"]]


def test_timezone_defaults_to_the_cohorts(cohort, coordinator_user):
    cohort.timezone = "Europe/Dublin"
    cohort.save()
    assert _invite(cohort, coordinator_user).user.timezone == "Europe/Dublin"


def test_existing_account_is_reused_whatever_the_case_of_the_address(
    cohort, coordinator_user, participant
):
    enrollment = _invite(cohort, coordinator_user, email="PAT@example.ORG", full_name="Pat P")
    assert enrollment.user == participant
    assert User.objects.filter(email__iexact="pat@example.org").count() == 1
    participant.refresh_from_db()
    # Their own name and password stay as they were.
    assert participant.full_name == "Pat Participant"
    assert participant.has_usable_password()


def test_reinviting_an_address_into_another_cohort_reuses_the_account(
    cohort, organization, coordinator_user, mbsr
):
    first = _invite(cohort, coordinator_user)
    spring = CohortFactory(organization=organization, program=mbsr, name="Spring")
    second = _invite(spring, coordinator_user, email="ALEX@example.org")
    assert second.user == first.user
    assert second.participant_code != first.participant_code


def test_address_already_in_the_cohort_is_refused(cohort, coordinator_user):
    _invite(cohort, coordinator_user)
    with pytest.raises(
        EnrollmentError, match=re.escape("alex@example.org is already enrolled")
    ) as caught:
        _invite(cohort, coordinator_user, email="Alex@example.org")
    assert caught.value.field == "email"
    assert Enrollment.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"full_name": "  "}, "The name is missing.", "full_name"),
        ({"email": "alex(at)example.org"}, "is not an e-mail address", "email"),
        ({"timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone", "timezone"),
        ({"arm": "placebo"}, "The arm “placebo” is not known", "arm"),
    ],
)
def test_bad_details_are_refused_with_the_reason(cohort, coordinator_user, kwargs, message, field):
    with pytest.raises(EnrollmentError, match=re.escape(message)) as caught:
        _invite(cohort, coordinator_user, **kwargs)
    assert caught.value.field == field
    assert not Enrollment.objects.exists()


def test_participant_codes_are_redrawn_when_one_is_taken(cohort, coordinator_user, monkeypatch):
    EnrollmentFactory(cohort=cohort, participant_code="MB-AAAAA")
    draws = iter(["AAAAA", "AAAAA", "BCDEF"])
    monkeypatch.setattr(enrollment_services, "_random_characters", lambda count: next(draws))
    assert _invite(cohort, coordinator_user).participant_code == "MB-BCDEF"


def test_participant_codes_differ_and_say_nothing_about_the_person(cohort, coordinator_user):
    codes = {
        _invite(
            cohort, coordinator_user, email=f"p{n}@example.org", full_name=f"P {n}"
        ).participant_code
        for n in range(30)
    }
    assert len(codes) == 30
    assert all(CODE.match(code) for code in codes)


def test_ier_participant_gets_six_own_sessions_first_and_last_in_person(
    ier_cohort, coordinator_user
):
    enrollment = _invite(
        ier_cohort,
        coordinator_user,
        start_date=dt.date(2026, 9, 16),
        session_time=dt.time(14, 30),
    )
    sessions = list(enrollment.scheduled_sessions.order_by("starts_at"))
    assert len(sessions) == 6
    local = [s.starts_at.astimezone(LONDON) for s in sessions]
    assert local[0].date() == dt.date(2026, 9, 16)
    assert {t.time() for t in local} == {dt.time(14, 30)}
    assert {t.strftime("%A") for t in local} == {"Wednesday"}
    assert [s.modality for s in sessions] == [
        Modality.IN_PERSON,
        *[Modality.PHONE] * 4,
        Modality.IN_PERSON,
    ]
    # Nobody else's schedule: the group rows stay empty for a one-on-one cohort.
    assert ier_cohort.scheduled_sessions.filter(enrollment__isnull=True).count() == 0


def test_ier_participant_without_a_chosen_start_begins_on_the_cohorts_meeting_day(
    ier_cohort, coordinator_user
):
    enrollment = _invite(ier_cohort, coordinator_user)
    assert enrollment.start_date == dt.date(2026, 9, 14)
    assert enrollment.session_time == dt.time(10, 0)
    assert enrollment.scheduled_sessions.count() == 6


def test_ier_control_arm_gets_no_sessions(ier_cohort, coordinator_user):
    enrollment = _invite(ier_cohort, coordinator_user, arm="control")
    assert enrollment.scheduled_sessions.count() == 0


def test_ier_start_in_the_past_is_refused(ier_cohort, coordinator_user):
    with pytest.raises(EnrollmentError, match="already passed"):
        _invite(ier_cohort, coordinator_user, start_date=dt.date(2026, 8, 1))


def test_group_enrollment_has_no_start_of_its_own(cohort, coordinator_user):
    enrollment = _invite(cohort, coordinator_user, start_date=dt.date(2026, 10, 1))
    assert enrollment.start_date is None
    assert enrollment.scheduled_sessions.count() == 0


# --- import -------------------------------------------------------------------------------


def _rows(text: str) -> list[ParticipantRow]:
    result = parse_participants(text)
    assert result.ok, result.problems
    return result.rows


def test_clean_list_enrols_everyone_and_mails_after_commit(
    cohort, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    rows = _rows(
        "name,email,phone,timezone,arm\n"
        "Alex Morgan,alex@example.org,,,\n"
        "Sam Patel,sam@example.org,07700 900123,Europe/Paris,control\n"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollments = enrollment_import(cohort=cohort, rows=rows, invited_by=coordinator_user)
    assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [e.user.email for e in enrollments] == ["alex@example.org", "sam@example.org"]
    assert enrollments[1].arm == "control"
    assert enrollments[1].user.timezone == "Europe/Paris"
    assert sorted(m.to[0] for m in mailoutbox) == ["alex@example.org", "sam@example.org"]


def test_list_with_an_address_already_enrolled_creates_nobody(cohort, coordinator_user):
    EnrollmentFactory(cohort=cohort, user=UserFactory(email="sam@example.org"))
    rows = _rows("name,email\nAlex,alex@example.org\nSam,SAM@example.org\n")
    with pytest.raises(EnrollmentImportError) as caught:
        enrollment_import(cohort=cohort, rows=rows, invited_by=coordinator_user)
    assert [str(p) for p in caught.value.problems] == [
        "Line 3: sam@example.org is already enrolled in this cohort."
    ]
    assert not User.objects.filter(email="alex@example.org").exists()
    assert cohort.enrollments.count() == 1


def test_duplicate_addresses_in_rows_are_refused_by_the_service_too(cohort, coordinator_user):
    rows = [
        ParticipantRow(line=2, full_name="Alex", email="alex@example.org"),
        ParticipantRow(line=3, full_name="Alex again", email="Alex@example.org"),
    ]
    with pytest.raises(EnrollmentImportError) as caught:
        enrollment_import(cohort=cohort, rows=rows, invited_by=coordinator_user)
    assert [str(p) for p in caught.value.problems] == [
        "Line 3: alex@example.org is already on line 2 of this list."
    ]
    assert not Enrollment.objects.exists()


def test_failure_partway_through_a_list_undoes_the_rows_before_it(
    cohort, coordinator_user, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    real = enrollment_services.invitation_create

    def fail_for_sam(**kwargs):
        if kwargs["email"] == "sam@example.org":
            raise InvitationError("The mail system refused this address.")
        return real(**kwargs)

    monkeypatch.setattr(enrollment_services, "invitation_create", fail_for_sam)
    rows = _rows("name,email\nAlex,alex@example.org\nSam,sam@example.org\n")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(EnrollmentImportError) as caught,
    ):
        enrollment_import(cohort=cohort, rows=rows, invited_by=coordinator_user)
    assert [str(p) for p in caught.value.problems] == [
        "Line 3: The mail system refused this address."
    ]
    assert not Enrollment.objects.exists()
    assert not User.objects.filter(email="alex@example.org").exists()
    assert mailoutbox == []


def test_empty_list_is_refused_by_the_service(cohort, coordinator_user):
    with pytest.raises(EnrollmentImportError, match="nobody was added"):
        enrollment_import(cohort=cohort, rows=[], invited_by=coordinator_user)


# --- acceptance ---------------------------------------------------------------------------


def test_accepting_the_invitation_starts_the_enrollments_in_that_organization_only(
    cohort,
    organization,
    other_organization,
    coordinator_user,
    other_coordinator,
    mbsr,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    elsewhere = CohortFactory(organization=other_organization, program=mbsr)
    with django_capture_on_commit_callbacks(execute=True):
        other = _invite(elsewhere, other_coordinator)
        spring = CohortFactory(organization=organization, program=mbsr, name="Spring")
        first = _invite(cohort, coordinator_user)
        second = _invite(spring, coordinator_user)
    # The newest invitation of an organization is the one that works (older ones are revoked).
    token = LINK.search(mailoutbox[-1].body)["token"]

    invitation_accept(token=token, password="quiet lake morning")

    for enrollment in (first, second, other):
        enrollment.refresh_from_db()
    assert (first.status, second.status) == (EnrollmentStatus.ACTIVE, EnrollmentStatus.ACTIVE)
    assert first.activated_at is not None
    assert other.status == EnrollmentStatus.INVITED
    assert other.activated_at is None


# --- changes and withdrawal ---------------------------------------------------------------


def test_withdrawal_records_date_and_reason(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 3), reason="Moving away")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert enrollment.withdrawn_at == dt.date(2026, 8, 3)
    assert enrollment.withdrawal_reason == "Moving away"


def test_withdrawal_in_the_future_is_refused(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    with pytest.raises(EnrollmentError, match="cannot be in the future") as caught:
        enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 4), reason="Busy")
    assert caught.value.field == "on_date"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_withdrawal_before_the_invitation_is_refused(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)  # invited today, 3 August 2026
    with pytest.raises(EnrollmentError, match="before they were invited"):
        enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 2), reason="Busy")


def test_withdrawing_twice_is_refused(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 3), reason="Unwell")
    with pytest.raises(EnrollmentError, match="already withdrawn"):
        enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 3), reason="Unwell")


def test_taking_a_withdrawn_participant_back_clears_the_withdrawal(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    enrollment_withdraw(enrollment=enrollment, on_date=dt.date(2026, 8, 3), reason="Unwell")
    enrollment_update(enrollment=enrollment, arm="intervention", status="active")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.withdrawn_at, enrollment.withdrawal_reason) == (
        "active",
        None,
        "",
    )


def test_status_cannot_be_set_to_withdrawn_without_date_and_reason(cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    with pytest.raises(EnrollmentError, match="Withdraw from the course"):
        enrollment_update(enrollment=enrollment, arm="intervention", status="withdrawn")


def test_marking_an_invited_participant_active_sets_when(cohort):
    enrollment = EnrollmentFactory(cohort=cohort, status=EnrollmentStatus.INVITED)
    enrollment_update(enrollment=enrollment, arm="control", status="active")
    enrollment.refresh_from_db()
    assert enrollment.arm == "control"
    assert enrollment.activated_at is not None


def test_new_start_for_an_ier_participant_moves_their_sessions(ier_cohort, coordinator_user):
    enrollment = _invite(ier_cohort, coordinator_user, start_date=dt.date(2026, 9, 16))
    enrollment_update(
        enrollment=enrollment,
        arm="intervention",
        status="invited",
        start_date=dt.date(2026, 9, 18),
        session_time=dt.time(9, 15),
    )
    local = [
        s.starts_at.astimezone(LONDON) for s in enrollment.scheduled_sessions.order_by("starts_at")
    ]
    assert len(local) == 6
    assert local[0].date() == dt.date(2026, 9, 18)
    assert {t.time() for t in local} == {dt.time(9, 15)}

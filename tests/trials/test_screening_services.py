"""Screening services: the verdict kept with its reasons, the safety path, the waitlist and its
positions, offers by e-mail through the outbox, expiry, declining and accepting."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from accounts.models import Invitation
from accounts.services import invitation_accept
from programs.models import EnrollmentStatus
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.trials.eligibility import ScreeningAnswerError
from sessions.trials.models import OfferStatus, Screening
from sessions.trials.screening_selectors import waitlist_position, waitlist_positions
from sessions.trials.services.offers import (
    waitlist_offer,
    waitlist_offer_decline,
    waitlist_offers_expire,
)
from sessions.trials.services.screening import (
    ScreeningError,
    screening_consent_record,
    screening_enroll,
)
from sessions.trials.tasks import expire_waitlist_offers
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    coordinator,
    shipped_program,
)
from tests.trials.screening_helpers import phq9, screen

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 8, 3, 10, 0, tzinfo=UTC)
HEALTH_WORDS = re.compile(
    r"MS|sclerosis|depress|mood|PHQ|mindful|stress|health|screening|course|trial|study", re.I
)


@pytest.fixture
def mbsr():
    return shipped_program("mbsr-8-ms")


@pytest.fixture
def cohort(organization, mbsr):
    return CohortFactory(
        organization=organization, program=mbsr, name="Autumn group", start_date=dt.date(2026, 9, 1)
    )


def test_a_screening_keeps_the_verdict_reasons_and_a_code_that_names_nobody(
    organization, coordinator_user, mbsr
):
    screening = screen(
        organization=organization, program=mbsr, by=coordinator_user, age=17, ms_confirmed=False
    )
    screening.refresh_from_db()
    assert screening.eligible is False
    assert [r["text"] for r in screening.reasons] == ["Under 18", "No confirmed MS diagnosis"]
    assert screening.screening_code.startswith("SC-")
    assert "Robin" not in screening.screening_code
    assert screening.waitlisted_at is None
    assert screening.offer_status == ""
    assert screening.form_version == "1"


def test_an_eligible_person_who_consents_joins_the_waitlist(organization, coordinator_user, mbsr):
    with time_machine.travel(NOW, tick=False):
        screening = screen(organization=organization, program=mbsr, by=coordinator_user)
    assert screening.eligible
    assert screening.waitlisted_at == NOW
    assert screening.offer_status == OfferStatus.WAITING
    assert waitlist_position(screening=screening) == 1


def test_consent_given_later_puts_them_on_the_waitlist(organization, coordinator_user, mbsr):
    screening = screen(
        organization=organization, program=mbsr, by=coordinator_user, consented=False
    )
    assert screening.waitlisted_at is None
    screening_consent_record(screening=screening, by=coordinator_user)
    assert screening.offer_status == OfferStatus.WAITING
    with pytest.raises(ScreeningError, match="already recorded"):
        screening_consent_record(screening=screening, by=coordinator_user)


def test_bad_answers_change_nothing(organization, coordinator_user, mbsr):
    with pytest.raises(ScreeningAnswerError):
        screen(organization=organization, program=mbsr, by=coordinator_user, age=200)
    with pytest.raises(ScreeningError, match="e-mail address"):
        screen(organization=organization, program=mbsr, by=coordinator_user, email="not-an-address")
    assert not Screening.objects.exists()


def test_not_in_another_course_looks_only_at_this_organizations_courses(
    organization, other_organization, coordinator_user, mbsr
):
    person = UserFactory(email="busy@example.org")
    EnrollmentFactory(
        cohort=CohortFactory(organization=other_organization, program=mbsr), user=person
    )
    elsewhere = screen(
        organization=organization, program=mbsr, by=coordinator_user, email="BUSY@example.org"
    )
    assert elsewhere.eligible, "a course in another organization must not be revealed"
    EnrollmentFactory(cohort=CohortFactory(organization=organization, program=mbsr), user=person)
    here = screen(
        organization=organization, program=mbsr, by=coordinator_user, email="busy@example.org"
    )
    assert [r["text"] for r in here.reasons] == ["Already in another course"]


def test_item_9_alerts_the_coordinators_through_the_outbox_even_when_ineligible(
    organization,
    coordinator_user,
    facilitator_user,
    other_coordinator,
    mbsr,
    django_capture_on_commit_callbacks,
):
    second = coordinator(organization, user__email="cody@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        screening = screen(
            organization=organization,
            program=mbsr,
            by=coordinator_user,
            age=16,
            phq9=phq9(0, 0, 0, 0, 0, 0, 0, 0, 1),
        )
    assert screening.safety_flagged
    assert not screening.eligible
    alerts = Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT, screening=screening)
    assert {n.recipient for n in alerts} == {coordinator_user, second}
    sent = [m for m in mail.outbox if screening.screening_code in m.subject]
    assert sorted(m.to[0] for m in sent) == ["cody@example.org", "cora@example.org"]
    assert "Robin" not in sent[0].subject + sent[0].body
    assert f"/screening/{screening.pk}/" in sent[0].body


def test_no_alert_without_item_9(organization, coordinator_user, mbsr):
    screen(organization=organization, program=mbsr, by=coordinator_user, phq9=phq9(3, 3, 3))
    assert not Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT).exists()


def test_positions_follow_the_order_of_joining_per_program_and_organization(
    organization, other_organization, coordinator_user, other_coordinator, mbsr, cohort
):
    ier = shipped_program("ier-6")
    people = []
    for day in (5, 2, 9):
        with time_machine.travel(NOW + dt.timedelta(days=day), tick=False):
            people.append(
                screen(
                    organization=organization,
                    program=mbsr,
                    by=coordinator_user,
                    email=f"p{day}@example.org",
                )
            )
    screen(organization=organization, program=ier, by=coordinator_user, email="ier@example.org")
    screen(
        organization=other_organization, program=mbsr, by=other_coordinator, email="x@example.org"
    )
    screen(
        organization=organization,
        program=mbsr,
        by=coordinator_user,
        email="no@example.org",
        consented=False,
    )
    assert [waitlist_position(screening=p) for p in people] == [2, 1, 3]
    positions = waitlist_positions(organization=organization)
    assert [positions[p.pk] for p in people] == [2, 1, 3]
    waitlist_offer(screening=people[1], cohort=cohort, by=coordinator_user)
    people[0].refresh_from_db()
    assert waitlist_position(screening=people[0]) == 1
    assert waitlist_position(screening=Screening.objects.get(pk=people[1].pk)) is None


def _deliver(callbacks_fixture):
    """Send whatever the outbox has due now (the dispatcher runs after commit)."""
    from sessions.notifications.services.delivery import notifications_tick

    with callbacks_fixture(execute=True):
        notifications_tick()


def test_offer_email_expiry_and_next_offer(
    organization, coordinator_user, mbsr, cohort, django_capture_on_commit_callbacks
):
    organization.support_email = "team@example.org"
    organization.save()
    with time_machine.travel(NOW, tick=False):
        first = screen(
            organization=organization, program=mbsr, by=coordinator_user, email="first@example.org"
        )
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        second = screen(
            organization=organization, program=mbsr, by=coordinator_user, email="second@example.org"
        )
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            waitlist_offer(screening=first, cohort=cohort, by=coordinator_user, expires_in_days=7)
        first.refresh_from_db()
        assert first.offer_status == OfferStatus.OFFERED
        assert first.enrollment.status == EnrollmentStatus.INVITED
        assert first.offer_expires_at == NOW + dt.timedelta(days=8)
        row = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER)
        assert row.recipient.email == "first@example.org"
        # One e-mail: the offer carries the invitation link (no separate invitation e-mail).
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["first@example.org"]
        assert not HEALTH_WORDS.search(message.subject), message.subject
        assert mbsr.name not in message.subject + message.body  # no program named in an inbox
        assert "1 September 2026" in message.body  # when the course starts
        assert "11 August 2026" in message.body  # until when the offer stands
        assert "team@example.org" in message.body  # how to decline
        assert "/invitations/" in message.body or "/invite" in message.body

    with time_machine.travel(NOW + dt.timedelta(days=8, minutes=-1), tick=False):
        assert waitlist_offers_expire() == 0
    with time_machine.travel(NOW + dt.timedelta(days=8, minutes=5), tick=False):
        assert expire_waitlist_offers() == 1
        assert expire_waitlist_offers() == 0
    first.refresh_from_db()
    assert first.offer_status == OfferStatus.EXPIRED
    assert first.enrollment.status == EnrollmentStatus.WITHDRAWN
    assert first.enrollment.withdrawal_reason == "Offer expired"
    assert not Invitation.objects.pending().filter(email="first@example.org").exists()
    # The next person is now first in line and can be offered the place.
    assert waitlist_position(screening=second) == 1
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        waitlist_offer(screening=second, cohort=cohort, by=coordinator_user)
    second.refresh_from_db()
    assert second.offer_status == OfferStatus.OFFERED


def test_accepting_the_offer_is_accepting_the_invitation(
    organization, coordinator_user, mbsr, cohort, django_capture_on_commit_callbacks
):
    screening = screen(organization=organization, program=mbsr, by=coordinator_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        waitlist_offer(screening=screening, cohort=cohort, by=coordinator_user)
    link = re.search(r"https?://\S+/invitations?/[^/\s]+/\S*", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    token = [part for part in link.group(0).rstrip("/").split("/") if part][-1]
    invitation_accept(token=token, password="a long new password 42")
    screening.refresh_from_db()
    assert screening.offer_status == OfferStatus.ACCEPTED
    assert screening.enrollment.status == EnrollmentStatus.ACTIVE
    # An accepted offer never expires.
    with time_machine.travel(screening.offer_expires_at + dt.timedelta(days=1), tick=False):
        assert waitlist_offers_expire() == 0
    screening.refresh_from_db()
    assert screening.offer_status == OfferStatus.ACCEPTED


def test_declining_withdraws_the_invited_enrollment(organization, coordinator_user, mbsr, cohort):
    screening = screen(organization=organization, program=mbsr, by=coordinator_user)
    waitlist_offer(screening=screening, cohort=cohort, by=coordinator_user)
    waitlist_offer_decline(screening=screening, by=coordinator_user)
    screening.refresh_from_db()
    assert screening.offer_status == OfferStatus.DECLINED
    assert screening.enrollment.status == EnrollmentStatus.WITHDRAWN
    assert screening.enrollment.withdrawal_reason == "Offer declined"
    with pytest.raises(ScreeningError, match="no offer"):
        waitlist_offer_decline(screening=screening, by=coordinator_user)


def test_offers_refused_for_the_ineligible_unconsented_or_another_program_or_organization(
    organization, other_organization, coordinator_user, mbsr, cohort
):
    ineligible = screen(
        organization=organization, program=mbsr, by=coordinator_user, age=12, email="a@example.org"
    )
    waiting = screen(
        organization=organization,
        program=mbsr,
        by=coordinator_user,
        consented=False,
        email="b@example.org",
    )
    ok = screen(organization=organization, program=mbsr, by=coordinator_user, email="c@example.org")
    ier_cohort = CohortFactory(organization=organization, program=shipped_program("ier-6"))
    foreign = CohortFactory(organization=other_organization, program=mbsr)
    cases = [
        (ineligible, cohort, "not eligible"),
        (waiting, cohort, "consent"),
        (ok, ier_cohort, "cohort of this program"),
        (ok, foreign, "cohort of this program"),
    ]
    for screening, target, message in cases:
        with pytest.raises(ScreeningError, match=message):
            waitlist_offer(screening=screening, cohort=target, by=coordinator_user)
        with pytest.raises(ScreeningError, match=message):
            screening_enroll(screening=screening, cohort=target, by=coordinator_user)
    with pytest.raises(ScreeningError, match="days"):
        waitlist_offer(screening=ok, cohort=cohort, by=coordinator_user, expires_in_days=0)
    assert not Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER).exists()
    assert not Screening.objects.filter(enrollment__isnull=False).exists()


def test_enrolling_directly_links_the_enrollment(organization, coordinator_user, mbsr, cohort):
    screening = screen(organization=organization, program=mbsr, by=coordinator_user)
    enrollment = screening_enroll(screening=screening, cohort=cohort, by=coordinator_user)
    screening.refresh_from_db()
    assert screening.enrollment == enrollment
    assert screening.offer_status == OfferStatus.ACCEPTED
    assert waitlist_position(screening=screening) is None
    with pytest.raises(ScreeningError, match="already have a place"):
        screening_enroll(screening=screening, cohort=cohort, by=coordinator_user)


def test_the_offer_email_renders(organization, coordinator_user, mbsr, cohort):
    screening = screen(organization=organization, program=mbsr, by=coordinator_user)
    waitlist_offer(screening=screening, cohort=cohort, by=coordinator_user)
    row = Notification.objects.select_related("invitation", "enrollment__cohort").get(
        kind=NotificationKind.WAITLIST_OFFER
    )
    email = notification_email(row)
    html = email.alternatives[0][0]
    assert "Take the place" in html
    assert email.to == ["robin@example.org"]

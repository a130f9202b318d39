"""Offers of a place to people on the waitlist: made, accepted (through the invitation),
declined, or expired by the periodic step so the next person can be offered the place.

The offer is an invited enrollment: accepting the offer is accepting the invitation, which
the offer e-mail (notifications, kind WAITLIST_OFFER) carries. Nothing is deleted: a declined
or expired offer withdraws the invited enrollment with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, Organization, User
from programs.models import Cohort, Enrollment, EnrollmentStatus
from programs.services import EnrollmentError, enrollment_invite, enrollment_withdraw, zone_today
from sessions.trials.models import OfferStatus, Screening
from sessions.trials.services.screening import (
    ScreeningError,
    _audit,
    check_can_place,
    study_of_placement,
)
from sessions.trials.signals import waitlist_offer_made

OFFER_EXPIRED = "Offer expired"
OFFER_DECLINED = "Offer declined"
MAX_OFFER_DAYS = 60


def waitlist_offer(
    *,
    screening: Screening,
    cohort: Cohort,
    by: User,
    expires_in_days: int = 7,
    now: dt.datetime | None = None,
) -> Screening:
    """Offer a waiting person a place in a cohort: invite them (the offer e-mail carries the
    invitation link), note the offer and its expiry, and put the e-mail in the outbox."""
    now = now or timezone.now()
    if not 1 <= expires_in_days <= MAX_OFFER_DAYS:
        raise ScreeningError(
            f"Give the offer from 1 to {MAX_OFFER_DAYS} days to be accepted.",
            field="expires_in_days",
        )
    with transaction.atomic():
        screening = Screening.objects.select_for_update().get(pk=screening.pk)
        check_can_place(screening, cohort)
        if screening.offer_status != OfferStatus.WAITING:
            raise ScreeningError("Only people still waiting can be offered a place.")
        try:
            enrollment = enrollment_invite(
                cohort=cohort,
                email=screening.email,
                full_name=screening.full_name,
                phone=screening.phone,
                invited_by=by,
                send_invitation=False,
            )
        except EnrollmentError as exc:
            raise ScreeningError(str(exc), field="cohort") from exc
        screening.enrollment = enrollment
        screening.offer_status = OfferStatus.OFFERED
        screening.offered_at = now
        screening.offer_cohort = cohort
        screening.offer_expires_at = now + dt.timedelta(days=expires_in_days)
        screening.study = study_of_placement(screening, cohort)
        screening.save(
            update_fields=[
                "study",
                "enrollment",
                "offer_status",
                "offered_at",
                "offer_cohort",
                "offer_expires_at",
            ]
        )
        _audit(screening, by=by, change="offered", cohort=cohort.pk)
        waitlist_offer_made.send(sender=Screening, screening=screening, by=by)
    return screening


def _revoke_link(enrollment: Enrollment, *, now: dt.datetime) -> None:
    # The link in the offer e-mail stops working, unless the person has another course here
    # still waiting for them: invitations are per organization, and theirs would go with it.
    others = (
        Enrollment.objects.filter(
            user_id=enrollment.user_id,
            cohort__organization_id=enrollment.cohort.organization_id,
            status=EnrollmentStatus.INVITED,
            accepted_at__isnull=True,
        )
        .exclude(pk=enrollment.pk)
        .exists()
    )
    if not others:
        Invitation.objects.pending().filter(
            organization_id=enrollment.cohort.organization_id,
            email__iexact=enrollment.user.email,
            role="",
        ).update(revoked_at=now)


def _close(
    screening: Screening, *, status: str, reason: str, by: User | None, now: dt.datetime
) -> None:
    enrollment = screening.enrollment
    screening.offer_status = status
    screening.save(update_fields=["offer_status"])
    if enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN:
        enrollment_withdraw(
            enrollment=enrollment,
            on_date=zone_today(enrollment.cohort.timezone),
            reason=reason,
            by=by,
        )
        _revoke_link(enrollment, now=now)


def waitlist_offer_decline(
    *, screening: Screening, by: User, now: dt.datetime | None = None
) -> Screening:
    """Record that the person declined the offer: the invited enrollment is withdrawn with the
    reason and the link stops working; the place can go to the next person."""
    now = now or timezone.now()
    with transaction.atomic():
        screening = (
            Screening.objects.select_for_update(of=("self",))
            .select_related("enrollment__cohort", "enrollment__user")
            .get(pk=screening.pk)
        )
        if screening.offer_status != OfferStatus.OFFERED:
            raise ScreeningError("There is no offer waiting for their answer.")
        if screening.enrollment is not None and screening.enrollment.accepted_at is not None:
            raise ScreeningError("They already accepted the offer.")
        _close(screening, status=OfferStatus.DECLINED, reason=OFFER_DECLINED, by=by, now=now)
        _audit(screening, by=by, change="declined")
    return screening


def waitlist_offers_accepted(*, user: User, organization: Organization) -> int:
    """Offers to this person in the organization count as accepted (they accepted the
    invitation, signed in as themselves); returns how many."""
    return Screening.objects.filter(
        organization=organization,
        offer_status=OfferStatus.OFFERED,
        enrollment__user=user,
        enrollment__status__in=[EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE],
    ).update(offer_status=OfferStatus.ACCEPTED)


def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """The periodic step: offers past their expiry whose enrollment was not accepted become
    expired, and their invited enrollment is withdrawn ("Offer expired"); returns how many."""
    now = now or timezone.now()
    due = list(
        Screening.objects.filter(offer_status=OfferStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("pk", flat=True)
        .order_by("offer_expires_at", "pk")
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            # Re-read under a lock: the person may have accepted (or staff recorded an answer)
            # since the list was read.
            screening = (
                Screening.objects.select_for_update(of=("self",))
                .select_related("enrollment__cohort", "enrollment__user")
                .filter(pk=pk, offer_status=OfferStatus.OFFERED)
                .first()
            )
            if screening is None:
                continue
            if screening.enrollment is not None and screening.enrollment.accepted_at is not None:
                screening.offer_status = OfferStatus.ACCEPTED
                screening.save(update_fields=["offer_status"])
                continue
            _close(screening, status=OfferStatus.EXPIRED, reason=OFFER_EXPIRED, by=None, now=now)
            expired += 1
    return expired

"""Writes for screening: recording a screening (verdict, reasons, safety routing, waitlist),
consent given later, and enrolling a screened person directly."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization, User
from programs.models import Cohort, Enrollment, EnrollmentStatus, Program
from programs.services import EnrollmentError, enrollment_invite
from programs.services.common import CODE_ALPHABET
from sessions.trials.eligibility import (
    ScreeningAnswerError,
    ScreeningFormError,
    answers_clean,
    evaluate,
    safety_flagged,
    screening_form,
)
from sessions.trials.models import OfferStatus, Screening, Study
from sessions.trials.signals import screening_safety_flagged

SCREENING_CODE_LENGTH = 6
CODE_ATTEMPTS = 10


class ScreeningError(Exception):
    """A screening change that cannot be made; `field` names the input it is about, if one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _screening_code() -> str:
    return "SC-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(SCREENING_CODE_LENGTH))


def person_in_another_course(*, organization: Organization, email: str) -> bool:
    """Whether the address belongs to an account with a current course in this organization
    (invited or taking part). Only this organization's enrollments are looked at, so nothing
    is learned about anyone's courses elsewhere."""
    return Enrollment.objects.filter(
        user__email__iexact=email,
        cohort__organization=organization,
        status__in=[EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE],
    ).exists()


def _person_problems(full_name: str, email: str, phone: str) -> None:
    if not full_name:
        raise ScreeningError("Give their name.", field="full_name")
    if len(full_name) > 200:
        raise ScreeningError("Keep the name to 200 characters.", field="full_name")
    try:
        validate_email(email)
    except ValidationError:
        raise ScreeningError(
            "Give an e-mail address like name@example.org.", field="email"
        ) from None
    if len(phone) > 32:
        raise ScreeningError("Keep the phone number to 32 characters.", field="phone")


def _audit(screening: Screening, *, by: User, change: str, **details: Any) -> None:
    # Pseudonymous: the log names the screening code, never the person's name or answers.
    audit_record(
        request=None,
        actor=by,
        action=AuditAction.ENROLLMENT_CHANGED,
        obj=screening,
        organization=screening.organization,
        details={"screening": screening.screening_code, "change": change, **details},
    )


def screening_record(
    *,
    organization: Organization,
    program: Program,
    study: Study | None = None,
    by: User,
    full_name: str,
    email: str,
    phone: str = "",
    answers: dict[str, Any],
    consented: bool,
    now: dt.datetime | None = None,
) -> Screening:
    """Screen a person: check the answers, keep the verdict with its reasons, route a positive
    PHQ-9 item 9 to the safety path, and waitlist the eligible who consented."""
    now = now or timezone.now()
    full_name, email, phone = full_name.strip(), email.strip().lower(), phone.strip()
    _person_problems(full_name, email, phone)
    if study is not None and (
        study.organization_id != organization.pk or study.program_id != program.pk
    ):
        raise ScreeningError("That study is not one of this program's here.", field="study")
    try:
        form = screening_form(program)
    except ScreeningFormError as exc:
        raise ScreeningError(str(exc)) from exc
    clean = answers_clean(form, answers)  # ScreeningAnswerError: the form shows each problem
    eligible, reasons = evaluate(
        form,
        clean,
        in_another_course=person_in_another_course(organization=organization, email=email),
    )
    waiting = eligible and consented
    flagged = safety_flagged(form, clean)
    for _attempt in range(CODE_ATTEMPTS):
        code = _screening_code()
        try:
            with transaction.atomic():
                screening = Screening.objects.create(
                    organization=organization,
                    program=program,
                    study=study,
                    screening_code=code,
                    full_name=full_name,
                    email=email,
                    phone=phone,
                    form_version=form.version,
                    answers=clean,
                    eligible=eligible,
                    reasons=reasons,
                    safety_flagged=flagged,
                    screened_at=now,
                    screened_by=by,
                    consented=consented,
                    consented_at=now if consented else None,
                    waitlisted_at=now if waiting else None,
                    offer_status=OfferStatus.WAITING if waiting else "",
                )
                _audit(screening, by=by, change="screened", eligible=eligible)
                if flagged:
                    # Whatever the verdict: the outbox rows are written in this transaction.
                    screening_safety_flagged.send(sender=Screening, screening=screening)
                return screening
        except IntegrityError:
            if Screening.objects.filter(screening_code=code).exists():
                continue  # the code was taken a moment ago: draw again
            raise
    raise ScreeningError("We could not make a screening code just now. Please try again.")


def screening_consent_record(
    *, screening: Screening, by: User, now: dt.datetime | None = None
) -> Screening:
    """Record consent given after screening; an eligible person then joins the waitlist."""
    now = now or timezone.now()
    if screening.consented:
        raise ScreeningError("Their consent is already recorded.")
    if not screening.eligible:
        raise ScreeningError(
            "They are not eligible, so they cannot join the waitlist; consent is not needed."
        )
    with transaction.atomic():
        updated = Screening.objects.filter(pk=screening.pk, consented=False).update(
            consented=True,
            consented_at=now,
            waitlisted_at=now,
            offer_status=OfferStatus.WAITING,
        )
        if not updated:
            raise ScreeningError("Their consent is already recorded.")
        screening.refresh_from_db()
        _audit(screening, by=by, change="consented")
    return screening


def screening_safety_problem(screening: Screening) -> str | None:
    """Why no follow-up can be recorded for this screening's flag, if it cannot."""
    if not screening.safety_flagged:
        return "This screening has no safety flag to follow up."
    if screening.safety_followed_up_at is not None:
        return "The follow-up of this flag is already recorded."
    return None


def screening_safety_follow_up(
    *, screening: Screening, by: User, note: str, now: dt.datetime | None = None
) -> Screening:
    """Record what was done about a screening's safety flag; the flag is then closed."""
    note = note.strip()
    problem = screening_safety_problem(screening)
    if problem:
        raise ScreeningError(problem)
    if not note:
        raise ScreeningError(
            "Say what was done: for example who you told and what was agreed.", field="note"
        )
    with transaction.atomic():
        updated = Screening.objects.filter(
            pk=screening.pk, safety_flagged=True, safety_followed_up_at__isnull=True
        ).update(
            safety_followed_up_at=now or timezone.now(),
            safety_followed_up_by=by,
            safety_follow_up_note=note,
        )
        if not updated:
            raise ScreeningError("The follow-up of this flag is already recorded.")
        screening.refresh_from_db()
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.SAFETY_ACKNOWLEDGED,
            obj=screening,
            organization=screening.organization,
            details={"screening": screening.screening_code},
        )
    return screening


def check_can_place(screening: Screening, cohort: Cohort) -> None:
    """The checks an offer and a direct enrollment share; ScreeningError says what is wrong."""
    if not screening.eligible:
        raise ScreeningError("They are not eligible for this program, so no place can be given.")
    if not screening.consented:
        raise ScreeningError("Record their consent first; only people who consented join.")
    if screening.enrollment_id is not None:
        raise ScreeningError("They already have a place from this screening.")
    if cohort.organization_id != screening.organization_id or cohort.program_id != (
        screening.program_id
    ):
        raise ScreeningError(
            "Choose a cohort of this program in your organization.", field="cohort"
        )


def study_of_placement(screening: Screening, cohort: Cohort) -> Study | None:
    """The study a placement makes the screening part of: the one it was screened for, else the
    study the cohort belongs to (so the person counts as assessed in its CONSORT flow)."""
    if screening.study_id is not None:
        return screening.study
    return cohort.studies.order_by("-created_at", "-pk").first()


def screening_enroll(*, screening: Screening, cohort: Cohort, by: User) -> Enrollment:
    """Enrol an eligible, consenting person straight into a cohort (the usual invitation
    e-mail goes out), linking the screening to the enrollment."""
    with transaction.atomic():
        screening = Screening.objects.select_for_update().get(pk=screening.pk)
        check_can_place(screening, cohort)
        if screening.offer_status == OfferStatus.OFFERED:
            raise ScreeningError(
                "They have an offer waiting; record their answer or let it expire first."
            )
        try:
            enrollment = enrollment_invite(
                cohort=cohort,
                email=screening.email,
                full_name=screening.full_name,
                phone=screening.phone,
                invited_by=by,
            )
        except EnrollmentError as exc:
            raise ScreeningError(str(exc), field="cohort") from exc
        screening.enrollment = enrollment
        screening.offer_status = OfferStatus.ACCEPTED
        screening.study = study_of_placement(screening, cohort)
        screening.save(update_fields=["enrollment", "offer_status", "study"])
        _audit(screening, by=by, change="enrolled", cohort=cohort.pk)
    return enrollment


__all__ = [
    "ScreeningAnswerError",
    "ScreeningError",
    "check_can_place",
    "person_in_another_course",
    "screening_consent_record",
    "screening_enroll",
    "screening_record",
    "screening_safety_follow_up",
    "screening_safety_problem",
    "study_of_placement",
]

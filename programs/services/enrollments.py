"""Writes for enrollments: inviting, importing, changing, withdrawing and accepting."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone as django_timezone

from accounts.audit import audit_record, history_record_change
from accounts.models import AuditAction, Organization, User
from accounts.services import InvitationError, invitation_create
from programs.csv_import import (
    MAX_ROWS,
    ParticipantRow,
    Problem,
    participant_problems,
    timezone_canonical,
)
from programs.models import (
    Arm,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Program,
)
from programs.services.common import (
    CODE_ALPHABET,
    CODE_ATTEMPTS,
    CODE_LENGTH,
    EnrollmentError,
    EnrollmentImportError,
    first_on_weekday,
    zone_today,
)
from programs.signals import ScheduleRejected, enrollment_schedule_changed


def participant_code_prefix(program: Program) -> str:
    """Two letters from the program's slug ("MB" for mbsr-8-ms), so staff can tell codes apart."""
    letters = [c for c in program.slug.upper() if c.isalpha()]
    return "".join(letters[:2]) or "P"


def _random_characters(count: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(count))


def participant_code_generate(*, program: Program) -> str:
    """A new pseudonymous code such as "MB-7K3Q9"; it says nothing about the person."""
    return f"{participant_code_prefix(program)}-{_random_characters(CODE_LENGTH)}"


def enrollment_default_start(*, cohort: Cohort) -> dt.date:
    """A one-on-one participant's first session unless chosen: the cohort's next meeting day."""
    # Someone added after the cohort began starts on its next meeting day, not in the past.
    return first_on_weekday(
        max(cohort.start_date, zone_today(cohort.timezone)), cohort.meeting_weekday
    )


def _enrollment_defaults(
    cohort: Cohort, start_date: dt.date | None, session_time: dt.time | None
) -> tuple[dt.date | None, dt.time | None]:
    if not cohort.program.is_individual:
        return None, None
    return (
        start_date or enrollment_default_start(cohort=cohort),
        session_time or cohort.meeting_time,
    )


def _send_enrollment_schedule_changed(enrollment: Enrollment) -> None:
    # Sent for group programs too: the sessions app also sets questionnaire windows from it.
    try:
        enrollment_schedule_changed.send(sender=Enrollment, enrollment=enrollment)
    except ScheduleRejected as exc:
        raise EnrollmentError(str(exc)) from exc


def _user_for_address(*, email: str, full_name: str, phone: str, timezone: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                # No password until they accept the invitation and choose one.
                return User.objects.create_user(
                    email=email, password=None, full_name=full_name, timezone=timezone, phone=phone
                )
        except IntegrityError:
            # The same address was added by someone else a moment ago: it is the same person.
            return User.objects.get(email__iexact=email)
    # An existing account is the person's own and is never changed here: what the coordinator
    # typed stays on the enrollment (invited_name, invited_phone), and the account's own
    # details reach this organization only once the person accepts, signed in as themselves.
    return user


def _enrollment_create(
    *,
    cohort: Cohort,
    user: User,
    arm: str,
    start_date: dt.date | None,
    session_time: dt.time | None,
    invited_name: str = "",
    invited_phone: str = "",
) -> Enrollment:
    for _attempt in range(CODE_ATTEMPTS):
        code = participant_code_generate(program=cohort.program)
        if Enrollment.objects.filter(participant_code=code).exists():
            continue
        try:
            with transaction.atomic():
                return Enrollment.objects.create(
                    cohort=cohort,
                    user=user,
                    participant_code=code,
                    arm=arm,
                    status=EnrollmentStatus.INVITED,
                    start_date=start_date,
                    session_time=session_time,
                    invited_name=invited_name,
                    invited_phone=invited_phone,
                )
        except IntegrityError:
            if Enrollment.objects.filter(cohort=cohort, user=user).exists():
                raise EnrollmentError(
                    f"{user.email} is already enrolled in this cohort.", field="email"
                ) from None
            # Another enrollment took this code between the check and the insert: draw again.
    raise EnrollmentError("We could not make a participant code just now. Please try again.")


STUDY_ARM_MESSAGE = "The group is decided by randomization on the study page."
STUDY_ARM_MESSAGE_LOWER = "the group is decided by randomization on the study page."
HAND_SET_ARMS = (Arm.INTERVENTION.value, Arm.CONTROL.value)


def cohort_is_in_study(cohort: Cohort) -> bool:
    """Whether the cohort belongs to a randomized study (the trials app's reverse relation, read
    by name so programs need not import it): its participants' groups come from randomization."""
    studies = getattr(cohort, "studies", None)
    return studies is not None and studies.exists()


def _arm_for_new_enrollment(cohort: Cohort, arm: str) -> str:
    arm = (arm or "").strip().lower()
    if cohort_is_in_study(cohort):
        # Nobody in a study cohort gets a group by hand: they wait for "Randomize".
        if arm and arm != Arm.PENDING:
            raise EnrollmentError(STUDY_ARM_MESSAGE, field="arm")
        return Arm.PENDING.value
    if arm and arm not in HAND_SET_ARMS:
        raise EnrollmentError("Choose intervention or control.", field="arm")
    return arm or Arm.INTERVENTION.value


def enrollment_invite(
    *,
    cohort: Cohort,
    email: str,
    full_name: str,
    invited_by: User,
    phone: str = "",
    timezone: str = "",
    arm: str = "",
    start_date: dt.date | None = None,
    session_time: dt.time | None = None,
    send_invitation: bool = True,
) -> Enrollment:
    """Enrol someone in a cohort by e-mail: reuse or create their account, give them a code, invite them.

    `send_invitation=False`: the invitation is made but its e-mail is left to the caller (a
    waitlist offer sends its own, with the invitation link in it).
    """
    email = email.strip().lower()
    full_name = full_name.strip()
    phone = phone.strip()
    timezone = timezone.strip()
    for field, message in participant_problems(
        # "pending" is refused below in words that fit the cohort (study or not).
        full_name=full_name,
        email=email,
        phone=phone,
        timezone=timezone,
        arm="" if arm.strip().lower() == Arm.PENDING else arm,
    ):
        raise EnrollmentError(message[0].upper() + message[1:], field=field)
    arm = _arm_for_new_enrollment(cohort, arm)
    zone = timezone_canonical(timezone) if timezone else cohort.timezone
    start_date, session_time = _enrollment_defaults(cohort, start_date, session_time)
    if start_date is not None and start_date < zone_today(cohort.timezone):
        raise EnrollmentError(
            "The first session date has already passed. Choose today or a later date.",
            field="start_date",
        )
    with transaction.atomic():
        if Enrollment.objects.filter(cohort=cohort, user__email__iexact=email).exists():
            raise EnrollmentError(f"{email} is already enrolled in this cohort.", field="email")
        user = _user_for_address(
            email=email, full_name=full_name, phone=phone, timezone=zone or cohort.timezone
        )
        enrollment = _enrollment_create(
            cohort=cohort,
            user=user,
            arm=arm,
            start_date=start_date,
            session_time=session_time,
            invited_name=full_name,
            invited_phone=phone,
        )
        try:
            # Sent after commit by invitation_create, so a rolled-back import mails nobody.
            invitation_create(
                organization=cohort.organization,
                email=email,
                role="",
                invited_by=invited_by,
                full_name=full_name,
                send_email=send_invitation,
            )
        except InvitationError as exc:
            raise EnrollmentError(str(exc), field="email") from exc
        _send_enrollment_schedule_changed(enrollment)
        _enrollment_audit(
            enrollment, by=invited_by, change="invited", fields={"arm": arm, "status": "invited"}
        )
    return enrollment


def _enrollment_audit(
    enrollment: Enrollment, *, by: User | None, change: str, fields: dict[str, Any]
) -> None:
    """One audit event per change to an enrollment, inside the change's transaction."""
    audit_record(
        request=None,
        actor=by,
        action=AuditAction.ENROLLMENT_CHANGED,
        obj=enrollment,
        organization=enrollment.cohort.organization,
        details={"change": change, "cohort": enrollment.cohort_id, "fields": fields},
    )


def enrollment_import(
    *, cohort: Cohort, rows: Sequence[ParticipantRow], invited_by: User
) -> list[Enrollment]:
    """Enrol every participant of a checked list, all or none; invitations go out after commit."""
    problems: list[Problem] = []
    if not rows:
        problems.append(Problem(None, "There are no participants in the list."))
    if len(rows) > MAX_ROWS:
        problems.append(Problem(None, f"At most {MAX_ROWS} participants can be added at once."))
    if problems:
        raise EnrollmentImportError(problems)

    if cohort_is_in_study(cohort):
        problems.extend(
            Problem(row.line, f"an arm is given, but {STUDY_ARM_MESSAGE_LOWER}")
            for row in rows
            if row.arm
        )
        if problems:
            raise EnrollmentImportError(problems)
    enrolled = {email.lower() for email in cohort.enrollments.values_list("user__email", flat=True)}
    seen: dict[str, int] = {}
    for row in rows:
        email = row.email.strip().lower()
        problems.extend(
            Problem(row.line, message)
            for _field, message in participant_problems(
                full_name=row.full_name.strip(),
                email=email,
                phone=row.phone,
                timezone=row.timezone,
                arm=row.arm,
            )
        )
        if email in seen:
            problems.append(
                Problem(row.line, f"{email} is already on line {seen[email]} of this list.")
            )
        elif email in enrolled:
            problems.append(Problem(row.line, f"{email} is already enrolled in this cohort."))
        seen.setdefault(email, row.line)
    if problems:
        raise EnrollmentImportError(problems)

    enrollments = []
    with transaction.atomic():
        for row in rows:
            try:
                enrollments.append(
                    enrollment_invite(
                        cohort=cohort,
                        email=row.email,
                        full_name=row.full_name,
                        invited_by=invited_by,
                        phone=row.phone,
                        timezone=row.timezone,
                        arm=row.arm,
                    )
                )
            except EnrollmentError as exc:
                # Raising out of the block undoes the rows already made: all or none.
                raise EnrollmentImportError([Problem(row.line, str(exc))]) from exc
    return enrollments


UPDATABLE_STATUSES = (EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


def enrollment_update(
    *,
    enrollment: Enrollment,
    status: str,
    arm: str = "",
    start_date: dt.date | None = None,
    session_time: dt.time | None = None,
    by: User | None = None,
) -> Enrollment:
    """Change a participant's arm or status (also taking a withdrawn one back), or their own start."""
    arm = arm or enrollment.arm
    if cohort_is_in_study(enrollment.cohort):
        if arm != enrollment.arm:
            raise EnrollmentError(STUDY_ARM_MESSAGE, field="arm")
    elif arm not in HAND_SET_ARMS:
        raise EnrollmentError("Choose intervention or control.", field="arm")
    if status not in UPDATABLE_STATUSES:
        raise EnrollmentError(
            "To withdraw someone, use “Withdraw from the course”, which records the date and reason.",
            field="status",
        )
    cohort = enrollment.cohort
    fields: dict[str, Any] = {"arm": arm, "status": status}
    if cohort.program.is_individual:
        start_date = start_date or enrollment.start_date
        session_time = session_time or enrollment.session_time
        if (
            start_date != enrollment.start_date
            and start_date
            and start_date < zone_today(cohort.timezone)
        ):
            raise EnrollmentError(
                "The new first session date has already passed. Choose today or a later date.",
                field="start_date",
            )
        fields.update(start_date=start_date, session_time=session_time)
    changed = [name for name, value in fields.items() if getattr(enrollment, name) != value]
    if not changed:
        return enrollment
    what = {name: [getattr(enrollment, name), fields[name]] for name in changed}
    for name in changed:
        setattr(enrollment, name, fields[name])
    if "status" in changed:
        if enrollment.withdrawn_at is not None:
            # Taken back after a withdrawal: the record of it no longer applies.
            enrollment.withdrawn_at = None
            enrollment.withdrawal_reason = ""
            changed += ["withdrawn_at", "withdrawal_reason"]
        if status == EnrollmentStatus.ACTIVE and enrollment.activated_at is None:
            enrollment.activated_at = django_timezone.now()
            changed.append("activated_at")
    with transaction.atomic():
        enrollment.save(update_fields=changed)
        _send_enrollment_schedule_changed(enrollment)
        _enrollment_audit(enrollment, by=by, change="updated", fields=what)
    return enrollment


def enrollment_withdraw(
    *, enrollment: Enrollment, on_date: dt.date, reason: str, by: User | None = None
) -> Enrollment:
    """Record that a participant left the course on a date, and why; they get nothing new after it."""
    reason = reason.strip()
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise EnrollmentError("This participant has already withdrawn.")
    if on_date > zone_today(enrollment.cohort.timezone):
        raise EnrollmentError(
            "The date of withdrawal cannot be in the future. Record it on the day they leave.",
            field="on_date",
        )
    invited_on = django_timezone.localtime(enrollment.invited_at, enrollment.cohort.zoneinfo).date()
    if on_date < invited_on:
        raise EnrollmentError(
            f"The date of withdrawal is before they were invited ({invited_on.day} {invited_on:%B %Y}).",
            field="on_date",
        )
    if not reason:
        raise EnrollmentError("Give the reason, or write “No reason given”.", field="reason")
    if len(reason) > 300:
        raise EnrollmentError("Keep the reason to 300 characters.", field="reason")
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = on_date
    enrollment.withdrawal_reason = reason
    with transaction.atomic():
        enrollment.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
        _send_enrollment_schedule_changed(enrollment)
        # The reason stays in the enrollment (and its history); the log says only that it changed.
        _enrollment_audit(enrollment, by=by, change="withdrawn", fields={"withdrawn_at": on_date})
    return enrollment


def enrollment_accept_invited(*, user: User, organization: Organization) -> int:
    """The person accepted an invitation of the organization signed in as themselves: their
    current enrollments there count as accepted, and invited ones start; returns how many started.

    Only this sets `accepted_at`: from then on the organization's staff see the account's own
    name and phone, its sign-ins in their audit log, and its erasure requests.
    """
    pending = Enrollment.objects.filter(
        user=user,
        cohort__organization=organization,
        accepted_at__isnull=True,
        status__in=[EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE],
    )
    now = django_timezone.now()
    with transaction.atomic():
        rows = dict(pending.select_for_update().values_list("pk", "status"))
        started = [pk for pk, status in rows.items() if status == EnrollmentStatus.INVITED]
        Enrollment.objects.filter(pk__in=list(rows)).update(accepted_at=now)
        Enrollment.objects.filter(pk__in=started).update(
            status=EnrollmentStatus.ACTIVE, activated_at=now
        )
        # A bulk UPDATE sends no signal: history and audit rows are added here, one each.
        for enrollment in Enrollment.objects.filter(pk__in=list(rows)).select_related(
            "cohort__organization"
        ):
            history_record_change(instance=enrollment, by=user)
            if enrollment.pk in started:
                _enrollment_audit(
                    enrollment, by=user, change="activated", fields={"status": "active"}
                )
            else:
                # Already switched to active by a coordinator; only the acceptance is new.
                _enrollment_audit(enrollment, by=user, change="accepted", fields={})
    return len(started)

"""Who uses Stillwater: people, the organizations that run programs, and staff roles."""

from __future__ import annotations

import hashlib
import zoneinfo
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from simple_history.models import HistoricalRecords

from .contacts import ContactLine, contact_line_parse, contact_lines_parse

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """IANA zone names, as the browser and every calendar program know them."""
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


# Two working weeks: a flag left longer than that without anyone told is no escalation at all.
ESCALATE_AFTER_MAX_HOURS = 80


def _default_timezone() -> str:
    return settings.DEFAULT_USER_TIMEZONE


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored lower-case; people type them any way they like.
        return self.get(email__iexact=username)


class QuestionnaireLayout(models.TextChoices):
    ONE_QUESTION = "one_question", "One question on each page"
    WHOLE = "whole", "A whole questionnaire on one page"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Participants have no Membership; staff have one per organization."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    preferred_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="What we call you in messages and on screen, if not your full name.",
    )
    timezone = models.CharField(
        max_length=64,
        default=_default_timezone,
        validators=[validate_timezone],
        help_text="Every time you see is shown in this time zone.",
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    phone = models.CharField(max_length=32, blank=True)
    # How the person likes to read, like the time zone: it is not about reminders, so it lives
    # with the person (chosen on the reminder settings page today).
    questionnaire_layout = models.CharField(
        "How to show questionnaires",
        max_length=20,
        choices=QuestionnaireLayout.choices,
        default=QuestionnaireLayout.ONE_QUESTION,
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May use the Django admin site (site operators only)."
    )
    date_joined = models.DateTimeField(default=django_timezone.now)

    memberships: RelatedManager[Membership]

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Organization(models.Model):
    """A clinic, charity or study team that runs programs; coordinators see only their own."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    support_email = models.EmailField(blank=True)
    support_phone = models.CharField(max_length=40, blank=True)
    crisis_contacts = models.TextField(
        blank=True,
        help_text="Shown to participants on the help page and whenever an answer suggests "
        "they may be at risk. One contact per line, e.g. “Samaritans: 116 123 (24 hours)”.",
    )
    sender_name = models.CharField(max_length=100, blank=True)  # the From: name of its e-mails
    default_timezone = models.CharField(  # given to the new accounts its invitations make
        max_length=64, default=_default_timezone, validators=[validate_timezone]
    )
    # An open safety flag goes to every coordinator by e-mail once it has waited this long,
    # counted Monday to Friday, 09:00-17:00 in default_timezone (sessions.working_hours).
    escalate_after_working_hours = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(ESCALATE_AFTER_MAX_HOURS)],
        help_text="Working hours (Monday to Friday, 09:00 to 17:00) an open safety flag waits "
        "before every coordinator is e-mailed; 8 is one working day.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def crisis_contact_links(self) -> list[ContactLine]:
        """The crisis contacts as shown to people: each phone number a link that calls it."""
        return contact_lines_parse(self.crisis_contacts)

    @property
    def support_phone_link(self) -> ContactLine | None:
        phone = self.support_phone.strip()
        return contact_line_parse(phone) if phone else None


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    FACILITATOR = "facilitator", "Facilitator"


class Membership(models.Model):
    """A member of staff in one organization; the role decides which pages they reach."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    # Every role given, changed or removed, by whom (django-simple-history; see settings).
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="one_membership_per_user_organization"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["coordinator", "facilitator"]),
                name="membership_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organization}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=django_timezone.now()
        )


def hash_token(token: str) -> str:
    # Only a digest is stored, so a leaked database does not hand out live invitations.
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use, expiring invitation to join an organization as staff or participant."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=200, blank=True)
    # Empty for a participant: participants belong to cohorts, not to the staff list.
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email")]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization}"

    @property
    def role_label(self) -> str:
        return self.get_role_display() if self.role else "Participant"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or django_timezone.now()) >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired()


# --- participant rights -----------------------------------------------------------------------


class ConsentRecord(models.Model):
    """A participant accepted one version of the consent, with what they chose where it offers a choice.

    Rows are only ever added: a changed choice or a new version is a new row, so what someone
    agreed to, and when, stays readable. The newest row for a person is the one that counts.
    The text itself is a versioned template (accounts.consent); its digest is kept here so the
    exact words a person saw can be proven later.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consent_records")
    version = models.CharField(max_length=20)
    text_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the consent text as shipped, in hex."
    )
    accepted_at = models.DateTimeField(default=django_timezone.now)
    keep_research_data = models.BooleanField(
        help_text="If they ask for erasure, their answers, attendance and practice minutes may "
        "be kept under their participant code, without their name."
    )

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        indexes = [models.Index(fields=["user", "version"], name="consent_record_user_version")]

    def __str__(self) -> str:
        return f"Consent v{self.version} by {self.user_id} at {self.accepted_at:%Y-%m-%d %H:%M}"


class ErasureStatus(models.TextChoices):
    OPEN = "open", "Waiting for a coordinator"
    COMPLETED = "completed", "Completed"


class ErasureRequest(models.Model):
    """A participant asked for their identifying data to be removed; a coordinator completes it.

    The row outlives the erasure (the user row stays as a pseudonymous shell), so the
    organization can show when a request was made and completed, and by whom.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_at = models.DateTimeField(default=django_timezone.now)
    # Cleared when the request is completed: free text may name the person.
    reason = models.TextField(blank=True, max_length=1000)
    status = models.CharField(
        max_length=20, choices=ErasureStatus.choices, default=ErasureStatus.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, like ExportRecord.actor: it must still say who after that account goes.
    completed_by_email = models.CharField(max_length=254, blank=True)
    kept_research_data = models.BooleanField(
        null=True, blank=True, help_text="Whether pseudonymous research rows were kept."
    )
    # Participant codes and what was removed or kept, for the organization's records.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open"),
                name="one_open_erasure_request_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(completed_at__isnull=False),
                name="erasure_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Erasure request of {self.user_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ErasureStatus.OPEN


# --- audit log ----------------------------------------------------------------------------------


class AuditAction(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"
    REAUTHENTICATED = "reauthenticated", "Confirmed identity again"
    MFA_ADDED = "mfa_added", "Two-factor method added"
    MFA_REMOVED = "mfa_removed", "Two-factor method removed"
    MFA_RESET = "mfa_reset", "Recovery codes replaced"
    MFA_FAILED = "mfa_failed", "Two-factor code refused"
    VIEW_ANSWERS = "view_answers", "Viewed answers"
    VIEW_SCORES = "view_scores", "Viewed scores"
    VIEW_NOTES = "view_notes", "Viewed staff notes"
    EXPORT = "export", "Exported data"
    INVITATION_SENT = "invitation_sent", "Invited staff"
    INVITATION_REVOKED = "invitation_revoked", "Withdrew an invitation"
    ROLE_CHANGED = "role_changed", "Role changed"
    ENROLLMENT_CHANGED = "enrollment_changed", "Enrollment changed"
    SAFETY_ACKNOWLEDGED = "safety_acknowledged", "Acknowledged a safety flag"
    CONSENT_ACCEPTED = "consent_accepted", "Accepted the consent"
    DATA_DOWNLOADED = "data_downloaded", "Downloaded own data"
    WITHDRAWAL = "withdrawal", "Withdrew from the study"
    ERASURE_REQUESTED = "erasure_requested", "Asked for erasure"
    ERASURE_COMPLETED = "erasure_completed", "Erasure completed"
    ORGANIZATION_CHANGED = "organization_changed", "Changed organization settings"
    API_CALL = "api_call", "Called the API"
    API_TOKEN_CREATED = "api_token_created", "Made an API token"
    API_TOKEN_REVOKED = "api_token_revoked", "Revoked an API token"
    ANSWERS_IMPORTED = "answers_imported", "Imported answers"


# Events keep the object type they were written with (the log is never rewritten), so a model
# that moved to another app is listed under its old label as well as its new one.
AUDIT_OBJECT_NAMES = {
    "accounts.exportrecord": "Export",
    "api.apitoken": "API token",
    "reports.exportrecord": "Export",
    "accounts.invitation": "Invitation",
    "accounts.membership": "Staff role",
    "mfa.authenticator": "Two-factor method",
    "programs.cohort": "Cohort",
    "programs.enrollment": "Enrollment",
    "program_sessions.safetyevent": "Safety flag",
    "questionnaires.safetyevent": "Safety flag",
    "questionnaires.assessment": "Questionnaire window",
    "program_sessions.scheduledsession": "Session",
}


class AuditLogImmutable(Exception):
    """Something tried to change or remove an audit event; the log only ever grows."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    # Bulk paths bypass save() and delete(), so they are closed here too. Not even the
    # Django admin's "delete selected" can reach a row.
    def update(self, **kwargs: Any) -> int:
        raise AuditLogImmutable("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutable("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what, when and from where: sign-ins, views of health data, exports, changes.

    Append-only: the application refuses to change or delete a row (save, delete, and the
    QuerySet's update and delete raise), the admin only lists, and on PostgreSQL a trigger
    rejects UPDATE, DELETE and TRUNCATE from any client. Written by accounts.audit.audit_record.
    """

    at = models.DateTimeField(default=django_timezone.now, help_text="When, in UTC.")
    # No database constraint and nothing done on delete: removing an account or an
    # organization must never touch (UPDATE) this table, and the row keeps the old id.
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for someone not signed in (e.g. a failed sign-in) or the command line.",
    )
    # The address at the time (or the one typed at a failed sign-in, or "command line"), so
    # the record still says who after the account changes or is gone.
    actor_email = models.CharField("e-mail address", max_length=254, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for events about a person rather than one organization (sign-ins).",
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    # The pseudonymous codes of the participants whose data the event concerns, space
    # separated, so a coordinator can ask "who looked at MB-7K3Q9?".
    participant_codes = models.TextField(blank=True)
    # What was shown or done (filters, counts, checksum, fields changed); never answers.
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "at"], name="audit_event_org_at"),
            models.Index(fields=["actor", "at"], name="audit_event_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_email or 'someone'} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutable("Audit events cannot be changed.")
        # An INSERT always, even with a primary key set by hand: never an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutable("Audit events cannot be deleted.")

    @property
    def object_label(self) -> str:
        """“Cohort 12”: what the event is about, in words, for the audit page."""
        if not self.object_type:
            return ""
        name = AUDIT_OBJECT_NAMES.get(self.object_type, self.object_type)
        return f"{name} {self.object_id}".strip()

    @property
    def details_text(self) -> str:
        """The details as one line of “name: value” pairs, for the audit page and the admin."""
        parts = []
        for key, value in self.details.items():
            if value is None or value == "" or value == [] or value == {}:
                continue
            if isinstance(value, list):
                shown = ", ".join(str(v) for v in value)
            elif isinstance(value, dict):
                # {"arm": ["intervention", "control"]}: a field changed from one value to another.
                shown = ", ".join(
                    f"{k} {' → '.join(str(x) for x in v) if isinstance(v, list) else v}"
                    for k, v in value.items()
                )
            elif isinstance(value, bool):
                shown = "yes" if value else "no"
            else:
                shown = str(value)
            parts.append(f"{key.replace('_', ' ')}: {shown}")
        return "; ".join(parts)

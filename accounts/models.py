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
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def crisis_contact_lines(self) -> list[str]:
        return [line.strip() for line in self.crisis_contacts.splitlines() if line.strip()]


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


class ExportRecord(models.Model):
    """One data export, page download or command run: who, what, with which filters, and the result.

    Written before the first byte leaves, so even an interrupted download of identifiable data
    is on record; the row count and checksum are added once the last byte has been produced
    (they stay empty for a download that was cut off).
    """

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="exports"
    )
    # Kept as text too: the record must still say who exported after the account is deleted,
    # and a command run without --user is "command line".
    actor = models.CharField(max_length=254)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
        help_text="Empty for a command-line export across every organization.",
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    filters = models.JSONField(default=dict, blank=True)
    identifiable = models.BooleanField(default=False)
    source = models.CharField(max_length=10, default="page", help_text="page or command")
    row_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Data rows over every file of the export (header and codebook rows not counted).",
    )
    checksum = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the bytes produced, in hex."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="export_record_org_created")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.format} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

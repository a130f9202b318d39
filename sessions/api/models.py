"""Organization API tokens: a secret shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone as django_timezone

from accounts.models import Organization, User


class ApiScope(models.TextChoices):
    # Reading is what every token does; the others add to it.
    READ = "read", "Read pseudonymous data"
    ENROLL = "enroll", "Enroll participants"
    IDENTIFIABLE = "identifiable", "Read names and e-mail addresses"


class ApiToken(models.Model):
    """A token a program's tooling uses to call the API for one organization.

    The secret is `sw_<prefix>_<secret>`; only the prefix (to find the row and to show which
    token it is) and the SHA-256 of the whole token are stored. The secret has 256 bits of
    randomness, so a fast hash is enough: there is nothing to guess by brute force.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, in a few words.")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the token, in hex.")
    scopes = models.JSONField(default=list, help_text="read, and optionally enroll, identifiable.")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def has_scope(self, scope: str) -> bool:
        return scope == ApiScope.READ or scope in self.scopes

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or django_timezone.now())

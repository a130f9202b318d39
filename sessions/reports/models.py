"""Records of every export: who took which data out, with which filters, and what it held."""

from __future__ import annotations

from django.db import models
from django.utils import timezone as django_timezone

from accounts.models import Organization, User

# Formats named after standards keep their own spelling.
EXCHANGE_KIND_NAMES = {"fhir": "FHIR", "redcap": "REDCap"}


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
        # The table keeps the name it had when exports were recorded by the accounts app.
        db_table = "accounts_exportrecord"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="export_record_org_created")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.format} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        """“Responses”, “FHIR”, “REDCap”: the kind as the export list names it."""
        return EXCHANGE_KIND_NAMES.get(self.kind, self.kind[:1].upper() + self.kind[1:])

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

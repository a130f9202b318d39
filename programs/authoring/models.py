"""An organization's own programs, kept as a line of versions.

Each version is a whole `programs.Program` row (with its sessions and measurement plan), so
everything that already reads a cohort's program (pages, reminders, windows, exports) reads the
version the cohort started with, and publishing a new one cannot change it. A line has at most
one draft; publishing freezes the draft as the next version number and retires the version
before it from new cohorts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Organization
from programs.models import Program

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class ProgramLine(models.Model):
    """“Our MBSR for MS”: an organization's own program, copied from a shipped one."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="program_lines"
    )
    name = models.CharField(max_length=120)
    source = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="copies",
        help_text="The shipped program this one was copied from.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    versions: RelatedManager[ProgramVersion]
    changes: RelatedManager[ProgramChange]

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="program_line_name_unique_in_organization"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(models.Model):
    """One version of a line: the draft (number None) or a published, frozen one."""

    line = models.ForeignKey(ProgramLine, on_delete=models.CASCADE, related_name="versions")
    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="version")
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line", "number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="one_version_per_number"),
            models.UniqueConstraint(
                fields=["line"], condition=Q(number__isnull=True), name="one_draft_per_line"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True, published_at__isnull=True)
                | Q(number__isnull=False, published_at__isnull=False),
                name="version_number_when_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.name}, {self.label}"

    @property
    def is_draft(self) -> bool:
        return self.number is None

    @property
    def label(self) -> str:
        return "draft" if self.number is None else f"version {self.number}"


class ProgramChange(models.Model):
    """One saved change to a line, for its history: who, when, what (“Week 3: material”)."""

    class Action(models.TextChoices):
        COPIED = "copied", "Copied from a shipped program"
        DRAFT_STARTED = "draft_started", "Started a draft"
        EDITED = "edited", "Edited"
        RECORDING_ADDED = "recording_added", "Added a recording"
        RECORDING_CHANGED = "recording_changed", "Changed a recording"
        RECORDING_REMOVED = "recording_removed", "Removed a recording"
        PUBLISHED = "published", "Published"
        DRAFT_DISCARDED = "draft_discarded", "Discarded the draft"

    line = models.ForeignKey(ProgramLine, on_delete=models.CASCADE, related_name="changes")
    version = models.ForeignKey(
        ProgramVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    # What was changed, in the editor's words: "Week 3: material", "Measurement plan: post".
    subject = models.CharField(max_length=200, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["line", "-at"], name="program_change_line_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"


def recording_upload_to(instance: Recording, filename: str) -> str:
    # The stored name says nothing about the person or the program; the extension is the
    # checked one (programs.authoring.audio), not whatever the upload was called.
    return f"recordings/{instance.storage_key}"


class Recording(models.Model):
    """A guided recording of one of a program version's practices (a body scan, say)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="recordings")
    practice_code = models.CharField(max_length=60)
    title = models.CharField(max_length=160)
    file = models.FileField(upload_to=recording_upload_to, max_length=255)
    # Set by the upload check before saving: a random name plus the extension of the format
    # mutagen found. Copies of a recording in later versions share the file.
    storage_key = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=40)
    duration_seconds = models.FloatField()
    size_bytes = models.PositiveBigIntegerField()
    # Required before the version is published: people with hearing loss read it, and everyone
    # can search and skim it.
    transcript = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "practice_code", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_minutes(self) -> int:
        return max(1, round(self.duration_seconds / 60))

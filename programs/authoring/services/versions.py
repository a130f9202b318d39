"""Copying a shipped program, drafts, publishing and the history of an organization's program.

A version is a whole Program row: publishing freezes the draft, the cohorts already running
keep the version they started with (their pages, reminders and exports read that row), and
the next edit starts a new draft copied from the newest version.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Organization, User
from programs.models import MeasurementPoint, Program, ProgramSession, ProgramStatus

from ..models import ProgramChange, ProgramLine, ProgramVersion, Recording

PROGRAM_COPY_FIELDS = (
    "summary",
    "delivery",
    "cadence_days",
    "completion_threshold",
    "default_session_minutes",
    "log_kind",
    "practices",
    "strategies",
    "reminder_wording",
)
SESSION_COPY_FIELDS = (
    "number",
    "title",
    "aims",
    "material",
    "practices",
    "home_practice",
    "reflection_prompt",
    "fidelity_items",
    "default_modality",
    "default_minutes",
    "adaptations",
    "optional",
    "schedule_after",
)
POINT_COPY_FIELDS = (
    "kind",
    "code",
    "label",
    "instruments",
    "optional_instruments",
    "anchor",
    "opens_days",
    "closes_days",
)
RECORDING_COPY_FIELDS = (
    "practice_code",
    "title",
    "file",
    "storage_key",
    "content_type",
    "duration_seconds",
    "size_bytes",
    "transcript",
    "uploaded_by",
)


class ProgramEditError(Exception):
    """A program cannot be copied, edited or published as asked; the message is for the
    coordinator. `problems` lists every reason at once (publishing checks everything)."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def _slug(source: Program, organization: Organization, line: ProgramLine, tail: str) -> str:
    # Starts with the shipped slug: participant codes take their two letters from it ("MB-...").
    return f"{source.slug}-{organization.pk}-{line.pk}-{tail}"[:60]


def _program_copy(program: Program, *, organization: Organization, name: str, slug: str) -> Program:
    """A draft copy of a program with its sessions, measurement plan and recordings (the
    recordings' files are shared, not copied: files are never changed once stored)."""
    copy = Program.objects.create(
        organization=organization,
        status=ProgramStatus.DRAFT,
        is_active=False,
        name=name,
        slug=slug,
        **{field: getattr(program, field) for field in PROGRAM_COPY_FIELDS},
    )
    ProgramSession.objects.bulk_create(
        ProgramSession(program=copy, **{f: getattr(s, f) for f in SESSION_COPY_FIELDS})
        for s in program.sessions.order_by("number")
    )
    MeasurementPoint.objects.bulk_create(
        MeasurementPoint(program=copy, **{f: getattr(p, f) for f in POINT_COPY_FIELDS})
        for p in program.measurement_points.order_by("pk")
    )
    Recording.objects.bulk_create(
        Recording(program=copy, **{f: getattr(r, f) for f in RECORDING_COPY_FIELDS})
        for r in Recording.objects.filter(program=program).order_by("pk")
    )
    return copy


def change_record(
    *,
    user: User | None,
    line: ProgramLine,
    version: ProgramVersion | None,
    action: str,
    subject: str = "",
    before: str = "",
    after: str = "",
) -> ProgramChange:
    """One line of the program's history (call inside the change's transaction)."""
    return ProgramChange.objects.create(
        line=line,
        version=version,
        user=user,
        action=action,
        subject=subject[:200],
        before=before,
        after=after,
    )


@transaction.atomic
def line_copy_from_shipped(
    *, user: User, organization: Organization, source: Program, name: str
) -> ProgramLine:
    """The organization's own copy of a shipped program, as a draft to edit and publish."""
    if not source.is_shipped:
        raise ProgramEditError("Only a program shipped with Stillwater can be copied.")
    name = name.strip()
    if not name:
        raise ProgramEditError("Give your program a name.")
    if ProgramLine.objects.filter(organization=organization, name=name).exists():
        raise ProgramEditError(
            f"Your organization already has a program called “{name}”. Choose another name."
        )
    line = ProgramLine.objects.create(
        organization=organization, name=name, source=source, created_by=user
    )
    program = _program_copy(
        source,
        organization=organization,
        name=name,
        slug=_slug(source, organization, line, "draft"),
    )
    draft = ProgramVersion.objects.create(line=line, program=program, created_by=user)
    change_record(
        user=user, line=line, version=draft, action=ProgramChange.Action.COPIED, subject=source.name
    )
    return line


def draft_get(*, line: ProgramLine) -> ProgramVersion | None:
    return line.versions.filter(number__isnull=True).select_related("program").first()


def version_latest(*, line: ProgramLine) -> ProgramVersion | None:
    return (
        line.versions.filter(number__isnull=False)
        .select_related("program")
        .order_by("-number")
        .first()
    )


@transaction.atomic
def draft_get_or_start(*, user: User, line: ProgramLine) -> ProgramVersion:
    """The line's draft: the one being edited, or a new copy of the newest version."""
    line = ProgramLine.objects.select_for_update().get(pk=line.pk)
    draft = draft_get(line=line)
    if draft is not None:
        return draft
    latest = version_latest(line=line)
    # A line starts with a draft; only a discarded first draft leaves no version to copy.
    base = line.source if latest is None else latest.program
    program = _program_copy(
        base,
        organization=line.organization,
        name=base.name,
        slug=_slug(line.source, line.organization, line, f"draft-{secrets.token_hex(3)}"),
    )
    draft = ProgramVersion.objects.create(
        line=line, program=program, based_on=latest, created_by=user
    )
    change_record(
        user=user,
        line=line,
        version=draft,
        action=ProgramChange.Action.DRAFT_STARTED,
        subject=f"From {latest.label}" if latest else f"From {line.source.name}",
    )
    return draft


def publish_problems(*, program: Program) -> list[str]:
    """Everything that stops this draft being published, in the coordinator's words."""
    from ..publishing import publish_problems as checks

    return checks(program=program)


@transaction.atomic
def draft_publish(*, user: User, line: ProgramLine) -> ProgramVersion:
    """Publish the draft as the next version: new cohorts get it, running ones keep theirs."""
    line = ProgramLine.objects.select_for_update().get(pk=line.pk)
    draft = draft_get(line=line)
    if draft is None:
        raise ProgramEditError("There is no draft to publish: edit the program first.")
    problems = publish_problems(program=draft.program)
    if problems:
        raise ProgramEditError("The draft cannot be published yet.", problems=problems)
    number = (line.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    now = timezone.now()
    Program.objects.filter(
        version__line=line, status=ProgramStatus.PUBLISHED, is_active=True
    ).update(is_active=False)
    program = draft.program
    program.status = ProgramStatus.PUBLISHED
    program.is_active = True
    program.slug = _slug(line.source, line.organization, line, f"v{number}")
    program.save(update_fields=["status", "is_active", "slug"])
    draft.number = number
    draft.published_at = now
    draft.published_by = user
    draft.save(update_fields=["number", "published_at", "published_by"])
    change_record(
        user=user,
        line=line,
        version=draft,
        action=ProgramChange.Action.PUBLISHED,
        subject=f"Version {number}",
    )
    return draft


@transaction.atomic
def draft_discard(*, user: User, line: ProgramLine) -> None:
    """Throw the draft's edits away (published versions stay as they are)."""
    line = ProgramLine.objects.select_for_update().get(pk=line.pk)
    draft = draft_get(line=line)
    if draft is None:
        return
    program = draft.program
    change_record(
        user=user,
        line=line,
        version=None,
        action=ProgramChange.Action.DRAFT_DISCARDED,
        subject=draft.label,
    )
    draft.delete()
    program.delete()

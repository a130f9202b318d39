"""Who may see an organization's own programs: its coordinators, in the organization they are
working in (lists) or any they coordinate (a link); 404 for everyone else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Membership, User
from accounts.selectors import organization_id_working
from programs.access import (
    cohort_list_for_staff,
    enrollment_list_joined_for_participant,
    organization_ids_coordinated,
)
from programs.models import Arm, Cohort, EnrollmentStatus, Program, ProgramStatus

from .models import ProgramChange, ProgramLine, ProgramVersion, Recording
from .services.versions import draft_get, version_latest


def line_list_for_coordinator(*, user: User) -> QuerySet[ProgramLine]:
    """The working organization's own programs, for one of its coordinators."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:
        return ProgramLine.objects.none()
    return ProgramLine.objects.filter(
        organization_id=organization_id,
        organization_id__in=organization_ids_coordinated(user),
    ).select_related("source", "organization")


def line_get_for_coordinator(*, user: User, pk: int) -> ProgramLine:
    """An own program of an organization the user coordinates, or 404."""
    try:
        return ProgramLine.objects.select_related("source", "organization").get(
            pk=pk, organization_id__in=organization_ids_coordinated(user)
        )
    except ProgramLine.DoesNotExist:
        raise Http404("No such program.") from None


def recording_get_for_listener(*, user: User, pk: int) -> Recording:
    """A recording the user may listen to, or 404: participants in a course running its program
    version (joined, active, given sessions: not the control arm, not yet allocated or
    withdrawn), staff of cohorts running it, and coordinators of the program's organization
    (a recording of a program shipped with Stillwater: staff of any organization)."""
    if not user.is_authenticated:
        raise Http404
    enrolled = (
        enrollment_list_joined_for_participant(user=user)
        .filter(status=EnrollmentStatus.ACTIVE, arm=Arm.INTERVENTION)
        .values("cohort__program_id")
    )
    staffed = cohort_list_for_staff(user=user).values("program_id")
    owners = Q(program__organization_id__in=organization_ids_coordinated(user))
    if Membership.objects.filter(user=user).exists():
        owners |= Q(program__organization__isnull=True)
    try:
        return Recording.objects.select_related("program").get(
            Q(program_id__in=enrolled) | Q(program_id__in=staffed) | owners, pk=pk
        )
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None


def program_list_shipped() -> QuerySet[Program]:
    """The programs shipped with Stillwater, which any organization may copy."""
    return Program.objects.filter(organization__isnull=True, status=ProgramStatus.SHIPPED).order_by(
        "name", "pk"
    )


def program_get_shipped(*, slug: str) -> Program:
    """A shipped program with its weeks and measurement plan, or 404."""
    try:
        return (
            program_list_shipped().prefetch_related("sessions", "measurement_points").get(slug=slug)
        )
    except Program.DoesNotExist:
        raise Http404("No such program.") from None


@dataclass
class VersionRow:
    version: ProgramVersion
    cohorts: list[Cohort] = field(default_factory=list)


@dataclass
class LineRow:
    line: ProgramLine
    draft: ProgramVersion | None = None
    versions: list[VersionRow] = field(default_factory=list)

    @property
    def latest(self) -> VersionRow | None:
        return self.versions[0] if self.versions else None

    @property
    def running(self) -> list[VersionRow]:
        return [row for row in self.versions if row.cohorts]


def line_rows(lines: Iterable[ProgramLine]) -> list[LineRow]:
    """Each line with its draft, its versions (newest first) and the cohorts running each
    version: three queries however many lines, versions and cohorts."""
    rows = {line.pk: LineRow(line=line) for line in lines}
    if not rows:
        return []
    versions = (
        ProgramVersion.objects.filter(line_id__in=rows)
        .select_related("program", "published_by", "based_on")
        .order_by("line_id", "-number")
    )
    by_program: dict[int, VersionRow] = {}
    for version in versions:
        row = rows[version.line_id]
        if version.number is None:
            row.draft = version
        else:
            version_row = VersionRow(version=version)
            row.versions.append(version_row)
            by_program[version.program_id] = version_row
    cohorts = Cohort.objects.filter(program_id__in=by_program).order_by("-start_date", "name")
    for cohort in cohorts:
        by_program[cohort.program_id].cohorts.append(cohort)
    return list(rows.values())


def change_list_for_line(*, line: ProgramLine) -> QuerySet[ProgramChange]:
    """The line's history, newest first, with who made each change."""
    return line.changes.select_related("user", "version").order_by("-at", "-pk")


def recording_list_for_practices(*, program: Program, practice_codes: list[str]) -> list[Recording]:
    """The recordings of some of a program's practices, for a page already allowed to show the
    program (a participant's week, the preview), in one query."""
    if not practice_codes:
        return []
    return list(
        Recording.objects.filter(program=program, practice_code__in=practice_codes).order_by(
            "practice_code", "pk"
        )
    )


def recording_page_for_line(*, line: ProgramLine) -> dict[str, Any]:
    """The practices of the line's draft (or newest version) with their recordings, for the
    recordings page (two queries)."""
    shown = draft_get(line=line) or version_latest(line=line)
    program = shown.program if shown else line.source
    recordings = list(Recording.objects.filter(program=program).order_by("pk"))
    practices = [
        {
            "code": code,
            "name": name,
            "recordings": [r for r in recordings if r.practice_code == code],
        }
        for code, name in program.practice_choices()
    ]
    return {"shown": shown, "program": program, "practices": practices}


def recording_get_in_line(*, line: ProgramLine, pk: int) -> Recording:
    """A recording of one of the line's versions (the line already passed its access check),
    or 404."""
    try:
        return Recording.objects.select_related("program").get(pk=pk, program__version__line=line)
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None


def required_session_count(*, program: Program) -> int:
    """How many of the program's sessions count towards completing it (optional ones do not)."""
    return program.sessions.filter(optional=False).count()

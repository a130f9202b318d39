"""Copying a shipped program, drafts and publishing: versions are frozen once published."""

import pytest

from programs.authoring.models import ProgramChange, ProgramVersion
from programs.authoring.services.versions import (
    ProgramEditError,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from programs.models import ProgramStatus
from tests.factories import ship_programs, shipped_program


@pytest.fixture
def mbsr(db):
    ship_programs()
    return shipped_program("mbsr-8-ms")


def test_a_copy_is_a_draft_with_the_shipped_sessions_and_plan(organization, coordinator_user, mbsr):
    line = line_copy_from_shipped(
        user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
    )
    draft = ProgramVersion.objects.get(line=line)
    assert draft.is_draft
    program = draft.program
    assert program.status == ProgramStatus.DRAFT
    assert not program.is_active
    assert program.organization == organization
    assert list(program.sessions.values_list("title", flat=True)) == list(
        mbsr.sessions.values_list("title", flat=True)
    )
    assert program.measurement_points.count() == mbsr.measurement_points.count()
    assert program.slug.startswith("mbsr-8-ms-")


def test_publishing_freezes_the_draft_and_retires_the_version_before(
    organization, coordinator_user, mbsr
):
    line = line_copy_from_shipped(
        user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
    )
    first = draft_publish(user=coordinator_user, line=line)
    assert first.number == 1
    assert first.program.is_active
    draft = draft_get_or_start(user=coordinator_user, line=line)
    assert draft.program.pk != first.program.pk
    assert draft_get_or_start(user=coordinator_user, line=line).pk == draft.pk
    second = draft_publish(user=coordinator_user, line=line)
    first.program.refresh_from_db()
    assert second.number == 2
    assert second.program.is_active
    assert not first.program.is_active
    assert first.program.status == ProgramStatus.PUBLISHED
    with pytest.raises(ProgramEditError, match="no draft"):
        draft_publish(user=coordinator_user, line=line)
    actions = list(line.changes.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [
        ProgramChange.Action.COPIED,
        ProgramChange.Action.PUBLISHED,
        ProgramChange.Action.DRAFT_STARTED,
        ProgramChange.Action.PUBLISHED,
    ]


def test_only_shipped_programs_are_copied(organization, coordinator_user, mbsr):
    line = line_copy_from_shipped(
        user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
    )
    own = ProgramVersion.objects.get(line=line).program
    with pytest.raises(ProgramEditError, match="shipped"):
        line_copy_from_shipped(
            user=coordinator_user, organization=organization, source=own, name="X"
        )
    with pytest.raises(ProgramEditError, match="already has"):
        line_copy_from_shipped(
            user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
        )

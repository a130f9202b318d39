"""Saving a coordinator's edits into their program's draft, each change in its history.

Every save locks the line and checks that the draft the form was opened on is still the line's
draft: if someone else published or discarded it meanwhile, the save is refused with a message
(the form keeps what was typed) rather than written into a version cohorts may already run.
Two people saving the same draft: the last save wins, field by field, and both are in the
history. Only fields whose value changed are recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from programs.models import MeasurementKind, MeasurementPoint, ProgramSession, WindowAnchor

from ..models import ProgramChange, ProgramLine, ProgramVersion
from .versions import ProgramEditError, change_record, draft_get

# Follow-ups the editor adds open this long after the one before (three months), for four weeks.
FOLLOW_UP_STEP_DAYS = 91
FOLLOW_UP_WINDOW_DAYS = 28

DRAFT_GONE = (
    "This draft was published or discarded by someone else while you were editing, so your "
    "changes are not saved. Your text is still below: copy what you need, then start editing "
    "again from the program's page."
)


def _draft_locked(*, line: ProgramLine, draft_pk: int) -> ProgramVersion:
    # The line's row lock is what draft_publish and draft_discard take too: an edit and a
    # publish never interleave.
    ProgramLine.objects.select_for_update().get(pk=line.pk)
    draft = draft_get(line=line)
    if draft is None or draft.pk != draft_pk:
        raise ProgramEditError(DRAFT_GONE)
    return draft


def _as_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return "" if value is None else str(value)


def _record_changes(
    *,
    user: User,
    line: ProgramLine,
    draft: ProgramVersion,
    subject: str,
    labels: dict[str, str],
    before: dict[str, Any],
    after: dict[str, Any],
) -> list[str]:
    """One history line per changed field; returns the fields that changed."""
    changed = [field for field in labels if before.get(field) != after.get(field)]
    for field in changed:
        change_record(
            user=user,
            line=line,
            version=draft,
            action=ProgramChange.Action.EDITED,
            subject=f"{subject}: {labels[field]}",
            before=_as_text(before.get(field)),
            after=_as_text(after.get(field)),
        )
    return changed


SETTINGS_LABELS = {
    "name": "name",
    "summary": "summary",
    "completion_threshold": "sessions needed to complete",
    "default_session_minutes": "usual session length",
}
PRACTICE_LABELS = {
    "name": "name",
    "description": "description",
    "adaptations": "adaptations",
    "durations": "lengths in minutes",
}


@transaction.atomic
def draft_settings_update(
    *,
    user: User,
    line: ProgramLine,
    draft_pk: int,
    settings: dict[str, Any],
    practices: list[dict[str, Any]],
) -> list[str]:
    """Save the draft's settings and its practices' texts (codes never change: practice logs
    refer to them); returns the subjects of what changed."""
    draft = _draft_locked(line=line, draft_pk=draft_pk)
    program = draft.program
    before = {field: getattr(program, field) for field in SETTINGS_LABELS}
    after = {field: settings[field] for field in SETTINGS_LABELS}
    changed = _record_changes(
        user=user,
        line=line,
        draft=draft,
        subject="Settings",
        labels=SETTINGS_LABELS,
        before=before,
        after=after,
    )
    subjects = [f"Settings: {SETTINGS_LABELS[field]}" for field in changed]
    new_practices = []
    for item, edit in zip(program.practices, practices, strict=True):
        updated = {**item, **{field: edit[field] for field in PRACTICE_LABELS}}
        done = _record_changes(
            user=user,
            line=line,
            draft=draft,
            subject=f"Practice “{item.get('name', item['code'])}”",
            labels=PRACTICE_LABELS,
            before=item,
            after=updated,
        )
        subjects += [f"{item.get('name', item['code'])}: {PRACTICE_LABELS[f]}" for f in done]
        new_practices.append(updated)
    for field in changed:
        setattr(program, field, after[field])
    program.practices = new_practices
    program.save(update_fields=[*SETTINGS_LABELS, "practices"])
    return subjects


WEEK_LABELS = {
    "title": "title",
    "aims": "aims",
    "material": "material",
    "home_practice": "home practice",
    "reflection_prompt": "reflection question",
    "practices": "practices",
}


@transaction.atomic
def draft_week_update(
    *, user: User, line: ProgramLine, draft_pk: int, number: int, values: dict[str, Any]
) -> list[str]:
    """Save one week of the draft; returns the subjects of what changed."""
    draft = _draft_locked(line=line, draft_pk=draft_pk)
    try:
        week = ProgramSession.objects.select_for_update().get(program=draft.program, number=number)
    except ProgramSession.DoesNotExist:
        raise ProgramEditError(f"The draft has no week {number}.") from None
    before = {field: getattr(week, field) for field in WEEK_LABELS}
    after = {field: values[field] for field in WEEK_LABELS}
    changed = _record_changes(
        user=user,
        line=line,
        draft=draft,
        subject=f"Week {number}",
        labels=WEEK_LABELS,
        before=before,
        after=after,
    )
    for field in changed:
        setattr(week, field, after[field])
    if changed:
        week.save(update_fields=changed)
    return [f"Week {number}: {WEEK_LABELS[field]}" for field in changed]


class PlanError(ProgramEditError):
    """The plan breaks a measurement rule: `errors` maps a point's pk to its field messages."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]) -> None:
        super().__init__("The measurement plan is not saved: see the messages below.")
        self.errors = errors


PLAN_LABELS = {
    "label": "name",
    "instruments": "questionnaires",
    "opens_days": "opens (days)",
    "closes_days": "closes (days)",
}


@transaction.atomic
def draft_plan_update(
    *, user: User, line: ProgramLine, draft_pk: int, points: dict[int, dict[str, Any]]
) -> list[str]:
    """Save the draft's measurement points, after the plan's own rules (MeasurementPoint.clean)
    pass for every one of them; returns the subjects of what changed."""
    draft = _draft_locked(line=line, draft_pk=draft_pk)
    existing = {p.pk: p for p in draft.program.measurement_points.select_for_update()}
    errors: dict[int, dict[str, list[str]]] = {}
    updates: list[tuple[MeasurementPoint, dict[str, Any], dict[str, Any]]] = []
    for pk, values in points.items():
        point = existing.get(pk)
        if point is None:
            raise ProgramEditError(
                "A measurement point on this page was removed meanwhile: open the plan again."
            )
        before = {field: getattr(point, field) for field in PLAN_LABELS}
        for field in PLAN_LABELS:
            setattr(point, field, values[field])
        try:
            point.clean()
        except ValidationError as exc:
            errors[pk] = exc.message_dict
        updates.append((point, before, {field: values[field] for field in PLAN_LABELS}))
    if errors:
        raise PlanError(errors)
    subjects: list[str] = []
    for point, before, after in updates:
        changed = _record_changes(
            user=user,
            line=line,
            draft=draft,
            subject=f"Measurement plan: {before['label']}",
            labels=PLAN_LABELS,
            before=before,
            after=after,
        )
        if changed:
            point.save(update_fields=changed)
            subjects += [f"{after['label']}: {PLAN_LABELS[field]}" for field in changed]
    return subjects


def _point_summary(point: MeasurementPoint) -> str:
    return (
        f"{point.label}: {', '.join(point.instruments)}; days {point.opens_days} to "
        f"{point.closes_days} after the last session"
    )


@transaction.atomic
def draft_follow_up_add(*, user: User, line: ProgramLine, draft_pk: int) -> MeasurementPoint:
    """A new follow-up point, three months after the latest one, asking what post asks."""
    draft = _draft_locked(line=line, draft_pk=draft_pk)
    points = list(draft.program.measurement_points.all())
    follow_ups = [p for p in points if p.kind == MeasurementKind.FOLLOW_UP]
    post = next((p for p in points if p.kind == MeasurementKind.POST), None)
    opens = max((p.opens_days for p in follow_ups), default=0) + FOLLOW_UP_STEP_DAYS
    codes = {p.code for p in points}
    number = len(follow_ups) + 1
    while f"follow_up_{number}" in codes:
        number += 1
    point = MeasurementPoint.objects.create(
        program=draft.program,
        kind=MeasurementKind.FOLLOW_UP,
        code=f"follow_up_{number}",
        label=f"Follow-up {number}",
        instruments=list(post.instruments) if post else [],
        anchor=WindowAnchor.LAST_SESSION,
        opens_days=opens,
        closes_days=opens + FOLLOW_UP_WINDOW_DAYS,
    )
    change_record(
        user=user,
        line=line,
        version=draft,
        action=ProgramChange.Action.EDITED,
        subject=f"Measurement plan: added {point.label}",
        after=_point_summary(point),
    )
    return point


@transaction.atomic
def draft_follow_up_remove(*, user: User, line: ProgramLine, draft_pk: int, point_pk: int) -> str:
    """Remove a follow-up from the draft's plan (baseline and post stay: every summary compares
    them); returns its name."""
    draft = _draft_locked(line=line, draft_pk=draft_pk)
    point = draft.program.measurement_points.filter(
        pk=point_pk, kind=MeasurementKind.FOLLOW_UP
    ).first()
    if point is None:
        raise ProgramEditError("That follow-up is no longer in the plan.")
    change_record(
        user=user,
        line=line,
        version=draft,
        action=ProgramChange.Action.EDITED,
        subject=f"Measurement plan: removed {point.label}",
        before=_point_summary(point),
    )
    point.delete()
    return point.label


def practices_from_forms(cleaned: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{field: data[field] for field in PRACTICE_LABELS} for data in cleaned]

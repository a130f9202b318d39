"""Safety events after they are raised: staff acknowledge them, saying who, when and what was done."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record, history_record_change
from accounts.models import AuditAction, User
from programs.instrument_library import InstrumentNotFound, instrument_get
from sessions.questionnaires.models import SafetyEvent


class SafetyError(Exception):
    """An acknowledgement that cannot be recorded; the message is for the member of staff."""


def safety_event_acknowledge(*, event: SafetyEvent, by: User, action_taken: str) -> SafetyEvent:
    """Record that a member of staff followed the event up; it then leaves the staff banners."""
    action = action_taken.strip()
    if not action:
        raise SafetyError("Write what was done, for example who phoned the participant and when.")
    now = timezone.now()
    with transaction.atomic():
        # Two staff members may open the same flag at once: only the first acknowledgement is
        # kept, so the record never silently loses what the first person did.
        updated = SafetyEvent.objects.filter(pk=event.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=by, action_taken=action
        )
        event.refresh_from_db()
        if updated:
            history_record_change(instance=event, by=by)
            # What was done stays in the event; the log says who acknowledged which flag.
            audit_record(
                request=None,
                actor=by,
                action=AuditAction.SAFETY_ACKNOWLEDGED,
                obj=event,
                organization=event.enrollment.cohort.organization,
                participant_codes=[event.enrollment.participant_code],
                details={"flag": event.flag, "cohort": event.enrollment.cohort_id},
            )
    if not updated:
        who = event.acknowledged_by.display_name if event.acknowledged_by else "someone"
        raise SafetyError(f"This flag was already acknowledged by {who}.")
    return event


def safety_event_answer_text(event: SafetyEvent) -> str:
    """What the participant answered, in words: answered PHQ-9 item 9 with “Several days”."""
    response = event.response
    try:
        instrument = instrument_get(response.instrument)
    except InstrumentNotFound:
        return f"raised the flag {event.flag}"
    flag = next((f for f in instrument.flags if f.name == event.flag), None)
    if flag is None or flag.item is None:
        return f"raised the flag {event.flag} on {instrument.short_name}"
    value = response.answers.get(str(flag.item))
    if value is None:
        return f"left {instrument.short_name} item {flag.item} unanswered"
    label = next(
        (o.label for o in instrument.item(flag.item).response_options if o.value == value),
        str(value),
    )
    return f"answered {instrument.short_name} item {flag.item} with “{label}”"


def safety_history_items(events: list[SafetyEvent]) -> list[dict[str, Any]]:
    """What a safety history shows of each flag (events already fetched with their enrollment,
    response and acknowledger), in the order given; no queries."""
    return [
        {
            "event": event,
            "answer_text": safety_event_answer_text(event),
            "url": reverse("questionnaires:safety_event_detail", args=[event.pk]),
            "participant_url": reverse("reports:participant_detail", args=[event.enrollment_id]),
        }
        for event in events
    ]

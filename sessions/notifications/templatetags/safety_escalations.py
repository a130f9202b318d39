"""Who was told about a safety flag that waited too long, and when, for pages of other rooms.

The flag pages (questionnaires) and the participant page, worklist and landing page (reports)
show each flag's escalation; those rooms may not import notifications, so their templates ask
here, in one query for all the flags on the page:

    {% load safety_escalations %}
    {% safety_escalations_for events as escalations %}
    {% with escalation=escalations|escalation_of:event %}...{% endwith %}
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import template

from sessions.notifications.models import Notification, NotificationStatus
from sessions.notifications.selectors import safety_escalation_list_for_events

register = template.Library()

_WAITING = {NotificationStatus.PENDING, NotificationStatus.SENDING}
_NOT_ARRIVED = {NotificationStatus.FAILED, NotificationStatus.UNKNOWN}


def names_joined(names: list[str]) -> str:
    """“Ana”, “Ana and Ben”, “Ana, Ben and Cy”."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class Escalation:
    """One flag's escalation e-mails, by what became of them."""

    told: list[str] = field(default_factory=list)  # the e-mail was sent
    told_at: dt.datetime | None = None  # the first of them
    waiting: list[str] = field(default_factory=list)
    not_arrived: list[str] = field(default_factory=list)
    due_at: dt.datetime | None = None  # when the escalation was due

    @property
    def told_names(self) -> str:
        return names_joined(self.told)

    @property
    def waiting_names(self) -> str:
        return names_joined(self.waiting)

    @property
    def not_arrived_names(self) -> str:
        return names_joined(self.not_arrived)


def escalations_build(rows: Iterable[Notification]) -> dict[int, Escalation]:
    """Each escalated flag's Escalation, by flag id. E-mails stopped because someone
    acknowledged the flag first (cancelled) or not sent for a reason of their own (skipped)
    told nobody, so they are left out; a flag with only those has no escalation to show."""
    found: dict[int, Escalation] = defaultdict(Escalation)
    for row in rows:
        if row.safety_event_id is None:
            continue
        name = row.recipient.full_name or row.recipient.email
        if row.status == NotificationStatus.SENT:
            item = found[row.safety_event_id]
            item.told.append(name)
            if row.sent_at and (item.told_at is None or row.sent_at < item.told_at):
                item.told_at = row.sent_at
        elif row.status in _WAITING:
            found[row.safety_event_id].waiting.append(name)
        elif row.status in _NOT_ARRIVED:
            found[row.safety_event_id].not_arrived.append(name)
        else:
            continue
        item = found[row.safety_event_id]
        if item.due_at is None or row.send_at < item.due_at:
            item.due_at = row.send_at
    return dict(found)


def _event_id(item: Any) -> int | None:
    # Pages pass safety events, or items of the landing pages ({"event": event, ...}).
    event = item.get("event") if isinstance(item, dict) else item
    return getattr(event, "pk", None)


@register.simple_tag
def safety_escalations_for(items: Iterable[Any] | Any | None) -> dict[int, Escalation]:
    """The escalations of the flags on the page, or of one flag (already reached through staff
    access); one query, none when there is no flag."""
    if items is not None and _event_id(items) is not None:
        items = [items]
    ids = [pk for pk in (_event_id(item) for item in items or []) if pk is not None]
    return escalations_build(safety_escalation_list_for_events(event_ids=ids))


@register.filter
def escalation_of(escalations: dict[int, Escalation] | None, item: Any) -> Escalation | None:
    """The escalation of one flag (or landing item), or None when it was not escalated."""
    if not escalations:
        return None
    pk = _event_id(item)
    return escalations.get(pk) if pk is not None else None

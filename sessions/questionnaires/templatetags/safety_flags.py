"""The safety banner's data: open safety events a member of staff must see at the top of their pages."""

from __future__ import annotations

from typing import Any

from django import template

from programs.models import Cohort
from sessions.questionnaires.selectors import safety_event_list_open_for_staff
from sessions.questionnaires.services.safety import safety_event_answer_text

register = template.Library()


@register.simple_tag
def open_safety_events(user: Any, cohort: Cohort | str | None = None) -> list[dict[str, Any]]:
    """Open events in the cohort (or, without one, in every cohort the user runs); one query."""
    # The cohort list page has no `cohort` in its context, which templates pass as "".
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    events = safety_event_list_open_for_staff(
        user=user, cohort=cohort if isinstance(cohort, Cohort) else None
    )
    return [{"event": e, "answer_text": safety_event_answer_text(e)} for e in events]

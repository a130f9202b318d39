"""The participant's place in a study on their home page, composed through this tag so the
reports app (which owns the page) need not read trials' rows itself."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from sessions.trials.selectors import study_status_for_participant

register = template.Library()


@register.simple_tag
def study_statuses(user: User) -> dict[str, Any]:
    """Waiting for their group, or their group and what happens next, per study they are in;
    `ids`: those enrollments, whose study card replaces the general comparison-group card."""
    statuses = study_status_for_participant(user=user)
    return {"statuses": statuses, "ids": {s.enrollment.pk for s in statuses}}

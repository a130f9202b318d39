"""The cohort page's sub-navigation for parts of it rendered by other rooms (the safety history
in questionnaires), which may not import reports: their templates ask here."""

from __future__ import annotations

from typing import Any

from django import template

from programs.models import Cohort
from sessions.reports.selectors.cohort import cohort_nav

register = template.Library()


@register.simple_tag
def cohort_parts_nav(cohort: Cohort, current: str) -> list[dict[str, Any]]:
    """The sub-navigation of `cohort` (already reached through staff access), `current` marked;
    no queries."""
    return cohort_nav(cohort_pk=cohort.pk, current=current)

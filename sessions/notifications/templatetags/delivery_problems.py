"""How many messages did not arrive, for pages of rooms that may not import notifications.

The coordinator's landing page (reports) shows this count with a link to the delivery problems
page; reports and notifications never import each other, so the template asks here.
"""

from __future__ import annotations

from django import template

from sessions.notifications.selectors import notification_list_problems_for_organization

register = template.Library()


@register.simple_tag
def delivery_problem_count(organization_id: int) -> int:
    """Failed and unknown deliveries about the organization (which the page's view already
    reached through the coordinator's own access); one query."""
    return notification_list_problems_for_organization(organization_id=organization_id).count()

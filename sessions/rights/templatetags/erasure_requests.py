"""How many requests to erase wait for a coordinator, for pages of rooms below rights.

The coordinator's landing page (reports) shows this count with a link to the requests; reports
may not import rights, so the template asks here, and the count goes through the same access
rule as the requests page (sessions.rights.selectors).
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import ErasureStatus
from sessions.rights.selectors import erasure_request_list_for_coordinator

register = template.Library()


@register.simple_tag
def open_erasure_request_count(user: Any) -> int:
    """Open requests the user may see as a coordinator (none for anyone else); one query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return erasure_request_list_for_coordinator(user=user).filter(status=ErasureStatus.OPEN).count()

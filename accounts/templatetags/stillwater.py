"""Template filters for showing times to people: always in their own zone, with the zone named."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


def _zone_label() -> str:
    return str(timezone.get_current_timezone_name()).replace("_", " ")


@register.filter
def when(value: dt.datetime | None) -> str:
    """“Tuesday 13 October 2026, 18:00 (Europe/London time)” in the viewer's zone."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, 'l j F Y, H:i')} ({_zone_label()} time)"


@register.filter
def when_time(value: dt.datetime | None) -> str:
    """“18:00 (Europe/London time)” in the viewer's zone, for a list already grouped by day."""
    if value is None:
        return ""
    return f"{date_format(timezone.localtime(value), 'H:i')} ({_zone_label()} time)"


@register.filter
def when_date(value: dt.datetime | dt.date | None) -> str:
    """“Tuesday 13 October 2026”: the viewer's local date of an instant, or a plain date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return date_format(value, "l j F Y")

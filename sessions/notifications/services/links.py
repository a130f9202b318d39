"""Links and names every e-mail uses: absolute links into Stillwater, and a cohort named
without its name."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from programs.models import Cohort


def absolute_url(name: str, *args: object) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def cohort_label(cohort: Cohort) -> str:
    """How staff e-mails name a cohort without its name (names often say what the course is for)."""
    started = cohort.start_date.strftime("%-d %B %Y")
    return f"the cohort that starts on {started}"

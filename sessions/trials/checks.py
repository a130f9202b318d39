"""System checks for trials: a broken screening form file stops startup."""

from __future__ import annotations

from typing import Any

from django.core import checks

from sessions.trials import eligibility


@checks.register("stillwater_screening")
def check_screening_files(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Load every programs/screening/*.json the way screening will, and report the first problem."""
    try:
        eligibility.load_forms()
    except eligibility.ScreeningFormError as exc:
        return [
            checks.Error(
                str(exc),
                hint="Fix the screening data file; nobody can be screened until it loads.",
                id="trials.E001",
            )
        ]
    return []

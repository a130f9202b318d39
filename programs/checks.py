"""System checks for the programs app: a broken questionnaire file stops startup."""

from __future__ import annotations

from typing import Any

from django.core import checks

from programs import instrument_library


@checks.register("stillwater_instruments")
def check_instrument_files(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Load every programs/instruments/*.json the way scoring will, and report the first problem."""
    try:
        instrument_library.load_instruments()
    except instrument_library.InstrumentError as exc:
        return [
            checks.Error(
                str(exc),
                hint="Fix the instrument data file; responses cannot be scored until it loads.",
                id="programs.E001",
            )
        ]
    return []

"""What must hold before a draft is published (the editor shows all of it at once)."""

from __future__ import annotations

from programs.instrument_library import InstrumentError, instrument_get
from programs.models import Program

from .models import Recording
from .wording import wording_publish_problems


def publish_problems(*, program: Program) -> list[str]:
    problems: list[str] = []
    if not program.sessions.exists():
        problems.append("The program has no sessions.")
    for point in program.measurement_points.order_by("pk"):
        for code in [*point.instruments, *point.optional_instruments]:
            try:
                instrument_get(code)
            except InstrumentError:
                problems.append(
                    f"{point.label}: “{code}” is not in the questionnaire library. "
                    "Choose one of the library's questionnaires."
                )
    for recording in Recording.objects.filter(program=program, transcript="").order_by("pk"):
        problems.append(
            f"The recording “{recording.title}” has no transcript. People who cannot hear it "
            "read the transcript: add one before publishing."
        )
    # Saved through the reminders page it is already checked; this also stops wording that was
    # copied from an older version before a word joined the list.
    problems.extend(wording_publish_problems(program.reminder_wording))
    return problems

"""What the preview of a week shows, built from rows fetched in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from programs.models import LogKind, Program

from .models import ProgramLine, ProgramVersion, Recording
from .services.versions import draft_get, version_latest


def _lines(text: str) -> list[str]:
    # As the participant's week page splits aims and home practice (sessions.progress.text_lines,
    # a layer above this one): one paragraph or list item per line.
    return [line.strip() for line in text.splitlines() if line.strip()]


def preview_version_get(*, line: ProgramLine, version: str | None) -> ProgramVersion | None:
    """The version ?version=N names (404 when the line has none), else the draft, else the
    newest version; None for a line with neither (its shipped source is shown)."""
    if version:
        if not version.isdigit():
            raise Http404("No such version.")
        found = line.versions.filter(number=int(version)).select_related("program").first()
        if found is None:
            raise Http404("No such version.")
        return found
    return draft_get(line=line) or version_latest(line=line)


def preview_week_context(*, line: ProgramLine, number: int, version: str | None) -> dict[str, Any]:
    """The preview page of one week: the week as a participant sees it, with a banner and the
    way to the weeks before and after."""
    shown = preview_version_get(line=line, version=version)
    program: Program = shown.program if shown else line.source
    sessions = list(program.sessions.order_by("number"))
    program_session = next((s for s in sessions if s.number == number), None)
    if program_session is None:
        raise Http404("No such week.")
    program_session.program = program  # practice_items() reads the program's practices
    numbers = [s.number for s in sessions]
    at = numbers.index(number)
    recordings: dict[str, list[Recording]] = {}
    for recording in Recording.objects.filter(
        program=program, practice_code__in=program_session.practices
    ).order_by("practice_code", "pk"):
        recordings.setdefault(recording.practice_code, []).append(recording)
    practices = [
        {
            **item,
            "adaptation_lines": _lines(item.get("adaptations", "")),
            "recordings": recordings.get(item["code"], []),
        }
        for item in program_session.practice_items()
    ]
    query = f"?version={shown.number}" if shown and shown.number and version else ""
    return {
        "line": line,
        "shown": shown,
        "program": program,
        "program_session": program_session,
        "number": number,
        "aims": _lines(program_session.aims),
        "material": program_session.material,
        "session_adaptations": _lines(program_session.adaptations),
        "practices": practices,
        "strategies": program.strategies if program.log_kind == LogKind.STRATEGY else [],
        "is_strategy_log": program.log_kind == LogKind.STRATEGY,
        "home_practice": _lines(program_session.home_practice),
        "reflection_prompt": program_session.reflection_prompt,
        "previous_number": numbers[at - 1] if at > 0 else None,
        "next_number": numbers[at + 1] if at + 1 < len(numbers) else None,
        "query": query,
        "is_draft": bool(shown and shown.is_draft),
    }

"""The reminders page of an organization's own program: its wording of participant reminders."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from accounts.http import AuthenticatedHttpRequest

from ..forms.wording import ReminderWordingForm
from ..selectors import line_get_for_coordinator
from ..services.versions import ProgramEditError, draft_get, version_latest
from ..services.wording import draft_wording_save


def draft_reminders(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Subject and intro of each participant reminder; saving writes them into the draft."""
    line = line_get_for_coordinator(user=request.user, pk=pk)
    # What the draft holds, or what a new draft would copy (the newest version).
    shown = draft_get(line=line) or version_latest(line=line)
    program = shown.program if shown else line.source
    form = ReminderWordingForm(
        request.POST if request.method == "POST" else None,
        reminder_wording=program.reminder_wording,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = draft_wording_save(user=request.user, line=line, wordings=form.wordings())
        except ProgramEditError as exc:
            form.add_error(None, exc.message)
        else:
            if changed:
                messages.success(
                    request,
                    "The reminders' wording is saved in the draft. Cohorts get it once the "
                    "draft is published; running cohorts keep theirs.",
                )
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("authoring:draft_reminders", pk=line.pk)
    return render(
        request,
        "authoring/wording/draft_reminders.html",
        {"line": line, "form": form, "shown": shown, "has_draft": bool(shown and shown.is_draft)},
    )


urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/draft/reminders/", draft_reminders, name="draft_reminders"),
]

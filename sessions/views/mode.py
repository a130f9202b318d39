"""The facilitator's page for how one session meets: in person, by phone or by video call.

Staff of the session's cohort reach it through the staff selector; anyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from accounts.http import AuthenticatedHttpRequest
from sessions.forms.mode import SessionModeForm
from sessions.selectors import scheduled_session_get_for_staff
from sessions.services.mode import SessionModeError, session_mode_change

MEETS = {"in_person": "in person", "phone": "by phone", "video": "by video call"}


def session_mode(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change how one future session meets; its participants are told by e-mail."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    form = SessionModeForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            result = session_mode_change(session=session, user=request.user, **form.cleaned_data)
        except SessionModeError as exc:
            form.add_error(exc.field or None, str(exc))
        else:
            number = session.program_session.number
            if result.changed:
                how = MEETS[session.modality]
                messages.success(
                    request,
                    f"Session {number} now meets {how}. Its participants are told by e-mail.",
                )
            else:
                messages.info(request, "Nothing had changed, so there was nothing to save.")
            return redirect("program_sessions:session_detail", pk=session.pk)
    return render(
        request,
        "program_sessions/session_mode.html",
        {
            "session": session,
            "cohort": session.cohort,
            "form": form,
            "can_change": not session.is_cancelled and not session.is_past(),
        },
    )


urlpatterns = [
    path("sessions/<int:pk>/mode/", session_mode, name="session_mode"),
]

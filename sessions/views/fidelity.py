"""The fidelity rating page of a held session: which core elements of its checklist were delivered.

Facilitators of the cohort rate as its facilitator, coordinators of its organization as an
observer (sessions.pages.fidelity); anyone else gets 404 from the staff selector.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.pages.fidelity import fidelity_rate_page_get, fidelity_saved_message
from sessions.selectors import scheduled_session_get_for_staff
from sessions.services.fidelity import FidelityError, fidelity_rate

TEMPLATE = "program_sessions/fidelity_rate.html"


def fidelity_rate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Rate a held session against its checklist, or change one's own rating of it."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    page = fidelity_rate_page_get(session=session, user=request.user, now=timezone.now())
    form = page.form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and page.can_rate and form.is_valid():
        try:
            rating = fidelity_rate(
                scheduled_session=session,
                rater=request.user,
                role=page.role,
                done_codes=form.cleaned_data["done"],
                note=form.cleaned_data["note"],
                facilitator=form.chosen_facilitator(),
            )
        except FidelityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, fidelity_saved_message(rating))
            return redirect(
                reverse("program_sessions:session_detail", args=[session.pk]) + "#fidelity"
            )
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATE, page.context(form), status=status)


urlpatterns = [
    path("sessions/<int:pk>/fidelity/", fidelity_rate_view, name="fidelity_rate"),
]

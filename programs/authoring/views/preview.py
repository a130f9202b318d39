"""Preview of an organization's own program: a week as its participants will see it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from accounts.http import AuthenticatedHttpRequest

from ..pages import preview_week_context
from ..selectors import line_get_for_coordinator


def preview_week(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """Week `number` of the draft (or of ?version=N; the newest version when there is no draft)."""
    line = line_get_for_coordinator(user=request.user, pk=pk)
    context = preview_week_context(line=line, number=number, version=request.GET.get("version"))
    return render(request, "authoring/preview/preview_week.html", context)


urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/preview/weeks/<int:number>/", preview_week, name="preview_week"),
]

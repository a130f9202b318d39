"""Participant pages of the sessions app."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    # Placeholder so other pages can link here while the page is being built.
    raise Http404


urlpatterns = [
    path("me/course/", _not_built_yet, name="participant_home"),
    path("me/weeks/<int:number>/", _not_built_yet, name="week_detail"),
    path("me/practice/", _not_built_yet, name="practice_list"),
    path("me/practice/new/", _not_built_yet, name="practice_create"),
]

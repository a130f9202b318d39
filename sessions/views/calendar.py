"""Calendar feed pages of the sessions app."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    # Placeholder so other pages can link here while the page is being built.
    raise Http404


urlpatterns = [
    path("calendar/", _not_built_yet, name="calendar_settings"),
]

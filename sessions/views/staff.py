"""Staff pages of the sessions app."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    # Placeholder so other pages can link here while the page is being built.
    raise Http404


urlpatterns = [
    path("cohorts/<int:pk>/", _not_built_yet, name="cohort_detail"),
    path("cohorts/<int:pk>/attendance/", _not_built_yet, name="attendance_grid"),
    path("sessions/<int:pk>/", _not_built_yet, name="session_detail"),
]

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

app_name = "programs"


def _not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    # Placeholder so other pages can link here while the page is being built.
    raise Http404


urlpatterns = [
    path("cohorts/", _not_built_yet, name="cohort_list"),
    path("cohorts/new/", _not_built_yet, name="cohort_create"),
    path("cohorts/<int:pk>/edit/", _not_built_yet, name="cohort_update"),
    path("cohorts/<int:pk>/participants/new/", _not_built_yet, name="enrollment_create"),
    path("cohorts/<int:pk>/participants/import/", _not_built_yet, name="enrollment_import"),
    path("enrollments/<int:pk>/edit/", _not_built_yet, name="enrollment_update"),
]

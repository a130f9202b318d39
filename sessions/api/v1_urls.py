"""/api/v1/: the endpoints (cohorts, enrollments, sessions, ...) and the FHIR resources."""

from django.urls import path

from sessions.api.views import endpoints

urlpatterns = [
    path("", endpoints.ApiRootView.as_view(), name="api_root"),
]

"""/api/v1/: the endpoints (cohorts, enrollments, sessions, ...) and the FHIR resources.

Ids in paths are taken as any text and checked by the view, and anything else under /api/v1/
reaches `NotFound`: a client always gets a JSON answer (401 or 404), never the HTML page.
"""

from django.urls import path, re_path

from sessions.api.views import endpoints, fhir

urlpatterns = [
    path("", endpoints.ApiRootView.as_view(), name="api_root"),
    path("cohorts/", endpoints.CohortList.as_view(), name="api_cohorts"),
    path("cohorts/<str:pk>/", endpoints.CohortDetail.as_view(), name="api_cohort"),
    path("enrollments/", endpoints.EnrollmentList.as_view(), name="api_enrollments"),
    path("enrollments/<str:pk>/", endpoints.EnrollmentDetail.as_view(), name="api_enrollment"),
    path("sessions/", endpoints.SessionList.as_view(), name="api_sessions"),
    path("attendance/", endpoints.AttendanceList.as_view(), name="api_attendance"),
    path("practice/", endpoints.PracticeList.as_view(), name="api_practice"),
    path("assessments/", endpoints.AssessmentList.as_view(), name="api_assessments"),
    path("responses/", endpoints.ResponseList.as_view(), name="api_responses"),
    path("allocations/", endpoints.AllocationList.as_view(), name="api_allocations"),
    path(
        "fhir/Questionnaire/<str:code>",
        fhir.QuestionnaireRead.as_view(),
        name="api_fhir_questionnaire",
    ),
    path(
        "fhir/QuestionnaireResponse",
        fhir.QuestionnaireResponseSearch.as_view(),
        name="api_fhir_questionnaire_response_list",
    ),
    re_path(r"^.*$", endpoints.NotFoundView.as_view(), name="api_not_found"),
]

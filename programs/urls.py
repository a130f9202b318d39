from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/new/", views.cohort_create_view, name="cohort_create"),
    path("cohorts/<int:pk>/edit/", views.cohort_update_view, name="cohort_update"),
    path(
        "cohorts/<int:pk>/participants/new/",
        views.enrollment_create_view,
        name="enrollment_create",
    ),
    path(
        "cohorts/<int:pk>/participants/import/",
        views.enrollment_import_view,
        name="enrollment_import",
    ),
    path("enrollments/<int:pk>/edit/", views.enrollment_update_view, name="enrollment_update"),
]

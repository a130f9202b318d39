"""Studies: screening and waitlist, study set-up and randomization (coordinators), and what a
participant is told about their group."""

from django.urls import URLPattern, URLResolver, path

from sessions.trials.views import screening, studies

app_name = "trials"

urlpatterns: list[URLPattern | URLResolver] = [
    path("screening/", screening.screening_list, name="screening_list"),
    path("screening/new/<slug:slug>/", screening.screening_new, name="screening_new"),
    path("screening/<int:pk>/", screening.screening_detail, name="screening_detail"),
    path("screening/<int:pk>/consent/", screening.screening_consent, name="screening_consent"),
    path("screening/<int:pk>/safety/", screening.screening_safety, name="screening_safety"),
    path("screening/<int:pk>/offer/", screening.screening_offer, name="screening_offer"),
    path("screening/<int:pk>/enroll/", screening.screening_enroll_direct, name="screening_enroll"),
    path("screening/<int:pk>/decline/", screening.screening_decline, name="screening_decline"),
    path("waitlist/<slug:slug>/", screening.waitlist, name="waitlist"),
    path("studies/", studies.study_list, name="study_list"),
    path("studies/new/", studies.study_new, name="study_new"),
    path("studies/<int:pk>/", studies.study_detail, name="study_detail"),
    path("studies/<int:pk>/cohorts/", studies.study_cohort_add_view, name="study_cohort_add"),
    path(
        "studies/<int:pk>/randomize/<int:enrollment_pk>/",
        studies.study_randomize,
        name="study_randomize",
    ),
    path(
        "allocations/<int:pk>/correct/", studies.allocation_correct_view, name="allocation_correct"
    ),
]

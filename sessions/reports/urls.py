"""URLs of the reports app (namespace "reports")."""

from sessions.reports.views import (
    cohort,
    exports,
    fidelity,
    home,
    landing,
    outcomes,
    overview,
    participant,
    redcap,
    trial_results,
)

app_name = "reports"

urlpatterns = [
    *overview.urlpatterns,
    *exports.urlpatterns,
    *outcomes.urlpatterns,
    *fidelity.urlpatterns,
    *cohort.urlpatterns,
    *home.urlpatterns,
    *landing.urlpatterns,
    *participant.urlpatterns,
    *trial_results.urlpatterns,
    *redcap.urlpatterns,
]

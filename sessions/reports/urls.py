"""URLs of the reports app (namespace "reports")."""

from sessions.reports.views import cohort, exports, home, landing, outcomes, overview, participant

app_name = "reports"

urlpatterns = [
    *overview.urlpatterns,
    *exports.urlpatterns,
    *outcomes.urlpatterns,
    *cohort.urlpatterns,
    *home.urlpatterns,
    *landing.urlpatterns,
    *participant.urlpatterns,
]

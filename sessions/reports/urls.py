"""URLs of the reports app (namespace "reports")."""

from sessions.reports.views import cohort, exports, home, outcomes, overview

app_name = "reports"

urlpatterns = [
    *overview.urlpatterns,
    *exports.urlpatterns,
    *outcomes.urlpatterns,
    *cohort.urlpatterns,
    *home.urlpatterns,
]

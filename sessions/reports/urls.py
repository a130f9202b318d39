"""URLs of the reports app (namespace "reports")."""

from sessions.reports.views import cohort, exports, home, overview

app_name = "reports"

urlpatterns = [
    *overview.urlpatterns,
    *exports.urlpatterns,
    *cohort.urlpatterns,
    *home.urlpatterns,
]

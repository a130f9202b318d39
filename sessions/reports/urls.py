"""URLs of the reports app (namespace "reports")."""

from sessions.reports.views import exports, overview

app_name = "reports"

urlpatterns = [
    *overview.urlpatterns,
    *exports.urlpatterns,
]

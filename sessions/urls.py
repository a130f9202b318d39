"""URLs of the sessions app (namespace "program_sessions"): the course as it happens."""

from sessions.views import calendar, fidelity, mode, participant, staff

app_name = "program_sessions"

urlpatterns = [
    *staff.urlpatterns,
    *participant.urlpatterns,
    *calendar.urlpatterns,
    *fidelity.urlpatterns,
    *mode.urlpatterns,
]

"""URLs of the questionnaires app (namespace "questionnaires")."""

from sessions.questionnaires.views import entry, participant, staff

app_name = "questionnaires"

urlpatterns = [
    *participant.urlpatterns,
    *entry.urlpatterns,
    *staff.urlpatterns,
]

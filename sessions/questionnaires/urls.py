"""URLs of the questionnaires app (namespace "questionnaires")."""

from sessions.questionnaires.views import entry, participant, safety, staff

app_name = "questionnaires"

urlpatterns = [
    *participant.urlpatterns,
    *entry.urlpatterns,
    *staff.urlpatterns,
    *safety.urlpatterns,
]

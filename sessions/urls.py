from .views import (
    calendar,
    participant,
    questionnaire_entry,
    questionnaire_staff,
    questionnaires,
    staff,
)

app_name = "program_sessions"

urlpatterns = [
    *staff.urlpatterns,
    *participant.urlpatterns,
    *calendar.urlpatterns,
    *questionnaires.urlpatterns,
    *questionnaire_staff.urlpatterns,
    *questionnaire_entry.urlpatterns,
]

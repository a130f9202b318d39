from .views import (
    calendar,
    exports,
    notifications,
    participant,
    questionnaire_entry,
    questionnaire_staff,
    questionnaires,
    reports,
    rights,
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
    *reports.urlpatterns,
    *exports.urlpatterns,
    *notifications.urlpatterns,
    *rights.urlpatterns,
]

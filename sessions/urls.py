from .views import calendar, participant, staff

app_name = "program_sessions"

urlpatterns = [*staff.urlpatterns, *participant.urlpatterns, *calendar.urlpatterns]

"""URLs of the notifications app (namespace "notifications")."""

from sessions.notifications import views

app_name = "notifications"

urlpatterns = [
    *views.urlpatterns,
]

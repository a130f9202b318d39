"""URLs of the rights app (namespace "rights")."""

from sessions.rights import views

app_name = "rights"

urlpatterns = [
    *views.urlpatterns,
]

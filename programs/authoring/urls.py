"""URLs of program authoring (namespace "authoring"): an organization's own programs and
their recordings. Each views module lists its own routes."""

from .views import audio, editor, recordings

app_name = "authoring"

urlpatterns = [
    *editor.urlpatterns,
    *recordings.urlpatterns,
    *audio.urlpatterns,
]

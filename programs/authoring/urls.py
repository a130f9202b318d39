"""URLs of program authoring (namespace "authoring"): an organization's own programs, their
preview and reminder wording, and guided recordings. Each views module lists its own routes."""

from .views import audio, editor, preview, recordings, wording

app_name = "authoring"

urlpatterns = [
    *editor.urlpatterns,
    *wording.urlpatterns,
    *preview.urlpatterns,
    *recordings.urlpatterns,
    *audio.urlpatterns,
]

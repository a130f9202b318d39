from django.urls import URLPattern, path

from ._stub import not_yet

urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/draft/recordings/", not_yet, name="draft_recordings"),
    path("programs/<int:pk>/draft/recordings/<int:rid>/", not_yet, name="draft_recording_edit"),
]

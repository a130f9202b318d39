from django.urls import URLPattern, path

from ._stub import not_yet

urlpatterns: list[URLPattern] = [
    path("recordings/<int:pk>/audio/", not_yet, name="recording_audio"),
    path("recordings/<int:pk>/transcript/", not_yet, name="recording_transcript"),
]

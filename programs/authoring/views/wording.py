from django.urls import URLPattern, path

from ._stub import not_yet

urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/draft/reminders/", not_yet, name="draft_reminders"),
]

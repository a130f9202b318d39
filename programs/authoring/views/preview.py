from django.urls import URLPattern, path

from ._stub import not_yet

urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/preview/weeks/<int:number>/", not_yet, name="preview_week"),
]

from django.urls import URLPattern, path

from ._stub import not_yet

urlpatterns: list[URLPattern] = [
    path("programs/", not_yet, name="program_list"),
    path("programs/shipped/<slug:slug>/", not_yet, name="shipped_detail"),
    path("programs/shipped/<slug:slug>/copy/", not_yet, name="line_create"),
    path("programs/<int:pk>/", not_yet, name="line_detail"),
    path("programs/<int:pk>/history/", not_yet, name="line_history"),
    path("programs/<int:pk>/draft/settings/", not_yet, name="draft_settings"),
    path("programs/<int:pk>/draft/weeks/<int:number>/", not_yet, name="draft_week"),
    path("programs/<int:pk>/draft/plan/", not_yet, name="draft_plan"),
    path("programs/<int:pk>/draft/publish/", not_yet, name="draft_publish"),
    path("programs/<int:pk>/draft/discard/", not_yet, name="draft_discard"),
]

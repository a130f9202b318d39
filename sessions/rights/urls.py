"""URLs of the rights app (namespace "rights")."""

from django.urls import path

from sessions.rights import views

app_name = "rights"

urlpatterns = [
    path("me/data/<slug:fmt>/", views.my_data_download, name="my_data_download"),
    path("me/leave/", views.withdraw, name="withdraw"),
    path("me/erasure/", views.erasure_request, name="erasure_request"),
    path("erasure-requests/", views.erasure_request_list, name="erasure_request_list"),
    path("erasure-requests/<int:pk>/", views.erasure_request_detail, name="erasure_request_detail"),
]

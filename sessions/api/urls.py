"""The API's routes: /api/v1/ (endpoints), /api/schema/ and /api/docs/, and the coordinator's
token pages under /organization/<slug>/api/."""

from django.urls import include, path

from sessions.api.views import pages

urlpatterns = [
    path("api/v1/", include("sessions.api.v1_urls")),
    path("api/schema/", pages.schema_view, name="api_schema"),
    path("api/docs/", pages.docs_view, name="api_docs"),
    path("organization/<slug:slug>/api/", pages.api_page, name="api_page"),
    path(
        "organization/<slug:slug>/api/tokens/new/",
        pages.api_token_create_view,
        name="api_token_create",
    ),
    path(
        "organization/<slug:slug>/api/tokens/<int:pk>/revoke/",
        pages.api_token_revoke_view,
        name="api_token_revoke",
    ),
]

from django.urls import path

from . import audit_views, organization_views, switching_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("coordinator/", views.coordinator_home, name="coordinator_home"),
    path("coordinator/invitations/new/", views.invitation_create_view, name="invitation_create"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path(
        "organization/switch/",
        switching_views.organization_switch_view,
        name="organization_switch",
    ),
    path(
        "organization/<slug:slug>/settings/",
        organization_views.organization_settings_view,
        name="organization_settings",
    ),
    path(
        "coordinator/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("help/", views.help_view, name="help"),
    path("profile/", views.profile_view, name="profile"),
    path("settings/questionnaires/", views.questionnaire_layout_view, name="questionnaire_layout"),
    path("consent/", views.consent_view, name="consent"),
    path("session/keep-alive/", views.session_keep_alive_view, name="session_keep_alive"),
]

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

# The admin signs in through allauth, so it gets the same rate limits and MFA.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Stillwater administration"


@login_not_required
def not_offered(request: HttpRequest) -> HttpResponse:
    """An allauth page Stillwater does not use: it answers as if it did not exist."""
    raise Http404


# allauth routes Stillwater switches off. Listed before allauth's own, so they win. Confirming
# identity by a code mailed to the inbox would let anyone who can read that inbox download
# identifiable data (settings: ACCOUNT_REAUTHENTICATION_METHODS).
NOT_OFFERED = [
    path("accounts/reauthenticate/code/", not_offered),
    path("accounts/reauthenticate/code/confirm/", not_offered),
]

urlpatterns = [
    *NOT_OFFERED,
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("programs.urls")),
    path("", include("programs.authoring.urls")),
    path("", include("sessions.urls")),
    path("", include("sessions.questionnaires.urls")),
    path("", include("sessions.trials.urls")),
    path("", include("sessions.notifications.urls")),
    path("", include("sessions.reports.urls")),
    path("", include("sessions.rights.urls")),
    path("", include("sessions.api.urls")),
    path("", include("accounts.urls")),
]

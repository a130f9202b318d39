"""The organization settings page: its coordinators change contacts, sender name and time zone."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from .http import AuthenticatedHttpRequest
from .models import Organization
from .organization_forms import OrganizationSettingsForm
from .organization_settings import organization_settings_update
from .selectors import organization_get_for_coordinator


def organization_settings_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    # Who may is decided first, so everyone else gets 404 rather than a password prompt that
    # would confirm the organization exists.
    organization = organization_get_for_coordinator(user=request.user, slug=slug)
    return _settings_after_reauthentication(request, organization=organization)


def _settings(request: AuthenticatedHttpRequest, *, organization: Organization) -> HttpResponse:
    form = OrganizationSettingsForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        changed = organization_settings_update(
            organization=organization, by=request.user, **form.cleaned_data
        )
        if changed:
            messages.success(request, f"The settings of {organization.name} are saved.")
        else:
            messages.info(request, "Nothing was changed.")
        return redirect("organization_settings", slug=organization.slug)
    return render(
        request,
        "accounts/organization_settings.html",
        {"organization": organization, "form": form},
    )


# The contacts are what a participant at risk is shown, and the sender name is what every
# participant's inbox trusts: changing or even opening them asks for the password again (allauth
# keeps a suspended POST and runs it after, so nothing typed is lost).
_settings_after_reauthentication = reauthentication_required(_settings)

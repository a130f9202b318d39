"""The page where staff of several organizations choose the one they are working in."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .forms import OrganizationSwitchForm
from .http import AuthenticatedHttpRequest
from .selectors import membership_get_working, membership_list_for_staff
from .switching import working_organization_choose


@require_http_methods(["GET", "POST"])
def organization_switch_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    working = membership_get_working(user=user)
    if working is None:  # participants work in no organization
        raise Http404
    form = OrganizationSwitchForm(
        # Not `request.POST or None`: a POST with nothing chosen is empty, and falsy.
        request.POST if request.method == "POST" else None,
        memberships=membership_list_for_staff(user=user),
        initial={"organization": working.organization_id},
    )
    if request.method == "POST" and form.is_valid():
        organization = working_organization_choose(
            session=request.session, user=user, organization_id=form.cleaned_data["organization"]
        )
        messages.success(request, f"You are now working in {organization.name}.")
        # Home, not back: the page they came from may belong to the other organization.
        return redirect("home")
    return render(request, "accounts/organization_switch.html", {"form": form, "working": working})

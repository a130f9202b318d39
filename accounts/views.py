"""Landing pages per role, the help page, invitations and the profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import AcceptInvitationForm, InvitationForm, ProfileForm
from .models import Role, User
from .selectors import (
    invitation_get_by_token,
    invitation_get_for_coordinator,
    invitation_list_pending,
    membership_get_for_user,
    membership_list_for_organization,
    user_get_role,
)
from .services import (
    InvitationError,
    invitation_accept,
    invitation_create,
    invitation_needs_password,
    invitation_revoke,
    user_update_profile,
)

_LANDING = {
    "participant": "program_sessions:participant_home",
    "facilitator": "programs:cohort_list",
    "coordinator": "coordinator_home",
}


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page for their role."""
    return redirect(_LANDING[user_get_role(user=request.user)])  # type: ignore[arg-type]


def coordinator_home(request: HttpRequest) -> HttpResponse:
    membership = membership_get_for_user(user=request.user, role=Role.COORDINATOR)  # type: ignore[arg-type]
    organization = membership.organization
    return render(
        request,
        "accounts/coordinator_home.html",
        {
            "organization": organization,
            "members": membership_list_for_organization(organization=organization),
            "invitations": invitation_list_pending(organization=organization),
        },
    )


def invitation_create_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    membership = membership_get_for_user(user=user, role=Role.COORDINATOR)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                organization=membership.organization,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                invited_by=user,
            )
        except InvitationError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works for "
                f"{(invitation.expires_at - invitation.created_at).days} days.",
            )
            return redirect("coordinator_home")
    return render(request, "accounts/invitation_create.html", {"form": form})


@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_get_for_user(user=request.user, role=Role.COORDINATOR)  # type: ignore[arg-type]
    invitation = invitation_get_for_coordinator(organization=membership.organization, pk=pk)
    try:
        invitation_revoke(invitation=invitation)
    except InvitationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation for {invitation.email} no longer works.")
    return redirect("coordinator_home")


@login_not_required
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_by_token(token=token)
    if invitation is None or not invitation.is_usable:
        return render(
            request, "accounts/invitation_invalid.html", {"invitation": invitation}, status=404
        )
    needs_password = invitation_needs_password(invitation=invitation)
    form = AcceptInvitationForm(
        request.POST or None,
        needs_password=needs_password,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                password=form.cleaned_data.get("password"),
                full_name=form.cleaned_data["full_name"],
            )
        except InvitationError as exc:
            form.add_error("password" if needs_password else None, str(exc))
        else:
            if needs_password:
                login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
                messages.success(request, "Welcome to Stillwater. Your account is ready.")
                return redirect("home")
            messages.success(request, "Invitation accepted. Please sign in.")
            return redirect("account_login")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "needs_password": needs_password},
    )


@login_not_required
def help_view(request: HttpRequest) -> HttpResponse:
    organizations = []
    if request.user.is_authenticated:
        organizations = [
            m.organization for m in request.user.memberships.select_related("organization")
        ]
    return render(request, "accounts/help.html", {"organizations": organizations})


def profile_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            preferred_name=form.cleaned_data["preferred_name"],
            timezone_name=form.cleaned_data["timezone"],
            phone=form.cleaned_data["phone"],
        )
        messages.success(request, "Your details are saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})

"""Landing pages per role, the help page, invitations and the profile page."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .audit import audit_record
from .consent import (
    KEEP_CHOICES,
    ConsentForm,
    consent_current,
    consent_get_latest,
    consent_mark_settled,
    consent_record_accept,
    consent_state,
    safe_next,
)
from .forms import AcceptInvitationForm, InvitationForm, ProfileForm, QuestionnaireLayoutForm
from .http import AuthenticatedHttpRequest
from .idle import idle_state, idle_touch
from .mfa import mfa_not_required
from .models import AuditAction, Membership, QuestionnaireLayout, Role, User
from .selectors import (
    invitation_get_by_token,
    invitation_get_for_coordinator,
    invitation_list_pending,
    membership_get_for_user,
    membership_get_role_for_email,
    membership_list_for_organization,
    organization_list_for_person,
    organization_zones_for_person,
    user_get_role,
)
from .services import (
    InvitationError,
    invitation_accept,
    invitation_create,
    invitation_is_for,
    invitation_needs_password,
    invitation_revoke,
    user_set_questionnaire_layout,
    user_update_profile,
)

_LANDING = {
    "participant": "reports:participant_home",
    "facilitator": "reports:worklist",
    "coordinator": "reports:landing",
}


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each person to the page for their role."""
    return redirect(_LANDING[user_get_role(user=request.user)])


def coordinator_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = membership_get_for_user(user=request.user, role=Role.COORDINATOR)
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


def invitation_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    membership = membership_get_for_user(user=user, role=Role.COORDINATOR)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        current = membership_get_role_for_email(
            organization=membership.organization, email=form.cleaned_data["email"]
        )
        role = form.cleaned_data["role"]
        if role and current != role:
            # Giving a staff role needs the password again, to a newcomer as much as in a
            # change of a colleague's role: staff see participants' health data. allauth
            # suspends this POST, asks for it, then runs the same POST (nothing typed is lost).
            # (Someone who already has this role is told so at once, without the detour.)
            return _invitation_send_after_reauthentication(
                request, form=form, membership=membership
            )
        return _invitation_send(request, form=form, membership=membership)
    return render(request, "accounts/invitation_create.html", {"form": form})


def _invitation_send(
    request: AuthenticatedHttpRequest, *, form: InvitationForm, membership: Membership
) -> HttpResponse:
    user = request.user
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
        return render(request, "accounts/invitation_create.html", {"form": form})
    messages.success(
        request,
        f"Invitation sent to {invitation.email}. The link works for "
        f"{(invitation.expires_at - invitation.created_at).days} days.",
    )
    return redirect("coordinator_home")


_invitation_send_after_reauthentication = reauthentication_required(_invitation_send)


@require_POST
def invitation_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = membership_get_for_user(user=request.user, role=Role.COORDINATOR)
    invitation = invitation_get_for_coordinator(organization=membership.organization, pk=pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
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
    signed_in: User | None = request.user if request.user.is_authenticated else None
    if not needs_password:
        # An account someone already uses: only that person, signed in, may accept. The link
        # alone (forwarded, or seen over a shoulder) changes nothing.
        if signed_in is None:
            messages.info(
                request,
                f"Sign in as {invitation.email} to accept the invitation from "
                f"{invitation.organization.name}.",
            )
            return redirect_to_login(request.get_full_path())
        if not invitation_is_for(invitation=invitation, user=signed_in):
            return render(
                request,
                "accounts/invitation_other_account.html",
                {"invitation": invitation, "next": request.get_full_path()},
                status=403,
            )
    form = AcceptInvitationForm(
        # Not `request.POST or None`: confirming has no fields, and an empty POST is falsy.
        request.POST if request.method == "POST" else None,
        needs_password=needs_password,
        email=invitation.email,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                password=form.cleaned_data.get("password"),
                full_name=form.cleaned_data.get("full_name", ""),
                signed_in=signed_in,
            )
        except InvitationError as exc:
            form.add_error("password" if needs_password else None, str(exc))
        else:
            if needs_password:
                login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
                # The password was typed on this very form: record it as allauth records a
                # password re-entry, so a new staff member goes straight to setting up their
                # authenticator app instead of being asked for the password they just chose.
                record_authentication(request, user, method="password", reauthenticated=True)
                messages.success(request, "Welcome to Stillwater. Your account is ready.")
                return redirect("home")
            messages.success(
                request, f"Invitation accepted: you have joined {invitation.organization.name}."
            )
            return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "needs_password": needs_password,
            "signed_in": signed_in,
        },
    )


@login_not_required
def help_view(request: HttpRequest) -> HttpResponse:
    """Emergency advice for everyone; signed in, also the crisis and support contacts of every
    organization the person takes part in or works for."""
    organizations = list(organization_list_for_person(user=request.user))
    return render(request, "accounts/help.html", {"organizations": organizations})


def profile_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        instance=user,
        organization_zones=organization_zones_for_person(user=user),
    )
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


LAYOUT_SAVED = {
    QuestionnaireLayout.ONE_QUESTION: "Saved: questionnaires will show one question on each page.",
    QuestionnaireLayout.WHOLE: "Saved: questionnaires will show all their questions on one page.",
}


def questionnaire_layout_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How the person's questionnaires are shown; back to where they came from once saved."""
    user = request.user
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = QuestionnaireLayoutForm(
        request.POST if request.method == "POST" else None,
        initial={"questionnaire_layout": user.questionnaire_layout},
    )
    if request.method == "POST" and form.is_valid():
        user = user_set_questionnaire_layout(
            user=user, layout=form.cleaned_data["questionnaire_layout"]
        )
        messages.success(request, LAYOUT_SAVED[QuestionnaireLayout(user.questionnaire_layout)])
        return redirect(back or "questionnaire_layout")
    return render(
        request,
        "accounts/questionnaire_layout.html",
        {"form": form, "next": back or "", "back_url": back or reverse("profile")},
    )


@mfa_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_keep_alive_view(request: HttpRequest) -> HttpResponse:
    """POST ("Stay signed in"): count this moment as activity. GET: how long is left.

    Both are asked by static/js/idle-logoff.js. A session that has already ended never gets
    here: IdleLogoffMiddleware signs it out and redirects to the sign-in page.
    """
    if request.method == "POST":
        idle_touch(request)
        return HttpResponse(status=204)
    state = idle_state(request)
    return JsonResponse({"seconds_left": state.seconds_left if state else None})


def consent_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The consent in force: read it, accept it (participants), or change the research choice."""
    user = request.user
    version = consent_current()
    state = consent_state(user=user, version=version.version)
    latest = consent_get_latest(user=user)
    initial = {}
    if latest is not None:
        initial["keep_research_data"] = "keep" if latest.keep_research_data else "delete"
    form = ConsentForm(request.POST or None, initial=initial)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        if state.is_staff:
            return redirect("consent")
        if form.is_valid():
            record = consent_record_accept(user=user, keep_research_data=form.keeps_research_data())
            audit_record(
                request=request,
                actor=user,
                action=AuditAction.CONSENT_ACCEPTED,
                obj=record,
                details={
                    "version": record.version,
                    "keep_research_data": record.keep_research_data,
                },
            )
            consent_mark_settled(request, version.version)
            messages.success(request, "Thank you. Your choices are saved.")
            return HttpResponseRedirect(next_url) if next_url else redirect("home")
    choices = dict(KEEP_CHOICES)
    return render(
        request,
        "accounts/consent.html",
        {
            "form": form,
            "version": version,
            "latest": latest if latest is not None and latest.version == version.version else None,
            "latest_choice_label": (
                f"“{choices['keep' if latest.keep_research_data else 'delete']}”"
                if latest is not None
                else ""
            ),
            "needs_consent": state.needs_consent,
            # Someone who agreed to an earlier version is told why they are asked again.
            "agreed_before": latest if latest is not None and state.needs_consent else None,
            "can_accept": not state.is_staff,
            "next": next_url or "",
        },
    )

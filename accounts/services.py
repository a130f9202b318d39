"""Writes for accounts: inviting people and accepting invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import audit_record
from .emails import email_send
from .models import (
    AuditAction,
    Invitation,
    Membership,
    Organization,
    QuestionnaireLayout,
    Role,
    User,
    hash_token,
)
from .signals import invitation_accepted


class InvitationError(Exception):
    """An invitation cannot be made or used; the message is meant for the person who tried."""


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: Role | str,
    invited_by: User,
    full_name: str = "",
    send_email: bool = True,
) -> Invitation:
    """Invite someone to the organization by e-mail; an older pending invitation to the same address is revoked.

    `send_email=False`: the caller sends the link in its own message (a waitlist offer goes
    through the outbox and carries the invitation link itself), so the person gets one e-mail.
    """
    email = email.strip().lower()
    if role:
        already = Membership.objects.filter(
            organization=organization, user__email__iexact=email, role=role
        ).exists()
        if already:
            raise InvitationError(f"{email} is already a {Role(role).label.lower()} here.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # Only the newest link works, so a forwarded old e-mail cannot be used.
        Invitation.objects.pending().filter(organization=organization, email__iexact=email).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            full_name=full_name.strip(),
            role=role or "",
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        if role:
            # A staff invitation gives a role (or changes one) once accepted. Participant
            # invitations come with an enrollment, which is recorded on its own.
            current = (
                Membership.objects.filter(organization=organization, user__email__iexact=email)
                .values_list("role", flat=True)
                .first()
            )
            audit_record(
                request=None,
                actor=invited_by,
                action=AuditAction.INVITATION_SENT,
                obj=invitation,
                organization=organization,
                details={"email": email, "role": str(role), "current_role": current},
            )
        if not send_email:
            return invitation
        accept_url = settings.SITE_URL + reverse("invitation_accept", args=[token])
        # Sent only once the invitation is saved: a rolled-back invitation sends nothing.
        transaction.on_commit(
            lambda: email_send(
                template="invitation",
                to=[email],
                context={
                    "invitation": invitation,
                    "accept_url": accept_url,
                    "inviter": invited_by,
                    "valid_days": settings.INVITATION_VALID_DAYS,
                },
                sender_name=organization.sender_name,
            )
        )
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User | None = None) -> None:
    """Stop an invitation's link from working."""
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been accepted.")
    with transaction.atomic():
        revoked = Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                request=None,
                actor=by,
                action=AuditAction.INVITATION_REVOKED,
                obj=invitation,
                organization=invitation.organization,
                details={"email": invitation.email, "role": invitation.role or None},
            )


def invitation_needs_password(*, invitation: Invitation) -> bool:
    """Whether accepting must set a password (a new account, or one that never had one)."""
    user = User.objects.filter(email__iexact=invitation.email).first()
    return user is None or not user.has_usable_password()


def invitation_is_for(*, invitation: Invitation, user: User) -> bool:
    """Whether the invitation is addressed to this (signed-in) account."""
    return user.is_authenticated and user.email.lower() == invitation.email.lower()


def invitation_accept(
    *,
    token: str,
    password: str | None,
    full_name: str = "",
    signed_in: User | None = None,
) -> User:
    """Use an invitation once: create or reuse the account, mark the address verified, add the role.

    An account someone already uses (it has a password) is reached only by that person signed
    in (`signed_in`): the link alone, which anyone it was forwarded to holds, never adds a role
    to it, changes its name or hands its details to the inviting organization. A new account
    (or one that never had a password) is made by choosing its password here, as before.
    """
    with transaction.atomic():
        # The row lock makes "single use" hold when the link is clicked twice at once.
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
        )
        if invitation is None:
            raise InvitationError("This invitation link is not valid.")
        if invitation.accepted_at is not None:
            raise InvitationError("This invitation has already been used. Please sign in instead.")
        if invitation.revoked_at is not None:
            raise InvitationError(
                "This invitation was withdrawn. Ask your coordinator for a new one."
            )
        if invitation.is_expired():
            raise InvitationError(
                "This invitation has expired. Ask your coordinator for a new one."
            )

        user = User.objects.filter(email__iexact=invitation.email).first()
        created = user is None
        in_use = False
        if user is not None and user.has_usable_password():
            in_use = True
            if signed_in is None or not signed_in.is_authenticated:
                raise InvitationError(
                    "This invitation is for an existing account. Sign in to accept it."
                )
            if signed_in.pk != user.pk:
                raise InvitationError(
                    "This invitation is for another account. Sign in with the address it was "
                    "sent to, and open the link again."
                )
        if user is None:
            # A new account starts in the organization's time zone; its owner may change it.
            user = User(email=invitation.email, timezone=invitation.organization.default_timezone)
        if not in_use:
            # A new account, or one never used: whoever chooses its password here owns it.
            if full_name.strip():
                user.full_name = full_name.strip()
            elif created:
                user.full_name = invitation.full_name
            if not password:
                raise InvitationError("Please choose a password.")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise InvitationError(" ".join(exc.messages)) from exc
            user.set_password(password)
            user.save()
        # An account in use is left as it is: its name is theirs to change on their profile page.

        # The link arrived in this inbox, which is the proof of address allauth asks for.
        EmailAddress.objects.filter(user=user).exclude(email__iexact=invitation.email).update(
            primary=False
        )
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=invitation.email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])

        if invitation.role:
            before = (
                Membership.objects.filter(user=user, organization=invitation.organization)
                .values_list("role", flat=True)
                .first()
            )
            membership, _ = Membership.objects.update_or_create(
                user=user, organization=invitation.organization, defaults={"role": invitation.role}
            )
            if before != invitation.role:
                audit_record(
                    request=None,
                    actor=user,
                    action=AuditAction.ROLE_CHANGED,
                    obj=membership,
                    organization=invitation.organization,
                    details={
                        "person": user.email,
                        "from": before,
                        "to": invitation.role,
                        "via": "invitation",
                        "invitation": invitation.pk,
                        "invited_by": invitation.invited_by.email
                        if invitation.invited_by
                        else None,
                    },
                )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        invitation_accepted.send(sender=Invitation, user=user, invitation=invitation)
    return user


def user_update_profile(
    *, user: User, full_name: str, preferred_name: str, timezone_name: str, phone: str
) -> User:
    """Save the details a person may change about themselves."""
    user.full_name = full_name.strip()
    user.preferred_name = preferred_name.strip()
    user.timezone = timezone_name
    user.phone = phone.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "preferred_name", "timezone", "phone"])
    return user


def user_set_questionnaire_layout(*, user: User, layout: str) -> User:
    """Save how the person's questionnaires are shown (accounts.QuestionnaireLayout)."""
    user.questionnaire_layout = QuestionnaireLayout(layout)
    user.save(update_fields=["questionnaire_layout"])
    return user


# --- export records ---------------------------------------------------------------------------

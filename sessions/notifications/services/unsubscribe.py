"""Signed one-click unsubscribe links (RFC 8058): no login, no expiry, one kind of message each."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from sessions.notifications.models import PREFERENCE_FOR_KIND, Preferences

SALT = "stillwater.unsubscribe"


class BadUnsubscribeLink(Exception):
    """The link was changed, cut short or made up."""


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A token naming the person and the preference the link turns off."""
    field = PREFERENCE_FOR_KIND[kind]
    if field is None:
        raise ValueError(f"{kind} messages cannot be turned off")
    return signing.dumps({"u": user.pk, "p": field}, salt=SALT, compress=True)


def unsubscribe_url(*, user: User, kind: str) -> str:
    return settings.SITE_URL + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)]
    )


def unsubscribe_read(token: str) -> tuple[User, str]:
    """The person and preference a token names; BadUnsubscribeLink when it is not one of ours."""
    try:
        data = signing.loads(token, salt=SALT)
        user = User.objects.get(pk=int(data["u"]))
        field = str(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as exc:
        raise BadUnsubscribeLink from exc
    if field not in {f for f in PREFERENCE_FOR_KIND.values() if f}:
        raise BadUnsubscribeLink
    return user, field


def preference_label(field: str) -> str:
    model_field = Preferences._meta.get_field(field)
    return str(getattr(model_field, "verbose_name", field))


def unsubscribe_apply(*, token: str) -> tuple[User, str]:
    """Turn off what the link names; doing it twice changes nothing more."""
    user, field = unsubscribe_read(token)
    with transaction.atomic():
        preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
        if getattr(preferences, field):
            setattr(preferences, field, False)
            preferences.save(update_fields=[field, "updated_at"])
    return user, field

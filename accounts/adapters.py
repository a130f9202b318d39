"""allauth adapters: Stillwater is invitation-only, and two-factor secrets are encrypted."""

from __future__ import annotations

import functools
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through a coordinator's invitation (accounts.services.invitation_accept),
        # never through a public sign-up form.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's messages end with the site address; ours is configured, not the Host header.
        context = {**context, "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)


class MFAAdapter(DefaultMFAAdapter):
    """Encrypts what allauth stores for two-factor authentication.

    allauth keeps each TOTP secret and recovery-code seed in the Authenticator row and passes
    it through encrypt()/decrypt(), which are identity functions by default. Here they use
    Fernet (AES-128-CBC with an HMAC) under STILLWATER_MFA_KEY, which lives in the environment,
    never in the database.
    """

    def encrypt(self, text: str) -> str:
        return _mfa_fernet(settings.STILLWATER_MFA_KEY).encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_FERNET_TOKEN_PREFIX):
            # Written before encryption was switched on; it is re-encrypted the next time the
            # person sets up their app. Anything that looks like a token must decrypt.
            return encrypted_text
        try:
            return (
                _mfa_fernet(settings.STILLWATER_MFA_KEY).decrypt(encrypted_text.encode()).decode()
            )
        except InvalidToken:
            raise ImproperlyConfigured(
                "A two-factor secret cannot be decrypted with STILLWATER_MFA_KEY: the key was "
                "changed without keeping the old one. List the old key after the new one, "
                "separated by a comma."
            ) from None


# Every Fernet token starts with the version byte 0x80, which is "gA" in url-safe base64.
_FERNET_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


@functools.lru_cache(maxsize=4)
def _mfa_fernet(keys: str) -> MultiFernet:
    """The first key encrypts; every key decrypts, so an old key can be kept while rotating."""
    parts = [key.strip() for key in keys.split(",") if key.strip()]
    if not parts:
        raise ImproperlyConfigured(
            "STILLWATER_MFA_KEY is empty: two-factor secrets cannot be stored without it."
        )
    return MultiFernet([Fernet(key) for key in parts])

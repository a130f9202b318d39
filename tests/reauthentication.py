"""A recent password confirmation in a test client's session, recorded the way allauth does it.

allauth's reauthentication (allauth/account/internal/flows/reauthentication.py) appends a
record `{"method": "password", "at": <time>, "reauthenticated": True}` to the session's
authentication records; `reauthentication_required` views accept it for
ACCOUNT_REAUTHENTICATION_TIMEOUT seconds. Tests that are about something else use this
instead of posting the password to /accounts/reauthenticate/ first; one test per protected
action goes through the real page.
"""

from __future__ import annotations

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from django.test import Client

from accounts.models import User


def record_reauthentication(client: Client, user: User, *, seconds_ago: float = 0) -> None:
    """The signed-in `user` confirmed their password `seconds_ago` (keeps earlier records)."""
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append(
        {
            "method": "password",
            "at": time.time() - seconds_ago,
            "email": user.email,
            "reauthenticated": True,
        }
    )
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()

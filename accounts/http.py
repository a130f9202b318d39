"""The request a signed-in view receives.

LoginRequiredMiddleware turns every anonymous visitor away before a view runs, unless the view is
marked `login_not_required`; so a view that is not marked may declare its request as
`AuthenticatedHttpRequest` and use `request.user` as the `User` it is, without casts.
(The same idea as healthchecks' AuthenticatedHttpRequest.)
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User

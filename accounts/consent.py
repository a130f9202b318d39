"""Participants accept the current consent before using Stillwater.

The consent text is a versioned template, `templates/accounts/consent/v<N>.html`, and the
version in force is the setting STILLWATER_CONSENT_VERSION. Both live in the code on purpose:
the words people agree to are reviewed and shipped like code, and changing them means a new
file and a new number in the same commit, after which everyone is asked again. A text editable
in the admin could change under people's feet without anyone re-accepting. Each acceptance
(ConsentRecord) keeps the SHA-256 of the template it was given, so the exact words can be
shown later.

A participant is someone with an enrollment and no staff membership. Until they accept the
current version, every page except the consent page, sign-in and account pages, help, public
links (unsubscribe, calendar feed) and their rights pages (download, leave, erasure) sends
them to the consent page. Declining does not lock anyone out of those rights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .models import ConsentRecord, Membership, User

# The session remembers that this person needs nothing from the gate for this version, so
# pages after the first cost no query. Stored per version: a new version asks again.
SESSION_KEY = "stillwater_consent_ok"

# Pages a participant reaches before accepting (URL names, with namespace).
EXEMPT_VIEWS = frozenset(
    {
        "consent",
        "help",
        "notifications:unsubscribe",
        "rights:my_data_download",
        "rights:withdraw",
        "rights:erasure_request",
        # Keeping a session alive from the idle-logoff warning must not turn into a redirect.
        "session_keep_alive",
    }
)
# allauth's pages: sign in and out, password, e-mail, two-factor, reauthentication.
EXEMPT_MODULE_PREFIXES = ("allauth.",)


@dataclass(frozen=True)
class ConsentVersion:
    version: str
    template_name: str
    text_sha256: str


def consent_template_name(version: str) -> str:
    return f"accounts/consent/v{version}.html"


@cache
def _digest(template_name: str) -> str:
    # The shipped source, not the rendered page: the same for everyone shown this version.
    source = get_template(template_name).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()


def consent_current() -> ConsentVersion:
    """The version participants must have accepted, with its template and digest."""
    version = str(settings.STILLWATER_CONSENT_VERSION)
    name = consent_template_name(version)
    return ConsentVersion(version=version, template_name=name, text_sha256=_digest(name))


def consent_get_latest(*, user: User) -> ConsentRecord | None:
    """The person's newest acceptance of any version, or None."""
    return ConsentRecord.objects.filter(user=user).order_by("-accepted_at", "-pk").first()


def consent_current_accepted(user_id: OuterRef) -> Exists:
    """Whether the person (an OuterRef to their id) accepted the version in force, as an
    expression, so a page can ask it for many people inside a query it makes anyway."""
    return Exists(
        ConsentRecord.objects.filter(Q(user_id=user_id), version=consent_current().version)
    )


def consent_keeps_research_data(*, user: User) -> bool:
    """What the newest acceptance says about research rows after erasure; no consent: keep nothing."""
    record = consent_get_latest(user=user)
    return bool(record and record.keep_research_data)


def consent_record_accept(
    *, user: User, keep_research_data: bool, version: ConsentVersion | None = None
) -> ConsentRecord:
    """Record that the person accepted the current version (or `version`) and what they chose."""
    version = version or consent_current()
    return ConsentRecord.objects.create(
        user=user,
        version=version.version,
        text_sha256=version.text_sha256,
        accepted_at=timezone.now(),
        keep_research_data=keep_research_data,
    )


@dataclass(frozen=True)
class ConsentState:
    is_staff: bool
    is_enrolled: bool
    accepted: bool

    @property
    def needs_consent(self) -> bool:
        return self.is_enrolled and not self.is_staff and not self.accepted

    @property
    def settled(self) -> bool:
        """Nothing can make the gate apply again during this session (for this version)."""
        return self.is_staff or self.accepted


def consent_state(*, user: User, version: str) -> ConsentState:
    """Staff membership, enrollment and acceptance of `version`, in one query."""
    # Enrollments are named by their reverse relation: accounts does not import programs.
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_membership=Exists(Membership.objects.filter(user=OuterRef("pk"))),
            has_enrollment=Exists(
                User.objects.filter(pk=OuterRef("pk"), enrollments__isnull=False)
            ),
            has_accepted=Exists(ConsentRecord.objects.filter(user=OuterRef("pk"), version=version)),
        )
        .values("has_membership", "has_enrollment", "has_accepted")
        .first()
    )
    if row is None:
        return ConsentState(is_staff=False, is_enrolled=False, accepted=False)
    return ConsentState(
        is_staff=row["has_membership"],
        is_enrolled=row["has_enrollment"],
        accepted=row["has_accepted"],
    )


def consent_mark_settled(request: HttpRequest, version: str) -> None:
    request.session[SESSION_KEY] = version


@receiver(user_logged_in, dispatch_uid="accounts.consent.remember_at_login")
def _remember_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # Worked out once at sign-in, while the session is being written anyway, so the pages
    # that follow cost nothing extra.
    if request is None or not hasattr(request, "session"):
        return
    version = consent_current().version
    if consent_state(user=user, version=version).settled:
        consent_mark_settled(request, version)


def _is_exempt(request: HttpRequest, view_func: Callable[..., Any]) -> bool:
    # Public pages (unsubscribe links, calendar feeds, invitations) show nobody's data.
    if getattr(view_func, "login_required", True) is False:
        return True
    match = request.resolver_match
    if match is None:
        return False
    if match.view_name in EXEMPT_VIEWS:
        return True
    module = getattr(match.func, "__module__", "") or ""
    return module.startswith(EXEMPT_MODULE_PREFIXES)


def consent_url(next_path: str | None = None) -> str:
    url = reverse("consent")
    if next_path:
        url = f"{url}?{urlencode({'next': next_path})}"
    return url


class ConsentRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        version = consent_current().version
        if request.session.get(SESSION_KEY) == version:
            return None
        if _is_exempt(request, view_func):
            return None
        state = consent_state(user=user, version=version)
        if state.settled:
            consent_mark_settled(request, version)
            return None
        if not state.needs_consent:
            # Neither staff nor enrolled (yet): nothing to gate, and nothing remembered, so
            # an enrollment made during this session is gated at once.
            return None
        next_path = request.get_full_path() if request.method == "GET" else None
        return HttpResponseRedirect(consent_url(next_path))


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    """`value` if it is a path on this site, else None."""
    # Only a path: redirect() would take any other word for a URL name and fail with a 500.
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return None


# --- the form -------------------------------------------------------------------------------

KEEP_CHOICES = [
    ("keep", "You may keep my answers for research, without my name"),
    ("delete", "Delete my answers too"),
]


class ConsentForm(forms.Form):
    keep_research_data = forms.ChoiceField(
        label="If you ask us to erase your details",
        choices=KEEP_CHOICES,
        widget=forms.RadioSelect,
        help_text="You can change this later on this page.",
        error_messages={
            "required": "Choose what happens to your answers if you ask us to erase your details."
        },
    )
    agree = forms.BooleanField(
        label="I have read this and I agree to use Stillwater",
        required=True,
        error_messages={
            "required": "Tick the box to say you agree. If you do not want to take part, "
            "talk to your course team."
        },
    )

    def keeps_research_data(self) -> bool:
        return self.cleaned_data["keep_research_data"] == "keep"

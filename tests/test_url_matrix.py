"""Every URL of the project, for every role: who gets the page, who is sent to sign in, who gets 404.

The table below has one entry per route the resolver knows (project, allauth and admin routes
alike). A route without an entry fails the walk, naming the route: a new page is private until
someone decides, here, who may see it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, path, resolve, reverse

from accounts.models import Invitation, Organization, User, hash_token
from programs.models import Cohort, Enrollment
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
)
from sessions.notifications.models import Notification, NotificationStatus
from sessions.notifications.services.unsubscribe import unsubscribe_token
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.reports.models import ExportRecord
from sessions.services.calendar import calendar_feed_create
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    OrganizationFactory,
    UserFactory,
    coordinator,
    facilitator,
    shipped_program,
    staff_totp_ensure,
)
from tests.reauthentication import record_reauthentication

UTC = dt.UTC
# The cohort meets on Tuesdays at 18:00 London time from 1 September 2026; at NOW (a Wednesday)
# sessions 1 to 3 were held, the baseline questionnaires are sent and the post ones are open.
START = dt.date(2026, 9, 1)
BEFORE = dt.datetime(2026, 8, 1, tzinfo=UTC)
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)

ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "facilitator",
    "other_facilitator",
    "coordinator",
    "other_coordinator",
)
SIGNED_IN = ROLES[1:]

INVITATION_TOKEN = "invitation-token-for-the-url-matrix-0123456789"


# --- the world every route is tried in ----------------------------------------------------------


@dataclass
class World:
    """Two organizations; in the first, a cohort with its facilitator and participant, and a
    second cohort with another facilitator and another participant. Every kind of object a URL
    can name exists once, belonging to the first cohort's participant or staff."""

    organization: Organization
    other_organization: Organization
    cohort: Cohort
    other_cohort: Cohort
    foreign_cohort: Cohort
    participant: User
    other_participant: User
    facilitator: User
    other_facilitator: User
    coordinator: User
    other_coordinator: User
    enrollment: Enrollment
    other_enrollment: Enrollment
    session: ScheduledSession
    missed_session: ScheduledSession
    baseline: Assessment
    post: Assessment
    response: Response
    safety_event: SafetyEvent
    practice_log: PracticeLog
    follow_up: FollowUp
    note: FacilitatorNote
    completion: SessionCompletion
    notification: Notification
    export_record: ExportRecord
    calendar_feed: CalendarFeed
    calendar_token: str
    invitation: Invitation
    invitation_token: str
    unsubscribe_token: str

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def _mbsr_cohort(organization: Organization, facilitators: list[User], name: str) -> Cohort:
    cohort = CohortFactory(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=facilitators,
        start_date=START,
        name=name,
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _assessment(enrollment: Enrollment, kind: str, **fields: object) -> Assessment:
    point = enrollment.cohort.program.measurement_points.get(kind=kind)
    assessment, _ = Assessment.objects.update_or_create(
        enrollment=enrollment,
        measurement_point=point,
        defaults={"instruments": ["phq9", "gad7"], **fields},
    )
    return assessment


def build_world() -> World:
    """The shared fixture world (call inside time_machine.travel(NOW))."""
    organization = OrganizationFactory(name="Riverside MS Centre", slug="riverside")
    other_organization = OrganizationFactory(name="Hillview Neurology", slug="hillview")
    staff = {
        "facilitator": facilitator(organization, user__email="fay@example.org"),
        "other_facilitator": facilitator(organization, user__email="finn@example.org"),
        "coordinator": coordinator(organization, user__email="cora@example.org"),
        "other_coordinator": coordinator(other_organization, user__email="otto@example.org"),
    }
    cohort = _mbsr_cohort(organization, [staff["facilitator"]], "Tuesday evenings")
    other_cohort = _mbsr_cohort(organization, [staff["other_facilitator"]], "Thursday mornings")
    foreign_cohort = CohortFactory(
        organization=other_organization, program=shipped_program("mbsr-8-ms"), name="Hillview"
    )
    participant = UserFactory(email="pat@example.org", full_name="Pat Participant")
    other_participant = UserFactory(email="quinn@example.org", full_name="Quinn Other")
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-A01")
    other_enrollment = EnrollmentFactory(
        cohort=other_cohort, user=other_participant, participant_code="P-B01"
    )
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=None).order_by("starts_at")
    )
    session, missed_session = sessions[0], sessions[1]
    Attendance.objects.create(
        scheduled_session=session, enrollment=enrollment, status=AttendanceStatus.ATTENDED
    )
    Attendance.objects.create(
        scheduled_session=missed_session, enrollment=enrollment, status=AttendanceStatus.ABSENT
    )
    follow_up = FollowUp.objects.create(scheduled_session=missed_session, enrollment=enrollment)
    note = FacilitatorNote.objects.create(
        scheduled_session=session,
        enrollment=enrollment,
        text="Settled in well.",
        author=staff["facilitator"],
        updated_by=staff["facilitator"],
    )
    completion = SessionCompletion.objects.create(
        enrollment=enrollment,
        program_session=missed_session.program_session,
        reflection="Caught up at home.",
        completed_at=NOW - dt.timedelta(days=2),
    )
    baseline = _assessment(
        enrollment,
        "baseline",
        opens_at=dt.datetime(2026, 8, 18, 17, tzinfo=UTC),
        closes_at=dt.datetime(2026, 9, 1, 17, tzinfo=UTC),
        completed_at=dt.datetime(2026, 8, 20, 9, tzinfo=UTC),
    )
    response = Response.objects.create(
        assessment=baseline,
        instrument="phq9",
        instrument_version="1",
        answers={str(n): (1 if n == 9 else 0) for n in range(1, 11)},
        submitted_at=baseline.completed_at,
    )
    Response.objects.create(
        assessment=baseline,
        instrument="gad7",
        instrument_version="1",
        answers={str(n): 0 for n in range(1, 9)},
        submitted_at=baseline.completed_at,
    )
    safety_event = SafetyEvent.objects.create(
        enrollment=enrollment, response=response, flag="item9_positive", flag_value=True
    )
    # Open now: every PHQ-9 question answered (item 9 "not at all"), nothing sent yet.
    post = _assessment(
        enrollment,
        "post",
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=14),
        completed_at=None,
    )
    Response.objects.create(
        assessment=post,
        instrument="phq9",
        instrument_version="1",
        answers={str(n): 0 for n in range(1, 11)},
    )
    practice_log = PracticeLog.objects.create(
        enrollment=enrollment, date=dt.date(2026, 9, 15), practice="body_scan", minutes=20
    )
    PracticeLog.objects.create(
        enrollment=other_enrollment, date=dt.date(2026, 9, 15), practice="body_scan", minutes=10
    )
    notification = Notification.objects.create(
        kind="session_24h",
        recipient=participant,
        dedupe_key="url-matrix-session-24h",
        status=NotificationStatus.FAILED,
        send_at=NOW - dt.timedelta(hours=2),
        enrollment=enrollment,
        cohort=cohort,
        scheduled_session=sessions[3],
        last_error="mailbox unavailable",
    )
    export_record = ExportRecord.objects.create(
        user=staff["coordinator"],
        actor=staff["coordinator"].email,
        organization=organization,
        kind="completion",
        format="csv",
    )
    calendar_feed, calendar_token = calendar_feed_create(user=participant)
    invitation = Invitation.objects.create(
        organization=organization,
        email="newcomer@example.org",
        full_name="Nia Newcomer",
        token_hash=hash_token(INVITATION_TOKEN),
        invited_by=staff["coordinator"],
        expires_at=NOW + dt.timedelta(days=14),
    )
    return World(
        organization=organization,
        other_organization=other_organization,
        cohort=cohort,
        other_cohort=other_cohort,
        foreign_cohort=foreign_cohort,
        participant=participant,
        other_participant=other_participant,
        enrollment=enrollment,
        other_enrollment=other_enrollment,
        session=session,
        missed_session=missed_session,
        baseline=baseline,
        post=post,
        response=response,
        safety_event=safety_event,
        practice_log=practice_log,
        follow_up=follow_up,
        note=note,
        completion=completion,
        notification=notification,
        export_record=export_record,
        calendar_feed=calendar_feed,
        calendar_token=calendar_token,
        invitation=invitation,
        invitation_token=INVITATION_TOKEN,
        unsubscribe_token=unsubscribe_token(user=participant, kind="session_24h"),
        **staff,
    )


UrlBuilder = Callable[[World], str]


# --- what a role may get ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """A status code, and for a redirect the URL name its Location resolves to."""

    status: int
    to: str | None = None

    def __str__(self) -> str:
        return f"{self.status}→{self.to}" if self.to else str(self.status)

    def mismatch(self, response: HttpResponseBase) -> str | None:
        got = _outcome(response)
        return None if got == self else str(got)


def _outcome(response: HttpResponseBase) -> Expect:
    location = response.get("Location", "")
    if not location:
        return Expect(response.status_code)
    try:
        name = resolve(urlsplit(location).path).view_name
    except Resolver404:
        name = location
    return Expect(response.status_code, name)


OK = Expect(200)
BAD_REQUEST = Expect(400)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
LOGIN = Expect(302, "account_login")


def to(name: str) -> Expect:
    return Expect(302, name)


@dataclass(frozen=True)
class PostCase:
    """A state-changing POST: who owns it, what they send, and what they get.

    Anonymous visitors (unless the route is public) are sent to sign in and every role in
    `outsiders` gets 404, and neither changes anything; the owner's same request does."""

    owner: str
    data: Callable[[World], dict[str, Any]]
    expect: Expect
    outsiders: tuple[str, ...] = ()
    url: UrlBuilder | None = None  # when the POST goes somewhere else than the GET row's URL
    # The owner must confirm their password first: without it they are sent to do so.
    reauthenticate: bool = False
    # False for a POST that only touches the session (no row changes).
    changes_data: bool = True


@dataclass(frozen=True)
class Row:
    url: UrlBuilder
    expect: dict[str, Expect]
    public: bool = False
    post: PostCase | None = None


def row(
    url: UrlBuilder,
    *,
    default: Expect = NOT_FOUND,
    public: bool = False,
    post: PostCase | None = None,
    **by_role: Expect,
) -> Row:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    expect = {role: by_role.get(role, default) for role in ROLES}
    if "anonymous" not in by_role:
        expect["anonymous"] = OK if public else LOGIN
    return Row(url, expect, public, post)


def public(url: UrlBuilder, post: PostCase | None = None, **by_role: Expect) -> Row:
    """Reached without signing in (the token or the page itself is the permission)."""
    return row(url, default=OK, public=True, post=post, **by_role)


def signed_in(url: UrlBuilder, **kwargs: Any) -> Row:
    """Everyone signed in gets their own version of the page (or, with default=, that answer)."""
    kwargs.setdefault("default", OK)
    return row(url, **kwargs)


def participants(url: UrlBuilder, **kwargs: Any) -> Row:
    """Participant pages about their own course: staff without an enrollment get 404."""
    return row(url, participant=OK, other_participant=OK, **kwargs)


def own(url: UrlBuilder, **kwargs: Any) -> Row:
    """An object of the first participant's: only they reach it."""
    return row(url, participant=OK, **kwargs)


def cohort_staff(url: UrlBuilder, **kwargs: Any) -> Row:
    """The cohort's facilitator and its organization's coordinator; everyone else 404."""
    kwargs.setdefault("facilitator", OK)
    kwargs.setdefault("coordinator", OK)
    return row(url, **kwargs)


def cohort_coordinator(url: UrlBuilder, **kwargs: Any) -> Row:
    """Changes only a coordinator of the cohort's organization makes."""
    return row(url, coordinator=OK, **kwargs)


def coordinators(url: UrlBuilder, **kwargs: Any) -> Row:
    """Coordinator pages about their own organization (each coordinator sees their own)."""
    return row(url, coordinator=OK, other_coordinator=OK, **kwargs)


def staff(url: UrlBuilder, **kwargs: Any) -> Row:
    """Staff pages about the staff member's own cohorts."""
    return row(
        url, facilitator=OK, other_facilitator=OK, coordinator=OK, other_coordinator=OK, **kwargs
    )


UNAUTHORIZED = Expect(401)


def api_route(url: UrlBuilder) -> Row:
    """An /api/v1/ route: no sign-in page (a token is the sign-in), and a cookie is no token."""
    return row(url, default=UNAUTHORIZED, public=True, anonymous=UNAUTHORIZED)


def post_only(url: UrlBuilder, post: PostCase | None = None, **kwargs: Any) -> Row:
    """A POST-only action: a GET is refused with 405 once signed in."""
    return row(url, default=NOT_ALLOWED, post=post, **kwargs)


def _r(name: str, *args: object, **kwargs: object) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def url(name: str, *args: Callable[[World], object]) -> UrlBuilder:
    """A builder for reverse(name, args) with args taken from the world."""

    def build(world: World) -> str:
        return _r(name, *[arg(world) for arg in args])

    return build


def const(value: object) -> Callable[[World], object]:
    return lambda world: value


COHORT = lambda w: w.cohort.pk  # noqa: E731
SESSION = lambda w: w.session.pk  # noqa: E731
ENROLLMENT = lambda w: w.enrollment.pk  # noqa: E731
POST_ASSESSMENT = lambda w: w.post.pk  # noqa: E731
BASELINE = lambda w: w.baseline.pk  # noqa: E731
PHQ9 = const("phq9")

STAFF_ROLES = ("facilitator", "other_facilitator", "coordinator", "other_coordinator")
# Everyone signed in who is not the cohort's facilitator or its organization's coordinator.
COHORT_OUTSIDERS = ("participant", "other_participant", "other_facilitator", "other_coordinator")
NOT_COHORT_COORDINATOR = (*COHORT_OUTSIDERS, "facilitator")
NOT_THE_PARTICIPANT = ("other_participant", *STAFF_ROLES)


# --- POST bodies an owner would send --------------------------------------------------------------


def _cohort_form(world: World) -> dict[str, Any]:
    return {
        "name": "Wednesday afternoons",
        "program": world.cohort.program_id,
        "start_date": "2026-10-07",
        "meeting_weekday": "",
        "meeting_time": "14:00",
        "timezone": "Europe/London",
        "default_modality": "in_person",
        "place": "Room 3",
        "video_link": "",
        "phone_instructions": "",
        "facilitators": [world.facilitator.pk],
        "skip_dates": "",
    }


def _later_session(world: World) -> ScheduledSession:
    return (
        ScheduledSession.objects.filter(cohort=world.cohort, enrollment=None, starts_at__gt=NOW)
        .order_by("starts_at")
        .last()
    )


def _attendance(world: World) -> dict[str, Any]:
    third = (
        ScheduledSession.objects.filter(cohort=world.cohort, enrollment=None)
        .order_by("starts_at")
        .values_list("pk", flat=True)[2]
    )
    return {f"s{third}-e{world.enrollment.pk}-status": "attended", "loaded": ""}


def _phq9_answers(item9: int = 0) -> dict[str, Any]:
    return {f"q{n}": (item9 if n == 9 else 1) for n in range(1, 11)}


def _preferences(world: World) -> dict[str, Any]:
    return {
        "session_reminders": "on",
        "questionnaire_reminders": "on",
        "practice_nudge_time": "19:00",
        "daily_cap": "2",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "08:00",
    }


LOGGED_PRACTICE = {"date": "2026-09-16", "practice": "body_scan", "minutes": "25", "note": ""}


# --- the table: one entry per route -------------------------------------------------------------

# allauth: every route it serves under accounts/, named so a new one is noticed.
ALLAUTH: dict[str, Row] = {
    # Public: signing in, the (closed) sign-up page, password reset and e-mail confirmation.
    "account_login": public(url("account_login"), **dict.fromkeys(SIGNED_IN, to("home"))),
    "account_signup": public(url("account_signup"), **dict.fromkeys(SIGNED_IN, to("home"))),
    "account_inactive": public(url("account_inactive")),
    "account_email_verification_sent": public(url("account_email_verification_sent")),
    "account_confirm_email": public(url("account_confirm_email", const("not-a-real-key"))),
    "account_reset_password": public(url("account_reset_password")),
    "account_reset_password_done": public(url("account_reset_password_done")),
    "account_reset_password_from_key": public(
        lambda w: _r("account_reset_password_from_key", uidb36="1", key="not-a-real-key")
    ),
    "account_reset_password_from_key_done": public(url("account_reset_password_from_key_done")),
    "account_request_login_code": public(
        url("account_request_login_code"), **dict.fromkeys(SIGNED_IN, to("home"))
    ),
    # Without a code requested first there is nothing to confirm: back to asking for one.
    "account_confirm_login_code": public(
        url("account_confirm_login_code"),
        anonymous=to("account_request_login_code"),
        **dict.fromkeys(SIGNED_IN, to("home")),
    ),
    # Signed in: the person's own account settings.
    "account_logout": signed_in(url("account_logout")),
    "account_reauthenticate": signed_in(url("account_reauthenticate")),
    "account_email": signed_in(url("account_email")),
    "account_change_password": signed_in(url("account_change_password")),
    # Everyone here has a password, so "set" becomes "change".
    "account_set_password": signed_in(
        url("account_set_password"), default=to("account_change_password")
    ),
    "mfa_index": signed_in(url("mfa_index")),
    # Only during a sign-in that waits for its second step.
    "mfa_authenticate": signed_in(url("mfa_authenticate"), default=to("home")),
    # Staff have an authenticator app (tests.factories gives every staff member one), so they
    # confirm with a code; participants without one confirm with their password.
    "mfa_reauthenticate": signed_in(
        url("mfa_reauthenticate"),
        participant=to("account_reauthenticate"),
        other_participant=to("account_reauthenticate"),
    ),
    # Confirming identity by a code mailed to the inbox is switched off (config/urls.py lists
    # these paths first, so allauth's own views behind the same names are never reached): the
    # password or an authenticator code only. Gone for everyone, signed in or not.
    **{
        key: row(url(name), default=NOT_FOUND, anonymous=NOT_FOUND, public=True)
        for key, name in (
            ("accounts/reauthenticate/code/", "account_request_reauthentication_code"),
            ("accounts/reauthenticate/code/confirm/", "account_confirm_reauthentication_code"),
            ("account_request_reauthentication_code", "account_request_reauthentication_code"),
            ("account_confirm_reauthentication_code", "account_confirm_reauthentication_code"),
        )
    },
    "mfa_activate_totp": signed_in(url("mfa_activate_totp"), default=to("account_reauthenticate")),
    # Nothing to turn off without an app; staff must confirm who they are before turning it off.
    "mfa_deactivate_totp": row(
        url("mfa_deactivate_totp"), **dict.fromkeys(STAFF_ROLES, to("account_reauthenticate"))
    ),
    "mfa_view_recovery_codes": row(url("mfa_view_recovery_codes")),
    "mfa_generate_recovery_codes": signed_in(
        url("mfa_generate_recovery_codes"), default=to("account_reauthenticate")
    ),
    "mfa_download_recovery_codes": row(url("mfa_download_recovery_codes")),
}

# The admin is for site operators (is_staff) only: everyone here is refused.
ADMIN_SIGN_IN = to("admin:login")
ADMIN_MODELS: dict[tuple[str, str], Callable[[World], object]] = {
    ("auth", "group"): const(1),
    ("account", "emailaddress"): lambda w: w.participant.emailaddress_set.get().pk,
    ("mfa", "authenticator"): const(1),
    ("accounts", "user"): lambda w: w.participant.pk,
    ("accounts", "organization"): lambda w: w.organization.pk,
    ("accounts", "membership"): lambda w: w.facilitator.memberships.get().pk,
    ("accounts", "invitation"): lambda w: w.invitation.pk,
    ("reports", "exportrecord"): lambda w: w.export_record.pk,
    ("programs", "program"): lambda w: w.cohort.program_id,
    ("programs", "cohort"): COHORT,
    ("programs", "enrollment"): ENROLLMENT,
    ("notifications", "workerheartbeat"): const(1),
    ("accounts", "auditevent"): const(1),
    ("accounts", "consentrecord"): lambda w: w.participant.consent_records.first().pk,
    ("accounts", "erasurerequest"): lambda w: _erasure_request(w).pk,
    ("trials", "study"): lambda w: _study(w).pk,
    ("trials", "studyarm"): lambda w: _study(w).arms.first().pk,
    ("trials", "allocation"): lambda w: _allocation(w).pk,
    ("trials", "allocationcorrection"): const(1),
    # Everyone here is refused before the admin looks the row up.
    ("authoring", "programline"): const(1),
    ("authoring", "programversion"): const(1),
    ("authoring", "programchange"): const(1),
    ("authoring", "recording"): const(1),
}


def _admin_model_rows(app: str, model: str, pk: Callable[[World], object]) -> dict[str, Row]:
    # Model pages are ordinary views: LoginRequiredMiddleware sends the anonymous visitor to
    # sign in first; a signed-in person without is_staff is sent to the admin's own sign-in,
    # which refuses them (admin:login below).
    refused = dict.fromkeys(SIGNED_IN, ADMIN_SIGN_IN)
    prefix = f"admin:{app}_{model}"
    rows = {
        f"{prefix}_changelist": row(url(f"{prefix}_changelist"), **refused),
        f"{prefix}_add": row(url(f"{prefix}_add"), **refused),
        f"{prefix}_history": row(url(f"{prefix}_history", pk), **refused),
        f"{prefix}_delete": row(url(f"{prefix}_delete", pk), **refused),
        f"{prefix}_change": row(url(f"{prefix}_change", pk), **refused),
        # The old address of the change page, kept as a redirect by the admin.
        f"admin/{app}/{model}/<path:object_id>/": row(
            lambda w: f"/admin/{app}/{model}/{pk(w)}/", **refused
        ),
    }
    if (app, model) == ("accounts", "user"):
        rows["admin:auth_user_password_change"] = row(
            url("admin:auth_user_password_change", pk), **refused
        )
    return rows


def _admin_site_row(builder: UrlBuilder) -> Row:
    # Site-level admin views do their own check and send everyone to the admin's sign-in.
    return row(builder, default=ADMIN_SIGN_IN, anonymous=ADMIN_SIGN_IN)


ADMIN: dict[str, Row] = {
    "admin:index": _admin_site_row(url("admin:index")),
    # allauth's sign-in replaces the admin's (rate limits, MFA); signed in without is_staff: 403.
    "admin:login": row(url("admin:login"), default=FORBIDDEN),
    # Not a sign-out for someone who is not admin staff: back to the admin's front page.
    "admin:logout": row(url("admin:logout"), default=to("admin:index"), anonymous=ADMIN_SIGN_IN),
    "admin:password_change": _admin_site_row(url("admin:password_change")),
    "admin:password_change_done": _admin_site_row(url("admin:password_change_done")),
    "admin:autocomplete": _admin_site_row(url("admin:autocomplete")),
    "admin:jsi18n": _admin_site_row(url("admin:jsi18n")),
    "admin:view_on_site": _admin_site_row(
        lambda w: _r("admin:view_on_site", content_type_id=1, object_id=1)
    ),
    "admin:app_list": _admin_site_row(lambda w: _r("admin:app_list", app_label="accounts")),
    "admin/(?P<url>.*)$": _admin_site_row(const("/admin/no-such-page/")),
}
for (_app, _model), _pk in ADMIN_MODELS.items():
    ADMIN.update(_admin_model_rows(_app, _model, _pk))


def _erasure_request(world: World) -> Any:
    """The first participant's open erasure request (made the first time a URL needs it)."""
    from accounts.models import ErasureRequest
    from accounts.rights import erasure_request_create

    waiting = ErasureRequest.objects.filter(user=world.participant, status="open").first()
    return waiting or erasure_request_create(user=world.participant)


def _screening(world: World, state: str = "waiting") -> Any:
    """A screening in the first organization for the MBSR program: waiting on the list,
    unconsented, or offered a place in the first cohort (made the first time a URL needs it)."""
    from sessions.trials.models import Screening
    from sessions.trials.services.offers import waitlist_offer
    from tests.trials.screening_helpers import screen

    email = f"screened-{state}@example.org"
    found = Screening.objects.filter(email=email).first()
    if found is not None:
        return found
    extra = {}
    if state == "flagged":
        from tests.trials.screening_helpers import phq9

        extra["phq9"] = phq9(0, 0, 0, 0, 0, 0, 0, 0, 1)
    screening = screen(
        organization=world.organization,
        program=world.cohort.program,
        by=world.coordinator,
        email=email,
        consented=state != "unconsented",
        **extra,
    )
    if state == "offered":
        waitlist_offer(screening=screening, cohort=world.cohort, by=world.coordinator)
    return screening


def _study(world: World) -> Any:
    """A study of the MBSR program in the first organization, with its own cohort (made once)."""
    from sessions.trials.models import Study
    from tests.trials.allocation_helpers import two_arms

    found = Study.objects.filter(organization=world.organization).first()
    if found is not None:
        return found
    from sessions.trials.services.allocation import study_create

    cohort = CohortFactory(organization=world.organization, program=world.cohort.program)
    return study_create(
        organization=world.organization,
        program=world.cohort.program,
        name="Matrix study",
        arms=two_arms(),
        strata=[],
        cohorts=[cohort],
        by=world.coordinator,
    )


def _free_cohort(world: World) -> Any:
    """A cohort of the study's program in no study yet (made once, when the address is built,
    so that a refused POST's "nothing changed" check does not count it)."""
    from programs.models import Cohort

    found = Cohort.objects.filter(name="Later intake", organization=world.organization).first()
    return found or CohortFactory(
        organization=world.organization, program=world.cohort.program, name="Later intake"
    )


def _study_cohort_add(world: World) -> str:
    _free_cohort(world)
    return _r("trials:study_cohort_add", _study(world).pk)


def _study_waiting(world: World) -> Any:
    """A participant of the study ready to be randomized (made once)."""
    from tests.trials.allocation_helpers import ready_enrollment

    study = _study(world)
    cohort = study.cohorts.get()
    found = cohort.enrollments.filter(user__email="waiting@example.org").first()
    return found or ready_enrollment(cohort, user__email="waiting@example.org")


def _allocation(world: World) -> Any:
    """An allocation made in the study (made once)."""
    from sessions.trials.models import Allocation
    from sessions.trials.services.allocation import randomize
    from tests.trials.allocation_helpers import ready_enrollment

    study = _study(world)
    found = Allocation.objects.filter(study=study).first()
    if found is not None:
        return found
    enrollment = ready_enrollment(study.cohorts.get(), user__email="allocated@example.org")
    return randomize(enrollment=enrollment, by=world.coordinator)


def _screening_form(world: World) -> dict[str, Any]:
    from tests.trials.screening_helpers import form_data

    return form_data(email="new.screened@example.org")


def _results_study(world: World) -> int:
    """A study of the first organization holding the first cohort, for the study results and
    CONSORT pages (made the first time a URL needs it)."""
    from sessions.trials.models import Study, StudyArm

    study, made = Study.objects.get_or_create(
        organization=world.organization,
        name="Results matrix study",
        defaults={
            "program": world.cohort.program,
            "block_sizes": [2],
            "created_by": world.coordinator,
        },
    )
    if made:
        study.cohorts.add(world.cohort)
        StudyArm.objects.create(
            study=study, code="course", label="Course", enrollment_arm="intervention"
        )
        StudyArm.objects.create(
            study=study,
            code="waitlist",
            label="Waitlist",
            enrollment_arm="control",
            is_comparator=True,
        )
    return study.pk


def _recording_line(world: World) -> Any:
    """The first organization's own copy of MBSR with one recording in its draft (guided audio;
    made the first time a URL needs it)."""
    from programs.authoring.models import ProgramLine, Recording
    from programs.authoring.services.versions import line_copy_from_shipped
    from sessions.demo.recordings import demo_recording_add

    line = ProgramLine.objects.filter(name="Matrix recordings").first()
    if line is None:
        line = line_copy_from_shipped(
            user=world.coordinator,
            organization=world.organization,
            source=world.cohort.program,
            name="Matrix recordings",
        )
    draft = line.versions.get(number__isnull=True)
    if not Recording.objects.filter(program=draft.program).exists():
        demo_recording_add(program=draft.program, practice_code="body_scan", title="Body scan")
    return line


def _draft_recording(world: World) -> Any:
    from programs.authoring.models import Recording

    return Recording.objects.get(program__version__line=_recording_line(world))


def _shipped_recording(world: World) -> Any:
    """A recording of the shipped MBSR both cohorts run: their participants and the staff of
    any organization may listen."""
    from sessions.demo.recordings import demo_recording_add

    return demo_recording_add(
        program=world.cohort.program, practice_code="body_scan", title="Body scan"
    )


def _redcap_records(world: World) -> dict[str, Any]:
    """A REDCap records file with one complete questionnaire the participant has not sent yet,
    at a measurement point already open (reports:redcap_import)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.instrument_library import instrument_get
    from sessions.reports.exchange.redcap_names import event_name, unique_event_name

    for found in Assessment.objects.filter(
        enrollment=world.enrollment, opens_at__lte=NOW
    ).select_related("measurement_point"):
        sent = set(
            found.responses.filter(submitted_at__isnull=False).values_list("instrument", flat=True)
        )
        missing = [code for code in found.instruments if code not in sent]
        if missing:
            instrument = instrument_get(missing[0])
            event = unique_event_name(event_name(found.measurement_point.code))
            fields = [f"{instrument.code}_{item.number}" for item in instrument.items]
            values = [str(item.response_options[0].value) for item in instrument.items]
            text = (
                ",".join(["record_id", "redcap_event_name", *fields, f"{instrument.code}_complete"])
                + "\n"
                + ",".join([world.enrollment.participant_code, event, *values, "2"])
                + "\n"
            )
            return {"records": SimpleUploadedFile("records.csv", text.encode()), "mode": "phone"}
    raise AssertionError("the world has no open questionnaire left to import")


def _recording_upload(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sessions.demo.recordings import bell_wav

    return {
        "practice": "body_scan",
        "title": "Body scan, longer",
        "transcript": "[A bell.]",
        "file": SimpleUploadedFile("body-scan.wav", bell_wav()),
    }


def _program_line(world: World, state: str = "draft") -> Any:
    """The first organization's own copy of MBSR with a draft being edited ("draft"), or a
    second one whose only version is published and no draft waits ("published"); made the
    first time a URL needs it."""
    from programs.authoring.models import ProgramLine
    from programs.authoring.services.versions import draft_publish, line_copy_from_shipped

    name = {"draft": "Matrix MBSR", "published": "Matrix MBSR published"}[state]
    found = ProgramLine.objects.filter(organization=world.organization, name=name).first()
    if found is not None:
        return found
    line = line_copy_from_shipped(
        user=world.coordinator,
        organization=world.organization,
        source=world.cohort.program,
        name=name,
    )
    if state == "published":
        draft_publish(user=world.coordinator, line=line)
    return line


def _program_draft(world: World) -> Any:
    from programs.authoring.services.versions import draft_get

    return draft_get(line=_program_line(world))


def _draft_settings_form(world: World) -> dict[str, Any]:
    draft = _program_draft(world)
    program = draft.program
    data: dict[str, Any] = {
        "draft": draft.pk,
        "name": "Matrix MBSR, renamed",
        "summary": program.summary,
        "completion_threshold": program.completion_threshold,
        "default_session_minutes": program.default_session_minutes,
    }
    for index, practice in enumerate(program.practices):
        data[f"practice-{index}-name"] = practice["name"]
        data[f"practice-{index}-description"] = practice.get("description", "")
        data[f"practice-{index}-adaptations"] = practice.get("adaptations", "")
        data[f"practice-{index}-durations"] = ", ".join(map(str, practice.get("durations", [])))
    return data


def _draft_week_form(world: World) -> dict[str, Any]:
    draft = _program_draft(world)
    week = draft.program.sessions.get(number=1)
    return {
        "draft": draft.pk,
        "title": "Matrix week one",
        "aims": week.aims,
        "material": week.material,
        "home_practice": week.home_practice,
        "reflection_prompt": week.reflection_prompt,
        "practices": list(week.practices),
    }


def _api_token(world: World) -> int:
    """An API token of the first organization, still usable (api_token_revoke)."""
    from sessions.api.models import ApiToken
    from sessions.api.services import api_token_create

    found = ApiToken.objects.filter(
        organization=world.organization, revoked_at__isnull=True
    ).first()
    if found is None:
        found, _raw = api_token_create(
            organization=world.organization,
            by=world.coordinator,
            name="Nightly sync",
            scopes=[],
            expires_at=NOW + dt.timedelta(days=30),
        )
    return found.pk


LINE = lambda w: _program_line(w).pk  # noqa: E731
PUBLISHED_LINE = lambda w: _program_line(w, "published").pk  # noqa: E731
SHIPPED_SLUG = const("mbsr-8-ms")
NOT_A_COORDINATOR = ("participant", "other_participant", "facilitator", "other_facilitator")


PROJECT: dict[str, Row] = {
    # --- accounts ---
    "home": row(
        url("home"),
        participant=to("reports:participant_home"),
        other_participant=to("reports:participant_home"),
        facilitator=to("reports:worklist"),
        other_facilitator=to("reports:worklist"),
        coordinator=to("reports:landing"),
        other_coordinator=to("reports:landing"),
    ),
    "help": public(url("help")),
    "profile": signed_in(
        url("profile"),
        post=PostCase(
            owner="participant",
            data=lambda w: {
                "full_name": "Pat Person",
                "preferred_name": "Pat",
                "timezone": "Europe/Dublin",
                "phone": "",
            },
            expect=to("profile"),
        ),
    ),
    "questionnaire_layout": signed_in(
        url("questionnaire_layout"),
        post=PostCase(
            owner="participant",
            data=lambda w: {"questionnaire_layout": "whole"},
            expect=to("questionnaire_layout"),
        ),
    ),
    "coordinator_home": coordinators(url("coordinator_home")),
    # Only the organization's own coordinators, after confirming their password (GET too).
    "organization_settings": row(
        url("organization_settings", lambda w: w.organization.slug),
        coordinator=to("account_reauthenticate"),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {
                "crisis_contacts": "Samaritans: 116 123",
                "support_phone": "020 7946 0000",
                "support_email": "team@example.org",
                "sender_name": "Riverside",
                "default_timezone": "Europe/Dublin",
                "escalate_after_working_hours": "16",
            },
            expect=to("organization_settings"),
            outsiders=NOT_COHORT_COORDINATOR,
            reauthenticate=True,
        ),
    ),
    # The API page: its organization's coordinators only (the list needs no password); making
    # and revoking a token ask for the password first. Everyone else 404, before any prompt.
    "api_page": row(url("api_page", lambda w: w.organization.slug), coordinator=OK),
    "api_token_create": post_only(
        url("api_token_create", lambda w: w.organization.slug),
        PostCase(
            owner="coordinator",
            data=lambda w: {"name": "Nightly sync", "scopes": ["enroll"], "expires_in_days": "90"},
            # The page that shows the new token once (no redirect: the secret is never stored).
            expect=OK,
            outsiders=NOT_COHORT_COORDINATOR,
            reauthenticate=True,
        ),
    ),
    "api_token_revoke": post_only(
        url("api_token_revoke", lambda w: w.organization.slug, _api_token),
        PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("api_page"),
            outsiders=NOT_COHORT_COORDINATOR,
            reauthenticate=True,
        ),
    ),
    # The API's description and its documentation page hold nobody's data: public.
    "api_schema": public(url("api_schema")),
    "api_docs": public(url("api_docs")),
    # The API itself: a token is the only way in, so a browser session (anyone signed in, or
    # nobody) gets 401 on every route; owner / other-organization tokens: tests/api/.
    "api_root": api_route(url("api_root")),
    "api_cohorts": api_route(url("api_cohorts")),
    "api_cohort": api_route(url("api_cohort", COHORT)),
    "api_enrollments": api_route(url("api_enrollments")),
    "api_enrollment": api_route(url("api_enrollment", ENROLLMENT)),
    "api_sessions": api_route(url("api_sessions")),
    "api_attendance": api_route(url("api_attendance")),
    "api_practice": api_route(url("api_practice")),
    "api_assessments": api_route(url("api_assessments")),
    "api_responses": api_route(url("api_responses")),
    "api_allocations": api_route(url("api_allocations")),
    "api_fhir_questionnaire": api_route(url("api_fhir_questionnaire", PHQ9)),
    "api_fhir_questionnaire_response_list": api_route(url("api_fhir_questionnaire_response_list")),
    "api_not_found": api_route(lambda w: "/api/v1/no-such-endpoint/"),
    # Each coordinator searches their own organization's audit log; nobody else has one.
    "audit_log": coordinators(url("audit_log")),
    # Only the organization's own coordinators import answers from a REDCap records file.
    "reports:redcap_import": row(
        url("reports:redcap_import", lambda w: w.organization.slug),
        coordinator=OK,
        post=PostCase(
            owner="coordinator",
            data=_redcap_records,
            expect=to("reports:redcap_import"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    # Staff choose which of their organizations they work in; naming one that is not theirs
    # is 404 (participants work in none). Only the session changes.
    "organization_switch": staff(
        url("organization_switch"),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"organization": w.organization.pk},
            expect=to("home"),
            outsiders=("participant", "other_participant", "other_coordinator"),
            changes_data=False,
        ),
    ),
    # The automatic-logoff dialog asks how long is left (GET) and "Stay signed in" (POST, 204);
    # signed-out, there is nothing to keep alive.
    "session_keep_alive": signed_in(
        url("session_keep_alive"),
        post=PostCase(
            owner="participant", data=lambda w: {}, expect=Expect(204), changes_data=False
        ),
    ),
    "invitation_create": coordinators(
        url("invitation_create"),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"email": "new.person@example.org", "full_name": "New", "role": ""},
            expect=to("coordinator_home"),
            outsiders=("participant", "other_participant", "facilitator", "other_facilitator"),
        ),
    ),
    "invitation_revoke": post_only(
        url("invitation_revoke", lambda w: w.invitation.pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("coordinator_home"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    # The token in the link is the permission; a signed-in person sees the same page.
    "invitation_accept": public(
        url("invitation_accept", lambda w: w.invitation_token),
        post=PostCase(
            owner="anonymous",
            data=lambda w: {"full_name": "Nia Newcomer", "password": "a new long password 42"},
            expect=to("home"),
        ),
    ),
    # --- programs ---
    "programs:cohort_list": staff(url("programs:cohort_list")),
    "programs:cohort_create": coordinators(
        url("programs:cohort_create"),
        post=PostCase(
            owner="coordinator",
            data=_cohort_form,
            expect=to("reports:cohort_detail"),
            outsiders=("participant", "other_participant", "facilitator", "other_facilitator"),
        ),
    ),
    "programs:cohort_update": cohort_coordinator(
        url("programs:cohort_update", COHORT),
        post=PostCase(
            owner="coordinator",
            data=_cohort_form,
            expect=to("reports:cohort_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "programs:enrollment_create": cohort_coordinator(
        url("programs:enrollment_create", COHORT),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {
                "full_name": "Sam Newman",
                "email": "sam@example.org",
                "phone": "",
                "timezone": "Europe/London",
                "arm": "intervention",
            },
            expect=to("reports:cohort_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "programs:enrollment_import": cohort_coordinator(
        url("programs:enrollment_import", COHORT),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"text": "name,email\nAli Import,ali@example.org\n"},
            expect=to("reports:cohort_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "programs:enrollment_update": cohort_coordinator(
        url("programs:enrollment_update", ENROLLMENT),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"action": "withdraw", "on_date": "2026-09-16", "reason": "Moved"},
            expect=to("reports:cohort_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    # --- sessions: staff ---
    "reports:cohort_detail": cohort_staff(url("reports:cohort_detail", COHORT)),
    "reports:cohort_schedule": cohort_staff(url("reports:cohort_schedule", COHORT)),
    "reports:cohort_follow_ups": cohort_staff(url("reports:cohort_follow_ups", COHORT)),
    "reports:cohort_people": cohort_staff(url("reports:cohort_people", COHORT)),
    "reports:cohort_progress": cohort_staff(url("reports:cohort_progress", COHORT)),
    "reports:cohort_charts": cohort_staff(url("reports:cohort_charts", COHORT)),
    "reports:cohort_definitions": cohort_staff(url("reports:cohort_definitions", COHORT)),
    "reports:participant_detail": cohort_staff(url("reports:participant_detail", ENROLLMENT)),
    "program_sessions:attendance_grid": cohort_staff(
        url("program_sessions:attendance_grid", COHORT),
        post=PostCase(
            owner="facilitator",
            data=_attendance,
            expect=to("program_sessions:attendance_grid"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:makeup_create": cohort_staff(
        url("program_sessions:makeup_create", COHORT),
        post=PostCase(
            owner="facilitator",
            data=lambda w: {
                "enrollment": w.enrollment.pk,
                "program_session": w.missed_session.program_session_id,
                "on_date": "2026-09-19",
                "at": "11:00",
                "modality": "in_person",
            },
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:session_detail": cohort_staff(
        url("program_sessions:session_detail", SESSION)
    ),
    "program_sessions:note_save": post_only(
        url("program_sessions:note_save", SESSION),
        PostCase(
            owner="facilitator",
            data=lambda w: {"which": "note-session", "note-session-text": "Quiet group today."},
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:session_reschedule": cohort_staff(
        url("program_sessions:session_reschedule", SESSION),
        post=PostCase(
            owner="facilitator",
            url=lambda w: _r("program_sessions:session_reschedule", _later_session(w).pk),
            data=lambda w: {"new_date": "2026-10-21", "new_time": "17:30", "shift_later": ""},
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:session_cancel": cohort_staff(
        url("program_sessions:session_cancel", SESSION),
        post=PostCase(
            owner="facilitator",
            url=lambda w: _r("program_sessions:session_cancel", _later_session(w).pk),
            data=lambda w: {"reason": "Room closed"},
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    # How one session meets (a held session's page says it can no longer change).
    "program_sessions:session_mode": cohort_staff(
        url("program_sessions:session_mode", SESSION),
        post=PostCase(
            owner="facilitator",
            url=lambda w: _r("program_sessions:session_mode", _later_session(w).pk),
            data=lambda w: {"modality": "video", "video_link": "https://meet.example.org/r/1"},
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    # Rating a held session against its checklist: the facilitator, or a coordinator observing.
    "program_sessions:fidelity_rate": cohort_staff(
        url("program_sessions:fidelity_rate", SESSION),
        post=PostCase(
            owner="facilitator",
            data=lambda w: {
                "done": [i["code"] for i in w.session.program_session.fidelity_items][:2],
                "note": "",
            },
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:makeup_confirm": post_only(
        url("program_sessions:makeup_confirm", lambda w: w.missed_session.pk),
        PostCase(
            owner="facilitator",
            data=lambda w: {"completion": w.completion.pk, "next": ""},
            expect=to("program_sessions:session_detail"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "program_sessions:follow_up_resolve": post_only(
        url("program_sessions:follow_up_resolve", lambda w: w.follow_up.pk),
        PostCase(
            owner="facilitator",
            data=lambda w: {"resolution": "Phoned, sent the material."},
            expect=to("reports:cohort_follow_ups"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "questionnaires:safety_event_detail": cohort_staff(
        url("questionnaires:safety_event_detail", lambda w: w.safety_event.pk)
    ),
    "questionnaires:safety_acknowledge": post_only(
        url("questionnaires:safety_acknowledge", lambda w: w.safety_event.pk),
        PostCase(
            owner="facilitator",
            data=lambda w: {"action_taken": "Phoned on Wednesday; safe at home."},
            expect=to("reports:cohort_detail"),
            outsiders=COHORT_OUTSIDERS,
            reauthenticate=True,
        ),
    ),
    "questionnaires:questionnaire_status": cohort_staff(
        url("questionnaires:questionnaire_status", COHORT)
    ),
    "questionnaires:cohort_safety": cohort_staff(url("questionnaires:cohort_safety", COHORT)),
    "questionnaires:results_cohort": cohort_staff(url("questionnaires:results_cohort", COHORT)),
    "questionnaires:assessment_window": cohort_staff(
        url("questionnaires:assessment_window", POST_ASSESSMENT),
        # The post window is open: a later closing date with a reason extends it.
        post=PostCase(
            owner="facilitator",
            data=lambda w: {"closes_on": "2099-06-30", "reason": "Away for two weeks"},
            expect=to("questionnaires:questionnaire_status"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "questionnaires:questionnaire_entry": cohort_staff(
        url("questionnaires:questionnaire_entry", POST_ASSESSMENT)
    ),
    "questionnaires:questionnaire_entry_instrument": cohort_staff(
        url("questionnaires:questionnaire_entry_instrument", POST_ASSESSMENT, const("gad7")),
        # Part of the answers, saved and not sent: the page comes back saying so.
        post=PostCase(
            owner="facilitator",
            data=lambda w: {"mode": "phone", "q1": "1", "action": "save"},
            expect=OK,
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "questionnaires:response_correct": cohort_staff(
        url("questionnaires:response_correct", BASELINE, PHQ9),
        post=PostCase(
            owner="facilitator",
            data=lambda w: {**_phq9_answers(item9=1), "reason": "Item 1 was misheard."},
            expect=to("questionnaires:response_correct"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "notifications:delivery_log": cohort_staff(url("notifications:delivery_log", ENROLLMENT)),
    "notifications:send_now": post_only(
        url("notifications:send_now", ENROLLMENT),
        PostCase(
            owner="facilitator",
            data=lambda w: {
                "kind": "questionnaire_open",
                "click_id": "0b7c2a36-6f0e-4a4e-8f53-2f3c1d9e4a10",
                "assessment": w.post.pk,
            },
            expect=to("notifications:delivery_log"),
            outsiders=COHORT_OUTSIDERS,
        ),
    ),
    "notifications:delivery_problems": coordinators(url("notifications:delivery_problems")),
    # --- sessions: reports ---
    "reports:reports_overview": coordinators(url("reports:reports_overview")),
    "reports:export": staff(url("reports:export")),
    # A download of one cohort's completion figures (a facilitator's own cohort only).
    "reports:export_download": cohort_staff(
        lambda w: _r("reports:export_download", "completion") + f"?cohort={w.cohort.pk}"
    ),
    "reports:outcomes": staff(url("reports:outcomes")),
    # A study's results and CONSORT flow: coordinators of the study's organization only.
    "reports:study_results": cohort_coordinator(url("reports:study_results", _results_study)),
    "reports:study_consort": cohort_coordinator(url("reports:study_consort", _results_study)),
    "reports:fidelity": staff(url("reports:fidelity")),
    # Landing pages: each member of staff sees their own cohorts' work (participants get 404).
    "reports:worklist": staff(url("reports:worklist")),
    "reports:landing": coordinators(url("reports:landing")),
    # --- sessions: participant ---
    # Staff have no course of their own: their home and lists say so rather than 404.
    "reports:participant_home": signed_in(url("reports:participant_home")),
    "program_sessions:practice_list": signed_in(url("program_sessions:practice_list")),
    "questionnaires:results_mine": signed_in(url("questionnaires:results_mine")),
    "program_sessions:week_detail": participants(url("program_sessions:week_detail", const(1))),
    "program_sessions:week_complete": post_only(
        url("program_sessions:week_complete", const(1)),
        PostCase(
            owner="participant",
            data=lambda w: {"reflection": "Noticed my breath.", "action": "save"},
            expect=to("program_sessions:week_detail"),
            outsiders=STAFF_ROLES,
        ),
    ),
    "program_sessions:practice_create": participants(
        url("program_sessions:practice_create"),
        post=PostCase(
            owner="participant",
            data=lambda w: LOGGED_PRACTICE,
            expect=to("program_sessions:practice_list"),
            outsiders=STAFF_ROLES,
        ),
    ),
    "program_sessions:practice_update": own(
        url("program_sessions:practice_update", lambda w: w.practice_log.pk),
        post=PostCase(
            owner="participant",
            data=lambda w: {**LOGGED_PRACTICE, "date": "2026-09-15"},
            expect=to("program_sessions:practice_list"),
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    "program_sessions:practice_delete": own(
        url("program_sessions:practice_delete", lambda w: w.practice_log.pk),
        post=PostCase(
            owner="participant",
            data=lambda w: {},
            expect=to("program_sessions:practice_list"),
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    "questionnaires:questionnaire_start": own(
        url("questionnaires:questionnaire_start", POST_ASSESSMENT)
    ),
    "questionnaires:questionnaire_done": own(url("questionnaires:questionnaire_done", BASELINE)),
    "questionnaires:questionnaire_question": own(
        url("questionnaires:questionnaire_question", POST_ASSESSMENT, const("gad7"), const(1)),
        post=PostCase(
            owner="participant",
            data=lambda w: {"answer": "1"},
            expect=to("questionnaires:questionnaire_question"),
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    "questionnaires:questionnaire_all": own(
        url("questionnaires:questionnaire_all", POST_ASSESSMENT, const("gad7")),
        # Two answers of seven: they are kept and the page asks for the rest.
        post=PostCase(
            owner="participant",
            data=lambda w: {"q1": "1", "q2": "0"},
            expect=OK,
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    # The one-page form's script saves each answer as it is chosen (JSON, POST only).
    "questionnaires:questionnaire_answer_save": post_only(
        url("questionnaires:questionnaire_answer_save", POST_ASSESSMENT, const("gad7")),
        PostCase(
            owner="participant",
            data=lambda w: {"item": "1", "answer": "2"},
            expect=OK,
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    "questionnaires:questionnaire_check": own(
        url("questionnaires:questionnaire_check", POST_ASSESSMENT, PHQ9),
        # Sending the PHQ-9 leads back to the list of the set, where the GAD-7 is still to do.
        post=PostCase(
            owner="participant",
            data=lambda w: {},
            expect=to("questionnaires:questionnaire_start"),
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    "questionnaires:questionnaire_support": own(
        url("questionnaires:questionnaire_support", BASELINE, PHQ9)
    ),
    "program_sessions:calendar_settings": signed_in(url("program_sessions:calendar_settings")),
    "program_sessions:calendar_feed_create": post_only(
        url("program_sessions:calendar_feed_create"),
        # Everyone makes their own link: there is no outsider.
        PostCase(owner="participant", data=lambda w: {}, expect=OK),
    ),
    "program_sessions:calendar_feed_revoke": post_only(
        url("program_sessions:calendar_feed_revoke", lambda w: w.calendar_feed.pk),
        PostCase(
            owner="participant",
            data=lambda w: {},
            expect=to("program_sessions:calendar_settings"),
            outsiders=NOT_THE_PARTICIPANT,
        ),
    ),
    # The secret token is the sign-in: calendar programs have no session.
    "program_sessions:calendar_feed": public(
        lambda w: _r("program_sessions:calendar_feed", token=w.calendar_token)
    ),
    "notifications:preferences": signed_in(
        url("notifications:preferences"),
        post=PostCase(
            owner="participant", data=_preferences, expect=to("notifications:preferences")
        ),
    ),
    # One-click unsubscribe from an e-mail: the signed token is the permission (RFC 8058).
    "notifications:unsubscribe": public(
        url("notifications:unsubscribe", lambda w: w.unsubscribe_token),
        post=PostCase(owner="anonymous", data=lambda w: {}, expect=OK),
    ),
    # --- participant rights ---
    # Everyone reads the consent; participants accept it (staff see the text without a form).
    "consent": signed_in(
        url("consent"),
        post=PostCase(
            owner="participant",
            data=lambda w: {"keep_research_data": "keep", "agree": "on"},
            expect=to("home"),
        ),
    ),
    "rights:my_data_download": participants(url("rights:my_data_download", const("json"))),
    # Another participant's course is not in the form's choices: the page says so (200).
    "rights:withdraw": participants(
        url("rights:withdraw"),
        post=PostCase(
            owner="participant",
            data=lambda w: {"enrollment": w.enrollment.pk, "reason": ""},
            expect=to("profile"),
            outsiders=STAFF_ROLES,
        ),
    ),
    "rights:erasure_request": participants(
        url("rights:erasure_request"),
        post=PostCase(
            owner="participant",
            data=lambda w: {"reason": "", "confirm": "on"},
            expect=to("rights:erasure_request"),
            outsiders=STAFF_ROLES,
        ),
    ),
    "rights:erasure_request_list": coordinators(url("rights:erasure_request_list")),
    # Only a coordinator of an organization the person is enrolled with; the password again.
    "rights:erasure_request_detail": cohort_coordinator(
        lambda w: _r("rights:erasure_request_detail", _erasure_request(w).pk),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("rights:erasure_request_list"),
            outsiders=NOT_COHORT_COORDINATOR,
            reauthenticate=True,
        ),
    ),
    # --- trials: screening and waitlist (the working organization's coordinators only) ---
    "trials:screening_list": coordinators(url("trials:screening_list")),
    "trials:screening_new": coordinators(
        url("trials:screening_new", const("mbsr-8-ms")),
        post=PostCase(
            owner="coordinator",
            data=_screening_form,
            expect=to("trials:screening_detail"),
            outsiders=("participant", "other_participant", "facilitator", "other_facilitator"),
        ),
    ),
    "trials:screening_detail": cohort_coordinator(
        lambda w: _r("trials:screening_detail", _screening(w).pk)
    ),
    "trials:screening_consent": post_only(
        lambda w: _r("trials:screening_consent", _screening(w, "unconsented").pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("trials:screening_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:screening_safety": post_only(
        lambda w: _r("trials:screening_safety", _screening(w, "flagged").pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {"note": "Rang them; their GP will call today."},
            expect=to("trials:screening_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:screening_offer": post_only(
        lambda w: _r("trials:screening_offer", _screening(w).pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {"cohort": w.cohort.pk, "expires_in_days": "7"},
            expect=to("trials:screening_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:screening_enroll": post_only(
        lambda w: _r("trials:screening_enroll", _screening(w).pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {"cohort": w.cohort.pk},
            expect=to("trials:screening_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:screening_decline": post_only(
        lambda w: _r("trials:screening_decline", _screening(w, "offered").pk),
        PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("trials:screening_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:waitlist": coordinators(url("trials:waitlist", const("mbsr-8-ms"))),
    # --- trials: studies and randomization (the study organization's coordinators only) ---
    "trials:study_list": coordinators(url("trials:study_list")),
    "trials:study_new": coordinators(url("trials:study_new")),
    "trials:study_detail": cohort_coordinator(lambda w: _r("trials:study_detail", _study(w).pk)),
    "trials:study_cohort_add": post_only(
        _study_cohort_add,
        PostCase(
            owner="coordinator",
            data=lambda w: {"cohort": _free_cohort(w).pk},
            expect=to("trials:study_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "trials:study_randomize": cohort_coordinator(
        lambda w: _r("trials:study_randomize", _study(w).pk, _study_waiting(w).pk),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("trials:study_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    # A correction asks for the password again, even to open the form.
    "trials:allocation_correct": row(
        lambda w: _r("trials:allocation_correct", _allocation(w).pk),
        coordinator=to("account_reauthenticate"),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {
                "arm": _allocation(w).study.arms.exclude(pk=_allocation(w).arm_id).get().pk,
                "reason": "Randomized the wrong person",
            },
            expect=to("trials:study_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
            reauthenticate=True,
        ),
    ),
    # --- guided recordings (programs.authoring) ---
    "authoring:draft_recordings": cohort_coordinator(
        lambda w: _r("authoring:draft_recordings", _recording_line(w).pk),
        post=PostCase(
            owner="coordinator",
            data=_recording_upload,
            expect=to("authoring:draft_recordings"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:draft_recording_edit": cohort_coordinator(
        lambda w: _r(
            "authoring:draft_recording_edit", _recording_line(w).pk, _draft_recording(w).pk
        ),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"action": "save", "title": "Body scan", "transcript": "New words."},
            expect=to("authoring:draft_recordings"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:recording_audio": signed_in(
        lambda w: _r("authoring:recording_audio", _shipped_recording(w).pk)
    ),
    "authoring:recording_transcript": signed_in(
        lambda w: _r("authoring:recording_transcript", _shipped_recording(w).pk)
    ),
    # --- program authoring: the coordinator's program editor (its organization's coordinators) ---
    "authoring:program_list": coordinators(url("authoring:program_list")),
    "authoring:shipped_detail": coordinators(url("authoring:shipped_detail", SHIPPED_SLUG)),
    "authoring:line_create": coordinators(
        url("authoring:line_create", SHIPPED_SLUG),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"name": "Our own MBSR"},
            expect=to("authoring:line_detail"),
            outsiders=NOT_A_COORDINATOR,
        ),
    ),
    # POST: "Start editing" (a new draft) on a program whose only version is published.
    "authoring:line_detail": cohort_coordinator(
        url("authoring:line_detail", PUBLISHED_LINE),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("authoring:line_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:line_history": cohort_coordinator(url("authoring:line_history", LINE)),
    "authoring:draft_settings": cohort_coordinator(
        url("authoring:draft_settings", LINE),
        post=PostCase(
            owner="coordinator",
            data=_draft_settings_form,
            expect=to("authoring:line_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:draft_week": cohort_coordinator(
        url("authoring:draft_week", LINE, const(1)),
        post=PostCase(
            owner="coordinator",
            data=_draft_week_form,
            expect=to("authoring:draft_week"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:draft_plan": cohort_coordinator(
        url("authoring:draft_plan", LINE),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"draft": _program_draft(w).pk, "action": "add_follow_up"},
            expect=to("authoring:draft_plan"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:draft_publish": cohort_coordinator(
        url("authoring:draft_publish", LINE),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("authoring:line_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:draft_discard": cohort_coordinator(
        url("authoring:draft_discard", LINE),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {},
            expect=to("authoring:line_detail"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    # --- program authoring: reminder wording and the preview (its organization's coordinators) ---
    "authoring:draft_reminders": cohort_coordinator(
        url("authoring:draft_reminders", LINE),
        post=PostCase(
            owner="coordinator",
            data=lambda w: {"practice_nudge-subject": "A quiet moment"},
            expect=to("authoring:draft_reminders"),
            outsiders=NOT_COHORT_COORDINATOR,
        ),
    ),
    "authoring:preview_week": cohort_coordinator(url("authoring:preview_week", LINE, const(1))),
}

MATRIX: dict[str, Row] = {**ALLAUTH, **ADMIN, **PROJECT}


# --- walking the resolver -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its namespaced name (or, unnamed, its full pattern) and its view."""

    key: str
    pattern: str
    callback: Callable[..., HttpResponseBase]


def walk(
    patterns: list[URLPattern | URLResolver] | None = None,
    prefix: str = "",
    namespace: str = "",
) -> Iterator[Route]:
    """Every pattern the project resolves, through every include (allauth's and the admin's too)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(key, prefix + str(pattern.pattern), pattern.callback)
        else:
            yield Route(
                prefix + str(pattern.pattern), prefix + str(pattern.pattern), pattern.callback
            )


def routes_missing_from_matrix() -> list[str]:
    return [route.key for route in walk() if route.key not in MATRIX]


def _is_project_view(route: Route) -> bool:
    return route.callback.__module__.split(".")[0] in {"accounts", "programs", "sessions"}


# --- the table covers every route ---------------------------------------------------------------


def test_every_route_has_an_entry_in_the_matrix():
    missing = routes_missing_from_matrix()
    assert not missing, (
        "These routes have no entry in tests/test_url_matrix.py; add one saying what each role "
        "gets: " + ", ".join(missing)
    )


def test_every_entry_names_a_route_that_exists():
    known = {route.key for route in walk()}
    stale = sorted(set(MATRIX) - known)
    assert not stale, "Entries for routes that no longer exist: " + ", ".join(stale)


def test_route_names_are_unique_so_each_entry_means_one_route():
    keys = [route.key for route in walk()]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


def _probe_view(request: Any) -> HttpResponse:
    return HttpResponse("probe")


def test_a_route_added_without_an_entry_is_reported_by_name():
    class ProbeUrls:
        """The project's URLs plus two new ones that nobody has added to the matrix."""

        urlpatterns = [
            *get_resolver().url_patterns,
            path("matrix-probe/", _probe_view, name="matrix_probe"),
            path("matrix-probe/unnamed/", _probe_view),
        ]

    with override_settings(ROOT_URLCONF=ProbeUrls):
        assert routes_missing_from_matrix() == ["matrix_probe", "matrix-probe/unnamed/"]
    assert "matrix_probe" not in routes_missing_from_matrix()


def test_public_routes_are_exactly_those_marked_public():
    for key, entry in MATRIX.items():
        sends_to_sign_in = entry.expect["anonymous"] in (LOGIN, ADMIN_SIGN_IN)
        assert entry.public is not sends_to_sign_in, key


def test_only_project_views_marked_public_skip_the_sign_in():
    """A view decorated login_not_required must be listed as public here, and only those."""
    for route in walk():
        if _is_project_view(route):
            skips_sign_in = getattr(route.callback, "login_required", True) is False
            assert skips_sign_in is MATRIX[route.key].public, route.key


def test_every_post_only_action_has_a_post_case():
    for key, entry in PROJECT.items():
        if entry.expect["participant"] == NOT_ALLOWED:
            assert entry.post is not None, key


# --- GET: every route for every role ------------------------------------------------------------


def _sign_in(client: Any, world: World, role: str) -> None:
    client.logout()
    user = world.user(role)
    if user is not None:
        client.force_login(user)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(client, role):
    problems = []
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        _sign_in(client, world, role)
        for route in walk():
            entry = MATRIX.get(route.key)
            if entry is None:
                continue  # reported by test_every_route_has_an_entry_in_the_matrix
            target = entry.url(world)
            expected = entry.expect[role]
            try:
                response = client.get(target)
            except Exception as exc:  # every failing route is listed, not just the first
                problems.append(f"{route.key} GET {target}: expected {expected}, raised {exc!r}")
                continue
            if (got := expected.mismatch(response)) is not None:
                problems.append(f"{route.key} GET {target}: expected {expected}, got {got}")
            # Every page each role reaches also keeps the house style's labels: plain words,
            # never "Crisis contacts:" (GOV.UK; the form renderer drops Django's colon).
            problems += [f"{route.key} GET {target}: {p}" for p in _colon_labels(response)]
    assert not problems, f"As {role}:\n" + "\n".join(problems)


_LABEL = re.compile(r"<(label|legend)\b[^>]*>(.*?)</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _colon_labels(response: HttpResponseBase) -> list[str]:
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode()
    found = []
    for match in _LABEL.finditer(html):
        words = " ".join(_TAG.sub(" ", match.group(2)).split())
        if words.endswith(":"):
            found.append(f"the {match.group(1)} {words!r} ends with a colon")
    return found


def test_the_colon_check_can_fail():
    page = HttpResponse(
        '<form><label for="a">Crisis contacts:</label><legend><h1>When?</h1></legend>'
    )
    assert _colon_labels(page) == ["the label 'Crisis contacts:' ends with a colon"]


@pytest.mark.django_db
def test_static_files_are_public(client):
    response = client.get("/static/css/stillwater.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_staff_reach_the_admin_and_nobody_else_does(client):
    # Anonymous: through the admin's sign-in to the site's own (rate limits, two-factor).
    chain = client.get(reverse("admin:index"), follow=True).redirect_chain
    assert urlsplit(chain[-1][0]).path == reverse("account_login")
    # Signed in without is_staff: refused.
    client.force_login(UserFactory())
    assert client.get(reverse("admin:index"), follow=True).status_code == 403
    operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)  # site operators sign in with two factors like all staff
    client.force_login(operator)
    assert client.get(reverse("admin:index")).status_code == 200


# --- POST: state-changing routes ----------------------------------------------------------------

# Append-only logs record attempts too (that is their job); the matrix is about the data.
LOG_MODEL_WORDS = ("audit", "accessevent", "historical")
# Every app of the project (the nested ones under sessions/ too) and allauth's.
DATA_APPS = {
    config.label
    for config in apps.get_app_configs()
    if config.name.split(".")[0] in {"accounts", "programs", "sessions"}
} | {"account", "mfa"}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's data (and allauth's), to see whether a request changed any."""
    state = {}
    # With the many-to-many tables too (a cohort's facilitators, a study's cohorts).
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label not in DATA_APPS or any(w in meta.model_name for w in LOG_MODEL_WORDS):
            continue
        rows = list(model._default_manager.order_by("pk").values())
        for values in rows:
            values.pop("last_login", None)  # signing in for the test is not the request's doing
        state[meta.label] = rows
    return state


POST_ROUTES = [key for key, entry in MATRIX.items() if entry.post is not None]


@pytest.mark.django_db
@pytest.mark.parametrize("key", POST_ROUTES)
def test_state_changing_post_is_refused_to_outsiders_and_allowed_to_its_owner(client, key):
    entry = MATRIX[key]
    case = entry.post
    assert case is not None
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        target = (case.url or entry.url)(world)
        refused = [] if entry.public else [("anonymous", LOGIN)]
        refused += [(role, NOT_FOUND) for role in case.outsiders]
        for role, expected in refused:
            _sign_in(client, world, role)
            before = snapshot()
            response = client.post(target, case.data(world))
            assert expected.mismatch(response) is None, (
                f"{role} POST {target}: expected {expected}, got {_outcome(response)}"
            )
            assert snapshot() == before, f"{role}'s refused POST to {target} changed data"
        _sign_in(client, world, case.owner)
        if case.reauthenticate:
            before = snapshot()
            response = client.post(target, case.data(world))
            assert to("account_reauthenticate").mismatch(response) is None, _outcome(response)
            assert snapshot() == before, f"{target} changed data before reauthentication"
            record_reauthentication(client, world.user(case.owner))
        before = snapshot()
        response = client.post(target, case.data(world))
        assert case.expect.mismatch(response) is None, (
            f"{case.owner} POST {target}: expected {case.expect}, got {_outcome(response)}"
        )
        if case.changes_data:
            assert snapshot() != before, f"{case.owner}'s POST to {target} changed nothing"

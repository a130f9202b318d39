"""Hostile input: every form a participant or staff member can reach, fed random and hostile strings.

Whatever is sent, the page never fails (no 500), answers with a status that fits, never echoes
markup unescaped, and a refused submission changes nothing that was saved. What was saved is then
looked at again on every page (and e-mail and calendar file) that shows it, by everyone who sees
it. Then a few targeted tests for what staff type and see again: notes, cohort names and places,
names from a CSV import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.message import sanitize_address
from django.test import Client, TestCase
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from accounts.models import ErasureRequest, Invitation, User
from accounts.rights import erasure_request_create
from accounts.services import invitation_create
from programs.forms import CohortForm
from programs.models import Cohort, Enrollment, EnrollmentStatus
from sessions.models import FacilitatorNote, FollowUp, ScheduledSession, SessionStatus
from sessions.notifications.models import Notification
from sessions.notifications.services.messages import notification_email
from sessions.questionnaires.models import SafetyEvent
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    staff_totp_ensure,
)
from tests.reauthentication import record_reauthentication
from tests.sessions.staff_cast import enroll, ier_cohort
from tests.test_url_matrix import (
    MATRIX,
    NOW,
    STAFF_ROLES,
    World,
    _allocation,
    _api_token,
    _draft_recording,
    _draft_settings_form,
    _program_draft,
    _program_line,
    _recording_line,
    _screening,
    _screening_form,
    _study,
    _study_waiting,
    build_world,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Each carries the marker "xq7" so that finding it in a page means this input, not the page's
# own markup.
HOSTILE = [
    '<script>alert("xq7")</script>',
    '"><img src=x onerror=alert("xq7")>',
    "'><svg onload=alert('xq7')>",
    "</textarea><script>alert('xq7')</script>",
    "javascript:alert('xq7')",
    "{{7*7}}xq7",
    "{% debug %}xq7",
    "{{ request.user.password }}xq7",
    "' OR 1=1 --xq7",
    "'; DROP TABLE accounts_user; --xq7",
    "nul\x00byte xq7",
    "\u202eevil\u202c xq7",  # right-to-left override
    "🧘\u200d♀️ calm 😀 xq7",
    '=HYPERLINK("http://evil.example/xq7","click")',
    "\ud800lone\udfff surrogates xq7",  # sent as the bytes a broken client would send
    "%00%3Cscript%3Exq7",
    # Obeyed by browsers even under a script-blocking CSP: once sent a facilitator elsewhere.
    '<meta http-equiv="refresh" content="0;url=https://evil.example/xq7">',
    # A line break in a calendar file's text would start a property of its own.
    "Room 1\r\nURL:javascript:alert('xq7')\r\nX-INJECTED:xq7",
    "x" * 100_000,
]
# Raw markup that must never come back verbatim (escaped forms such as &lt;script&gt; may).
MARKUP = [payload for payload in HOSTILE if "<" in payload]


def hostile_text() -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.tuples(st.text(max_size=20), st.sampled_from(HOSTILE[:-1]), st.text(max_size=20)).map(
            "".join
        ),
        st.text(max_size=300),
    )


def sometimes(valid: str) -> SearchStrategy[str]:
    """The valid value, or something hostile in its place."""
    return st.one_of(st.just(valid), hostile_text())


def mostly(valid: str) -> SearchStrategy[str]:
    """Usually the valid value: for a form with many fields, so that some examples are saved."""
    return st.one_of(st.just(valid), st.just(valid), st.just(valid), hostile_text())


def query(data: dict[str, str]) -> str:
    # Lone surrogates cannot be UTF-8; a broken or hostile client sends their raw bytes anyway.
    return urlencode(data, encoding="utf-8", errors="surrogatepass")


def encode(data: dict[str, str]) -> bytes:
    return query(data).encode("ascii")


def page_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# Schemes a link, form or frame must never carry: they run or show what is in the address.
_DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class _LiveMarkup(HTMLParser):
    """Elements and attributes the project's pages never have of their own: finding one means
    someone's text became markup. (The payload check below only knows the strings it sent; this
    one also catches markup that a transformation, say a strip or a join, put back together.)"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in {"iframe", "frame", "object", "embed", "base", "applet"}:
            self.found.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in values:
            self.found.append(f"<meta http-equiv={values['http-equiv']!r}>")
        source = values.get("src", "")
        own_file = source.startswith("/") and not source.startswith("//")
        inert_data = values.get("type", "").lower() == "application/json"
        if tag == "script" and not (own_file or inert_data):
            self.found.append("<script> that is not one of the site's own files")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            # Browsers ignore tabs, line breaks and leading spaces inside a scheme.
            if name in _URL_ATTRIBUTES and _DANGEROUS_SCHEME.match(
                re.sub(r"[\x00-\x20]", "", value)
            ):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")


def live_markup(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_nothing_unescaped(html: str, world: World, where: str) -> None:
    for payload in MARKUP:
        assert payload not in html, f"{where} echoes {payload!r} unescaped"
    assert "49xq7" not in html, f"{where} evaluated a template expression"
    assert world.participant.password not in html, f"{where} shows a password hash"
    found = live_markup(html)
    assert not found, f"{where} has markup that came from someone's text: {found}"


# --- the forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormCase:
    """One form: who fills it in, where, its fields, and what the answer may be."""

    who: Callable[[World], User | None]
    url: Callable[[World, dict[str, str]], str]
    fields: Callable[[World], dict[str, SearchStrategy[str]]]
    allowed: frozenset[int] = frozenset({200, 302})
    method: str = "post"
    # Pages that show back what was saved: (who looks, url).
    shows: tuple[tuple[Callable[[World], User | None], Callable[[World], str]], ...] = ()
    # A response with this status saved what was sent; any other must have saved nothing.
    succeeds_with: frozenset[int] = frozenset({302})
    # The whole-questionnaire page keeps every valid answer even when others are missing.
    keeps_what_is_valid: bool = False
    # Put things back between examples so each one reaches the form (e.g. after leaving).
    reset: Callable[[World], None] = field(default=lambda world: None)
    # The form asks for the password (or authenticator code) again first: given just before.
    reauthenticate: bool = False
    # After a save, what else shows it besides pages: e-mails, calendar files (each asserts).
    checks: tuple[Callable[[World], None], ...] = ()


def _participant(world: World) -> User:
    return world.participant


def _anonymous(world: World) -> None:
    return None


def _at(name: str, *args: Callable[[World], object]) -> Callable[[World, dict[str, str]], str]:
    return lambda world, values: reverse(name, args=[arg(world) for arg in args])


def _ier_participant(world: World) -> User:
    """An IER participant (strategy log: situation and mood), made once per test."""
    enrollment = Enrollment.objects.filter(participant_code="P-IER1").first()
    if enrollment is None:
        cohort = ier_cohort(world.organization, [world.facilitator])
        enrollment = enroll(cohort, participant_code="P-IER1")
    return enrollment.user


def _rejoin(world: World) -> None:
    Enrollment.objects.filter(pk=world.enrollment.pk).update(
        status=EnrollmentStatus.ACTIVE, withdrawn_at=None
    )


def _invitation_usable(world: World) -> None:
    Invitation.objects.filter(pk=world.invitation.pk).update(accepted_at=None, revoked_at=None)


PRACTICE_FIELDS = lambda w: {  # noqa: E731
    "date": sometimes("2026-09-16"),
    "practice": sometimes("body_scan"),
    "minutes": sometimes("20"),
    "note": hostile_text(),
    "next": st.one_of(st.just(""), hostile_text()),
}

FORMS: dict[str, FormCase] = {
    "practice log": FormCase(
        who=_participant,
        url=_at("program_sessions:practice_create"),
        fields=PRACTICE_FIELDS,
        shows=((_participant, lambda w: reverse("program_sessions:practice_list")),),
    ),
    "practice log edit": FormCase(
        who=_participant,
        url=_at("program_sessions:practice_update", lambda w: w.practice_log.pk),
        fields=PRACTICE_FIELDS,
        shows=((_participant, lambda w: reverse("program_sessions:practice_list")),),
    ),
    "strategy log": FormCase(
        who=_ier_participant,
        url=_at("program_sessions:practice_create"),
        fields=lambda w: {
            "date": sometimes("2026-09-16"),
            "strategy": sometimes("ask_for_support"),
            "situation": hostile_text(),
            "mood_before": sometimes("3"),
            "mood_after": sometimes("6"),
            "note": hostile_text(),
        },
        shows=((_ier_participant, lambda w: reverse("program_sessions:practice_list")),),
    ),
    "practice page link": FormCase(
        who=_participant,
        method="get",
        url=lambda w, values: reverse("program_sessions:practice_create") + "?" + query(values),
        fields=lambda w: {"practice": hostile_text(), "next": hostile_text()},
    ),
    "week reflection": FormCase(
        who=_participant,
        url=_at("program_sessions:week_complete", lambda w: 1),
        fields=lambda w: {"reflection": hostile_text(), "action": sometimes("save")},
        shows=((_participant, lambda w: reverse("program_sessions:week_detail", args=[1])),),
    ),
    "question page": FormCase(
        who=_participant,
        url=_at(
            "questionnaires:questionnaire_question",
            lambda w: w.post.pk,
            lambda w: "gad7",
            lambda w: 1,
        ),
        fields=lambda w: {"answer": sometimes("1"), "skip": st.one_of(st.just(""), hostile_text())},
    ),
    "question page link": FormCase(
        who=_participant,
        method="get",
        url=lambda w, values: (
            reverse("questionnaires:questionnaire_question", args=[w.post.pk, "gad7", 1])
            + "?"
            + query(values)
        ),
        fields=lambda w: {"change": sometimes("1")},
    ),
    "whole questionnaire": FormCase(
        who=_participant,
        url=_at("questionnaires:questionnaire_all", lambda w: w.post.pk, lambda w: "gad7"),
        fields=lambda w: {f"q{n}": sometimes(str(n % 4)) for n in range(1, 9)},
        keeps_what_is_valid=True,
    ),
    "my details": FormCase(
        who=_participant,
        url=_at("profile"),
        fields=lambda w: {
            "full_name": hostile_text(),
            "preferred_name": hostile_text(),
            "timezone": sometimes("Europe/London"),
            "phone": hostile_text(),
        },
        # Staff pages showing the name: test_a_participant_name_with_markup_is_shown_as_text.
        shows=(
            (_participant, lambda w: reverse("profile")),
            (_participant, lambda w: reverse("reports:participant_home")),
        ),
    ),
    "reminder settings": FormCase(
        who=_participant,
        url=_at("notifications:preferences"),
        fields=lambda w: {
            "session_reminders": sometimes("on"),
            "questionnaire_reminders": sometimes("on"),
            "practice_nudges": sometimes("on"),
            "practice_nudge_time": sometimes("19:00"),
            "daily_cap": sometimes("3"),
            "quiet_hours_start": sometimes("21:00"),
            "quiet_hours_end": sometimes("08:00"),
        },
        shows=((_participant, lambda w: reverse("notifications:preferences")),),
    ),
    "how to show questionnaires": FormCase(
        who=_participant,
        url=_at("questionnaire_layout"),
        fields=lambda w: {"questionnaire_layout": sometimes("whole"), "next": hostile_text()},
        shows=((_participant, lambda w: reverse("questionnaire_layout")),),
    ),
    "calendar link": FormCase(
        who=_participant,
        url=_at("program_sessions:calendar_feed_create"),
        fields=lambda w: {"anything": hostile_text()},
        succeeds_with=frozenset({200}),  # the page with the new link, shown once
    ),
    "consent": FormCase(
        who=_participant,
        url=lambda w, values: reverse("consent"),
        fields=lambda w: {
            "keep_research_data": sometimes("keep"),
            "agree": sometimes("on"),
            "next": hostile_text(),
        },
    ),
    "leave the course": FormCase(
        who=_participant,
        url=_at("rights:withdraw"),
        fields=lambda w: {"enrollment": sometimes(str(w.enrollment.pk)), "reason": hostile_text()},
        allowed=frozenset({200, 302, 404}),
        reset=_rejoin,
    ),
    "erasure request": FormCase(
        who=_participant,
        url=_at("rights:erasure_request"),
        fields=lambda w: {
            "reason": hostile_text(),
            "confirm": st.one_of(st.just(""), hostile_text()),
        },
        shows=((lambda w: w.coordinator, lambda w: reverse("rights:erasure_request_list")),),
    ),
    # allauth's own account pages, as a participant.
    "change password": FormCase(
        who=_participant,
        url=_at("account_change_password"),
        fields=lambda w: {
            "oldpassword": sometimes(PASSWORD),
            "password1": hostile_text(),
            "password2": hostile_text(),
        },
        allowed=frozenset({200, 302, 429}),
    ),
    "e-mail addresses": FormCase(
        who=_participant,
        url=_at("account_email"),
        fields=lambda w: {"email": sometimes("pat.second@example.org"), "action_add": st.just("")},
        allowed=frozenset({200, 302, 429}),
    ),
    "confirm password": FormCase(
        who=_participant,
        url=_at("account_reauthenticate"),
        fields=lambda w: {"password": sometimes(PASSWORD), "next": hostile_text()},
        allowed=frozenset({200, 302, 429}),
    ),
    # Public forms, as someone who is not signed in.
    "invitation": FormCase(
        who=_anonymous,
        url=_at("invitation_accept", lambda w: w.invitation_token),
        fields=lambda w: {"full_name": hostile_text(), "password": hostile_text()},
        reset=_invitation_usable,
    ),
    "sign in": FormCase(
        who=_anonymous,
        url=_at("account_login"),
        fields=lambda w: {"login": sometimes(w.participant.email), "password": hostile_text()},
        allowed=frozenset({200, 302, 429}),  # allauth's rate limit answers 429
    ),
    "sign-in link": FormCase(
        who=_anonymous,
        method="get",
        url=lambda w, values: reverse("account_login") + "?" + query(values),
        fields=lambda w: {"next": hostile_text()},
    ),
    "password reset": FormCase(
        who=_anonymous,
        url=_at("account_reset_password"),
        fields=lambda w: {"email": sometimes(w.participant.email)},
        allowed=frozenset({200, 302, 429}),
    ),
    "sign-in code": FormCase(
        who=_anonymous,
        url=_at("account_request_login_code"),
        fields=lambda w: {"email": sometimes(w.participant.email)},
        allowed=frozenset({200, 302, 429}),
    ),
    # The token is the path itself: anything else is a bad link (400) or no page (404).
    "unsubscribe": FormCase(
        who=_anonymous,
        url=lambda w, values: f"/u/{quote(values['token'], safe='', errors='surrogatepass')}/",
        fields=lambda w: {"token": sometimes(w.unsubscribe_token)},
        allowed=frozenset({200, 400, 404}),
        succeeds_with=frozenset({200}),
    ),
}


@pytest.fixture
def world() -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def _client_for(
    user: User | None, cache: dict[int, Client], *, reauthenticate: bool = False
) -> Client:
    key = user.pk if user is not None else 0
    if key not in cache:
        cache[key] = Client()
        if user is not None:
            cache[key].force_login(user)
    if reauthenticate and user is not None:
        record_reauthentication(cache[key], user)
    return cache[key]


@pytest.mark.parametrize("name", list(FORMS))
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_hostile_input_never_breaks_a_form_nor_comes_back_unescaped(world, name, data):
    _post_hostile_values(world, name, FORMS[name], data)


def _post_hostile_values(world: World, name: str, case: FormCase, data: st.DataObject) -> None:
    with time_machine.travel(NOW, tick=False):
        case.reset(world)
        clients: dict[int, Client] = {}
        client = _client_for(case.who(world), clients, reauthenticate=case.reauthenticate)
        values = data.draw(st.fixed_dictionaries(case.fields(world)), label="values")
        target = case.url(world, values)
        before = snapshot()
        mail.outbox.clear()
        # E-mails go out after the transaction commits: run those hooks, so they are sent here.
        with TestCase.captureOnCommitCallbacks(execute=True):
            if case.method == "get":
                response = client.get(target)
            else:
                response = client.post(
                    target, encode(values), content_type="application/x-www-form-urlencoded"
                )
        assert response.status_code in case.allowed, (name, response.status_code)
        assert_nothing_unescaped(page_text(response), world, name)
        if response.status_code not in case.succeeds_with and not case.keeps_what_is_valid:
            assert snapshot() == before, f"{name}: a refused submission changed saved data"
        for message in mail.outbox:
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    assert_nothing_unescaped(str(content), world, f"{name} → e-mail {message.to}")
        if response.status_code not in case.succeeds_with:
            return
        for who, page in case.shows:
            shown = _client_for(who(world), clients).get(page(world))
            assert shown.status_code == 200, (name, page(world), shown.status_code)
            assert_nothing_unescaped(page_text(shown), world, f"{name} → {page(world)}")
        for check in case.checks:
            check(world)


# --- every form staff can reach ---------------------------------------------------------------

Page = tuple[Callable[[World], User | None], Callable[[World], str]]


def _facilitator(world: World) -> User:
    return world.facilitator


def _coordinator(world: World) -> User:
    return world.coordinator


def _wording_line(world: World) -> Any:
    """The organization's own copy of the cohort's program, whose reminders are reworded."""
    from programs.authoring.models import ProgramLine
    from programs.authoring.services.versions import line_copy_from_shipped

    found = ProgramLine.objects.filter(organization=world.organization, name="Own wording").first()
    return found or line_copy_from_shipped(
        user=world.coordinator,
        organization=world.organization,
        source=world.cohort.program,
        name="Own wording",
    )


def _program_draft_again(world: World) -> None:
    """A draft to publish or discard in every example (the one before may be gone)."""
    from programs.authoring.services.versions import draft_get_or_start

    draft_get_or_start(user=world.coordinator, line=_program_line(world))


def _operator(world: World) -> User:
    """A site operator (Django admin), with an authenticator app like all staff."""
    operator = User.objects.filter(email="ops@example.org").first()
    if operator is None:
        operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
        staff_totp_ensure(operator)
    return operator


def _page(name: str, *args: Callable[[World], object]) -> Callable[[World], str]:
    return lambda world: reverse(name, args=[arg(world) for arg in args])


def _group_sessions(cohort: Cohort) -> list[ScheduledSession]:
    return list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=None, is_makeup=False).order_by(
            "starts_at"
        )
    )


def _later(world: World) -> ScheduledSession:
    """The cohort's last session: weeks ahead, so it can be moved, cancelled and shown."""
    return _group_sessions(world.cohort)[-1]


def _third(world: World) -> ScheduledSession:
    """Session 3, held yesterday evening: its attendance is not recorded yet."""
    return _group_sessions(world.cohort)[2]


def _newest_cohort(world: World) -> Cohort:
    return Cohort.objects.filter(organization=world.organization).latest("pk")


def _newest_makeup(world: World) -> ScheduledSession:
    return ScheduledSession.objects.filter(cohort=world.cohort, is_makeup=True).latest("pk")


def _newest_enrollment(world: World) -> Enrollment:
    return Enrollment.objects.filter(cohort=world.cohort).latest("pk")


def _cohort_pages(cohort: Callable[[World], Cohort]) -> tuple[Page, ...]:
    """Every staff page showing a cohort's name, place, link or phone instructions (its form too)."""

    def pk(world: World) -> int:
        return cohort(world).pk

    def first(world: World) -> int:
        return _group_sessions(cohort(world))[0].pk

    def last(world: World) -> int:
        return _group_sessions(cohort(world))[-1].pk

    return (
        (_facilitator, _page("programs:cohort_list")),
        (_facilitator, _page("reports:cohort_detail", pk)),
        (_facilitator, _page("program_sessions:attendance_grid", pk)),
        (_facilitator, _page("program_sessions:makeup_create", pk)),
        (_facilitator, _page("program_sessions:session_detail", first)),
        (_facilitator, _page("program_sessions:session_detail", last)),
        (_facilitator, _page("program_sessions:session_reschedule", last)),
        (_facilitator, _page("program_sessions:session_cancel", last)),
        (_facilitator, _page("questionnaires:questionnaire_status", pk)),
        (_coordinator, _page("programs:cohort_update", pk)),
        (_coordinator, lambda w: reverse("reports:export") + f"?cohort={pk(w)}"),
    )


# What participants see of their course: the next session's place, link or phone instructions.
PARTICIPANT_COURSE_PAGES: tuple[Page, ...] = (
    (_participant, _page("reports:participant_home")),
    (_participant, _page("rights:withdraw")),
)
# Pages that name participants to staff (names typed by a coordinator or imported).
ROSTER_PAGES: tuple[Page, ...] = (
    (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
    (_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),
    (_facilitator, _page("program_sessions:makeup_create", lambda w: w.cohort.pk)),
    (_coordinator, _page("coordinator_home")),
)


def _check_calendar_file(world: World) -> None:
    """The participant's calendar file: text from staff stays inside its own property."""
    response = Client().get(reverse("program_sessions:calendar_feed", args=[world.calendar_token]))
    assert response.status_code == 200
    _assert_calendar_text_contained(page_text(response), "calendar feed")


def _assert_calendar_text_contained(ics: str, where: str) -> None:
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    for line in unfolded.splitlines():
        name = re.split(r"[;:]", line, maxsplit=1)[0]
        if "xq7" in line:
            assert name in {"SUMMARY", "DESCRIPTION", "LOCATION", "URL"}, (where, line[:80])
        if name == "URL":
            assert re.match(r"URL[^:]*:https?://", line), (where, line[:80])


def _check_invitation_sender(world: World) -> None:
    """An invitation from the organization: its sender name stays the name of one From: line."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation_create(
            organization=world.organization,
            email="hostile.sender@example.org",
            role="",
            invited_by=world.coordinator,
        )
    # The SMTP envelope reads the sender from the same text: it must parse as one mailbox.
    sanitize_address(mail.outbox[-1].from_email, "utf-8")
    sent = mail.outbox[-1].message()
    assert len(sent.get_all("From")) == 1
    assert "\n" not in str(sent["From"]).replace("\n ", "")
    assert sent.get_all("Bcc") is None
    assert sent.get_all("Reply-To") is None
    assert parseaddr(str(sent["From"]))[1] == parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]


def _check_session_reminder(world: World) -> None:
    """The reminder e-mail for a coming session (its place or link) and its calendar entry."""
    notification = Notification.objects.get(pk=world.notification.pk)
    message = notification_email(notification)
    for content, mimetype in message.alternatives:
        if mimetype == "text/html":
            assert_nothing_unescaped(str(content), world, "session reminder e-mail")
    for attachment in message.attachments:
        if attachment[2].startswith("text/calendar"):
            ics = attachment[1]
            ics_text = ics.decode("utf-8") if isinstance(ics, bytes) else str(ics)
            _assert_calendar_text_contained(ics_text, "session reminder calendar entry")


def _new_address() -> SearchStrategy[str]:
    return st.integers(min_value=0, max_value=10**9).map(lambda n: f"new{n}@example.org")


def _video_link() -> SearchStrategy[str]:
    """Empty, a real link, a link carrying markup (allowed by URL syntax), or hostile text."""
    return st.one_of(
        st.just(""),
        st.just("https://meet.example.org/room-7"),
        st.sampled_from(
            [
                "javascript:alert('xq7')",
                " JaVaScRiPt:alert('xq7')",
                "java\tscript:alert('xq7')",
                "data:text/html,<script>alert('xq7')</script>",
                'https://meet.example.org/"><script>alert("xq7")</script>',
                "https://meet.example.org/?q=<svg/onload=alert('xq7')>",
            ]
        ),
        hostile_text(),
    )


def _cohort_fields(world: World, *, new: bool, every_field: bool) -> dict[str, SearchStrategy[str]]:
    """The cohort form: the words people read hostile; with every_field, the rest too (then
    little is saved, but nothing may break)."""
    current = CohortForm.initial_for(world.cohort)
    maybe = sometimes if every_field else st.just
    modalities = st.sampled_from(["in_person", "video", "phone"])
    return {
        "name": hostile_text() if new else sometimes(current["name"]),
        "program": maybe(str(current["program"])),
        "start_date": maybe("2026-10-06" if new else current["start_date"].isoformat()),
        "meeting_weekday": maybe("1"),
        "meeting_time": maybe("18:00"),
        "timezone": maybe("Europe/London"),
        "default_modality": st.one_of(modalities, *([hostile_text()] if every_field else [])),
        "place": hostile_text(),
        "video_link": _video_link(),
        "phone_instructions": hostile_text(),
        "facilitators": maybe(str(world.facilitator.pk)),
        "skip_dates": st.one_of(
            st.just(""), st.just("2026-12-22"), *([hostile_text()] if every_field else [])
        ),
    }


def _makeup_fields(world: World, *, every_field: bool) -> dict[str, SearchStrategy[str]]:
    """The make-up form, like the cohort form: its words hostile, with every_field the rest too."""
    maybe = sometimes if every_field else st.just
    modalities = st.sampled_from(["in_person", "video", "phone"])
    # A different day each time: two make-ups at one time are refused.
    later_day = st.integers(min_value=3, max_value=60).map(
        lambda days: (NOW.date() + dt.timedelta(days=days)).isoformat()
    )
    return {
        "enrollment": st.one_of(
            st.just(""),
            st.just(str(world.enrollment.pk)),
            hostile_text() if every_field else st.just(""),
        ),
        "program_session": maybe(str(world.missed_session.program_session_id)),
        "on_date": st.one_of(later_day, hostile_text()) if every_field else later_day,
        "at": maybe("11:00"),
        "modality": st.one_of(modalities, *([hostile_text()] if every_field else [])),
        "place": hostile_text(),
        "video_link": _video_link(),
        "phone_instructions": hostile_text(),
    }


def _csv_text() -> SearchStrategy[str]:
    def write(rows: list[tuple[str, str]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["name", "email"])
        writer.writerows(rows)
        return out.getvalue()

    row = st.tuples(hostile_text(), st.one_of(_new_address(), hostile_text()))
    return st.one_of(st.lists(row, min_size=1, max_size=3).map(write), hostile_text())


def _reopen_cancelled(world: World) -> None:
    ScheduledSession.objects.filter(pk=_later(world).pk).update(
        status=SessionStatus.SCHEDULED, cancel_reason=""
    )


def _reopen_follow_up(world: World) -> None:
    FollowUp.objects.filter(pk=world.follow_up.pk).update(
        resolved_at=None, resolved_by=None, resolution=""
    )


def _reopen_safety_event(world: World) -> None:
    SafetyEvent.objects.filter(pk=world.safety_event.pk).update(
        acknowledged_at=None, acknowledged_by=None, action_taken=""
    )


def _open_erasure_request(world: World) -> ErasureRequest:
    """An open erasure request of a participant of the cohort; completing one erases them, so
    the next example gets someone new."""
    waiting = ErasureRequest.objects.filter(status="open", user__email__startswith="erin").first()
    if waiting is not None:
        return waiting
    number = ErasureRequest.objects.count()
    person = UserFactory(email=f"erin{number}@example.org", full_name=NAME)
    EnrollmentFactory(cohort=world.cohort, user=person, participant_code=f"P-E{number:02d}")
    return erasure_request_create(user=person, reason=NAME)


def _grid_cell(world: World) -> str:
    return f"s{_third(world).pk}-e{world.enrollment.pk}"


def _gad7_answers() -> dict[str, SearchStrategy[str]]:
    return {f"q{n}": sometimes(str(n % 4)) for n in range(1, 8)}


MAKEUP_PAGES: tuple[Page, ...] = (
    (_facilitator, _page("program_sessions:session_detail", lambda w: _newest_makeup(w).pk)),
    (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
    (_facilitator, _page("program_sessions:attendance_grid", lambda w: w.cohort.pk)),
    (_participant, _page("reports:participant_home")),
)

STAFF_FORMS: dict[str, FormCase] = {
    # --- cohorts: what a coordinator types, and every page that shows it ---
    "cohort create": FormCase(
        who=_coordinator,
        url=_at("programs:cohort_create"),
        fields=lambda w: _cohort_fields(w, new=True, every_field=False),
        shows=_cohort_pages(_newest_cohort),
    ),
    "cohort create, every field": FormCase(
        who=_coordinator,
        url=_at("programs:cohort_create"),
        fields=lambda w: _cohort_fields(w, new=True, every_field=True),
        shows=_cohort_pages(_newest_cohort),
    ),
    "cohort update": FormCase(
        who=_coordinator,
        url=_at("programs:cohort_update", lambda w: w.cohort.pk),
        fields=lambda w: _cohort_fields(w, new=False, every_field=False),
        shows=(*_cohort_pages(lambda w: w.cohort), *PARTICIPANT_COURSE_PAGES),
        checks=(_check_calendar_file, _check_session_reminder),
    ),
    "cohort update, every field": FormCase(
        who=_coordinator,
        url=_at("programs:cohort_update", lambda w: w.cohort.pk),
        fields=lambda w: _cohort_fields(w, new=False, every_field=True),
        shows=(*_cohort_pages(lambda w: w.cohort), *PARTICIPANT_COURSE_PAGES),
        checks=(_check_calendar_file, _check_session_reminder),
    ),
    # --- a facilitator's schedule changes ---
    "session reschedule": FormCase(
        who=_facilitator,
        url=_at("program_sessions:session_reschedule", lambda w: _later(w).pk),
        fields=lambda w: {
            "new_date": sometimes("2026-11-03"),
            "new_time": sometimes("17:30"),
            "shift_later": st.one_of(st.just(""), hostile_text()),
        },
        shows=(
            (_facilitator, _page("program_sessions:session_detail", lambda w: _later(w).pk)),
            (_participant, _page("reports:participant_home")),
        ),
        checks=(_check_calendar_file,),
    ),
    "session cancel": FormCase(
        who=_facilitator,
        url=_at("program_sessions:session_cancel", lambda w: _later(w).pk),
        fields=lambda w: {"reason": hostile_text()},
        shows=(
            (_facilitator, _page("program_sessions:session_detail", lambda w: _later(w).pk)),
            (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
            (_participant, _page("reports:participant_home")),
        ),
        checks=(_check_calendar_file,),
        reset=_reopen_cancelled,
    ),
    "session mode": FormCase(
        who=_facilitator,
        url=_at("program_sessions:session_mode", lambda w: _later(w).pk),
        fields=lambda w: {
            "modality": st.sampled_from(["in_person", "phone", "video", ""]),
            "place": hostile_text(),
            "video_link": _video_link(),
            "phone_instructions": hostile_text(),
        },
        shows=(
            (_facilitator, _page("program_sessions:session_detail", lambda w: _later(w).pk)),
            (_facilitator, _page("program_sessions:session_mode", lambda w: _later(w).pk)),
            (_participant, _page("reports:participant_home")),
        ),
        checks=(_check_calendar_file, _check_session_reminder),
    ),
    "fidelity rating": FormCase(
        who=_facilitator,
        url=_at("program_sessions:fidelity_rate", lambda w: w.session.pk),
        fields=lambda w: {"done": sometimes("body_scan"), "note": hostile_text()},
        allowed=frozenset({302, 400}),
        shows=(
            (_facilitator, _page("program_sessions:fidelity_rate", lambda w: w.session.pk)),
            (_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),
            (_coordinator, _page("reports:fidelity")),
        ),
    ),
    "make-up session": FormCase(
        who=_facilitator,
        url=_at("program_sessions:makeup_create", lambda w: w.cohort.pk),
        fields=lambda w: _makeup_fields(w, every_field=False),
        shows=MAKEUP_PAGES,
        checks=(_check_calendar_file,),
    ),
    "make-up session, every field": FormCase(
        who=_facilitator,
        url=_at("program_sessions:makeup_create", lambda w: w.cohort.pk),
        fields=lambda w: _makeup_fields(w, every_field=True),
        shows=MAKEUP_PAGES,
        checks=(_check_calendar_file,),
    ),
    "make-up confirmation": FormCase(
        who=_facilitator,
        url=_at("program_sessions:makeup_confirm", lambda w: w.missed_session.pk),
        fields=lambda w: {"completion": sometimes(str(w.completion.pk)), "next": hostile_text()},
        allowed=frozenset({302, 404}),
        shows=(
            (
                _facilitator,
                _page("program_sessions:session_detail", lambda w: w.missed_session.pk),
            ),
        ),
    ),
    # --- attendance, notes and follow-ups ---
    "attendance": FormCase(
        who=_facilitator,
        url=_at("program_sessions:attendance_grid", lambda w: w.cohort.pk),
        fields=lambda w: {
            f"{_grid_cell(w)}-status": sometimes("attended"),
            f"{_grid_cell(w)}-outcome": st.one_of(st.just(""), hostile_text()),
            f"{_grid_cell(w)}-minutes": st.one_of(st.just(""), hostile_text()),
            "loaded": st.one_of(st.just(""), hostile_text()),
            "mark_present": st.one_of(st.just(""), hostile_text()),
            "confirm": st.one_of(st.just(""), hostile_text()),
        },
        shows=((_facilitator, _page("program_sessions:attendance_grid", lambda w: w.cohort.pk)),),
        # The grid saves every valid cell and redraws the page with the others' reasons.
        keeps_what_is_valid=True,
    ),
    "session note": FormCase(
        who=_facilitator,
        url=_at("program_sessions:note_save", lambda w: w.session.pk),
        fields=lambda w: {"which": sometimes("note-session"), "note-session-text": hostile_text()},
        allowed=frozenset({200, 302, 404}),
        shows=((_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),),
    ),
    "participant note": FormCase(
        who=_facilitator,
        url=_at("program_sessions:note_save", lambda w: w.session.pk),
        fields=lambda w: {
            "which": st.just(f"note-e{w.enrollment.pk}"),
            f"note-e{w.enrollment.pk}-text": hostile_text(),
        },
        shows=((_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),),
    ),
    "new participant note": FormCase(
        who=_facilitator,
        url=_at("program_sessions:note_save", lambda w: w.session.pk),
        fields=lambda w: {
            "which": st.just("note-new"),
            "note-new-enrollment": sometimes(str(w.enrollment.pk)),
            "note-new-text": hostile_text(),
        },
        shows=((_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),),
    ),
    "follow-up": FormCase(
        who=_facilitator,
        url=_at("program_sessions:follow_up_resolve", lambda w: w.follow_up.pk),
        fields=lambda w: {"resolution": hostile_text()},
        shows=(
            (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
            (
                _facilitator,
                _page("program_sessions:session_detail", lambda w: w.missed_session.pk),
            ),
        ),
        reset=_reopen_follow_up,
    ),
    # --- invitations and enrollments ---
    "staff invitation": FormCase(
        who=_coordinator,
        url=_at("invitation_create"),
        fields=lambda w: {
            "email": st.one_of(_new_address(), hostile_text()),
            "full_name": hostile_text(),
            "role": st.one_of(st.sampled_from(["", "facilitator", "coordinator"]), hostile_text()),
        },
        shows=((_coordinator, _page("coordinator_home")),),
        reauthenticate=True,
    ),
    "invitation revoke": FormCase(
        who=_coordinator,
        url=_at("invitation_revoke", lambda w: w.invitation.pk),
        fields=lambda w: {"anything": hostile_text()},
        shows=((_coordinator, _page("coordinator_home")),),
        reset=_invitation_usable,
    ),
    "participant invitation": FormCase(
        who=_coordinator,
        url=_at("programs:enrollment_create", lambda w: w.cohort.pk),
        fields=lambda w: {
            "full_name": hostile_text(),
            "email": st.one_of(_new_address(), hostile_text()),
            "phone": st.one_of(st.just(""), hostile_text()),
            "timezone": mostly("Europe/London"),
            "arm": mostly("intervention"),
        },
        shows=(
            *ROSTER_PAGES,
            (_coordinator, _page("programs:enrollment_update", lambda w: _newest_enrollment(w).pk)),
        ),
    ),
    "participant import": FormCase(
        who=_coordinator,
        url=_at("programs:enrollment_import", lambda w: w.cohort.pk),
        fields=lambda w: {"text": _csv_text()},
        shows=ROSTER_PAGES,
    ),
    "enrollment update": FormCase(
        who=_coordinator,
        url=_at("programs:enrollment_update", lambda w: w.enrollment.pk),
        fields=lambda w: {
            "action": sometimes("update"),
            "arm": sometimes("intervention"),
            "status": sometimes("active"),
        },
        allowed=frozenset({200, 302}),
        shows=(
            (_coordinator, _page("programs:enrollment_update", lambda w: w.enrollment.pk)),
            (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
        ),
        reset=_rejoin,
    ),
    "enrollment withdraw": FormCase(
        who=_coordinator,
        url=_at("programs:enrollment_update", lambda w: w.enrollment.pk),
        fields=lambda w: {
            "action": st.just("withdraw"),
            "on_date": sometimes("2026-09-16"),
            "reason": hostile_text(),
        },
        shows=(
            (_coordinator, _page("programs:enrollment_update", lambda w: w.enrollment.pk)),
            (_facilitator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
            (_facilitator, _page("program_sessions:session_detail", lambda w: w.session.pk)),
        ),
        reset=_rejoin,
    ),
    # --- questionnaires and safety ---
    "questionnaire staff entry": FormCase(
        who=_facilitator,
        url=_at(
            "questionnaires:questionnaire_entry_instrument", lambda w: w.post.pk, lambda w: "gad7"
        ),
        fields=lambda w: {
            "mode": sometimes("phone"),
            **_gad7_answers(),
            "action": st.one_of(st.sampled_from(["save", "send"]), hostile_text()),
        },
        keeps_what_is_valid=True,
        shows=(
            (_facilitator, _page("questionnaires:questionnaire_entry", lambda w: w.post.pk)),
            (_facilitator, _page("questionnaires:questionnaire_status", lambda w: w.cohort.pk)),
        ),
    ),
    "questionnaire correction": FormCase(
        who=_facilitator,
        url=_at("questionnaires:response_correct", lambda w: w.baseline.pk, lambda w: "phq9"),
        fields=lambda w: {
            **{f"q{n}": sometimes(str(n % 4)) for n in range(1, 11)},
            "reason": hostile_text(),
        },
        shows=(
            (
                _facilitator,
                _page("questionnaires:response_correct", lambda w: w.baseline.pk, lambda w: "phq9"),
            ),
            (_facilitator, _page("questionnaires:results_cohort", lambda w: w.cohort.pk)),
        ),
    ),
    "questionnaire window change": FormCase(
        who=_facilitator,
        url=_at("questionnaires:assessment_window", lambda w: w.post.pk),
        fields=lambda w: {
            "closes_on": sometimes("2099-06-30"),
            "reason": hostile_text(),
        },
        shows=(
            (_facilitator, _page("questionnaires:questionnaire_status", lambda w: w.cohort.pk)),
            (_facilitator, _page("reports:participant_detail", lambda w: w.post.enrollment_id)),
        ),
    ),
    "safety acknowledgement": FormCase(
        who=_facilitator,
        url=_at("questionnaires:safety_acknowledge", lambda w: w.safety_event.pk),
        fields=lambda w: {"action_taken": hostile_text()},
        allowed=frozenset({200, 302}),
        shows=(
            (
                _facilitator,
                _page("questionnaires:safety_event_detail", lambda w: w.safety_event.pk),
            ),
            (
                _coordinator,
                _page("questionnaires:safety_event_detail", lambda w: w.safety_event.pk),
            ),
        ),
        reset=_reopen_safety_event,
        reauthenticate=True,
    ),
    "send now": FormCase(
        who=_facilitator,
        url=_at("notifications:send_now", lambda w: w.enrollment.pk),
        fields=lambda w: {
            "kind": sometimes("questionnaire_open"),
            "click_id": st.one_of(st.uuids().map(str), hostile_text()),
            "assessment": sometimes(str(w.post.pk)),
        },
        shows=((_facilitator, _page("notifications:delivery_log", lambda w: w.enrollment.pk)),),
    ),
    # --- the organization: its details are edited in the admin, by a site operator ---
    "organization details": FormCase(
        who=_operator,
        url=_at("admin:accounts_organization_change", lambda w: w.organization.pk),
        fields=lambda w: {
            "name": hostile_text(),
            "slug": sometimes("riverside"),
            "support_email": sometimes("help@riverside.example"),
            "support_phone": hostile_text(),
            "crisis_contacts": st.lists(hostile_text(), min_size=1, max_size=3).map("\n".join),
            "_save": st.just("Save"),
        },
        shows=(
            (_participant, _page("help")),
            (_facilitator, _page("help")),
            (_coordinator, _page("help")),
            (_coordinator, _page("coordinator_home")),
            (
                _participant,
                _page(
                    "questionnaires:questionnaire_support",
                    lambda w: w.baseline.pk,
                    lambda w: "phq9",
                ),
            ),
            (_anonymous, _page("invitation_accept", lambda w: w.invitation_token)),
            (_operator, _page("admin:accounts_organization_changelist")),
            (_operator, _page("admin:accounts_organization_change", lambda w: w.organization.pk)),
        ),
        reset=_invitation_usable,
    ),
    "erasure completion": FormCase(
        who=_coordinator,
        url=_at("rights:erasure_request_detail", lambda w: _open_erasure_request(w).pk),
        fields=lambda w: {"anything": hostile_text()},
        shows=(
            (_coordinator, _page("rights:erasure_request_list")),
            (_coordinator, _page("audit_log")),
        ),
        reauthenticate=True,
    ),
    # --- reports: forms that only read, sent as links ---
    "export": FormCase(
        who=_coordinator,
        method="get",
        url=lambda w, values: reverse("reports:export") + "?" + query(values),
        fields=lambda w: {
            "kind": sometimes("completion"),
            "format": sometimes("csv"),
            "program": st.one_of(st.just(""), hostile_text()),
            "cohort": sometimes(str(w.cohort.pk)),
            "identifiable": st.one_of(st.just(""), hostile_text()),
            "file": st.one_of(st.just(""), hostile_text()),
        },
        # A cohort that is not a number is no cohort: 404, as for one the user may not see.
        allowed=frozenset({200, 302, 400, 404}),
        succeeds_with=frozenset({200, 302}),
    ),
    "outcome summary filter": FormCase(
        who=_facilitator,
        method="get",
        url=lambda w, values: reverse("reports:outcomes") + "?" + query(values),
        fields=lambda w: {"program": hostile_text(), "cohort": sometimes(str(w.cohort.pk))},
        allowed=frozenset({200, 400, 404}),
        succeeds_with=frozenset({200}),
    ),
    "reports filter": FormCase(
        who=_coordinator,
        method="get",
        url=lambda w, values: reverse("reports:reports_overview") + "?" + query(values),
        fields=lambda w: {
            "program": hostile_text(),
            "arm": hostile_text(),
            "state": hostile_text(),
            "start_from": sometimes("2026-01-01"),
            "start_to": hostile_text(),
            "sort": hostile_text(),
            "dir": hostile_text(),
            "page": hostile_text(),
        },
        succeeds_with=frozenset({200}),
    ),
    "audit log filter": FormCase(
        who=_coordinator,
        method="get",
        url=lambda w, values: reverse("audit_log") + "?" + query(values),
        fields=lambda w: {
            "person": hostile_text(),
            "action": hostile_text(),
            "since": sometimes("2026-09-01"),
            "until": hostile_text(),
            "participant": hostile_text(),
        },
        allowed=frozenset({200, 400}),
        succeeds_with=frozenset({200}),
    ),
    # --- staff's own settings ---
    "organization settings": FormCase(
        who=_coordinator,
        url=_at("organization_settings", lambda w: w.organization.slug),
        fields=lambda w: {
            "crisis_contacts": st.one_of(
                st.just("Samaritans: 116 123"),
                st.tuples(hostile_text(), st.just(" 0800 555 0100")).map("".join),
                hostile_text(),
            ),
            "support_phone": sometimes("020 7946 0000"),
            "support_email": sometimes("team@example.org"),
            "sender_name": hostile_text(),
            "default_timezone": sometimes("Europe/Dublin"),
            "escalate_after_working_hours": sometimes("8"),
        },
        reauthenticate=True,
        # Where the contacts reach participants, and the page that shows them back.
        shows=(
            (_coordinator, lambda w: reverse("organization_settings", args=[w.organization.slug])),
            (_participant, _page("help")),
        ),
        checks=(_check_invitation_sender,),
    ),
    # --- API tokens: the name is shown back on the API page and the audit log; the page that
    # shows a new token once answers 200, a refused form 400 ---
    "api token": FormCase(
        who=_coordinator,
        url=_at("api_token_create", lambda w: w.organization.slug),
        fields=lambda w: {
            "name": hostile_text(),
            "scopes": st.one_of(st.just("enroll"), st.just("identifiable"), hostile_text()),
            "expires_in_days": sometimes("90"),
        },
        allowed=frozenset({200, 400}),
        succeeds_with=frozenset({200}),
        reauthenticate=True,
        shows=(
            (_coordinator, lambda w: reverse("api_page", args=[w.organization.slug])),
            (_coordinator, _page("audit_log")),
        ),
    ),
    "api token revoke": FormCase(
        who=_coordinator,
        url=lambda w, values: reverse(
            "api_token_revoke", args=[w.organization.slug, _api_token(w)]
        ),
        fields=lambda w: {"confirm": hostile_text()},
        reauthenticate=True,
        shows=((_coordinator, lambda w: reverse("api_page", args=[w.organization.slug])),),
    ),
    # A number that is not one of theirs is 404 (nothing changes); anything else asks again.
    "organization switch": FormCase(
        who=_coordinator,
        url=_at("organization_switch"),
        fields=lambda w: {
            "organization": st.one_of(st.just(str(w.organization.pk)), hostile_text()),
        },
        allowed=frozenset({200, 302, 404}),
    ),
    "reminder settings (staff)": FormCase(
        who=_facilitator,
        url=_at("notifications:preferences"),
        fields=lambda w: {
            "weekly_digest": sometimes("on"),
            "digest_weekday": sometimes("0"),
            "staff_alerts": sometimes("on"),
            "quiet_hours_start": sometimes("21:00"),
            "quiet_hours_end": sometimes("08:00"),
        },
        shows=((_facilitator, _page("notifications:preferences")),),
    ),
    "my details (staff)": FormCase(
        who=_facilitator,
        url=_at("profile"),
        fields=lambda w: {
            "full_name": hostile_text(),
            "preferred_name": hostile_text(),
            "timezone": sometimes("Europe/London"),
            "phone": hostile_text(),
        },
        # Where a facilitator's name reaches colleagues.
        shows=(
            (_facilitator, _page("profile")),
            (_coordinator, _page("coordinator_home")),
            (_coordinator, _page("reports:cohort_detail", lambda w: w.cohort.pk)),
        ),
    ),
    "authenticator code": FormCase(
        who=_facilitator,
        url=_at("mfa_reauthenticate"),
        fields=lambda w: {"code": sometimes("123456"), "next": hostile_text()},
        allowed=frozenset({200, 302, 429}),
    ),
    # Screening: what the coordinator types about a person, and the actions on a screening.
    "screening": FormCase(
        who=_coordinator,
        url=_at("trials:screening_new", lambda w: "mbsr-8-ms"),
        fields=lambda w: {
            **{key: sometimes(value) for key, value in _screening_form(w).items()},
            "full_name": hostile_text(),
            "phone": hostile_text(),
        },
        shows=(
            (_coordinator, _page("trials:screening_list")),
            (_coordinator, _page("trials:waitlist", lambda w: "mbsr-8-ms")),
        ),
    ),
    "screening consent": FormCase(
        who=_coordinator,
        url=_at("trials:screening_consent", lambda w: _screening(w, "unconsented").pk),
        fields=lambda w: {"note": hostile_text()},
        allowed=frozenset({200, 302, 400}),
    ),
    "screening offer": FormCase(
        who=_coordinator,
        url=_at("trials:screening_offer", lambda w: _screening(w).pk),
        fields=lambda w: {
            "cohort": sometimes(str(w.cohort.pk)),
            "expires_in_days": sometimes("7"),
        },
        allowed=frozenset({200, 302, 400}),
    ),
    "screening enrol": FormCase(
        who=_coordinator,
        url=_at("trials:screening_enroll", lambda w: _screening(w).pk),
        fields=lambda w: {"cohort": sometimes(str(w.cohort.pk))},
        allowed=frozenset({200, 302, 400}),
    ),
    # Studies: set-up (names and what participants are told), Randomize, corrections.
    "study set-up": FormCase(
        who=_coordinator,
        url=lambda w, data: reverse("trials:study_new") + "?program=mbsr-8-ms",
        fields=lambda w: {
            "name": hostile_text(),
            "block_multiples": sometimes("1"),
            "arm1_label": hostile_text(),
            "arm1_ratio": sometimes("1"),
            "arm1_role": sometimes("now"),
            "arm1_next": hostile_text(),
            "arm2_label": mostly("Course later"),
            "arm2_ratio": sometimes("1"),
            "arm2_role": sometimes("waitlist"),
            "arm2_next": hostile_text(),
        },
        shows=((_coordinator, _page("trials:study_list")),),
    ),
    "study add cohort": FormCase(
        who=_coordinator,
        url=lambda w, data: reverse("trials:study_cohort_add", args=[_study(w).pk]),
        fields=lambda w: {
            "cohort": sometimes(
                str(CohortFactory(organization=w.organization, program=w.cohort.program).pk)
            )
        },
        allowed=frozenset({302, 400}),
        shows=((_coordinator, lambda w: reverse("trials:study_detail", args=[_study(w).pk])),),
    ),
    "study randomize": FormCase(
        who=_coordinator,
        url=lambda w, data: reverse(
            "trials:study_randomize", args=[_study(w).pk, _study_waiting(w).pk]
        ),
        fields=lambda w: {"confirm": hostile_text()},
    ),
    "allocation correction": FormCase(
        who=_coordinator,
        url=lambda w, data: reverse("trials:allocation_correct", args=[_allocation(w).pk]),
        fields=lambda w: {
            "arm": sometimes(
                str(_allocation(w).study.arms.exclude(pk=_allocation(w).arm_id).get().pk)
            ),
            "reason": hostile_text(),
        },
        reauthenticate=True,
        shows=((_coordinator, lambda w: reverse("trials:study_detail", args=[_study(w).pk])),),
    ),
    "screening safety follow-up": FormCase(
        who=_coordinator,
        url=_at("trials:screening_safety", lambda w: _screening(w, "flagged").pk),
        fields=lambda w: {"note": hostile_text()},
        allowed=frozenset({302, 400}),
    ),
    "screening decline": FormCase(
        who=_coordinator,
        url=_at("trials:screening_decline", lambda w: _screening(w, "offered").pk),
        fields=lambda w: {"note": hostile_text()},
        allowed=frozenset({200, 302, 400}),
    ),
    # --- program authoring: the program editor (copy, settings, weeks, plan, publish) ---
    "program copy": FormCase(
        who=_coordinator,
        url=_at("authoring:line_create", lambda w: "mbsr-8-ms"),
        fields=lambda w: {"name": hostile_text()},
        shows=((_coordinator, _page("authoring:program_list")),),
    ),
    "program start editing": FormCase(
        who=_coordinator,
        url=_at("authoring:line_detail", lambda w: _program_line(w, "published").pk),
        fields=lambda w: {"anything": hostile_text()},
    ),
    "program settings": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_settings", lambda w: _program_line(w).pk),
        fields=lambda w: {
            **{key: mostly(str(value)) for key, value in _draft_settings_form(w).items()},
            "name": hostile_text(),
            "summary": hostile_text(),
            "practice-0-description": hostile_text(),
            "practice-1-durations": sometimes("10, 20"),
        },
        shows=(
            (_coordinator, _page("authoring:draft_settings", lambda w: _program_line(w).pk)),
            (_coordinator, _page("authoring:line_history", lambda w: _program_line(w).pk)),
            (_coordinator, _page("authoring:program_list")),
        ),
    ),
    "program week": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_week", lambda w: _program_line(w).pk, lambda w: 1),
        fields=lambda w: {
            "draft": sometimes(str(_program_draft(w).pk)),
            "title": mostly("Week one, gently"),
            "aims": hostile_text(),
            "material": hostile_text(),
            "home_practice": hostile_text(),
            "reflection_prompt": hostile_text(),
            "practices": sometimes("body_scan"),
        },
        shows=(
            (
                _coordinator,
                _page("authoring:draft_week", lambda w: _program_line(w).pk, lambda w: 1),
            ),
            (_coordinator, _page("authoring:line_detail", lambda w: _program_line(w).pk)),
            (_coordinator, _page("authoring:line_history", lambda w: _program_line(w).pk)),
        ),
    ),
    "program measurement plan": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_plan", lambda w: _program_line(w).pk),
        fields=lambda w: {
            "draft": sometimes(str(_program_draft(w).pk)),
            "action": st.sampled_from(["save", "add_follow_up", "remove", ""]),
            "point": hostile_text(),
            **{
                f"point-{point.pk}-{name}": value
                for point in _program_draft(w).program.measurement_points.order_by("pk")
                for name, value in (
                    ("label", hostile_text()),
                    ("instruments", sometimes("phq9")),
                    ("opens_days", sometimes(str(point.opens_days))),
                    ("closes_days", sometimes(str(point.closes_days))),
                )
            },
        },
        shows=(
            (_coordinator, _page("authoring:draft_plan", lambda w: _program_line(w).pk)),
            (_coordinator, _page("authoring:line_history", lambda w: _program_line(w).pk)),
        ),
    ),
    "program publish": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_publish", lambda w: _program_line(w).pk),
        fields=lambda w: {"confirm": hostile_text()},
        reset=lambda w: _program_draft_again(w),
        shows=((_coordinator, _page("authoring:line_detail", lambda w: _program_line(w).pk)),),
    ),
    "program discard": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_discard", lambda w: _program_line(w).pk),
        fields=lambda w: {"confirm": hostile_text()},
        reset=lambda w: _program_draft_again(w),
        shows=((_coordinator, _page("authoring:line_detail", lambda w: _program_line(w).pk)),),
    ),
    # --- program authoring: an organization's own wording of its reminders ---
    "reminder wording": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_reminders", lambda w: _wording_line(w).pk),
        fields=lambda w: {
            "practice_nudge-subject": sometimes("A quiet moment"),
            "practice_nudge-intro": sometimes("Hello from the team."),
            "session_24h-subject": hostile_text(),
            "missed_session-intro": hostile_text(),
        },
        shows=(
            (
                _coordinator,
                lambda w: reverse("authoring:draft_reminders", args=[_wording_line(w).pk]),
            ),
            (_coordinator, lambda w: reverse("authoring:line_history", args=[_wording_line(w).pk])),
        ),
    ),
    # --- program authoring: guided recordings (a urlencoded post carries no file: refused) ---
    "recording upload": FormCase(
        who=_coordinator,
        url=_at("authoring:draft_recordings", lambda w: _recording_line(w).pk),
        fields=lambda w: {
            "practice": sometimes("body_scan"),
            "title": hostile_text(),
            "transcript": hostile_text(),
        },
    ),
    # --- REDCap import (a urlencoded post carries no file: refused; what a file holds and is
    # named back in its problems is escaped, tests/reports/test_redcap_page.py) ---
    "redcap import": FormCase(
        who=_coordinator,
        url=_at("reports:redcap_import", lambda w: w.organization.slug),
        fields=lambda w: {
            "mode": st.one_of(st.just("phone"), hostile_text()),
            "records": hostile_text(),
        },
        allowed=frozenset({400}),
    ),
    "recording title and transcript": FormCase(
        who=_coordinator,
        url=_at(
            "authoring:draft_recording_edit",
            lambda w: _recording_line(w).pk,
            lambda w: _draft_recording(w).pk,
        ),
        fields=lambda w: {
            "action": sometimes("save"),
            "title": mostly("Body scan"),
            "transcript": hostile_text(),
        },
        shows=(
            (
                _coordinator,
                lambda w: reverse("authoring:draft_recordings", args=[_recording_line(w).pk]),
            ),
            (
                _coordinator,
                lambda w: reverse(
                    "authoring:draft_recording_edit",
                    args=[_recording_line(w).pk, _draft_recording(w).pk],
                ),
            ),
            (
                _coordinator,
                lambda w: reverse("authoring:recording_transcript", args=[_draft_recording(w).pk]),
            ),
            (
                _coordinator,
                lambda w: reverse("authoring:line_history", args=[_recording_line(w).pk]),
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", list(STAFF_FORMS))
@settings(
    # Fewer examples than the participant forms: each saved one is looked at on many pages.
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_hostile_input_never_breaks_a_staff_form_nor_comes_back_unescaped(world, name, data):
    _post_hostile_values(world, name, STAFF_FORMS[name], data)


def test_every_form_staff_can_post_is_fed_hostile_input(world):
    """A new staff form (a POST staff own in the URL matrix) must get a case in STAFF_FORMS."""
    with time_machine.travel(NOW, tick=False):
        covered = set()
        for case in STAFF_FORMS.values():
            fields = dict.fromkeys(case.fields(world), "x")
            covered.add(resolve(case.url(world, fields).split("?")[0]).view_name)
    staff_posts = {
        key
        for key, entry in MATRIX.items()
        if entry.post is not None and entry.post.owner in STAFF_ROLES
    }
    missing = sorted(staff_posts - covered)
    assert not missing, f"Staff forms without a hostile-input case in STAFF_FORMS: {missing}"


# --- what staff type, shown back --------------------------------------------------------------

NAME = '<script>alert("xq7")</script> "><img src=x onerror=alert("xq7")>'


def _staff_pages(world: World) -> list[str]:
    return [
        reverse("programs:cohort_list"),
        reverse("reports:cohort_detail", args=[world.cohort.pk]),
        reverse("program_sessions:attendance_grid", args=[world.cohort.pk]),
        reverse("program_sessions:session_detail", args=[world.session.pk]),
        reverse("questionnaires:questionnaire_status", args=[world.cohort.pk]),
        reverse("questionnaires:results_cohort", args=[world.cohort.pk]),
        reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
        reverse("notifications:delivery_log", args=[world.enrollment.pk]),
        reverse("questionnaires:safety_event_detail", args=[world.safety_event.pk]),
        reverse("reports:export") + f"?cohort={world.cohort.pk}",
        reverse("reports:outcomes"),
    ]


def _coordinator_pages(world: World) -> list[str]:
    return [
        *_staff_pages(world),
        reverse("reports:reports_overview"),
        reverse("reports:landing"),
        reverse("programs:cohort_update", args=[world.cohort.pk]),
        reverse("programs:enrollment_update", args=[world.enrollment.pk]),
    ]


def _assert_pages_escape(client: Client, urls: list[str], world: World, *, expect: str) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = page_text(response)
        assert_nothing_unescaped(html, world, url)
        assert expect in html, f"{url} does not show {expect!r}"


ESCAPED_NAME = "&lt;script&gt;alert(&quot;xq7&quot;)&lt;/script&gt;"


def test_a_facilitator_note_with_markup_is_shown_as_text(client, world):
    client.force_login(world.facilitator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("program_sessions:note_save", args=[world.session.pk]),
            {"which": "note-session", "note-session-text": NAME},
        )
        assert response.status_code == 302
        # A second edit keeps the first text as a revision, shown on the page too.
        client.post(
            reverse("program_sessions:note_save", args=[world.session.pk]),
            {"which": "note-session", "note-session-text": NAME + " again"},
        )
        assert FacilitatorNote.objects.get(enrollment=None).revisions.count() == 1
        _assert_pages_escape(
            client,
            [reverse("program_sessions:session_detail", args=[world.session.pk])],
            world,
            expect=ESCAPED_NAME,
        )


def test_a_cohort_name_with_markup_is_shown_as_text_everywhere(client, world):
    world.cohort.name = NAME[:120]
    world.cohort.save()
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.coordinator)
        _assert_pages_escape(client, _coordinator_pages(world), world, expect="&lt;script&gt;")
        client.force_login(world.facilitator)
        _assert_pages_escape(client, _staff_pages(world), world, expect="&lt;script&gt;")
        client.force_login(world.participant)
        _assert_pages_escape(
            client,
            [reverse("rights:withdraw")],
            world,
            expect="&lt;script&gt;",
        )


def test_a_participant_name_with_markup_is_shown_as_text_to_staff(client, world):
    world.participant.full_name = NAME
    world.participant.save()
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.coordinator)
        _assert_pages_escape(
            client,
            [
                reverse("program_sessions:session_detail", args=[world.session.pk]),
                reverse("programs:enrollment_update", args=[world.enrollment.pk]),
                reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
            ],
            world,
            expect=ESCAPED_NAME,
        )


def test_names_from_a_csv_import_are_shown_as_text_and_e_mailed_as_text(
    client, world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client.force_login(world.coordinator)
    lines = [
        "name,email",
        '"<script>alert(""xq7"")</script>",script@example.org',
        '"""><img src=x onerror=alert(""xq7"")>",img@example.org',
        '=HYPERLINK("http://evil.example/xq7"),formula@example.org',
    ]
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("programs:enrollment_import", args=[world.cohort.pk]),
            {"text": "\n".join(lines)},
        )
    with time_machine.travel(NOW, tick=False):
        assert response.status_code == 302, response.context["form"].errors
        assert User.objects.filter(full_name='<script>alert("xq7")</script>').exists()
        _assert_pages_escape(
            client,
            [
                reverse("reports:cohort_people", args=[world.cohort.pk]),
                reverse("program_sessions:session_detail", args=[world.session.pk]),
                reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
            ],
            world,
            expect=ESCAPED_NAME,
        )
    assert mail.outbox, "the imported participants were invited"
    for message in mail.outbox:
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                assert_nothing_unescaped(str(content), world, f"e-mail to {message.to}")


# The probe's payload, word for word: a place that sends whoever sees it to another site. The
# Content-Security-Policy stops scripts, not this.
META_REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
ESCAPED_META = (
    "&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=https://evil.example/&quot;&gt;"
)


def _cohort_update(client: Client, world: World, **changes: str) -> Any:
    data = {**CohortForm.initial_for(world.cohort), **changes}
    data["facilitators"] = [str(pk) for pk in data["facilitators"]]
    data = {key: "" if value is None else value for key, value in data.items()}
    return client.post(reverse("programs:cohort_update", args=[world.cohort.pk]), data)


def _assert_no_live_meta(html: str, where: str) -> None:
    assert "<meta http-equiv" not in html, f"{where} has a live <meta http-equiv>"
    assert not live_markup(html), (where, live_markup(html))


def test_a_cohort_place_written_as_a_meta_refresh_does_not_send_the_facilitator_away(client, world):
    """Once the make-up form's help text printed the cohort's place as HTML: a place of
    <meta http-equiv="refresh" ...> sent the facilitator's browser to another site."""
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.coordinator)
        response = _cohort_update(client, world, place=META_REFRESH)
        assert response.status_code == 302, response.context["form"].errors
        world.cohort.refresh_from_db()
        assert world.cohort.place == META_REFRESH
        assert _later(world).place == META_REFRESH, "future sessions take the new place"

        client.force_login(world.facilitator)
        makeup = reverse("program_sessions:makeup_create", args=[world.cohort.pk])
        form_page = page_text(client.get(makeup))
        _assert_no_live_meta(form_page, "the make-up form")
        assert f"Leave empty to use the cohort's: {ESCAPED_META}" in form_page
        # The form drawn again with a mistake in it shows the same help.
        refused = page_text(client.post(makeup, {"modality": "in_person", "on_date": "soon"}))
        _assert_no_live_meta(refused, "the make-up form with errors")
        assert ESCAPED_META in refused
        later = _later(world).pk
        for url, shows_place in [
            (reverse("program_sessions:session_detail", args=[later]), True),
            (reverse("reports:cohort_detail", args=[world.cohort.pk]), True),
            (reverse("program_sessions:attendance_grid", args=[world.cohort.pk]), False),
            (reverse("program_sessions:session_reschedule", args=[later]), False),
            (reverse("program_sessions:session_cancel", args=[later]), False),
        ]:
            html = page_text(client.get(url))
            _assert_no_live_meta(html, url)
            assert not shows_place or ESCAPED_META in html, f"{url} does not show the place"
        client.force_login(world.participant)
        home = page_text(client.get(reverse("reports:participant_home")))
        _assert_no_live_meta(home, "the participant's home")
        assert ESCAPED_META in home


def test_phone_instructions_and_a_link_with_markup_are_text_on_the_make_up_form(client, world):
    link = 'https://meet.example.org/?room="><script>alert("xq7")</script>'
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.coordinator)
        response = _cohort_update(
            client,
            world,
            default_modality="video",
            video_link=link,
            phone_instructions='"><img src=x onerror=alert("xq7")>',
        )
        assert response.status_code == 302, response.context["form"].errors
        client.force_login(world.facilitator)
        for url in [
            reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
            reverse("program_sessions:session_detail", args=[_later(world).pk]),
            reverse("reports:cohort_detail", args=[world.cohort.pk]),
        ]:
            html = page_text(client.get(url))
            assert_nothing_unescaped(html, world, url)
            assert "&lt;script&gt;alert(&quot;xq7&quot;)" in html, url
        form_page = page_text(
            client.get(reverse("program_sessions:makeup_create", args=[world.cohort.pk]))
        )
        assert "&quot;&gt;&lt;img src=x onerror=alert(&quot;xq7&quot;)&gt;" in form_page


@pytest.mark.parametrize(
    "link", ["javascript:alert('xq7')", " JavaScript:alert(1)", "data:text/html,<b>xq7</b>"]
)
def test_a_video_link_that_is_not_a_web_address_is_refused_and_never_becomes_a_link(
    client, world, link
):
    with time_machine.travel(NOW, tick=False):
        before = snapshot()
        client.force_login(world.coordinator)
        cohort_form = _cohort_update(client, world, default_modality="video", video_link=link)
        assert cohort_form.status_code == 200
        assert cohort_form.context["form"].errors["video_link"] == [
            "Enter the full link, starting with https://."
        ]
        client.force_login(world.facilitator)
        makeup_form = client.post(
            reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
            {
                "program_session": str(world.missed_session.program_session_id),
                "on_date": "2026-09-30",
                "at": "11:00",
                "modality": "video",
                "video_link": link,
            },
        )
        assert makeup_form.status_code == 200
        assert makeup_form.context["form"].errors["video_link"] == [
            "Enter the full link, starting with https://."
        ]
        assert snapshot() == before, "a refused link was saved"
        for response in (cohort_form, makeup_form):
            assert not live_markup(page_text(response))


@pytest.mark.parametrize("cohort", ["²", "\u0661", "1x", "-1"])
def test_a_cohort_filter_that_is_not_a_plain_number_is_no_cohort(client, world, cohort):
    """Once a 500: "²".isdigit() is true, and int("²") fails."""
    client.force_login(world.facilitator)
    with time_machine.travel(NOW, tick=False):
        for name in ("reports:outcomes", "reports:export"):
            response = client.get(reverse(name) + "?" + query({"cohort": cohort}))
            assert response.status_code == 404, (name, cohort)


def test_a_broken_import_shows_its_hostile_lines_as_text(client, world):
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("programs:enrollment_import", args=[world.cohort.pk]),
            {"text": 'name,email\n"<script>alert(""xq7"")</script>",not-an-address'},
        )
    assert response.status_code == 200
    html = page_text(response)
    assert_nothing_unescaped(html, world, "the import page with problems")
    assert "&lt;script&gt;" in html


def test_safety_follow_up_text_with_markup_is_shown_as_text(client, world):
    client.force_login(world.facilitator)
    with time_machine.travel(NOW, tick=False):
        record_reauthentication(client, world.facilitator)
        response = client.post(
            reverse("questionnaires:safety_acknowledge", args=[world.safety_event.pk]),
            {"action_taken": NAME},
        )
        assert response.status_code == 302
        _assert_pages_escape(
            client,
            [reverse("questionnaires:safety_event_detail", args=[world.safety_event.pk])],
            world,
            expect=ESCAPED_NAME,
        )


@pytest.mark.parametrize("target", ["practice_list", '"><img src=x>', "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_on_this_site_is_ignored(client, world, target):
    """Once a 500: redirect() took any word without "/" or "." for a URL name."""
    client.force_login(world.participant)
    with time_machine.travel(NOW, tick=False):
        practice = client.post(
            reverse("program_sessions:practice_create"),
            {"date": "2026-09-16", "practice": "body_scan", "minutes": "20", "next": target},
        )
        consent = client.post(
            reverse("consent"), {"keep_research_data": "keep", "agree": "on", "next": target}
        )
    assert practice.url == reverse("program_sessions:practice_list")
    assert consent.url == reverse("home")

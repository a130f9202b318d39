"""Hostile input: every form a participant can reach, fed random and hostile strings.

Whatever is sent, the page never fails (no 500), answers with a status that fits, never echoes
markup unescaped, and a refused submission changes nothing that was saved. Then a few targeted
tests for what staff type and see again: notes, cohort names, names from a CSV import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from accounts.models import Invitation, User
from programs.models import Enrollment, EnrollmentStatus
from sessions.models import FacilitatorNote
from tests.factories import PASSWORD
from tests.reauthentication import record_reauthentication
from tests.sessions.staff_cast import enroll, ier_cohort
from tests.test_url_matrix import NOW, World, build_world, snapshot

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


def query(data: dict[str, str]) -> str:
    # Lone surrogates cannot be UTF-8; a broken or hostile client sends their raw bytes anyway.
    return urlencode(data, encoding="utf-8", errors="surrogatepass")


def encode(data: dict[str, str]) -> bytes:
    return query(data).encode("ascii")


def page_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def assert_nothing_unescaped(html: str, world: World, where: str) -> None:
    for payload in MARKUP:
        assert payload not in html, f"{where} echoes {payload!r} unescaped"
    assert "49xq7" not in html, f"{where} evaluated a template expression"
    assert world.participant.password not in html, f"{where} shows a password hash"


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
            "program_sessions:questionnaire_question",
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
            reverse("program_sessions:questionnaire_question", args=[w.post.pk, "gad7", 1])
            + "?"
            + query(values)
        ),
        fields=lambda w: {"change": sometimes("1")},
    ),
    "whole questionnaire": FormCase(
        who=_participant,
        url=_at("program_sessions:questionnaire_all", lambda w: w.post.pk, lambda w: "gad7"),
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
            (_participant, lambda w: reverse("program_sessions:participant_home")),
        ),
    ),
    "reminder settings": FormCase(
        who=_participant,
        url=_at("program_sessions:preferences"),
        fields=lambda w: {
            "session_reminders": sometimes("on"),
            "questionnaire_reminders": sometimes("on"),
            "practice_nudges": sometimes("on"),
            "practice_nudge_time": sometimes("19:00"),
            "daily_cap": sometimes("3"),
            "questionnaire_layout": sometimes("whole"),
            "quiet_hours_start": sometimes("21:00"),
            "quiet_hours_end": sometimes("08:00"),
        },
        shows=((_participant, lambda w: reverse("program_sessions:preferences")),),
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
        url=_at("program_sessions:withdraw"),
        fields=lambda w: {"enrollment": sometimes(str(w.enrollment.pk)), "reason": hostile_text()},
        allowed=frozenset({200, 302, 404}),
        reset=_rejoin,
    ),
    "erasure request": FormCase(
        who=_participant,
        url=_at("program_sessions:erasure_request"),
        fields=lambda w: {
            "reason": hostile_text(),
            "confirm": st.one_of(st.just(""), hostile_text()),
        },
        shows=(
            (lambda w: w.coordinator, lambda w: reverse("program_sessions:erasure_request_list")),
        ),
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


def _client_for(user: User | None, cache: dict[int, Client]) -> Client:
    key = user.pk if user is not None else 0
    if key not in cache:
        cache[key] = Client()
        if user is not None:
            cache[key].force_login(user)
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
    case = FORMS[name]
    with time_machine.travel(NOW, tick=False):
        case.reset(world)
        clients: dict[int, Client] = {}
        client = _client_for(case.who(world), clients)
        values = data.draw(st.fixed_dictionaries(case.fields(world)), label="values")
        target = case.url(world, values)
        before = snapshot()
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
        if response.status_code not in case.succeeds_with:
            return
        for who, page in case.shows:
            shown = _client_for(who(world), clients).get(page(world))
            assert shown.status_code == 200, (name, page(world))
            assert_nothing_unescaped(page_text(shown), world, f"{name} → {page(world)}")


# --- what staff type, shown back --------------------------------------------------------------

NAME = '<script>alert("xq7")</script> "><img src=x onerror=alert("xq7")>'


def _staff_pages(world: World) -> list[str]:
    return [
        reverse("programs:cohort_list"),
        reverse("program_sessions:cohort_detail", args=[world.cohort.pk]),
        reverse("program_sessions:attendance_grid", args=[world.cohort.pk]),
        reverse("program_sessions:session_detail", args=[world.session.pk]),
        reverse("program_sessions:questionnaire_status", args=[world.cohort.pk]),
        reverse("program_sessions:results_cohort", args=[world.cohort.pk]),
        reverse("program_sessions:makeup_create", args=[world.cohort.pk]),
        reverse("program_sessions:delivery_log", args=[world.enrollment.pk]),
        reverse("program_sessions:safety_event_detail", args=[world.safety_event.pk]),
        reverse("program_sessions:export") + f"?cohort={world.cohort.pk}",
        reverse("program_sessions:outcomes"),
    ]


def _coordinator_pages(world: World) -> list[str]:
    return [
        *_staff_pages(world),
        reverse("program_sessions:reports_overview"),
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
            [reverse("program_sessions:withdraw")],
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
                reverse("program_sessions:cohort_detail", args=[world.cohort.pk]),
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
            reverse("program_sessions:safety_acknowledge", args=[world.safety_event.pk]),
            {"action_taken": NAME},
        )
        assert response.status_code == 302
        _assert_pages_escape(
            client,
            [reverse("program_sessions:safety_event_detail", args=[world.safety_event.pk])],
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

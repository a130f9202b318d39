"""Staff pages open to the cohort's facilitators and its organization's coordinators; everyone else gets 404."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from sessions.models import Attendance, FacilitatorNote, FollowUp, SessionCompletion
from sessions.services.attendance import AttendanceEntry, attendance_record
from sessions.services.notes import note_save
from tests.factories import UserFactory, coordinator, facilitator
from tests.sessions.staff_cast import NOW, enroll, group_cohort, sessions_of

pytestmark = pytest.mark.django_db

NOTE_TEXT = "Seemed tired tonight; check in about the heat next week."


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant):
    cohort = group_cohort(organization, [facilitator_user])
    # Same organization, another cohort: its facilitator must not see ours.
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    group_cohort(organization, [other_facilitator])
    enrollment = enroll(cohort, user=participant, participant_code="P-7K3Q9")
    session = sessions_of(cohort)[0]
    with time_machine.travel(NOW, tick=False):
        attendance_record(
            entries=[AttendanceEntry(session, enrollment, "absent")], recorded_by=facilitator_user
        )
    note_save(scheduled_session=session, text=NOTE_TEXT, author=facilitator_user)
    completion = SessionCompletion.objects.create(
        enrollment=enrollment, program_session=session.program_session, completed_at=NOW
    )
    return {
        "cohort": cohort,
        "session": session,
        "enrollment": enrollment,
        "completion": completion,
        "follow_up": FollowUp.objects.get(),
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "other_participant": UserFactory(email="someone@example.org"),
    }


def _pages(cast):
    cohort, session = cast["cohort"], cast["session"]
    return {
        "cohort_detail": reverse("reports:cohort_detail", args=[cohort.pk]),
        "attendance_grid": reverse("program_sessions:attendance_grid", args=[cohort.pk]),
        "one_session_grid": reverse("program_sessions:attendance_grid", args=[cohort.pk])
        + f"?session={session.pk}",
        "makeup_create": reverse("program_sessions:makeup_create", args=[cohort.pk]),
        "session_detail": reverse("program_sessions:session_detail", args=[session.pk]),
        "session_reschedule": reverse("program_sessions:session_reschedule", args=[session.pk]),
        "session_cancel": reverse("program_sessions:session_cancel", args=[session.pk]),
    }


def _posts(cast):
    session = cast["session"]
    return {
        "note_save": (
            reverse("program_sessions:note_save", args=[session.pk]),
            {"which": "note-session", "note-session-text": "Changed by someone"},
        ),
        "makeup_confirm": (
            reverse("program_sessions:makeup_confirm", args=[session.pk]),
            {"completion": cast["completion"].pk},
        ),
        "follow_up_resolve": (
            reverse("program_sessions:follow_up_resolve", args=[cast["follow_up"].pk]),
            {"resolution": "Rang them"},
        ),
    }


PAGES = [
    "cohort_detail",
    "attendance_grid",
    "one_session_grid",
    "makeup_create",
    "session_detail",
    "session_reschedule",
    "session_cancel",
]
POSTS = ["note_save", "makeup_confirm", "follow_up_resolve"]


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
@pytest.mark.parametrize("page", PAGES)
def test_cohort_staff_open_every_staff_page(client, cast, now, who, page):
    client.force_login(cast[who])
    assert client.get(_pages(cast)[page]).status_code == 200


@pytest.mark.parametrize(
    "who", ["other_facilitator", "other_coordinator", "participant", "other_participant"]
)
@pytest.mark.parametrize("page", PAGES)
def test_anyone_else_gets_404_on_staff_pages(client, cast, now, who, page):
    client.force_login(cast[who])
    assert client.get(_pages(cast)[page]).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_staff_pages(client, cast, now, page):
    response = client.get(_pages(cast)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "who", ["other_facilitator", "other_coordinator", "participant", "other_participant"]
)
@pytest.mark.parametrize("action", POSTS)
def test_anyone_else_gets_404_for_staff_changes_and_nothing_changes(client, cast, now, who, action):
    client.force_login(cast[who])
    url, data = _posts(cast)[action]
    assert client.post(url, data).status_code == 404
    assert FacilitatorNote.objects.get().text == NOTE_TEXT
    assert Attendance.objects.get().status == "absent"
    assert FollowUp.objects.get().is_open


@pytest.mark.parametrize("action", POSTS)
def test_anonymous_visitor_cannot_change_anything(client, cast, now, action):
    url, data = _posts(cast)[action]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert FollowUp.objects.get().is_open


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
@pytest.mark.parametrize("action", POSTS)
def test_cohort_staff_can_make_each_change(client, cast, now, who, action):
    client.force_login(cast[who])
    url, data = _posts(cast)[action]
    response = client.post(url, data)
    assert response.status_code == 302
    changed = {
        "note_save": lambda: FacilitatorNote.objects.get().text == "Changed by someone",
        "makeup_confirm": lambda: Attendance.objects.get().status == "made_up",
        "follow_up_resolve": lambda: not FollowUp.objects.get().is_open,
    }[action]
    assert changed()


def test_staff_changes_need_post(client, cast, now):
    client.force_login(cast["facilitator"])
    for url, _data in _posts(cast).values():
        assert client.get(url).status_code == 405


def test_participant_never_sees_facilitator_notes(client, cast, now):
    client.force_login(cast["participant"])
    session = cast["session"]
    pages = [
        reverse("program_sessions:session_detail", args=[session.pk]),
        reverse("reports:participant_home"),
        reverse("program_sessions:week_detail", args=[session.program_session.number]),
        reverse("program_sessions:practice_list"),
        reverse("home"),
    ]
    assert client.get(pages[0]).status_code == 404
    for url in pages:
        response = client.get(url, follow=True)
        assert NOTE_TEXT not in response.text, url
        assert "Seemed tired" not in response.text, url


def test_coordinator_gets_links_to_change_the_cohort_and_facilitator_does_not(client, cast, now):
    cohort = cast["cohort"]
    url = reverse("reports:cohort_detail", args=[cohort.pk])
    edit = reverse("programs:cohort_update", args=[cohort.pk])
    invite = reverse("programs:enrollment_create", args=[cohort.pk])
    csv = reverse("programs:enrollment_import", args=[cohort.pk])
    client.force_login(cast["coordinator"])
    page = client.get(url).text
    assert edit in page
    assert invite in page
    assert csv in page
    client.force_login(cast["facilitator"])
    page = client.get(url).text
    assert edit not in page
    assert invite not in page
    assert csv not in page


def test_session_of_another_cohort_cannot_be_shown_in_this_cohorts_grid(
    client, cast, now, organization
):
    other = group_cohort(organization, [cast["facilitator"]])
    foreign = sessions_of(other)[0]
    client.force_login(cast["facilitator"])
    url = reverse("program_sessions:attendance_grid", args=[cast["cohort"].pk])
    assert client.get(f"{url}?session={foreign.pk}").status_code == 404
    assert client.get(f"{url}?session=abc").status_code == 404

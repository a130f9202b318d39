"""The staff session page: details, notes with their history, reschedule, cancel and make-ups."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sessions.models import FacilitatorNote, FacilitatorNoteRevision, ScheduledSession
from sessions.services.notes import NoteError, note_save
from tests.factories import UserFactory
from tests.reports.cohort_parts import cohort_parts_get
from tests.sessions.staff_cast import NOW, enroll, group_cohort, ier_cohort, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(organization, facilitator_user):
    return group_cohort(organization, [facilitator_user])


@pytest.fixture
def people(cohort):
    return [enroll(cohort, participant_code=f"P-00{n}") for n in range(1, 3)]


def _detail(session):
    return reverse("program_sessions:session_detail", args=[session.pk])


def _save_note(client, session, which, text, **extra):
    data = {"which": which, f"{which}-text": text, **extra}
    return client.post(reverse("program_sessions:note_save", args=[session.pk]), data)


# --- details --------------------------------------------------------------------------------


def test_session_page_shows_when_in_the_viewers_zone_with_length_place_and_state(
    client, cohort, people, facilitator_user, now
):
    facilitator_user.timezone = "America/New_York"
    facilitator_user.save()
    third = sessions_of(cohort)[2]
    client.force_login(facilitator_user)
    page = client.get(_detail(third)).text
    # 18:00 in London is 13:00 in New York.
    assert "Tuesday 15 September 2026, 13:00 (America/New York time)" in page
    assert "90 minutes" in page
    assert "Room 2, Riverside Centre" in page
    assert "Held" in page
    assert "P-001" in page
    assert "Record attendance for this session" in page


# --- notes ----------------------------------------------------------------------------------


def test_editing_a_note_keeps_the_previous_text_with_who_and_when(
    client, cohort, people, facilitator_user, coordinator_user, now
):
    first = sessions_of(cohort)[0]
    client.force_login(facilitator_user)
    response = _save_note(client, first, "note-session", "Quiet group; body scan went well.")
    assert response.status_code == 302
    note = FacilitatorNote.objects.get()
    assert (note.text, note.author, note.enrollment) == (
        "Quiet group; body scan went well.",
        facilitator_user,
        None,
    )
    # Two hours later the coordinator signs in (a staff session ends after 30 idle minutes).
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        client.force_login(coordinator_user)
        _save_note(client, first, "note-session", "Quiet group; body scan went well. Room hot.")
        page = client.get(_detail(first)).text
    revision = FacilitatorNoteRevision.objects.get()
    assert revision.previous_text == "Quiet group; body scan went well."
    assert revision.edited_by == coordinator_user
    assert revision.edited_at == NOW + dt.timedelta(hours=2)
    assert "Earlier versions" in page
    assert "Replaced by Cora Coordinator, Wednesday 16 September 2026, 15:00" in page
    assert "<blockquote>Quiet group; body scan went well.</blockquote>" in page
    assert "Room hot." in page


def test_note_on_a_participant_is_created_then_edited_through_its_own_form(
    client, cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    client.force_login(facilitator_user)
    _save_note(
        client,
        first,
        "note-new",
        "Struggled with lying down.",
        **{"note-new-enrollment": people[1].pk},
    )
    note = FacilitatorNote.objects.get()
    assert note.enrollment == people[1]
    page = client.get(_detail(first)).text
    assert f'name="which" value="note-e{people[1].pk}"' in page
    _save_note(
        client,
        first,
        f"note-e{people[1].pk}",
        "Struggled with lying down; try the chair.",
        **{f"note-e{people[1].pk}-enrollment": people[1].pk},
    )
    note.refresh_from_db()
    assert note.text == "Struggled with lying down; try the chair."
    assert note.revisions.get().previous_text == "Struggled with lying down."
    assert FacilitatorNote.objects.count() == 1


def test_empty_note_is_refused_with_a_message_and_the_old_text_stays(
    client, cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    note_save(scheduled_session=first, text="Keep this", author=facilitator_user)
    client.force_login(facilitator_user)
    response = _save_note(client, first, "note-session", "   ")
    assert response.status_code == 200
    assert "The note is empty." in response.text
    assert "There is a problem" in response.text
    assert FacilitatorNote.objects.get().text == "Keep this"
    assert not FacilitatorNoteRevision.objects.exists()
    with pytest.raises(NoteError):
        note_save(scheduled_session=first, text="", author=facilitator_user)


def test_new_participant_note_needs_a_participant_and_keeps_the_typed_text(
    client, cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    client.force_login(facilitator_user)
    response = _save_note(client, first, "note-new", "Typed but no participant chosen")
    assert response.status_code == 200
    assert "Choose which participant the note is about." in response.text
    assert "Typed but no participant chosen</textarea>" in response.text
    assert not FacilitatorNote.objects.exists()


def test_note_on_someone_outside_the_session_is_refused(
    client, cohort, people, facilitator_user, organization, now
):
    first = sessions_of(cohort)[0]
    stranger = enroll(group_cohort(organization, [facilitator_user]))
    client.force_login(facilitator_user)
    response = _save_note(
        client, first, "note-new", "Wrong cohort", **{"note-new-enrollment": stranger.pk}
    )
    assert response.status_code == 200
    assert not FacilitatorNote.objects.exists()


# --- reschedule -----------------------------------------------------------------------------


def _reschedule(client, session, **data):
    return client.post(reverse("program_sessions:session_reschedule", args=[session.pk]), data)


def test_reschedule_form_names_the_cohorts_zone(client, cohort, facilitator_user, now):
    client.force_login(facilitator_user)
    fourth = sessions_of(cohort)[3]
    page = client.get(reverse("program_sessions:session_reschedule", args=[fourth.pk])).text
    assert "New time (Europe/London time)" in page
    assert "New date (in the cohort&#x27;s time zone, Europe/London)" in page
    assert 'value="2026-09-22"' in page
    assert 'value="18:00"' in page


def test_reschedule_moves_the_session_and_optionally_every_later_one(
    client, facilitator_user, organization, now
):
    cohort = group_cohort(organization, [facilitator_user], sessions=6)
    sessions = sessions_of(cohort)
    client.force_login(facilitator_user)
    response = _reschedule(
        client, sessions[3], new_date="2026-09-24", new_time="17:30", shift_later="on"
    )
    assert response.status_code == 302
    london = cohort.zoneinfo
    moved = [s.starts_at.astimezone(london) for s in sessions_of(cohort)[3:]]
    assert [m.strftime("%d %H:%M") for m in moved] == ["24 17:30", "01 18:00", "08 18:00"]
    assert "2 later sessions were moved too." in client.get(response.url).text


def test_reschedule_into_the_past_says_so_and_keeps_what_was_typed(
    client, cohort, facilitator_user, now
):
    fourth = sessions_of(cohort)[3]
    client.force_login(facilitator_user)
    response = _reschedule(
        client, fourth, new_date="2026-09-14", new_time="19:15", shift_later="on"
    )
    assert response.status_code == 200
    assert "The new time has already passed. Choose a time in the future." in response.text
    assert 'value="2026-09-14"' in response.text
    assert 'value="19:15"' in response.text
    assert re.search(r'<input type="checkbox" name="shift_later"[^>]*checked', response.text)
    fourth.refresh_from_db()
    assert fourth.starts_at == sessions_of(cohort)[3].starts_at
    assert not fourth.is_moved


def test_reschedule_onto_another_sessions_time_says_so(client, organization, facilitator_user, now):
    cohort = group_cohort(organization, [facilitator_user], sessions=6)
    fourth, fifth = sessions_of(cohort)[3:5]
    client.force_login(facilitator_user)
    response = _reschedule(client, fourth, new_date="2026-09-29", new_time="18:00")
    assert response.status_code == 200
    assert "Another session of this group is already at that time." in response.text
    assert 'value="2026-09-29"' in response.text
    fourth.refresh_from_db()
    assert fourth.starts_at < fifth.starts_at


def test_reschedule_with_a_missing_time_asks_for_it(client, cohort, facilitator_user, now):
    client.force_login(facilitator_user)
    response = _reschedule(client, sessions_of(cohort)[3], new_date="2026-09-30", new_time="")
    assert "Enter the new time." in response.text
    assert 'value="2026-09-30"' in response.text


# --- cancel and make-up ---------------------------------------------------------------------


def test_cancel_with_a_reason_then_cancelling_again_says_it_already_is(
    client, cohort, facilitator_user, now
):
    fourth = sessions_of(cohort)[3]
    url = reverse("program_sessions:session_cancel", args=[fourth.pk])
    client.force_login(facilitator_user)
    response = client.post(url, {"reason": "Facilitator ill"})
    assert response.status_code == 302
    fourth.refresh_from_db()
    assert (fourth.status, fourth.cancel_reason) == ("cancelled", "Facilitator ill")
    page = client.get(_detail(fourth)).text
    assert "Cancelled: Facilitator ill" in page
    response = client.post(url, {"reason": "Again"})
    assert response.status_code == 200
    assert "This session is already cancelled." in response.text
    assert 'value="Again"' in response.text


def test_make_up_for_one_participant_is_added_in_the_cohorts_zone(
    client, cohort, people, facilitator_user, now
):
    second = sessions_of(cohort)[1]
    client.force_login(facilitator_user)
    url = reverse("program_sessions:makeup_create", args=[cohort.pk])
    page = client.get(
        f"{url}?program_session={second.program_session_id}&enrollment={people[0].pk}"
    ).text
    assert f'<option value="{people[0].pk}" selected>' in page
    assert "Time (Europe/London time)" in page
    response = client.post(
        url,
        {
            "enrollment": people[0].pk,
            "program_session": second.program_session_id,
            "on_date": "2026-09-19",
            "at": "11:00",
            "modality": "video",
            "video_link": "https://meet.example.org/catch-up",
        },
    )
    makeup = ScheduledSession.objects.get(is_makeup=True)
    assert response.url == _detail(makeup)
    assert makeup.enrollment == people[0]
    assert makeup.starts_at.astimezone(cohort.zoneinfo).strftime("%d %H:%M") == "19 11:00"
    assert makeup.video_link == "https://meet.example.org/catch-up"
    cohort_page = cohort_parts_get(client, cohort.pk).text
    assert "Make-up for P-001" in cohort_page


def test_make_up_in_the_past_says_so_and_keeps_what_was_typed(
    client, cohort, people, facilitator_user, now
):
    second = sessions_of(cohort)[1]
    client.force_login(facilitator_user)
    response = client.post(
        reverse("program_sessions:makeup_create", args=[cohort.pk]),
        {
            "enrollment": "",
            "program_session": second.program_session_id,
            "on_date": "2026-09-02",
            "at": "11:00",
            "modality": "in_person",
            "place": "Library room",
        },
    )
    assert response.status_code == 200
    assert "The make-up time has already passed." in response.text
    assert 'value="Library room"' in response.text
    assert 'value="2026-09-02"' in response.text
    assert not ScheduledSession.objects.filter(is_makeup=True).exists()


def test_one_on_one_make_up_needs_a_participant(client, organization, facilitator_user, now):
    cohort = ier_cohort(organization, [facilitator_user])
    enroll(cohort)
    client.force_login(facilitator_user)
    response = client.post(
        reverse("program_sessions:makeup_create", args=[cohort.pk]),
        {
            "program_session": cohort.program.sessions.get(number=2).pk,
            "on_date": "2026-09-25",
            "at": "10:00",
            "modality": "phone",
        },
    )
    assert response.status_code == 200
    assert "Choose the participant the make-up is for." in response.text
    assert not ScheduledSession.objects.filter(is_makeup=True).exists()


def test_withdrawn_or_other_peoples_participants_are_not_offered_for_make_ups(
    client, cohort, people, facilitator_user, now
):
    outsider = UserFactory(email="outsider@example.org")
    client.force_login(facilitator_user)
    page = client.get(reverse("program_sessions:makeup_create", args=[cohort.pk])).text
    assert "P-001" in page
    assert outsider.email not in page

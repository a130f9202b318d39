"""Changing how one session meets: the rules, the audit event, the message to each participant,
and what reminders and the calendar feed then say."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar

from accounts.models import AuditEvent
from programs.models import Modality
from sessions.models import ScheduledSession
from sessions.notifications.models import (
    CAPPED_KINDS,
    PREFERENCE_FOR_KIND,
    QUIET_HOURS_EXEMPT_KINDS,
    Notification,
    NotificationKind,
)
from sessions.notifications.services.messages import notification_email, still_wanted
from sessions.services.calendar import calendar_ics
from sessions.services.mode import PHONE_DEFAULT, SessionModeError, session_mode_change
from sessions.services.schedule import session_cancel
from tests.sessions.staff_cast import NOW, enroll, group_cohort, ier_cohort, sessions_of

pytestmark = pytest.mark.django_db

# Before IER session 3 (Tuesday 15 September, 10:00 London) and after session 1.
EARLY = dt.datetime(2026, 9, 10, 12, 0, tzinfo=dt.UTC)
LINK = "https://meet.example.org/room/7"
HEALTH_WORDS = ("ms", "sclerosis", "emotion", "regulation", "mindful", "stress", "depress")


@pytest.fixture
def ier(organization, facilitator_user):
    cohort = ier_cohort(organization, [facilitator_user])
    first = enroll(cohort, participant_code="IER-01")
    second = enroll(cohort, participant_code="IER-02")
    return cohort, first, second


def _third(cohort, enrollment) -> ScheduledSession:
    return sessions_of(cohort, enrollment)[2]


def _rows(session=None):
    rows = Notification.objects.filter(kind=NotificationKind.SESSION_CHANGED)
    if session is not None:
        rows = rows.filter(scheduled_session=session)
    return list(rows.select_related("recipient", "enrollment"))


def _email(row: Notification):
    row = Notification.objects.select_related(
        "recipient", "scheduled_session__program_session", "scheduled_session__cohort", "cohort"
    ).get(pk=row.pk)
    return notification_email(row)


# --- one-on-one: only that participant's session ----------------------------------------------


def test_switching_ier_session_3_to_video_changes_only_that_participants_session(
    ier, facilitator_user
):
    cohort, first, second = ier
    session = _third(cohort, first)
    assert session.modality == Modality.PHONE
    with time_machine.travel(EARLY, tick=False):
        result = session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    assert result.changed
    session.refresh_from_db()
    assert (session.modality, session.video_link, session.phone_instructions) == (
        Modality.VIDEO,
        LINK,
        "",
    )
    # The other participant's session 3, and the first one's other sessions, stay by phone.
    assert _third(cohort, second).modality == Modality.PHONE
    assert sessions_of(cohort, first)[3].modality == Modality.PHONE


def test_a_change_queues_one_message_for_the_one_on_one_participant_alone(ier, facilitator_user):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    rows = _rows()
    assert [(r.recipient_id, r.enrollment_id) for r in rows] == [(first.user_id, first.pk)]
    assert rows[0].requested_by == facilitator_user


def test_the_message_says_the_new_link_and_when_with_no_health_words_in_the_subject(
    ier, facilitator_user
):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
        email = _email(_rows()[0])
    assert email.subject == "How your session on 15 September meets has changed"
    assert not any(word in email.subject.lower().split() for word in HEALTH_WORDS)
    assert LINK in email.body
    assert "Tuesday 15 September 2026, 10:00" in email.body
    html = email.alternatives[0][0]
    assert f'<a href="{LINK}"' in html
    # Always sent: it says how to join a session the person is expected at.
    assert "List-Unsubscribe" not in email.extra_headers
    ics = Calendar.from_ical(email.attachments[0][1])
    event = next(iter(ics.walk("VEVENT")))
    assert str(event["URL"]) == LINK


def test_switching_to_phone_without_words_tells_the_default_arrangement(
    organization, facilitator_user
):
    cohort = group_cohort(organization, [facilitator_user])
    enroll(cohort)
    last = sessions_of(cohort)[-1]
    with time_machine.travel(NOW, tick=False):
        session_mode_change(session=last, user=facilitator_user, modality=Modality.PHONE)
        email = _email(_rows()[0])
    last.refresh_from_db()
    assert last.phone_instructions == PHONE_DEFAULT
    assert last.place == ""
    assert PHONE_DEFAULT in email.body


# --- group: the group's session, one message per participant ----------------------------------


def test_a_group_change_tells_each_joined_participant_once(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    people = [enroll(cohort, participant_code=f"G-0{n}") for n in range(1, 4)]
    control = enroll(cohort, participant_code="G-09", arm="control")
    last = sessions_of(cohort)[-1]
    with time_machine.travel(NOW, tick=False):
        session_mode_change(
            session=last, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    rows = _rows(last)
    assert sorted(r.enrollment_id for r in rows) == sorted(e.pk for e in people)
    assert control.pk not in {r.enrollment_id for r in rows}


def test_a_second_change_replaces_the_first_message_still_waiting(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    enroll(cohort)
    last = sessions_of(cohort)[-1]
    with time_machine.travel(NOW, tick=False):
        session_mode_change(
            session=last, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
        session_mode_change(
            session=last, user=facilitator_user, modality=Modality.IN_PERSON, place="Hall B"
        )
    statuses = sorted(r.status for r in _rows(last))
    assert statuses == ["cancelled", "pending"]


def test_nothing_changed_sends_nothing_and_records_nothing(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    enroll(cohort)
    last = sessions_of(cohort)[-1]
    events = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        result = session_mode_change(
            session=last, user=facilitator_user, modality=last.modality, place=last.place
        )
    assert not result.changed
    assert _rows() == []
    assert AuditEvent.objects.count() == events


# --- refused -----------------------------------------------------------------------------------


def test_a_past_session_is_refused(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    held = sessions_of(cohort)[0]
    with time_machine.travel(NOW, tick=False), pytest.raises(SessionModeError, match="started"):
        session_mode_change(
            session=held, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    held.refresh_from_db()
    assert held.modality == Modality.IN_PERSON


def test_a_cancelled_session_is_refused(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user])
    last = sessions_of(cohort)[-1]
    with time_machine.travel(NOW, tick=False):
        session_cancel(session=last)
        with pytest.raises(SessionModeError, match="cancelled"):
            session_mode_change(
                session=last, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
            )


@pytest.mark.parametrize(
    ("link", "field"),
    [
        ("", "video_link"),
        ("http://meet.example.org/room", "video_link"),
        ("javascript:alert(1)", "video_link"),
        ("https://", "video_link"),
    ],
)
def test_video_needs_an_https_link(organization, facilitator_user, link, field):
    cohort = group_cohort(organization, [facilitator_user])
    last = sessions_of(cohort)[-1]
    with time_machine.travel(NOW, tick=False), pytest.raises(SessionModeError) as caught:
        session_mode_change(
            session=last, user=facilitator_user, modality=Modality.VIDEO, video_link=link
        )
    assert caught.value.field == field
    assert "https://" in str(caught.value)


def test_in_person_needs_a_place_unless_the_cohort_has_one(ier, facilitator_user, organization):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        # The IER cohort meets in "Lab 1": an empty place means that one.
        session_mode_change(session=session, user=facilitator_user, modality=Modality.IN_PERSON)
    session.refresh_from_db()
    assert session.place == "Lab 1"

    bare = group_cohort(organization, [facilitator_user], place="")
    last = sessions_of(bare)[-1]
    with time_machine.travel(NOW, tick=False):
        session_mode_change(
            session=last, user=facilitator_user, modality=Modality.PHONE, phone_instructions=""
        )
        with pytest.raises(SessionModeError) as caught:
            session_mode_change(session=last, user=facilitator_user, modality=Modality.IN_PERSON)
    assert caught.value.field == "place"


# --- audit -----------------------------------------------------------------------------------


def test_the_change_is_audited_with_who_which_session_and_the_participants(ier, facilitator_user):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    event = AuditEvent.objects.filter(object_type="program_sessions.scheduledsession").get()
    assert event.actor == facilitator_user
    assert event.object_id == str(session.pk)
    assert event.organization_id == cohort.organization_id
    assert event.participant_codes == "IER-01"
    assert event.details["modality_before"] == "phone"
    assert event.details["modality_after"] == "video"
    assert event.details["fields_changed"] == ["modality", "video_link", "phone_instructions"]


# --- how the kind is sent, and reminders and the calendar afterwards ----------------------------


def test_the_change_message_ignores_quiet_hours_and_caps_and_cannot_be_turned_off():
    kind = NotificationKind.SESSION_CHANGED
    assert kind in QUIET_HOURS_EXEMPT_KINDS
    assert kind not in CAPPED_KINDS
    assert PREFERENCE_FOR_KIND[kind] is None


def test_the_change_message_is_not_sent_once_the_session_has_started(ier, facilitator_user):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    row = _rows()[0]
    assert still_wanted(row, now=EARLY) is None
    assert still_wanted(row, now=session.starts_at + dt.timedelta(minutes=1))


def test_the_day_before_reminder_shows_the_link_of_that_session(ier, facilitator_user):
    cohort, first, _second = ier
    session = _third(cohort, first)
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=session, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
        row = Notification.objects.create(
            kind=NotificationKind.SESSION_24H,
            dedupe_key="test:24h",
            recipient=first.user,
            send_at=EARLY,
            enrollment=first,
            cohort=cohort,
            scheduled_session=session,
            about_time=session.starts_at,
        )
        email = _email(row)
    assert LINK in email.body
    assert f'<a href="{LINK}"' in email.alternatives[0][0]
    # The next session is still by phone, with the cohort's words.
    phone = sessions_of(cohort, first)[3]
    row.scheduled_session = phone
    row.dedupe_key = "test:24h-phone"
    row.pk = None
    row.save()
    with time_machine.travel(EARLY, tick=False):
        body = _email(row).body
    assert "We ring you on the number you gave us." in body
    assert LINK not in body


def test_the_calendar_entry_says_how_to_join_that_session(ier, facilitator_user):
    cohort, first, _second = ier
    third, fourth = sessions_of(cohort, first)[2:4]
    with time_machine.travel(EARLY, tick=False):
        session_mode_change(
            session=third, user=facilitator_user, modality=Modality.VIDEO, video_link=LINK
        )
    third.refresh_from_db()
    events = {
        str(e["UID"]): e
        for e in Calendar.from_ical(calendar_ics(sessions=[third, fourth])).walk("VEVENT")
    }
    video, phone = (
        events[f"session-{third.pk}@stillwater"],
        events[f"session-{fourth.pk}@stillwater"],
    )
    assert str(video["LOCATION"]) == "Video call"
    assert str(video["URL"]) == LINK
    assert LINK in str(video["DESCRIPTION"])
    assert str(phone["LOCATION"]) == "Phone call"
    assert str(phone["DESCRIPTION"]) == "We ring you on the number you gave us."
    text = calendar_ics(sessions=[third, fourth]).decode().lower()
    assert not any(f" {word}" in text for word in ("sclerosis", "emotion", "mindful"))

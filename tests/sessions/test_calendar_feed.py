"""The secret calendar feed: whose sessions it carries, at which instants, and what it never says."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from programs.models import Modality
from sessions.models import ScheduledSession
from sessions.services.calendar import calendar_feed_create, calendar_feed_revoke
from sessions.services.schedule import (
    schedule_sync_for_cohort,
    schedule_sync_for_enrollment,
    session_cancel,
    session_reschedule,
)
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    coordinator,
    facilitator,
    shipped_program,
)

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
DURING = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


def _group_cohort(organization, **kwargs):
    kwargs.setdefault("program", ProgramFactory(sessions=4))
    cohort = CohortFactory(organization=organization, **kwargs)
    with time_machine.travel(BEFORE):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _individual_enrollment(cohort, user, start, code):
    enrollment = EnrollmentFactory(
        cohort=cohort, user=user, participant_code=code, start_date=start, session_time=dt.time(11)
    )
    with time_machine.travel(BEFORE):
        schedule_sync_for_enrollment(enrollment=enrollment)
    return enrollment


def _token_for(user):
    _feed, token = calendar_feed_create(user=user)
    return token


def _feed_url(token):
    return reverse("program_sessions:calendar_feed", kwargs={"token": token})


def _read(client, token):
    with time_machine.travel(DURING, tick=False):
        response = client.get(_feed_url(token))
    assert response.status_code == 200
    return response


def _events(client, token):
    calendar = Calendar.from_ical(_read(client, token).content)
    return calendar.walk("VEVENT")


def _uids(events):
    return {str(event["UID"]) for event in events}


def _uids_of(sessions):
    return {f"session-{s.pk}@stillwater" for s in sessions}


def test_participant_feed_has_their_group_sessions_and_not_another_cohorts(
    client, organization, participant
):
    mine = _group_cohort(organization)
    other = _group_cohort(organization)
    EnrollmentFactory(cohort=mine, user=participant)
    EnrollmentFactory(cohort=other)

    uids = _uids(_events(client, _token_for(participant)))

    assert uids == _uids_of(mine.scheduled_sessions.all())
    assert not uids & _uids_of(other.scheduled_sessions.all())


def test_participant_feed_has_their_own_one_on_one_sessions_and_not_someone_elses(
    client, organization, participant
):
    cohort = CohortFactory(organization=organization, program=shipped_program("ier-6"))
    mine = _individual_enrollment(cohort, participant, dt.date(2026, 10, 5), "IER1")
    theirs = _individual_enrollment(cohort, UserFactory(), dt.date(2026, 10, 6), "IER2")

    uids = _uids(_events(client, _token_for(participant)))

    assert uids == _uids_of(mine.scheduled_sessions.all())
    assert len(uids) == 6
    assert not uids & _uids_of(theirs.scheduled_sessions.all())


def test_facilitator_feed_has_every_session_of_their_cohorts_only(client, organization):
    fay = facilitator(organization)
    theirs = _group_cohort(organization, facilitators=[fay])
    ier = CohortFactory(
        organization=organization, program=shipped_program("ier-6"), facilitators=[fay]
    )
    one_on_one = _individual_enrollment(ier, UserFactory(), dt.date(2026, 10, 5), "IER1")
    not_theirs = _group_cohort(organization)

    uids = _uids(_events(client, _token_for(fay)))

    assert uids == _uids_of(theirs.scheduled_sessions.all()) | _uids_of(
        one_on_one.scheduled_sessions.all()
    )
    assert not uids & _uids_of(not_theirs.scheduled_sessions.all())


def test_coordinator_feed_has_their_organizations_sessions_and_not_another_organizations(
    client, organization, other_organization
):
    cora = coordinator(organization)
    first = _group_cohort(organization)
    second = _group_cohort(organization)
    elsewhere = _group_cohort(other_organization)

    uids = _uids(_events(client, _token_for(cora)))

    assert uids == _uids_of(first.scheduled_sessions.all()) | _uids_of(
        second.scheduled_sessions.all()
    )
    assert not uids & _uids_of(elsewhere.scheduled_sessions.all())


def test_cancelled_sessions_leave_the_feed(client, organization, participant):
    cohort = _group_cohort(organization)
    EnrollmentFactory(cohort=cohort, user=participant)
    cancelled = cohort.scheduled_sessions.first()
    session_cancel(session=cancelled, reason="Room unavailable")

    uids = _uids(_events(client, _token_for(participant)))

    assert len(uids) == 3
    assert f"session-{cancelled.pk}@stillwater" not in uids


def test_unknown_token_is_not_found(client):
    response = client.get(_feed_url("x" * 43))
    assert response.status_code == 404


def test_revoked_link_is_not_found(client, participant):
    feed, token = calendar_feed_create(user=participant)
    calendar_feed_revoke(feed=feed)
    assert client.get(_feed_url(token)).status_code == 404


def test_a_new_link_turns_the_old_one_off(client, participant):
    old = _token_for(participant)
    new = _token_for(participant)
    assert client.get(_feed_url(old)).status_code == 404
    assert client.get(_feed_url(new)).status_code == 200


def test_link_of_a_deactivated_account_is_not_found(client, participant):
    token = _token_for(participant)
    participant.is_active = False
    participant.save(update_fields=["is_active"])
    assert client.get(_feed_url(token)).status_code == 404


def test_token_is_stored_only_as_a_hash(participant):
    feed, token = calendar_feed_create(user=participant)
    feed.refresh_from_db()
    assert token not in feed.token_hash
    assert len(feed.token_hash) == 64


@pytest.mark.parametrize(
    ("zone", "first_day", "before", "after"),
    [
        # Clocks go back on Sunday 25 October 2026 in London, on 1 November in New York.
        ("Europe/London", dt.date(2026, 10, 13), dt.time(17), dt.time(18)),
        ("America/New_York", dt.date(2026, 10, 20), dt.time(22), dt.time(23)),
    ],
)
def test_weekly_1800_session_is_at_the_right_instant_on_both_sides_of_the_clock_change(
    client, organization, participant, zone, first_day, before, after
):
    cohort = _group_cohort(
        organization,
        timezone=zone,
        start_date=first_day,
        meeting_weekday=first_day.weekday(),
        meeting_time=dt.time(18),
    )
    EnrollmentFactory(cohort=cohort, user=participant)

    events = sorted(_events(client, _token_for(participant)), key=lambda e: e.decoded("DTSTART"))
    starts = [event.decoded("DTSTART") for event in events]

    assert all(start.utcoffset() == dt.timedelta(0) for start in starts)
    # Two weeks before the change, two after: the UTC instant moves, the local time does not.
    assert [start.date() for start in starts] == [
        first_day + dt.timedelta(weeks=n) for n in range(4)
    ]
    assert [start.time() for start in starts] == [before, before, after, after]
    assert [event.decoded("DTEND") - event.decoded("DTSTART") for event in events] == [
        dt.timedelta(minutes=90)
    ] * 4


def test_feed_is_utc_instants_in_the_file_itself(client, organization, participant):
    cohort = _group_cohort(organization, start_date=dt.date(2026, 10, 13))
    EnrollmentFactory(cohort=cohort, user=participant)
    text = _read(client, _token_for(participant)).content.decode()
    assert "DTSTART:20261013T170000Z" in text
    assert "TZID" not in text


HEALTH_WORDS = re.compile(
    r"mbsr|\bms\b|mindful|sclerosis|\bier\b|emotion|stress|meditation|body scan|therapy",
    re.IGNORECASE,
)


def test_feed_says_nothing_about_the_course_or_anyones_health(client, organization, participant):
    mbsr = _group_cohort(
        organization,
        program=shipped_program("mbsr-8-ms"),
        name="MBSR Tuesday evenings",
        place="Room 2, Riverside Centre",
    )
    ier = CohortFactory(
        organization=organization,
        program=shipped_program("ier-6"),
        name="IER one-to-one",
        phone_instructions="We will call the number on your profile.",
    )
    EnrollmentFactory(cohort=mbsr, user=participant)
    _individual_enrollment(ier, participant, dt.date(2026, 10, 5), "IER1")

    text = _read(client, _token_for(participant)).content.decode()
    events = Calendar.from_ical(text).walk("VEVENT")

    assert len(events) == 9 + 6
    assert {str(event["SUMMARY"]) for event in events} == {"Stillwater session"}
    assert not HEALTH_WORDS.search(text), HEALTH_WORDS.findall(text)
    for title in mbsr.program.sessions.values_list("title", flat=True):
        assert title not in text


def test_each_event_says_where_or_how_to_join(client, organization, participant):
    cohort = CohortFactory(
        organization=organization,
        program=shipped_program("ier-6"),
        place="Room 2, Riverside Centre",
        phone_instructions="We will call the number on your profile.",
    )
    enrollment = _individual_enrollment(cohort, participant, dt.date(2026, 10, 5), "IER1")
    video = enrollment.scheduled_sessions.filter(modality=Modality.PHONE).last()
    video.modality = Modality.VIDEO
    video.video_link = "https://video.example.org/room/42"
    video.phone_instructions = ""
    video.save()

    events = {str(e["UID"]): e for e in _events(client, _token_for(participant))}
    by_modality = {
        s.modality: events[f"session-{s.pk}@stillwater"]
        for s in enrollment.scheduled_sessions.all()
    }

    assert str(by_modality[Modality.IN_PERSON]["LOCATION"]) == "Room 2, Riverside Centre"
    assert str(by_modality[Modality.PHONE]["LOCATION"]) == "Phone call"
    assert str(by_modality[Modality.PHONE]["DESCRIPTION"]) == (
        "We will call the number on your profile."
    )
    assert str(by_modality[Modality.VIDEO]["LOCATION"]) == "Video call"
    assert str(by_modality[Modality.VIDEO]["URL"]) == "https://video.example.org/room/42"
    assert "https://video.example.org/room/42" in str(by_modality[Modality.VIDEO]["DESCRIPTION"])


def test_moving_a_session_raises_its_sequence_and_keeps_its_uid(client, organization, participant):
    cohort = _group_cohort(organization, start_date=dt.date(2026, 10, 13))
    EnrollmentFactory(cohort=cohort, user=participant)
    token = _token_for(participant)
    session = ScheduledSession.objects.filter(cohort=cohort).last()
    uid = f"session-{session.pk}@stillwater"

    before = {str(e["UID"]): e for e in _events(client, token)}[uid]
    with time_machine.travel(DURING + dt.timedelta(hours=1)):
        session_reschedule(session=session, new_date=dt.date(2026, 11, 5), new_time=dt.time(18))
    after = {str(e["UID"]): e for e in _events(client, token)}[uid]

    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTART") == dt.datetime(2026, 11, 5, 18, tzinfo=dt.UTC)
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_feed_is_a_private_uncached_calendar_file(client, participant):
    response = _read(client, _token_for(participant))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "Stillwater"
    assert b"X-PUBLISHED-TTL:PT1H" in response.content


def test_reading_the_feed_records_when_it_was_last_read(client, participant):
    feed, token = calendar_feed_create(user=participant)
    assert feed.last_read_at is None
    _read(client, token)
    feed.refresh_from_db()
    assert feed.last_read_at == DURING


def test_feed_cannot_be_written_to(client, participant):
    token = _token_for(participant)
    assert client.post(_feed_url(token)).status_code == 405


def _busy_participant(organization, user, cohorts):
    for _ in range(cohorts):
        cohort = _group_cohort(organization, program=shipped_program("mbsr-8-ms"))
        EnrollmentFactory(cohort=cohort, user=user)
        for _ in range(5):
            EnrollmentFactory(cohort=cohort)
    ier = CohortFactory(organization=organization, program=shipped_program("ier-6"))
    _individual_enrollment(ier, user, dt.date(2026, 10, 5), f"IER-{user.pk}-{cohorts}")


@pytest.mark.parametrize("cohorts", [1, 6])
def test_participant_feed_makes_a_fixed_number_of_queries(
    client, organization, participant, django_assert_num_queries, cohorts
):
    _busy_participant(organization, participant, cohorts)
    token = _token_for(participant)
    with time_machine.travel(DURING), django_assert_num_queries(4):
        response = client.get(_feed_url(token))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 9 * cohorts + 6


@pytest.mark.parametrize("participants", [5, 60])
def test_staff_feed_makes_a_fixed_number_of_queries(
    client, organization, django_assert_num_queries, participants
):
    cora = coordinator(organization)
    _group_cohort(organization, program=shipped_program("mbsr-8-ms"))
    ier = CohortFactory(organization=organization, program=shipped_program("ier-6"))
    for n in range(participants):
        _individual_enrollment(ier, UserFactory(), dt.date(2026, 10, 5 + n % 5), f"IER{n}")
    token = _token_for(cora)
    with time_machine.travel(DURING), django_assert_num_queries(4):
        response = client.get(_feed_url(token))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 9 + 6 * participants

"""The participant page (reports:participant_detail): one enrollment for the staff who run its cohort.

The group cohort of staff_cast meets on Tuesdays from 1 September 2026; at NOW (16 September)
three sessions were held.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from programs.models import EnrollmentStatus
from sessions.models import (
    AttendanceStatus,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    SessionCompletion,
)
from sessions.questionnaires.models import SafetyEvent
from tests.factories import EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import phq9, respond
from tests.reports.test_report_definitions import flag, mark, questionnaire
from tests.sessions.staff_cast import NOW, enroll, group_cohort, sessions_of

pytestmark = pytest.mark.django_db

REFLECTION = "Noticed my breath slowing when the fatigue came in."


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def page_of(enrollment):
    return reverse("reports:participant_detail", args=[enrollment.pk])


@pytest.fixture
def world(organization, other_organization, facilitator_user, coordinator_user):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    person = UserFactory(
        full_name="Ada Lovelace", phone="020 7946 0000", timezone="America/New_York"
    )
    enrollment = enroll(cohort, user=person, participant_code="TG-01")
    held = sessions_of(cohort)[:3]
    mark(held[0], enrollment, AttendanceStatus.ATTENDED)
    mark(held[1], enrollment, AttendanceStatus.ABSENT)
    FollowUp.objects.create(scheduled_session=held[1], enrollment=enrollment)
    FacilitatorNote.objects.create(
        scheduled_session=held[0],
        enrollment=enrollment,
        text="Prefers the chair option.",
        author=facilitator_user,
        updated_by=facilitator_user,
    )
    PracticeLog.objects.create(
        enrollment=enrollment,
        date=dt.date(2026, 9, 14),
        practice="body_scan",
        minutes=20,
        note="Fell asleep halfway, still counts.",
    )
    SessionCompletion.objects.create(
        enrollment=enrollment,
        program_session=held[1].program_session,
        reflection=REFLECTION,
        completed_at=NOW - dt.timedelta(days=1),
    )
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "person": person,
        "other_facilitator": facilitator(organization),
        "other_coordinator": coordinator(other_organization),
    }


def get(client, user, enrollment, **params):
    client.force_login(user)
    return client.get(page_of(enrollment), params)


# --- who sees it ---------------------------------------------------------------------------


def test_the_cohorts_facilitator_sees_contact_details_attendance_notes_and_follow_ups(
    client, facilitator_user, world
):
    response = get(client, facilitator_user, world["enrollment"])
    assert response.status_code == 200
    text = response.text
    assert "TG-01: Ada Lovelace" in text
    assert 'href="tel:02079460000"' in text
    assert world["person"].email in text
    assert "America/New York" in text
    assert "08:00" in text  # 12:00 UTC is 08:00 in New York, their time now
    assert "Attended 1 of 3 required sessions held" in text
    assert "Prefers the chair option." in text
    assert "1 open of 1" in text


def test_the_coordinator_sees_it_with_the_edit_link(client, coordinator_user, world):
    response = get(client, coordinator_user, world["enrollment"])
    assert response.status_code == 200
    assert reverse("programs:enrollment_update", args=[world["enrollment"].pk]) in response.text


@pytest.mark.parametrize("who", ["other_facilitator", "other_coordinator", "person", "stranger"])
def test_anyone_else_gets_404(client, world, who):
    user = UserFactory() if who == "stranger" else world[who]
    assert get(client, user, world["enrollment"]).status_code == 404


def test_the_cohort_page_links_each_roster_row_to_the_participant_page(
    client, facilitator_user, world
):
    client.force_login(facilitator_user)
    roster = client.get(reverse("reports:cohort_people", args=[world["cohort"].pk]))
    assert f'href="{page_of(world["enrollment"])}"' in roster.text


# --- what it shows -------------------------------------------------------------------------


def test_the_practice_log_is_shown_with_its_notes_and_reflections(client, facilitator_user, world):
    text = get(client, facilitator_user, world["enrollment"]).text
    assert "Fell asleep halfway, still counts." in text
    assert "20 minutes" in text
    assert REFLECTION in text


def test_questionnaire_status_scores_and_safety_history(client, facilitator_user, world):
    enrollment = world["enrollment"]
    flag(enrollment, acknowledged=True)  # a baseline PHQ-9 with item 9 answered, acknowledged
    post = questionnaire(enrollment, "post", done=False)
    open_flag_response = respond(post, "phq9", phq9(3, 2))
    SafetyEvent.objects.create(
        enrollment=enrollment, response=open_flag_response, flag="item9_positive", flag_value=True
    )
    text = get(client, facilitator_user, enrollment).text
    assert "Acknowledged</strong>" in text
    assert "Open</strong>" in text
    assert "PHQ-9" in text
    assert "Baseline" in text
    assert "Post" in text


def test_before_accepting_only_what_the_coordinator_typed_is_shown(client, coordinator_user, world):
    person = UserFactory(full_name="Bella Brown", phone="07700 900222", timezone="Asia/Tokyo")
    invited = EnrollmentFactory(
        cohort=world["cohort"],
        user=person,
        participant_code="TG-02",
        status=EnrollmentStatus.INVITED,
        invited_name="Typed Name",
        invited_phone="01632 960001",
    )
    PracticeLog.objects.create(
        enrollment=invited,
        date=dt.date(2026, 9, 14),
        practice="body_scan",
        minutes=5,
        note="Written elsewhere",
    )
    response = get(client, coordinator_user, invited)
    assert response.status_code == 200
    text = response.text
    assert "TG-02: Typed Name" in text
    assert 'href="tel:01632960001"' in text
    assert "has not accepted the invitation yet" in text
    for secret in ("Bella Brown", "07700 900222", "Asia/Tokyo", "Tokyo", "Written elsewhere"):
        assert secret not in text


def test_reading_the_page_records_one_audit_event(client, facilitator_user, world):
    enrollment = world["enrollment"]
    get(client, facilitator_user, enrollment)
    (event,) = AuditEvent.objects.filter(action=AuditAction.VIEW_ANSWERS)
    assert event.actor == facilitator_user
    assert event.object_id == str(enrollment.pk)
    assert event.participant_codes == "TG-01"
    assert event.organization == world["cohort"].organization
    assert event.details["page"] == "participant"
    assert event.details["notes"] == 1
    assert event.details["reflections"] == 1
    assert "Prefers" not in str(event.details)  # that something was seen, never what


def test_long_lists_show_the_latest_with_a_link_to_show_all(client, facilitator_user, world):
    enrollment = world["enrollment"]
    PracticeLog.objects.bulk_create(
        PracticeLog(
            enrollment=enrollment,
            date=dt.date(2026, 9, 1) + dt.timedelta(days=n % 14),
            practice="body_scan",
            minutes=10,
            note=f"entry {n:02d}",
        )
        for n in range(25)
    )
    text = get(client, facilitator_user, enrollment).text
    assert "Showing the latest 10 of 26 entries" in text
    assert "?all=practice#practice" in text
    everything = get(client, facilitator_user, enrollment, all="practice").text
    assert "Showing the latest" not in everything.split('id="practice"')[1].split("<h2")[0]
    assert all(f"entry {n:02d}" in everything for n in range(25))


# --- query count ---------------------------------------------------------------------------


def _fill(enrollment, sessions, count):
    for number, session in enumerate(sessions[:count]):
        mark(session, enrollment, AttendanceStatus.ATTENDED)
        FacilitatorNote.objects.create(
            scheduled_session=session, enrollment=enrollment, text=f"note {number}"
        )
        FollowUp.objects.create(scheduled_session=session, enrollment=enrollment)
        SessionCompletion.objects.create(
            enrollment=enrollment,
            program_session=session.program_session,
            reflection=f"reflection {number}",
            completed_at=NOW,
        )
    PracticeLog.objects.bulk_create(
        PracticeLog(
            enrollment=enrollment,
            date=dt.date(2026, 9, 1) + dt.timedelta(days=n % 14),
            practice="body_scan",
            minutes=10,
        )
        for n in range(count)
    )


def test_the_page_makes_the_same_queries_for_3_or_30_sessions_and_entries(
    client, organization, facilitator_user, django_assert_max_num_queries
):
    # Sessions weekly from 1 September: at NOW three were held; 30 are held by mid-April.
    small_cohort = group_cohort(organization, [facilitator_user], sessions=3)
    big_cohort = group_cohort(organization, [facilitator_user], sessions=30)
    small = enroll(small_cohort)
    big = enroll(big_cohort)
    later = dt.datetime(2027, 4, 15, 12, tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        client.force_login(facilitator_user)  # a sign-in of NOW would have lapsed by then

    def load(enrollment) -> int:
        with (
            time_machine.travel(later, tick=False),
            # 21: the window changes staff made; 22: who was told about escalated flags.
            django_assert_max_num_queries(22) as captured,
        ):
            response = client.get(page_of(enrollment), {"all": "practice"})
            assert response.status_code == 200
        return len(captured)

    _fill(small, sessions_of(small_cohort), 3)
    _fill(big, sessions_of(big_cohort), 30)
    for enrollment in (small, big):
        flag(enrollment)
    assert load(big) == load(small)

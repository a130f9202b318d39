"""The cohort list and the coordinators' pages for setting cohorts up, through their URLs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Cohort, EnrollmentStatus
from tests.factories import CohortFactory, EnrollmentFactory, coordinator, facilitator

pytestmark = pytest.mark.django_db

LIST = reverse("programs:cohort_list")
CREATE = reverse("programs:cohort_create")


def _update(cohort) -> str:
    return reverse("programs:cohort_update", args=[cohort.pk])


def _form(program, staff, **overrides):
    data = {
        "name": "Autumn evenings",
        "program": program.pk,
        "start_date": "2026-09-15",
        "meeting_weekday": "",
        "meeting_time": "18:00",
        "timezone": "Europe/London",
        "default_modality": "in_person",
        "place": "Room 2, Riverside Centre",
        "video_link": "",
        "phone_instructions": "",
        "facilitators": [staff.pk],
        "skip_dates": "",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------


def test_coordinator_sees_every_cohort_of_their_organization_and_the_create_button(
    client, coordinator_user, organization, other_organization, cohort, mbsr
):
    unassigned = CohortFactory(organization=organization, program=mbsr, name="Spring mornings")
    CohortFactory(organization=other_organization, program=mbsr, name="Hillview group")
    client.force_login(coordinator_user)

    page = client.get(LIST)

    assert page.status_code == 200
    assert cohort.name in page.text
    assert unassigned.name in page.text
    assert "Hillview group" not in page.text
    assert "Create a cohort" in page.text
    assert page.text.count("<h1") == 1


def test_facilitator_sees_only_their_own_cohorts_and_no_create_button(
    client, facilitator_user, organization, cohort, mbsr
):
    CohortFactory(organization=organization, program=mbsr, name="Spring mornings")
    client.force_login(facilitator_user)

    page = client.get(LIST)

    assert page.status_code == 200
    assert cohort.name in page.text
    assert "Spring mornings" not in page.text
    assert "Create a cohort" not in page.text


def test_participant_gets_404_for_the_cohort_list(client, participant, cohort):
    EnrollmentFactory(cohort=cohort, user=participant)
    client.force_login(participant)
    assert client.get(LIST).status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_list_row_names_meeting_pattern_in_the_cohorts_zone_facilitators_and_current_count(
    client, coordinator_user, cohort, participant
):
    coordinator_user.timezone = "America/New_York"
    coordinator_user.save()
    EnrollmentFactory(cohort=cohort, status=EnrollmentStatus.ACTIVE)
    EnrollmentFactory(cohort=cohort, status=EnrollmentStatus.INVITED)
    EnrollmentFactory(cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    EnrollmentFactory(cohort=cohort, status=EnrollmentStatus.COMPLETED)
    client.force_login(coordinator_user)

    page = client.get(LIST)

    assert "Tuesdays at 18:00, Europe/London time" in page.text
    assert "Tuesday 15 September 2026" in page.text
    assert "Fay Facilitator" in page.text
    assert '<td data-label="Participants">2</td>' in page.text
    detail = reverse("reports:cohort_detail", args=[cohort.pk])
    assert f'href="{detail}"' in page.text


def _populate(organization, program, staff, count):
    for _ in range(count):
        cohort = CohortFactory(organization=organization, program=program, facilitators=[staff])
        EnrollmentFactory(cohort=cohort)
    for _ in range(count):
        EnrollmentFactory(cohort=cohort)


def _queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(LIST).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["coordinator", "facilitator"])
def test_list_makes_the_same_few_queries_for_5_or_60_cohorts_and_participants(
    client, organization, mbsr, role, django_assert_max_num_queries
):
    user = (coordinator if role == "coordinator" else facilitator)(organization)
    client.force_login(user)
    _populate(organization, mbsr, user, 5)
    few = _queries_for_list(client)
    _populate(organization, mbsr, user, 55)
    with django_assert_max_num_queries(8):
        page = client.get(LIST)
    assert page.text.count('data-label="Participants"') == 60
    assert _queries_for_list(client) == few


# --- create -------------------------------------------------------------------------------


def test_coordinator_creates_a_cohort_and_its_schedule_is_built(
    client, coordinator_user, facilitator_user, organization, mbsr
):
    client.force_login(coordinator_user)
    form = client.get(CREATE)
    assert form.status_code == 200
    assert 'value="Europe/London" selected' in form.text  # the coordinator's own zone

    response = client.post(CREATE, _form(mbsr, facilitator_user))

    cohort = Cohort.objects.get(name="Autumn evenings")
    assert response.status_code == 302
    assert response.url == reverse("reports:cohort_detail", args=[cohort.pk])
    assert cohort.organization == organization
    assert cohort.meeting_weekday == 1
    assert list(cohort.facilitators.all()) == [facilitator_user]
    assert cohort.scheduled_sessions.count() == 9
    assert "is set up" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_create_form_offers_only_the_organizations_staff_as_facilitators(
    client, coordinator_user, facilitator_user, other_organization
):
    facilitator(other_organization, user__full_name="Hugo Hillview")
    client.force_login(coordinator_user)
    page = client.get(CREATE)
    assert "Fay Facilitator (facilitator)" in page.text
    assert "Cora Coordinator (coordinator)" in page.text
    assert "Hugo Hillview" not in page.text
    assert "<fieldset>" in page.text  # radio and checkbox groups have a legend


def test_start_date_in_the_past_is_refused_and_what_was_typed_stays(
    client, coordinator_user, facilitator_user, mbsr
):
    client.force_login(coordinator_user)
    page = client.post(
        CREATE, _form(mbsr, facilitator_user, start_date="2026-07-01", place="Hall B, level 1")
    )
    assert page.status_code == 200
    assert "The start date has already passed. Choose today or a later date." in page.text
    assert 'value="Autumn evenings"' in page.text
    assert 'value="Hall B, level 1"' in page.text
    assert "There is a problem" in page.text
    assert not Cohort.objects.exists()


def test_duplicate_cohort_name_is_a_form_error(
    client, coordinator_user, facilitator_user, organization, mbsr
):
    CohortFactory(organization=organization, name="Autumn evenings")
    client.force_login(coordinator_user)
    page = client.post(CREATE, _form(mbsr, facilitator_user))
    assert page.status_code == 200
    assert "There is already a cohort called “Autumn evenings” in your organization" in page.text
    assert Cohort.objects.count() == 1


def test_each_bad_skip_date_is_reported_by_line_and_the_text_kept(
    client, coordinator_user, facilitator_user, mbsr
):
    client.force_login(coordinator_user)
    typed = "2026-10-27\n27/10/2026\n\n2026-13-01"
    page = client.post(CREATE, _form(mbsr, facilitator_user, skip_dates=typed))
    assert page.status_code == 200
    assert "Line 2: “27/10/2026” is not a date written as YYYY-MM-DD" in page.text
    assert "Line 4: “2026-13-01” is not a date written as YYYY-MM-DD" in page.text
    assert "27/10/2026\n\n2026-13-01</textarea>" in page.text
    assert not Cohort.objects.exists()


def test_no_facilitator_chosen_is_a_form_error(client, coordinator_user, facilitator_user, mbsr):
    client.force_login(coordinator_user)
    data = _form(mbsr, facilitator_user)
    del data["facilitators"]
    page = client.post(CREATE, data)
    assert "Choose at least one facilitator." in page.text
    assert '<a href="#id_facilitators">' in page.text  # the summary links to the group
    assert not Cohort.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "participant"])
def test_only_coordinators_reach_the_create_page(client, facilitator_user, participant, who, mbsr):
    client.force_login(facilitator_user if who == "facilitator" else participant)
    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, _form(mbsr, facilitator_user)).status_code == 404
    assert not Cohort.objects.exists()


# --- update -------------------------------------------------------------------------------


def test_coordinator_changes_the_meeting_time_and_the_sessions_follow(
    client, coordinator_user, facilitator_user, mbsr
):
    client.force_login(coordinator_user)
    client.post(CREATE, _form(mbsr, facilitator_user))
    cohort = Cohort.objects.get()

    page = client.get(_update(cohort))
    assert page.status_code == 200
    assert 'value="18:00"' in page.text
    # The program is fixed once sessions exist.
    assert re.search(r'<input type="radio" name="program"[^>]* disabled', page.text)

    response = client.post(
        _update(cohort), _form(mbsr, facilitator_user, meeting_time="19:30", meeting_weekday="1")
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.meeting_time == dt.time(19, 30)
    times = {
        s.starts_at.astimezone(cohort.zoneinfo).time()
        for s in cohort.scheduled_sessions.filter(program_session__optional=False)
    }
    assert times == {dt.time(19, 30)}


@pytest.mark.parametrize("who", ["facilitator_of_the_cohort", "other_coordinator", "participant"])
def test_only_the_organizations_coordinators_reach_the_edit_page(
    client, cohort, facilitator_user, other_coordinator, participant, who, mbsr
):
    EnrollmentFactory(cohort=cohort, user=participant)
    user = {
        "facilitator_of_the_cohort": facilitator_user,
        "other_coordinator": other_coordinator,
        "participant": participant,
    }[who]
    client.force_login(user)
    assert client.get(_update(cohort)).status_code == 404
    response = client.post(_update(cohort), _form(mbsr, facilitator_user, name="Taken over"))
    assert response.status_code == 404
    cohort.refresh_from_db()
    assert cohort.name == "Tuesday evenings"


def test_unknown_cohort_is_404(client, coordinator_user):
    client.force_login(coordinator_user)
    assert client.get(reverse("programs:cohort_update", args=[999999])).status_code == 404

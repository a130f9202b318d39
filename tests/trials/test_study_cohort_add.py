"""A later intake joins a running study from the study page: its participants then wait for
randomization like everyone else. Only the study organization's coordinators may add one (404
for others); a cohort of another program or organization, one already in a study, or one with
groups set by hand is refused with the reason and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from programs.models import Arm
from programs.services.enrollments import enrollment_invite
from tests.factories import CohortFactory, EnrollmentFactory, facilitator
from tests.trials.allocation_helpers import make_study, study_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(organization, coordinator_user):
    return make_study(organization=organization, by=coordinator_user)


def _add(client, study, cohort):
    return client.post(reverse("trials:study_cohort_add", args=[study.pk]), {"cohort": cohort.pk})


def test_a_coordinator_adds_a_later_intake_and_its_people_wait_for_their_group(
    client, study, organization, coordinator_user
):
    later = CohortFactory(organization=organization, program=study.program, name="Autumn intake")
    client.force_login(coordinator_user)
    page = client.get(reverse("trials:study_detail", args=[study.pk])).content.decode()
    assert "Add the cohort to the study" in page
    assert "Autumn intake" in page

    response = _add(client, study, later)
    assert response.status_code == 302
    assert set(study.cohorts.all()) >= {later}
    assert AuditEvent.objects.filter(details__change="study_cohort_added").count() == 1
    page = client.get(response.url).content.decode()
    assert "Autumn intake is now part of the study" in page

    # Someone enrolled now has no group until they are randomized.
    enrollment = enrollment_invite(
        cohort=later, email="new@example.org", full_name="New Person", invited_by=coordinator_user
    )
    assert enrollment.arm == Arm.PENDING


def test_a_cohort_with_groups_set_by_hand_is_refused_and_nothing_changes(
    client, study, organization, coordinator_user
):
    handset = CohortFactory(organization=organization, program=study.program, name="Old intake")
    EnrollmentFactory(cohort=handset, arm=Arm.INTERVENTION)
    client.force_login(coordinator_user)
    response = _add(client, study, handset)
    assert response.status_code == 400
    assert "whose group was set by hand" in response.content.decode()
    assert handset not in study.cohorts.all()


def test_cohorts_of_another_program_or_organization_are_not_offered_or_accepted(
    client, study, organization, other_organization, coordinator_user
):
    other_program = CohortFactory(organization=organization, name="Another program's cohort")
    elsewhere = CohortFactory(
        organization=other_organization, program=study.program, name="Elsewhere"
    )
    client.force_login(coordinator_user)
    page = client.get(reverse("trials:study_detail", args=[study.pk])).content.decode()
    assert "Another program's cohort" not in page
    assert "Elsewhere" not in page
    for cohort in (other_program, elsewhere):
        response = _add(client, study, cohort)
        assert response.status_code == 400
        assert "Choose one of the cohorts listed." in response.content.decode()
    assert study.cohorts.count() == 1


def test_a_cohort_already_in_another_study_is_not_offered(
    client, study, organization, coordinator_user
):
    other = make_study(organization=organization, program=study_program(), by=coordinator_user)
    client.force_login(coordinator_user)
    response = _add(client, study, other.cohorts.get())
    assert response.status_code == 400
    assert other.cohorts.get() not in study.cohorts.all()


def test_only_the_study_organizations_coordinators_may_add(
    client, study, organization, other_coordinator
):
    later = CohortFactory(organization=organization, program=study.program)
    member = facilitator(organization)
    later.facilitators.add(member)
    for person in (member, other_coordinator):
        client.force_login(person)
        assert _add(client, study, later).status_code == 404
    assert later not in study.cohorts.all()

"""What a participant in a study reads: waiting for their group (no sessions), then their group
and what happens next; staff cannot hand-pick a group in a study cohort."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.csv_import import ParticipantRow
from programs.models import Arm
from programs.services.common import EnrollmentError, EnrollmentImportError
from programs.services.enrollments import enrollment_import, enrollment_invite, enrollment_update
from sessions.trials.services.allocation import randomize
from tests.factories import EnrollmentFactory
from tests.trials.allocation_helpers import WAITLIST_NEXT, make_study, ready_enrollment

pytestmark = pytest.mark.django_db


def test_a_pending_participant_reads_they_will_be_told_their_group(client):
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get(), baseline=False)
    client.force_login(enrollment.user)
    page = client.get(reverse("reports:participant_home")).content.decode()
    assert "We will tell you your group after your first questionnaires." in page
    assert "Your next session" not in page


def test_a_waitlist_participant_reads_their_group_and_what_happens_next(client):
    study = make_study()
    cohort = study.cohorts.get()
    for _ in range(12):
        allocation = randomize(enrollment=ready_enrollment(cohort), by=study.created_by)
        if allocation.arm.is_comparator:
            break
    assert allocation.arm.is_comparator
    client.force_login(allocation.enrollment.user)
    page = client.get(reverse("reports:participant_home")).content.decode()
    assert "Your group: Course later (waitlist)" in page
    assert WAITLIST_NEXT in page
    assert "Your next session" not in page


def test_the_home_page_query_count_does_not_grow_with_the_study(
    client, django_assert_max_num_queries
):
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get(), baseline=False)
    client.force_login(enrollment.user)
    client.get(reverse("reports:participant_home"))
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("reports:participant_home"))
    for _ in range(5):
        randomize(enrollment=ready_enrollment(study.cohorts.get()), by=study.created_by)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("reports:participant_home"))


def test_new_enrollments_in_a_study_cohort_wait_for_randomization():
    study = make_study()
    cohort = study.cohorts.get()
    enrollment = enrollment_invite(
        cohort=cohort, email="new@example.org", full_name="New Person", invited_by=study.created_by
    )
    assert enrollment.arm == Arm.PENDING
    with pytest.raises(EnrollmentError, match="decided by randomization on the study page"):
        enrollment_invite(
            cohort=cohort,
            email="other@example.org",
            full_name="Other",
            invited_by=study.created_by,
            arm="control",
        )


def test_a_group_cannot_be_set_by_hand_in_a_study_cohort():
    study = make_study()
    enrollment = EnrollmentFactory(cohort=study.cohorts.get(), arm=Arm.PENDING)
    with pytest.raises(EnrollmentError, match="decided by randomization on the study page"):
        enrollment_update(enrollment=enrollment, arm="intervention", status="active")
    enrollment.refresh_from_db()
    assert enrollment.arm == Arm.PENDING


def test_pending_is_never_a_hand_picked_group_elsewhere():
    enrollment = EnrollmentFactory(arm=Arm.INTERVENTION)
    with pytest.raises(EnrollmentError, match="Choose intervention or control"):
        enrollment_update(enrollment=enrollment, arm="pending", status="active")


def test_a_list_import_with_arms_is_refused_for_a_study_cohort():
    study = make_study()
    cohort = study.cohorts.get()
    rows = [ParticipantRow(line=2, full_name="A Person", email="a@example.org", arm="control")]
    with pytest.raises(EnrollmentImportError) as caught:
        enrollment_import(cohort=cohort, rows=rows, invited_by=study.created_by)
    assert "decided by randomization" in str(caught.value.problems[0])
    assert not cohort.enrollments.exists()

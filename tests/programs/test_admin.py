"""Site staff edit program content in the Django admin; cohorts and enrollments change elsewhere."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_program_page_edits_sessions_measurement_points_and_practices_as_json(
    client, operator, mbsr
):
    page = client.get(reverse("admin:programs_program_change", args=[mbsr.pk]))
    assert page.status_code == 200
    assert 'name="practices"' in page.text
    assert 'name="sessions-0-title"' in page.text
    assert 'name="sessions-8-practices"' in page.text  # nine sessions, the optional day too
    assert 'name="measurement_points-0-kind"' in page.text


def test_cohort_pattern_is_read_only_in_the_admin_and_cannot_be_added_there(
    client, operator, cohort
):
    page = client.get(reverse("admin:programs_cohort_change", args=[cohort.pk]))
    assert page.status_code == 200
    assert 'name="name"' in page.text
    assert 'name="meeting_time"' not in page.text
    assert client.get(reverse("admin:programs_cohort_add")).status_code == 403


def test_enrollments_are_read_only_in_the_admin(client, operator, cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    listing = client.get(reverse("admin:programs_enrollment_changelist"))
    assert enrollment.participant_code in listing.text
    page = client.get(reverse("admin:programs_enrollment_change", args=[enrollment.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.text

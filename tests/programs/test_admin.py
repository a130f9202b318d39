"""Site staff look at programs, cohorts and enrollments in the Django admin; they change elsewhere."""

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


def test_programs_are_read_only_in_the_admin_coordinators_edit_them_in_the_app(
    client, operator, mbsr
):
    page = client.get(reverse("admin:programs_program_change", args=[mbsr.pk]))
    assert page.status_code == 200
    assert "Stepping off automatic pilot" in page.text  # the sessions are shown
    assert 'name="practices"' not in page.text
    assert 'name="sessions-0-title"' not in page.text
    assert 'name="measurement_points-0-kind"' not in page.text
    response = client.post(
        reverse("admin:programs_program_change", args=[mbsr.pk]), {"name": "Changed"}
    )
    assert response.status_code == 403
    mbsr.refresh_from_db()
    assert mbsr.name != "Changed"
    assert client.get(reverse("admin:programs_program_add")).status_code == 403


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


def test_organizations_own_programs_are_read_only_in_the_admin(
    client, operator, mbsr, organization, coordinator_user
):
    from programs.authoring.models import ProgramLine
    from programs.authoring.services.versions import line_copy_from_shipped

    line = line_copy_from_shipped(
        user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
    )
    listing = client.get(reverse("admin:authoring_programline_changelist"))
    assert "Our MBSR" in listing.text
    page = client.get(reverse("admin:authoring_programline_change", args=[line.pk]))
    assert page.status_code == 200
    assert 'name="name"' not in page.text
    for model in ("programline", "programversion", "programchange", "recording"):
        assert client.get(reverse(f"admin:authoring_{model}_add")).status_code == 403
    assert ProgramLine.objects.get().name == "Our MBSR"

"""A screening counts towards the study it is for: the screening page offers the organization's
studies of the program (newest first, "Not for a study" possible), and placing someone in a
study cohort ties their screening to that study, so CONSORT's "assessed" includes them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.trials.models import Screening
from sessions.trials.services.screening import screening_enroll
from tests.factories import shipped_program
from tests.trials.allocation_helpers import make_study
from tests.trials.screening_helpers import form_data, screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def ier():
    return shipped_program("ier-6")


def test_the_screening_form_is_for_the_newest_study_unless_told_otherwise(
    client, organization, coordinator_user, ier
):
    older = make_study(organization=organization, program=ier, by=coordinator_user)
    newer = make_study(organization=organization, program=ier, by=coordinator_user)
    client.force_login(coordinator_user)
    page = client.get(reverse("trials:screening_new", args=["ier-6"])).content.decode()
    assert "Screened for the study" in page
    assert f'<option value="{newer.pk}" selected>' in page
    assert "Not for a study" in page

    url = reverse("trials:screening_new", args=["ier-6"])
    client.post(url, {**form_data("ier-6", email="a@example.org"), "study": str(older.pk)})
    client.post(url, {**form_data("ier-6", email="b@example.org"), "study": ""})
    assert Screening.objects.get(email="a@example.org").study == older
    assert Screening.objects.get(email="b@example.org").study is None


def test_a_study_of_another_organization_cannot_be_chosen(
    client, organization, other_organization, coordinator_user, ier
):
    elsewhere = make_study(organization=other_organization, program=ier)
    client.force_login(coordinator_user)
    response = client.post(
        reverse("trials:screening_new", args=["ier-6"]),
        {**form_data("ier-6"), "study": str(elsewhere.pk)},
    )
    # With no study of its own the organization is not asked; the stray value changes nothing.
    assert response.status_code == 302
    assert Screening.objects.get().study is None


def test_enrolling_into_a_study_cohort_ties_the_screening_to_that_study(
    organization, coordinator_user, ier
):
    study = make_study(organization=organization, program=ier, by=coordinator_user)
    screening = screen(organization=organization, program=ier, by=coordinator_user)
    assert screening.study is None
    screening_enroll(screening=screening, cohort=study.cohorts.get(), by=coordinator_user)
    screening.refresh_from_db()
    assert screening.study == study

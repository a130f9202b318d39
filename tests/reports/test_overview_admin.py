"""Django admin lists read the related objects they show with the rows (list_select_related), so
a list of 3 and a list of 30 make the same number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.trials.services.allocation import allocation_correct, randomize
from tests.factories import CohortFactory, UserFactory, staff_totp_ensure
from tests.trials.allocation_helpers import make_study, ready_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    staff_totp_ensure(user)
    client.force_login(user)
    return user


def queries_of(client, url, expected_text):
    client.get(url)  # the session's first request may load more (its user, its second factor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert expected_text in response.text
    return len(queries)


def test_the_cohort_list_makes_the_same_queries_for_3_and_30_cohorts(client, operator):
    # Each cohort of its own program and organization: a query per row would show.
    CohortFactory.create_batch(3)
    url = reverse("admin:programs_cohort_changelist")
    few = queries_of(client, url, "3 cohorts")
    CohortFactory.create_batch(27)
    many = queries_of(client, url, "30 cohorts")
    # The organization and program filters list every organization and program: two queries
    # whatever the count, not one per row.
    assert many == few


def test_the_allocation_lists_make_the_same_queries_for_2_and_8_allocations(client, operator):
    def allocate(count):
        study = make_study()
        cohort = study.cohorts.get()
        for _ in range(count):
            allocation = randomize(enrollment=ready_enrollment(cohort), by=study.created_by)
            other = study.arms.exclude(pk=allocation.arm_id).get()
            allocation_correct(allocation=allocation, arm=other, reason="Typed wrong", by=operator)

    allocate(2)
    allocations = reverse("admin:trials_allocation_changelist")
    corrections = reverse("admin:trials_allocationcorrection_changelist")
    few = (
        queries_of(client, allocations, "2 allocations"),
        queries_of(client, corrections, "2 allocation corrections"),
    )
    allocate(6)  # a second study: its arms and enrollments are other rows again
    many = (
        queries_of(client, allocations, "8 allocations"),
        queries_of(client, corrections, "8 allocation corrections"),
    )
    # The study filter lists the studies: one query, not one per row.
    assert many == few

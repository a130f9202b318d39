"""The editor's list pages make a fixed number of queries however many versions, cohorts and
changes a program has."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.authoring.models import ProgramChange, ProgramLine
from programs.authoring.services.versions import (
    change_record,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from tests.factories import CohortFactory, ship_programs, shipped_program

# Session, user and memberships (the navigation), then the page's own reads.
PROGRAM_LIST_QUERIES = 7
LINE_DETAIL_QUERIES = 7
LINE_HISTORY_QUERIES = 7


def _line_with_versions(organization, user, name: str, versions: int) -> ProgramLine:
    line = line_copy_from_shipped(
        user=user, organization=organization, source=shipped_program("ier-6"), name=name
    )
    for number in range(versions):
        if number:
            draft_get_or_start(user=user, line=line)
        version = draft_publish(user=user, line=line)
        CohortFactory(organization=organization, program=version.program, name=f"{name} {number}")
    draft_get_or_start(user=user, line=line)
    return line


@pytest.fixture
def signed_in(client, coordinator_user):
    ship_programs()
    client.force_login(coordinator_user)
    return client


def _count(client, django_assert_max_num_queries, url: str, limit: int) -> str:
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_program_list_queries_do_not_grow_with_programs_and_versions(
    signed_in, organization, coordinator_user, django_assert_max_num_queries
):
    _line_with_versions(organization, coordinator_user, "First", 1)
    url = reverse("authoring:program_list")
    _count(signed_in, django_assert_max_num_queries, url, PROGRAM_LIST_QUERIES)
    for name in ("Second", "Third", "Fourth"):
        _line_with_versions(organization, coordinator_user, name, 3)
    page = _count(signed_in, django_assert_max_num_queries, url, PROGRAM_LIST_QUERIES)
    assert "Newest version 3" in page
    assert "Version 1: 1 cohort" in page


def test_line_detail_queries_do_not_grow_with_versions_and_cohorts(
    signed_in, organization, coordinator_user, django_assert_max_num_queries
):
    line = _line_with_versions(organization, coordinator_user, "Ours", 5)
    page = _count(
        signed_in,
        django_assert_max_num_queries,
        reverse("authoring:line_detail", args=[line.pk]),
        LINE_DETAIL_QUERIES,
    )
    for number in range(5):
        assert f"Version {number + 1}" in page
        assert f"Ours {number}" in page


def test_line_history_queries_do_not_grow_and_pages_hold_fifty(
    signed_in, organization, coordinator_user, django_assert_max_num_queries
):
    line = _line_with_versions(organization, coordinator_user, "Ours", 2)
    for n in range(120):
        change_record(
            user=coordinator_user,
            line=line,
            version=None,
            action=ProgramChange.Action.EDITED,
            subject=f"Week 1: title {n}",
            before=f"old {n}",
            after=f"new {n}",
        )
    url = reverse("authoring:line_history", args=[line.pk])
    page = _count(signed_in, django_assert_max_num_queries, url, LINE_HISTORY_QUERIES)
    assert "Week 1: title 119" in page
    assert "Week 1: title 69" not in page
    assert "Page 1 of 3" in page
    older = _count(signed_in, django_assert_max_num_queries, f"{url}?page=2", LINE_HISTORY_QUERIES)
    assert "Week 1: title 69" in older

"""Coordinators search their organization's audit log; nobody else reaches it and nobody edits it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent
from tests.factories import EnrollmentFactory, UserFactory, facilitator
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort

pytestmark = pytest.mark.django_db

PAGE = reverse("audit_log")
ROW = re.compile(r"<tr>\s*<td data-label=\"When\">")
NOTES_CELL = '<td data-label="What happened">Viewed staff notes</td>'


def _record(at: dt.datetime, **kwargs) -> AuditEvent:
    with time_machine.travel(at, tick=False):
        return audit_record(request=None, **kwargs)


def _rows(text: str) -> int:
    return len(ROW.findall(text))


@pytest.fixture
def log(organization, other_organization, coordinator_user, facilitator_user, other_coordinator):
    """Events of both organizations and sign-ins of people of each."""
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(
        cohort=cohort, participant_code="MB-TQ4RW", user=UserFactory(email="robin@example.org")
    )
    day = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    return {
        "scores": _record(
            day,
            actor=facilitator_user,
            action=AuditAction.VIEW_SCORES,
            obj=cohort,
            organization=organization,
            participant_codes=["MB-TQ4RW", "MB-22222"],
        ),
        "export": _record(
            day + dt.timedelta(days=1),
            actor=coordinator_user,
            action=AuditAction.EXPORT,
            organization=organization,
            details={"kind": "completion", "row_count": 12, "checksum": "ab" * 32},
        ),
        "staff_sign_in": _record(
            day + dt.timedelta(days=2), actor=facilitator_user, action=AuditAction.LOGIN
        ),
        "participant_sign_in": _record(
            day + dt.timedelta(days=3), actor=enrollment.user, action=AuditAction.LOGIN
        ),
        "failed_for_ours": _record(
            day + dt.timedelta(days=4),
            actor=None,
            actor_email="FAY@example.org",
            action=AuditAction.LOGIN_FAILED,
        ),
        "failed_for_nobody": _record(
            day + dt.timedelta(days=4),
            actor=None,
            actor_email="nobody@example.org",
            action=AuditAction.LOGIN_FAILED,
        ),
        "theirs": _record(
            day,
            actor=other_coordinator,
            action=AuditAction.EXPORT,
            organization=other_organization,
        ),
        "their_sign_in": _record(day, actor=other_coordinator, action=AuditAction.LOGIN),
    }


# --- who reaches it -----------------------------------------------------------------------------


def test_coordinator_sees_their_organization_and_its_peoples_sign_ins(
    client, log, coordinator_user
):
    client.force_login(coordinator_user)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.text
    # The five about this organization and its people, and the coordinator's own sign-in.
    assert _rows(text) == 6
    assert "Viewed scores" in text
    assert "MB-22222 MB-TQ4RW" in text
    assert "row count: 12" in text
    assert "robin@example.org" in text  # a participant of one of its cohorts signed in
    assert "fay@example.org" in text
    assert "nobody@example.org" not in text
    assert "otto@example.org" not in text
    # Times in the viewer's zone, named, with the exact instant for machines.
    assert "Thursday 1 October 2026, 10:00 (Europe/London time)" in text
    assert 'datetime="2026-10-01T09:00:00+00:00"' in text


def test_the_coordinator_of_another_organization_sees_only_theirs(client, log, other_coordinator):
    client.force_login(other_coordinator)
    text = client.get(PAGE).text
    assert _rows(text) == 3  # their export, an earlier sign-in and this one
    assert "otto@example.org" in text
    assert "fay@example.org" not in text
    assert "MB-TQ4RW" not in text


@pytest.mark.parametrize("who", ["facilitator_user", "participant"])
def test_anyone_but_a_coordinator_gets_404(client, log, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_nothing_on_the_page_changes_the_log(client, log, coordinator_user):
    client.force_login(coordinator_user)
    text = client.get(PAGE).text
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main
    before = AuditEvent.objects.count()
    assert client.post(PAGE, {"action": "login"}).status_code == 405
    assert AuditEvent.objects.count() == before


def test_the_coordinator_page_links_to_the_log(client, coordinator_user):
    client.force_login(coordinator_user)
    assert f'href="{PAGE}"' in client.get(reverse("coordinator_home")).text


# --- searching --------------------------------------------------------------------------------


def test_search_by_person(client, log, coordinator_user):
    client.force_login(coordinator_user)
    text = client.get(PAGE, {"person": "FAY"}).text
    assert _rows(text) == 3  # her view of scores, her sign-in, the failed sign-in with her address
    assert "cora@example.org" not in text


def test_search_by_what_happened(client, log, coordinator_user):
    client.force_login(coordinator_user)
    text = client.get(PAGE, {"action": "export"}).text
    assert _rows(text) == 1
    assert "cora@example.org" in text


def test_search_by_participant_code(client, log, coordinator_user):
    client.force_login(coordinator_user)
    text = client.get(PAGE, {"participant": "mb-tq4rw"}).text
    assert _rows(text) == 1
    assert "Viewed scores" in text


def test_search_by_days_in_the_viewers_own_zone(client, log, coordinator_user, organization):
    # 23:30 UTC on 2 October is already 3 October in London (summer time).
    late = _record(
        dt.datetime(2026, 10, 2, 23, 30, tzinfo=dt.UTC),
        actor=coordinator_user,
        action=AuditAction.VIEW_NOTES,
        organization=organization,
    )
    client.force_login(coordinator_user)
    second = client.get(PAGE, {"since": "2026-10-02", "until": "2026-10-02"}).text
    assert _rows(second) == 1  # the export on 2 October, 10:00 London
    assert NOTES_CELL not in second
    third = client.get(PAGE, {"since": "2026-10-03", "until": "2026-10-03"}).text
    assert NOTES_CELL in third
    assert f'datetime="{late.at.isoformat()}"' in third


def test_a_search_with_impossible_dates_says_what_is_wrong(client, log, coordinator_user):
    client.force_login(coordinator_user)
    response = client.get(PAGE, {"since": "2026-10-05", "until": "2026-10-01", "person": "fay"})
    assert response.status_code == 400
    assert "<title>Error: " in response.text
    assert "The last day is before the first day" in response.text
    assert 'value="fay"' in response.text  # what was typed stays
    assert _rows(response.text) == 0
    bad = client.get(PAGE, {"since": "1 Oct"})
    assert bad.status_code == 400
    assert "Enter a date such as" in bad.text


def test_no_match_says_so(client, log, coordinator_user):
    client.force_login(coordinator_user)
    assert "No entries match the search." in client.get(PAGE, {"person": "zz"}).text


# --- pages and queries --------------------------------------------------------------------------


def test_pages_of_fifty_with_the_same_queries_however_long_the_log(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    for n in range(4):
        _record(
            start + dt.timedelta(minutes=n),
            actor=coordinator_user,
            action=AuditAction.VIEW_SCORES,
            organization=organization,
        )
    client.force_login(coordinator_user)
    with django_assert_max_num_queries(8) as few:
        assert _rows(client.get(PAGE).text) == 5  # and the coordinator's sign-in
    for n in range(4, 119):
        _record(
            start + dt.timedelta(minutes=n),
            actor=facilitator(organization),
            action=AuditAction.LOGIN,
        )
    with django_assert_max_num_queries(8) as many:
        first = client.get(PAGE).text
    assert len(few) == len(many)
    assert _rows(first) == 50
    assert "1 to 50 of 120" in first
    assert "Page 1 of 3" in first
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    last = client.get(PAGE, {"page": 3}).text
    assert _rows(last) == 20
    assert "101 to 120 of 120" in last


def test_the_next_page_keeps_the_search(client, organization, coordinator_user):
    for n in range(60):
        _record(
            dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
            actor=coordinator_user,
            action=AuditAction.VIEW_SCORES,
            organization=organization,
        )
    client.force_login(coordinator_user)
    text = client.get(PAGE, {"action": "view_scores"}).text
    assert "?action=view_scores&amp;page=2" in text
